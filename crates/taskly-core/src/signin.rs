//! Signing in to Taskly: the account keys belong to, and the token the Taskly route sends.
//!
//! Taskly's sign-in service is an OpenID Provider (`TASKLY_AUTH_URL`, found by discovery); the
//! app and the CLI are its public client `taskly-desktop`. Two ways in, both ending in the same
//! [`SignedIn`]:
//! - the browser ([`SignIn::start_browser`]): authorization code with PKCE (S256), `state`,
//!   `nonce` and RFC 9207's `iss` checked, returned to a one-shot listener on `127.0.0.1`
//!   (`callback.rs`); the system browser, never a web view (RFC 8252);
//! - a device code ([`SignIn::start_device`], RFC 8628) for terminals without a browser.
//!
//! The ID token is checked against the issuer's keys (`openidconnect`); the account is
//! (issuer, `sub`), turned into an [`AccountId`] (`account_id_for`), never the email. Tokens
//! live only in the credential store (`store.rs`); SQLite keeps who is signed in, which account
//! is active and when the access token expires (`db::accounts`). The Taskly route gets its token
//! from `refresh.rs`, which refreshes before expiry (and once after a 401) under a lock shared by
//! every Taskly process, storing the rotated refresh token before the new access token is used.
//! Signing out revokes at the issuer (RFC 7009, `revoke.rs`) and deletes the local session even
//! when the issuer cannot be reached.

pub(crate) mod adopt;
mod browser;
mod callback;
mod device;
pub(crate) mod issuer;
pub(crate) mod refresh;
mod revoke;
pub(crate) mod store;
pub(crate) mod token;

use std::sync::Arc;

use openidconnect::core::{CoreGenderClaim, CoreIdTokenClaims, CoreTokenResponse};
use openidconnect::{EmptyAdditionalClaims, IdTokenClaims, OAuth2TokenResponse, TokenResponse};
use serde::Serialize;
use sha2::Digest;

pub use browser::BrowserSignIn;
pub use device::DeviceSignIn;

use crate::core::Core;
use crate::db::accounts::AccountRow;
use crate::time_fmt::now_unix;
use crate::{AccountId, Error, KeyInfo, Result};
use issuer::Issuer;
use store::Which;
use token::Token;

/// The scopes asked for: an ID token, a refresh token, and who the person is.
const SCOPES: [&str; 3] = ["offline_access", "email", "profile"];

/// The machine flag set once the local profile's keys were offered to an account.
const LOCAL_KEYS_ASKED: &str = "local_keys_offered";

/// Sign-in, accounts and sign-out. Works on any core (the account it was opened for does not
/// matter: accounts are machine-wide).
#[derive(Debug, Clone)]
pub struct SignIn {
    core: Arc<Core>,
}

/// How a sign-in should go.
#[derive(Debug, Clone, Default)]
pub struct SignInOptions {
    /// What to call the account (`taskly auth switch NAME`); its email by default.
    pub name: Option<String>,
    /// Ask the issuer for a fresh login (adding another person's account) rather than reusing
    /// the browser's session.
    pub fresh_login: bool,
}

/// A signed-in account, as the CLI and the app show it. Never a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AccountView {
    /// The account id keys and usage carry (derived from issuer and subject).
    pub id: String,
    /// What it is called here.
    pub name: String,
    /// The email the issuer gave.
    pub email: Option<String>,
    /// The person's name the issuer gave.
    pub display_name: Option<String>,
    /// The issuer's `sub`.
    pub subject: String,
    /// The issuer.
    pub issuer: String,
    /// Whether this is the account in use.
    pub active: bool,
    /// Whether it still has a session (false once the issuer ended it: sign in again).
    pub has_session: bool,
    /// When the access token expires (RFC 3339), refreshed without asking.
    pub access_expires_at: Option<String>,
}

impl AccountView {
    /// How a person is shown: the email, else the name, else the subject.
    pub fn who(&self) -> &str {
        self.email
            .as_deref()
            .or(self.display_name.as_deref())
            .unwrap_or(&self.subject)
    }
}

