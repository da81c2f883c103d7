//! The token the Taskly route sends, kept fresh.
//!
//! `TASKLY_PROXY_TOKEN` wins when set. Otherwise the account's access token, read from the
//! credential store once per token generation and refreshed a minute before it expires (and once
//! after the proxy answers 401). Refreshing happens under `signin.lock` in the data folder, held
//! by one Taskly process at a time (the app and any number of CLIs): refresh tokens rotate, and
//! two processes presenting the same one would make the issuer revoke the whole grant. Under the
//! lock the stored state is read again, so a process that waited uses the token the other one
//! got rather than refreshing twice. The rotated refresh token is stored before the new access
//! token, and both before the new access token is used.

use std::sync::Arc;
use std::time::Duration;

use openidconnect::{OAuth2TokenResponse, RefreshToken};

use super::store::{self, Which};
use super::token::Token;
use super::verified_claims;
use crate::core::Core;
use crate::db::accounts::AccountRow;
use crate::time_fmt::now_unix;
use crate::{AccountId, ApiKey, Error, Result};

/// Refresh this long before the access token expires.
const EARLY: i64 = 60;

/// The longest we wait for another process's refresh.
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// The Taskly token and whose it is.
#[derive(Debug, Clone)]
pub(crate) struct TasklyToken {
    /// What is sent as the bearer.
    pub token: Arc<ApiKey>,
    /// The signed-in account's email (for the route label), if the token is a session's.
    pub email: Option<String>,
    /// Whether it comes from a session (and so can be refreshed after a 401).
    pub from_session: bool,
}

/// The cached access token of this core's account: (token generation, token).
pub(crate) type Cached = Option<(i64, Token)>;

/// The token for the Taskly route of `core`'s account.
pub(crate) async fn taskly_token(core: &Core) -> Result<TasklyToken> {
    if let Some(token) = core.config().chat.proxy_token.clone() {
        return Ok(TasklyToken {
            token,
            email: None,
            from_session: false,
        });
    }
    let row = account_row(core).await?;
    let token = current(core, &row, None).await?;
    Ok(TasklyToken {
        token: token.bearer().clone(),
        email: row.email.clone(),
        from_session: true,
    })
}

/// After the proxy refused `rejected`: a token newer than it (another process refreshed), or a
/// refreshed one. `SignInRequired` if the issuer ended the session.
pub(crate) async fn after_rejection(core: &Core, rejected: &ApiKey) -> Result<TasklyToken> {
    let row = account_row(core).await?;
    let token = current(core, &row, Some(rejected)).await?;
    Ok(TasklyToken {
        token: token.bearer().clone(),
        email: row.email.clone(),
        from_session: true,
    })
}

async fn account_row(core: &Core) -> Result<AccountRow> {
    let account = core.account().to_string();
    let row = core
        .db()
        .call(move |conn| crate::db::accounts::get(conn, &account))
        .await?;
    let Some(row) = row else {
        return Err(Error::SignInRequired {
            detail: "You are not signed in to Taskly.".into(),
        });
    };
    if !row.has_session {
        return Err(ended());
    }
    Ok(row)
}

fn ended() -> Error {
    Error::SignInRequired {
        detail: "Your Taskly sign-in has ended (it was signed out or revoked elsewhere).".into(),
    }
}

fn fresh(row: &AccountRow) -> bool {
    row.access_expires_at
        .is_none_or(|at| at > now_unix() + EARLY)
}

/// A usable access token for `row`'s account: cached, stored, or refreshed. With `rejected`,
/// that token is not usable whatever its expiry says.
async fn current(core: &Core, row: &AccountRow, rejected: Option<&ApiKey>) -> Result<Token> {
    let not_rejected = |t: &Token| rejected.is_none_or(|r| !t.bearer().same_as(r));
    if fresh(row) {
        if let Some(token) = core.cached_session(row.token_generation)
            && not_rejected(&token)
        {
            return Ok(token);
        }
        if rejected.is_none() {
            let account = AccountId::new(&row.account)?;
            let creds = core.credentials().await?;
            if let Some(token) = store::read(creds, &account, Which::Access, &origin(row)).await? {
                core.cache_session(row.token_generation, token.clone());
                return Ok(token);
            }
        }
    }
    refresh_locked(core, row, rejected).await
}

