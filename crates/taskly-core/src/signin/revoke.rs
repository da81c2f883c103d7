//! Sign-out at the issuer: RFC 7009 token revocation, written out (a form POST) because
//! `openidconnect` refuses a plain-http revocation endpoint, which the loopback issuer of the
//! tests and the demo has. The endpoint is checked like every issuer address first.

use super::issuer::Issuer;
use super::token::Token;
use crate::{Error, Result};

/// Revokes the refresh token (which ends the grant) and the access token.
pub(super) async fn revoke(
    issuer: &Issuer,
    refresh: Option<&Token>,
    access: Option<&Token>,
) -> Result<()> {
    let endpoint =
        issuer
            .extra
            .revocation_endpoint
            .clone()
            .ok_or_else(|| Error::AuthUnreachable {
                issuer: issuer.url.clone(),
                detail: "it does not offer signing out (no revocation endpoint)".into(),
            })?;
    let url = issuer.endpoint(&endpoint, "revocation")?;
    for (token, hint) in [(refresh, "refresh_token"), (access, "access_token")] {
        let Some(token) = token else { continue };
        let body = zeroize::Zeroizing::new(
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("token", token.expose_secret())
                .append_pair("token_type_hint", hint)
                .append_pair("client_id", &issuer.client_id)
                .finish(),
        );
        let response = issuer
            .http
            .post(url.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body.as_bytes().to_vec())
            .timeout(issuer.timeout)
            .send()
            .await
            .map_err(|e| Error::AuthUnreachable {
                issuer: issuer.url.clone(),
                detail: crate::http::innermost(&e),
            })?;
        // RFC 7009 §2.2: 200 also for a token the issuer no longer knows.
        if !response.status().is_success() {
            return Err(Error::AuthUnreachable {
                issuer: issuer.url.clone(),
                detail: format!("signing out answered {}", response.status()),
            });
        }
    }
    Ok(())
}