/// Who is signed in.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AuthStatus {
    /// The active account, if any (else the local profile is used).
    pub active: Option<AccountView>,
    /// Every account signed in on this machine.
    pub accounts: Vec<AccountView>,
    /// The sign-in service.
    pub issuer: String,
    /// `TASKLY_PROXY_TOKEN` is set: the Taskly route sends it instead of the session's token.
    pub token_override: bool,
    /// The account whose keys are in use: the active account's id, or the profile's name.
    pub profile: String,
}

/// The end of a sign-in.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SignedIn {
    /// The account, now active.
    pub account: AccountView,
    /// The local profile's keys, when this is the machine's first sign-in and there are any:
    /// ask whether to bring them into the account ([`SignIn::adopt_local_keys`]).
    pub local_keys: Vec<KeyInfo>,
}

/// The end of a sign-out.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SignedOut {
    /// The accounts signed out.
    pub accounts: Vec<AccountView>,
    /// Whether the issuer revoked every session (false: it could not be reached; the local
    /// session is gone anyway and the tokens expire on their own).
    pub revoked: bool,
    /// Why revoking failed, when it did.
    pub revoke_error: Option<String>,
}

impl SignIn {
    /// The sign-in service of `core`'s configuration.
    pub fn new(core: Arc<Core>) -> Self {
        Self { core }
    }

    /// Starts a browser sign-in: binds the loopback listener and builds the URL to open.
    pub async fn start_browser(&self, options: SignInOptions) -> Result<BrowserSignIn> {
        BrowserSignIn::start(self.clone(), options).await
    }

    /// Starts a device-code sign-in: asks the issuer for a code to show.
    pub async fn start_device(&self, options: SignInOptions) -> Result<DeviceSignIn> {
        DeviceSignIn::start(self.clone(), options).await
    }

    /// Who is signed in, which account is active, and whether `TASKLY_PROXY_TOKEN` overrides.
    pub async fn status(&self) -> Result<AuthStatus> {
        let (rows, active) = self
            .core
            .db()
            .call(|conn| {
                Ok((
                    crate::db::accounts::list(conn)?,
                    crate::db::accounts::active(conn)?,
                ))
            })
            .await?;
        let accounts: Vec<AccountView> = rows.iter().map(|r| view(r, active.as_deref())).collect();
        Ok(AuthStatus {
            active: accounts.iter().find(|a| a.active).cloned(),
            accounts,
            issuer: self.core.config().auth.issuer.clone(),
            token_override: self.core.config().chat.proxy_token.is_some(),
            profile: self.core.account().to_string(),
        })
    }

    /// Makes the account called `name` (its name, email or id) the active one.
    pub async fn switch(&self, name: &str) -> Result<AccountView> {
        let name = name.trim().to_owned();
        let row = self
            .core
            .db()
            .call(move |conn| {
                let row = crate::db::accounts::find_by_name(conn, &name)?
                    .ok_or(Error::AccountNotFound { name })?;
                crate::db::accounts::set_active(conn, &row.account)?;
                Ok(row)
            })
            .await?;
        tracing::info!(account = %row.account, "switched account");
        Ok(view(&row, Some(&row.account)))
    }