fn origin(row: &AccountRow) -> String {
    crate::providers::base_url::BaseUrl::parse(&row.issuer)
        .map(|b| b.origin())
        .unwrap_or_default()
}

async fn refresh_locked(
    core: &Core,
    seen: &AccountRow,
    rejected: Option<&ApiKey>,
) -> Result<Token> {
    let _lock = SessionLock::acquire(core.config().data_dir.join("signin.lock")).await?;
    // What another process may have done while we waited.
    let id = seen.account.clone();
    let row = core
        .db()
        .call(move |conn| crate::db::accounts::get(conn, &id))
        .await?
        .ok_or_else(ended)?;
    if !row.has_session {
        return Err(ended());
    }
    let account = AccountId::new(&row.account)?;
    let creds = core.credentials().await?;
    let origin = origin(&row);
    // Another process refreshed while we waited: its token is used as long as it has not
    // expired (even inside the early-refresh minute), or both would refresh.
    if row.token_generation != seen.token_generation
        && row.access_expires_at.is_none_or(|at| at > now_unix())
        && let Some(token) = store::read(creds, &account, Which::Access, &origin).await?
        && rejected.is_none_or(|r| !token.bearer().same_as(r))
    {
        core.cache_session(row.token_generation, token.clone());
        return Ok(token);
    }
    let Some(refresh) = store::read(creds, &account, Which::Refresh, &origin).await? else {
        end_session(core, &account).await?;
        return Err(ended());
    };
    // The access token still works (this is the early-refresh minute, not a 401): an issuer
    // that cannot be reached right now is no reason to fail the request.
    let still_valid = rejected.is_none() && row.access_expires_at.is_some_and(|at| at > now_unix());
    let issuer = match core.issuer().await {
        Ok(issuer) => issuer,
        Err(err @ Error::AuthUnreachable { .. }) if still_valid => {
            return use_current(core, &row, &account, &origin, err).await;
        }
        Err(err) => return Err(err),
    };
    if issuer.url != row.issuer {
        return Err(Error::SignInRequired {
            detail:
                "This account was signed in at another sign-in service than the one configured now."
                    .into(),
        });
    }
    let http = issuer.http();
    let answer = issuer
        .client
        .exchange_refresh_token(&RefreshToken::new(refresh.expose_secret().to_owned()))
        .map_err(|_| Error::AuthUnreachable {
            issuer: issuer.url.clone(),
            detail: "it names no token endpoint".into(),
        })?
        .request_async(&http)
        .await;
    let tokens = match answer {
        Ok(tokens) => tokens,
        Err(openidconnect::RequestTokenError::ServerResponse(response))
            if matches!(
                response.error(),
                openidconnect::core::CoreErrorResponseType::InvalidGrant
            ) =>
        {
            tracing::info!(account = %row.account, "the issuer ended the session");
            end_session(core, &account).await?;
            return Err(ended());
        }
        Err(err) => {
            let err = super::token_error(&issuer, err);
            if still_valid && matches!(err, Error::AuthUnreachable { .. }) {
                return use_current(core, &row, &account, &origin, err).await;
            }
            return Err(err);
        }
    };
    let (email, name) = match openidconnect::TokenResponse::id_token(&tokens) {
        Some(_) => {
            // The refresh token presented is spent whatever we think of the answer: a session
            // whose answer fails its checks is ended here rather than left to present a spent
            // token (which would make the issuer revoke the grant anyway).
            let checked = verified_claims(&issuer, &tokens, None).and_then(|claims| {
                if claims.subject().as_str() == row.subject {
                    Ok(claims)
                } else {
                    Err(Error::SignInRejected {
                        reason: "the refreshed sign-in is for another person (sub)".into(),
                    })
                }
            });
            let claims = match checked {
                Ok(claims) => claims,
                Err(err) => {
                    tracing::warn!(account = %row.account, code = ?err.code(), "a refreshed ID token failed its checks; ending the session");
                    end_session(core, &account).await?;
                    return Err(err);
                }
            };
            (
                claims.email().map(|e| e.as_str().to_owned()),
                claims
                    .name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str().to_owned()),
            )
        }
        None => (None, None),
    };
    let access =
        Token::parse(tokens.access_token().secret()).ok_or_else(|| Error::SignInFailed {
            detail: "the sign-in service sent an access token Taskly cannot use".into(),
        })?;
    let label = format!(
        "Taskly Desktop: Taskly sign-in ({})",
        row.email.as_deref().unwrap_or(&row.subject)
    );
    // The rotated refresh token first: the old one is spent the moment the issuer answered.
    if let Some(rotated) = tokens
        .refresh_token()
        .and_then(|t| Token::parse(t.secret()))
    {
        store::write(creds, &account, Which::Refresh, &rotated, &origin, &label).await?;
    }
    store::write(creds, &account, Which::Access, &access, &origin, &label).await?;
    let expires_at = tokens
        .expires_in()
        .map(|d| now_unix() + i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 4));
    let id = row.account.clone();
    let generation = core
        .db()
        .call(move |conn| {
            crate::db::accounts::record_refresh(
                conn,
                &id,
                expires_at,
                email.as_deref(),
                name.as_deref(),
            )?;
            Ok(crate::db::accounts::get(conn, &id)?.map(|r| r.token_generation))
        })
        .await?
        .unwrap_or_default();
    core.cache_session(generation, access.clone());
    tracing::info!(account = %row.account, "refreshed the Taskly session");
    Ok(access)
}

