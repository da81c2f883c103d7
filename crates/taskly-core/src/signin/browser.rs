//! The browser sign-in: authorization code with PKCE, returned to a loopback listener.
//!
//! [`BrowserSignIn::url`] is what the front end opens in the system browser (and prints);
//! [`BrowserSignIn::finish`] waits for the browser's return, at most the configured time
//! (five minutes), or until the caller cancels, and closes the port in every case.

use std::future::Future;

use openidconnect::core::{CoreAuthPrompt, CoreAuthenticationFlow};
use openidconnect::{
    AuthorizationCode, CsrfToken, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};

use super::callback::{Callback, Listener};
use super::issuer::Issuer;
use super::{SCOPES, SignIn, SignInOptions, SignedIn, token_error, verified_claims};
use crate::{Error, Result};

/// A browser sign-in under way. See the module docs.
pub struct BrowserSignIn {
    service: SignIn,
    issuer: Issuer,
    listener: Listener,
    url: String,
    state: CsrfToken,
    nonce: Nonce,
    verifier: PkceCodeVerifier,
    options: SignInOptions,
}

impl std::fmt::Debug for BrowserSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserSignIn")
            .field("issuer", &self.issuer.url)
            .finish_non_exhaustive()
    }
}

impl BrowserSignIn {
    pub(super) async fn start(service: SignIn, options: SignInOptions) -> Result<Self> {
        let issuer = service.core.issuer().await?;
        let listener = Listener::bind().await?;
        let redirect = RedirectUrl::new(listener.redirect_uri())
            .map_err(|_| Error::Internal("the loopback redirect is not a URL".into()))?;
        let mut issuer = issuer;
        issuer.client = issuer.client.clone().set_redirect_uri(redirect);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = issuer
            .client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge)
            // A refresh token is only issued for offline access the person consented to.
            .add_prompt(CoreAuthPrompt::Consent);
        if options.fresh_login {
            request = request.add_prompt(CoreAuthPrompt::Login);
        }
        for scope in SCOPES {
            request = request.add_scope(Scope::new(scope.to_owned()));
        }
        let (url, state, nonce) = request.url();
        Ok(Self {
            service,
            issuer,
            listener,
            url: url.to_string(),
            state,
            nonce,
            verifier,
            options,
        })
    }

    /// The address to open in the system browser.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Waits for the browser to come back (until the sign-in timeout, or `cancel`), checks the
    /// answer, exchanges the code and stores the session. Nothing is stored on any failure.
    pub async fn finish(self, cancel: impl Future<Output = ()>) -> Result<SignedIn> {
        let timeout = self.service.core.config().auth.sign_in_timeout;
        let callback = tokio::select! {
            callback = self.listener.accept() => callback?,
            () = tokio::time::sleep(timeout) => return Err(Error::SignInTimedOut { after: timeout }),
            () = cancel => return Err(Error::Cancelled),
        };
        let Self {
            service,
            issuer,
            state,
            nonce,
            verifier,
            options,
            ..
        } = self;
        let outcome = complete(
            &service, &issuer, &callback, &state, &nonce, verifier, &options,
        )
        .await;
        match &outcome {
            Ok(_) => callback.finish(Ok(())).await,
            Err(err) => {
                let page = format!("Taskly Desktop could not sign you in. {err}");
                callback.finish(Err(&page)).await;
            }
        }
        outcome
    }
}

async fn complete(
    service: &SignIn,
    issuer: &Issuer,
    callback: &Callback,
    state: &CsrfToken,
    nonce: &Nonce,
    verifier: PkceCodeVerifier,
    options: &SignInOptions,
) -> Result<SignedIn> {
    let param = |name: &str| callback.params.get(name).map(String::as_str);
    // The state first: an answer that is not for this sign-in is not read any further.
    if param("state") != Some(state.secret().as_str()) {
        return Err(Error::SignInRejected {
            reason: "the browser's answer is not for the sign-in Taskly started (state)".into(),
        });
    }
    match param("iss") {
        Some(iss) if iss.trim_end_matches('/') != issuer.url => {
            return Err(Error::SignInRejected {
                reason: "the answer names another issuer (iss)".into(),
            });
        }
        None if issuer.extra.authorization_response_iss_parameter_supported => {
            return Err(Error::SignInRejected {
                reason: "the answer does not name its issuer (iss)".into(),
            });
        }
        _ => {}
    }
    if let Some(error) = param("error") {
        return Err(Error::SignInFailed {
            detail: match error {
                "access_denied" => "access was declined in the browser".into(),
                other => format!("the sign-in service answered {}", super::shorten(other)),
            },
        });
    }
    let code = param("code").ok_or_else(|| Error::SignInRejected {
        reason: "the browser's answer has no code".into(),
    })?;
    let http = issuer.http();
    let tokens = issuer
        .client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|_| Error::AuthUnreachable {
            issuer: issuer.url.clone(),
            detail: "it names no token endpoint".into(),
        })?
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .map_err(|e| token_error(issuer, e))?;
    let claims = verified_claims(issuer, &tokens, Some(nonce))?;
    service.establish(issuer, &tokens, claims, options).await
}