    /// Signs out the account called `name` (the active one when `None`), or every account:
    /// revokes its refresh token at the issuer, then deletes the local session whatever the
    /// issuer said. The account's keys stay on this machine for when it signs in again.
    pub async fn sign_out(&self, name: Option<&str>, all: bool) -> Result<SignedOut> {
        let name = name.map(|n| n.trim().to_owned());
        let rows = self
            .core
            .db()
            .call(move |conn| {
                if all {
                    return crate::db::accounts::list(conn);
                }
                let row = match name {
                    Some(name) => crate::db::accounts::find_by_name(conn, &name)?
                        .ok_or(Error::AccountNotFound { name })?,
                    None => {
                        let active = crate::db::accounts::active(conn)?.ok_or_else(|| {
                            Error::SignInRequired {
                                detail: "No Taskly account is signed in.".into(),
                            }
                        })?;
                        crate::db::accounts::get(conn, &active)?.ok_or_else(|| {
                            Error::Internal("the active account has no row".into())
                        })?
                    }
                };
                Ok(vec![row])
            })
            .await?;
        let creds = self.core.credentials().await?;
        let mut revoke_error = None;
        let mut accounts = Vec::new();
        for row in rows {
            let account = AccountId::new(&row.account)?;
            let origin = crate::providers::base_url::BaseUrl::parse(&row.issuer)
                .map(|b| b.origin())
                .unwrap_or_default();
            let refresh = store::read(creds, &account, Which::Refresh, &origin).await?;
            let access = store::read(creds, &account, Which::Access, &origin).await?;
            if refresh.is_some() || access.is_some() {
                let revoked = match self.core.issuer().await {
                    // Tokens go only to the issuer that gave them (as a refresh does), never
                    // to another one configured since.
                    Ok(issuer) if issuer.url != row.issuer => Err(Error::AuthUnreachable {
                        issuer: row.issuer.clone(),
                        detail: "it is not the sign-in service configured now \
                                 (TASKLY_AUTH_URL), so it was not asked to end the session"
                            .into(),
                    }),
                    Ok(issuer) => revoke::revoke(&issuer, refresh.as_ref(), access.as_ref()).await,
                    Err(err) => Err(err),
                };
                if let Err(err) = revoked {
                    tracing::warn!(code = ?err.code(), "the issuer did not revoke the session");
                    revoke_error.get_or_insert(err.to_string());
                }
            }
            store::delete(creds, &account).await?;
            let id = row.account.clone();
            self.core
                .db()
                .call(move |conn| crate::db::accounts::delete(conn, &id))
                .await?;
            tracing::info!(account = %row.account, "signed out");
            accounts.push(view(&row, None));
        }
        Ok(SignedOut {
            accounts,
            revoked: revoke_error.is_none(),
            revoke_error,
        })
    }

    /// Brings the local profile's keys into `account` (the answer to [`SignedIn::local_keys`]),
    /// or, with `adopt` false, leaves them in the local profile; either way the question is not
    /// asked again. Returns how many keys moved.
    pub async fn adopt_local_keys(&self, account: &str, adopt: bool) -> Result<usize> {
        let target = AccountId::new(account)?;
        let moved = if adopt {
            adopt::move_local_keys(&self.core, &target).await?
        } else {
            0
        };
        self.core
            .db()
            .call(move |conn| {
                crate::db::accounts::set_flag(
                    conn,
                    LOCAL_KEYS_ASKED,
                    if adopt { "adopted" } else { "kept" },
                )
            })
            .await?;
        Ok(moved)
    }