/// The stored access token, still valid, when refreshing it early failed for the network's sake.
async fn use_current(
    core: &Core,
    row: &AccountRow,
    account: &AccountId,
    origin: &str,
    why: Error,
) -> Result<Token> {
    let creds = core.credentials().await?;
    match store::read(creds, account, Which::Access, origin).await? {
        Some(token) => {
            tracing::info!(code = ?why.code(), "the sign-in service cannot be reached; using the access token until it expires");
            core.cache_session(row.token_generation, token.clone());
            Ok(token)
        }
        None => Err(why),
    }
}

async fn end_session(core: &Core, account: &AccountId) -> Result<()> {
    let creds = core.credentials().await?;
    store::delete(creds, account).await?;
    let id = account.to_string();
    core.db()
        .call(move |conn| crate::db::accounts::end_session(conn, &id))
        .await?;
    core.forget_session_cache();
    Ok(())
}

/// An exclusive lock on a file, held until dropped (the OS releases it if the process dies).
#[derive(Debug)]
pub(crate) struct SessionLock(#[allow(dead_code)] std::fs::File);

impl SessionLock {
    pub(crate) async fn acquire(path: std::path::PathBuf) -> Result<Self> {
        let deadline = tokio::time::Instant::now() + LOCK_WAIT;
        let file =
            tokio::task::spawn_blocking(move || crate::private_files::open_private_for_lock(&path))
                .await
                .map_err(|e| Error::Internal(format!("lock task failed: {e}")))??;
        let file = Arc::new(file);
        loop {
            let attempt = file.clone();
            let locked = tokio::task::spawn_blocking(move || attempt.try_lock())
                .await
                .map_err(|e| Error::Internal(format!("lock task failed: {e}")))?;
            match locked {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock)
                    if tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::Internal(
                        "another Taskly process has been refreshing the sign-in for 30 seconds"
                            .into(),
                    ));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(Error::Internal(format!("cannot lock the sign-in: {e}")));
                }
            }
        }
        let file = Arc::try_unwrap(file)
            .map_err(|_| Error::Internal("the lock file is still shared".into()))?;
        Ok(Self(file))
    }
}
