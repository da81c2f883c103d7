//! The device-code sign-in (RFC 8628), for terminals without a browser: show the verification
//! address and the user code, then poll the issuer at the interval it asks for (slower when it
//! says `slow_down`) until the person confirms, declines, or the code expires.

use std::future::Future;
use std::time::Duration;

use openidconnect::Scope;
use openidconnect::core::CoreDeviceAuthorizationResponse;

use super::issuer::Issuer;
use super::{SCOPES, SignIn, SignInOptions, SignedIn, token_error, verified_claims};
use crate::{Error, Result};

/// A device sign-in under way: show [`Self::verification_uri`] and [`Self::user_code`].
pub struct DeviceSignIn {
    service: SignIn,
    issuer: Issuer,
    details: CoreDeviceAuthorizationResponse,
    options: SignInOptions,
}

impl std::fmt::Debug for DeviceSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceSignIn")
            .field("issuer", &self.issuer.url)
            .finish_non_exhaustive()
    }
}

impl DeviceSignIn {
    pub(super) async fn start(service: SignIn, options: SignInOptions) -> Result<Self> {
        let issuer = service.core.issuer().await?;
        let endpoint = issuer
            .extra
            .device_authorization_endpoint
            .clone()
            .ok_or_else(|| Error::AuthUnreachable {
                issuer: issuer.url.clone(),
                detail: "it does not offer sign-in with a device code".into(),
            })?;
        issuer.endpoint(endpoint.as_str(), "device authorization")?;
        let client = issuer.client.clone().set_device_authorization_url(endpoint);
        let details = {
            let http = issuer.http();
            let mut request = client.exchange_device_code();
            for scope in std::iter::once("openid").chain(SCOPES) {
                request = request.add_scope(Scope::new(scope.to_owned()));
            }
            let details: CoreDeviceAuthorizationResponse = request
                .request_async(&http)
                .await
                .map_err(|e| token_error(&issuer, e))?;
            details
        };
        Ok(Self {
            service,
            issuer,
            details,
            options,
        })
    }

    /// Where the person goes.
    pub fn verification_uri(&self) -> &str {
        self.details.verification_uri().as_str()
    }

    /// The same address with the code filled in, when the issuer offers one.
    pub fn verification_uri_complete(&self) -> Option<&str> {
        self.details
            .verification_uri_complete()
            .map(|u| u.secret().as_str())
    }

    /// The code the person types there.
    pub fn user_code(&self) -> &str {
        self.details.user_code().secret()
    }

    /// How long the code is valid.
    pub fn expires_in(&self) -> Duration {
        self.details.expires_in()
    }

    /// Polls until the person confirms (or declines, or the code expires, or `cancel`).
    pub async fn finish(self, cancel: impl Future<Output = ()>) -> Result<SignedIn> {
        let client = self.issuer.client.clone();
        let http = self.issuer.http();
        let expires = self.details.expires_in().min(
            self.service
                .core
                .config()
                .auth
                .sign_in_timeout
                .max(Duration::from_secs(1)),
        );
        let poll = async {
            client
                .exchange_device_access_token(&self.details)
                .map_err(|_| Error::AuthUnreachable {
                    issuer: self.issuer.url.clone(),
                    detail: "it names no token endpoint".into(),
                })?
                .request_async(&http, tokio::time::sleep, Some(expires))
                .await
                .map_err(|e| token_error(&self.issuer, e))
        };
        let started = tokio::time::Instant::now();
        let tokens = tokio::select! {
            tokens = poll => tokens.map_err(|err| {
                // The poll stops itself at the code's expiry: that is the person not finishing.
                if started.elapsed() >= expires && !matches!(err, Error::AuthUnreachable { .. }) {
                    Error::SignInTimedOut { after: expires }
                } else {
                    err
                }
            })?,
            () = cancel => return Err(Error::Cancelled),
        };
        let claims = verified_claims(&self.issuer, &tokens, None)?;
        self.service
            .establish(&self.issuer, &tokens, claims, &self.options)
            .await
    }
}