    /// Stores a finished sign-in's tokens and account, and makes it active.
    async fn establish(
        &self,
        issuer: &Issuer,
        tokens: &CoreTokenResponse,
        claims: &CoreIdTokenClaims,
        options: &SignInOptions,
    ) -> Result<SignedIn> {
        let subject = claims.subject().as_str().to_owned();
        let account = account_id_for(&issuer.url, &subject)?;
        let email = claims.email().map(|e| e.as_str().to_owned());
        let display_name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned());
        let access =
            Token::parse(tokens.access_token().secret()).ok_or_else(|| Error::SignInFailed {
                detail: "the sign-in service sent an access token Taskly cannot use".into(),
            })?;
        let refresh = tokens
            .refresh_token()
            .and_then(|t| Token::parse(t.secret()));
        let expires_at = tokens
            .expires_in()
            .map(|d| now_unix() + i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 4));
        // A name that cannot be used fails before anything is stored (checked again below,
        // in the transaction).
        if let Some(wanted) = &options.name {
            let wanted = AccountId::new(wanted)?.to_string();
            let id = account.to_string();
            let taken = self
                .core
                .db()
                .call(move |conn| crate::db::accounts::name_taken(conn, &wanted, &id))
                .await?;
            if taken {
                return Err(Error::InvalidAccount {
                    reason: "is already the name of another signed-in account",
                });
            }
        }
        let creds = self.core.credentials().await?;
        let origin = issuer.base.origin();
        let label = format!(
            "Taskly Desktop: Taskly sign-in ({})",
            email.as_deref().unwrap_or(&subject)
        );
        // Refresh token first: a crash in between leaves a session that refreshes, never an
        // access token without the means to renew it.
        if let Some(refresh) = &refresh {
            store::write(creds, &account, Which::Refresh, refresh, &origin, &label).await?;
        } else {
            creds.delete(store::entry(&account, Which::Refresh)).await?;
        }
        store::write(creds, &account, Which::Access, &access, &origin, &label).await?;
        let wanted = options.name.clone();
        let row = AccountRow {
            account: account.to_string(),
            issuer: issuer.url.clone(),
            subject: subject.clone(),
            name: String::new(),
            email: email.clone(),
            display_name: display_name.clone(),
            access_expires_at: expires_at,
            has_session: true,
            token_generation: 1,
            signed_in_at: now_unix(),
        };
        let (row, local_keys) = self
            .core
            .db()
            .call(move |conn| {
                let tx = conn.transaction()?;
                let existing = crate::db::accounts::get(&tx, &row.account)?;
                let name = match (&wanted, &existing) {
                    (Some(wanted), _) => {
                        let wanted = AccountId::new(wanted)?.to_string();
                        if crate::db::accounts::name_taken(&tx, &wanted, &row.account)? {
                            return Err(Error::InvalidAccount {
                                reason: "is already the name of another signed-in account",
                            });
                        }
                        wanted
                    }
                    (None, Some(existing)) => existing.name.clone(),
                    (None, None) => unique_name(&tx, &row)?,
                };
                let row = AccountRow { name, ..row };
                crate::db::accounts::upsert_signed_in(&tx, &row)?;
                crate::db::accounts::set_active(&tx, &row.account)?;
                let asked = crate::db::accounts::flag(&tx, LOCAL_KEYS_ASKED)?.is_some();
                let local = if asked {
                    Vec::new()
                } else {
                    crate::db::keys::list_active(&tx, crate::account::DEFAULT_ACCOUNT)?
                };
                let row = crate::db::accounts::get(&tx, &row.account)?.unwrap_or(row);
                tx.commit()?;
                Ok((row, local))
            })
            .await?;
        self.core.forget_session_cache();
        tracing::info!(account = %row.account, "signed in");
        Ok(SignedIn {
            account: view(&row, Some(&row.account)),
            local_keys,
        })
    }
}

/// The name an account gets by default: its email (or subject), made unique.
fn unique_name(conn: &rusqlite::Connection, row: &AccountRow) -> Result<String> {
    let base = row
        .email
        .clone()
        .and_then(|e| AccountId::new(&e).ok())
        .map(|a| a.to_string())
        .unwrap_or_else(|| row.account.clone());
    let mut name = base.clone();
    let mut n = 2;
    while crate::db::accounts::name_taken(conn, &name, &row.account)? {
        name = format!("{base}-{n}");
        n += 1;
    }
    Ok(name)
}

/// The account id for (issuer, subject): `u-` and 32 hex digits of their SHA-256, so it fits
/// an [`AccountId`] whatever the subject looks like, and two issuers never share one.
pub fn account_id_for(issuer: &str, subject: &str) -> Result<AccountId> {
    let mut hash = sha2::Sha256::new();
    hash.update(issuer.trim_end_matches('/').as_bytes());
    hash.update([0]);
    hash.update(subject.as_bytes());
    let digest = hash.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    AccountId::new(&format!("u-{hex}"))
}

fn view(row: &AccountRow, active: Option<&str>) -> AccountView {
    AccountView {
        id: row.account.clone(),
        name: row.name.clone(),
        email: row.email.clone(),
        display_name: row.display_name.clone(),
        subject: row.subject.clone(),
        issuer: row.issuer.clone(),
        active: active == Some(row.account.as_str()),
        has_session: row.has_session,
        access_expires_at: row.access_expires_at.map(crate::time_fmt::rfc3339),
    }
}

/// The claims of an ID token, checked: signature (the issuer's keys), `iss`, `aud`, `exp`
/// (with a minute's leeway for clocks) and, when given, the `nonce`.
fn verified_claims<'a>(
    issuer: &Issuer,
    tokens: &'a CoreTokenResponse,
    nonce: Option<&openidconnect::Nonce>,
) -> Result<&'a IdTokenClaims<EmptyAdditionalClaims, CoreGenderClaim>> {
    let id_token = tokens.id_token().ok_or_else(|| Error::SignInRejected {
        reason: "the sign-in service sent no ID token".into(),
    })?;
    let verifier = issuer
        .client
        .id_token_verifier()
        .set_time_fn(|| chrono::Utc::now() - chrono::Duration::seconds(60));
    let checked = match nonce {
        Some(nonce) => id_token.claims(&verifier, nonce),
        // A refreshed ID token: the nonce of the first sign-in is not kept; subject and issuer
        // are compared by the caller.
        None => id_token.claims(&verifier, |_: Option<&openidconnect::Nonce>| Ok(())),
    };
    checked.map_err(|e| Error::SignInRejected {
        reason: claims_reason(&e),
    })
}

fn claims_reason(err: &openidconnect::ClaimsVerificationError) -> String {
    use openidconnect::ClaimsVerificationError as V;
    match err {
        V::InvalidAudience(_) => "the ID token is for another application (audience)".into(),
        V::InvalidIssuer(_) => "the ID token is from another issuer".into(),
        V::Expired(_) => "the ID token has expired (check this computer's clock)".into(),
        V::InvalidNonce(_) => "the ID token is not for this sign-in (nonce)".into(),
        V::SignatureVerification(_) => "the ID token's signature does not check out".into(),
        V::Unsupported(_) => "the ID token uses an algorithm Taskly does not accept".into(),
        _ => "the ID token did not pass its checks".into(),
    }
}

/// Maps a token-endpoint failure: the issuer's refusal (`invalid_grant` for an expired or used
/// code) or the network.
fn token_error<RE: std::error::Error + 'static, T: openidconnect::ErrorResponse + 'static>(
    issuer: &Issuer,
    err: openidconnect::RequestTokenError<RE, T>,
) -> Error {
    use openidconnect::RequestTokenError as R;
    match err {
        R::ServerResponse(response) => {
            let text = response.to_string();
            let code = text.split(':').next().unwrap_or_default().trim().to_owned();
            Error::SignInFailed {
                detail: match code.as_str() {
                    "invalid_grant" => "the sign-in code was used already or has expired".into(),
                    "access_denied" => "access was declined".into(),
                    "expired_token" => "the code expired before it was entered".into(),
                    other => format!("the sign-in service answered {}", shorten(other)),
                },
            }
        }
        R::Request(e) => Error::AuthUnreachable {
            issuer: issuer.url.clone(),
            detail: crate::http::innermost(&e),
        },
        R::Parse(_, _) => Error::AuthUnreachable {
            issuer: issuer.url.clone(),
            detail: "its answer is not readable".into(),
        },
        R::Other(what) => Error::AuthUnreachable {
            issuer: issuer.url.clone(),
            detail: shorten(&what),
        },
    }
}

/// A short, printable excerpt of an issuer's words (never a token: these are error codes).
fn shorten(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(80)
        .collect();
    if clean.is_empty() {
        "an error".into()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_are_per_issuer_and_subject() {
        let a = account_id_for("https://auth.taskly.chat", "sub-1").expect("id");
        let b = account_id_for("https://auth.taskly.chat/", "sub-1").expect("id");
        let c = account_id_for("https://other.example", "sub-1").expect("id");
        let d = account_id_for("https://auth.taskly.chat", "sub-2").expect("id");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert!(a.as_str().starts_with("u-") && a.as_str().len() == 34);
    }
}
