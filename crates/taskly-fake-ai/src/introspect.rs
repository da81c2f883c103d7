//! Asking the configured OpenID issuer whether a presented proxy token is active (RFC 7662).
//!
//! Nothing is cached: every proxy call asks, so a token revoked at the issuer is refused on the
//! very next call. Neither the token nor the client secret is ever logged or put in a reason.

use std::io;
use std::net::IpAddr;
use std::time::Duration;

use axum::http::StatusCode;
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use serde::Deserialize;

use crate::config::Introspection;
use crate::keys;

/// The issuer is on loopback: one that takes longer than this is hung, and the proxy says so
/// instead of holding the client's request hostage.
const TIMEOUT: Duration = Duration::from_secs(3);

/// What the issuer said about one proxy call's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Not asked: no introspection configured, not a proxy call, no token, or a static token.
    NotAsked,
    /// Active, and issued to the configured client; `subject` is the `sub` it named, if any.
    Active { subject: Option<String> },
    /// Inactive (unknown, expired, revoked) or issued to another client.
    Inactive,
    /// The issuer could not say: unreachable, too slow, not `200`, or not an introspection
    /// response. The text says which, for the proxy's `503`.
    Unavailable(String),
}

/// A client for the issuer's introspection endpoint, built once per server.
#[derive(Debug)]
pub(crate) struct Introspector {
    http: reqwest::Client,
    endpoint: reqwest::Url,
    settings: Introspection,
}

/// The members of an introspection response the proxy uses (RFC 7662 section 2.2); `active` is
/// required, so a body without it is not an answer.
#[derive(Deserialize)]
struct Answer {
    active: bool,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
}

impl Introspector {
    pub(crate) fn new(settings: &Introspection) -> io::Result<Self> {
        let invalid = |message: String| io::Error::new(io::ErrorKind::InvalidInput, message);
        let endpoint = reqwest::Url::parse(&settings.endpoint).map_err(|error| {
            invalid(format!(
                "the introspection endpoint {:?} is not a URL: {error}",
                settings.endpoint
            ))
        })?;
        if !matches!(endpoint.scheme(), "http" | "https") || !is_loopback(&endpoint) {
            return Err(invalid(format!(
                "the introspection endpoint must be http(s) on a loopback address, not {endpoint}"
            )));
        }
        // No system proxy and no redirects: the answer must come from the endpoint named, and
        // the token must go nowhere else.
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .build()
            .map_err(|error| {
                io::Error::other(format!("no HTTP client for introspection: {error}"))
            })?;
        Ok(Self {
            http,
            endpoint,
            settings: settings.clone(),
        })
    }

    /// Ask the issuer about `token`, once, now.
    pub(crate) async fn check(&self, token: &str) -> Verdict {
        let verdict = match self.ask(token).await {
            Ok(answer) => self.judge(answer),
            Err(reason) => Verdict::Unavailable(reason),
        };
        match &verdict {
            Verdict::Unavailable(reason) => tracing::warn!(%reason, "token introspection failed"),
            other => tracing::debug!(
                active = matches!(other, Verdict::Active { .. }),
                "introspected a proxy token"
            ),
        }
        verdict
    }

    async fn ask(&self, token: &str) -> Result<Answer, String> {
        let body = format!(
            "token={}&token_type_hint=access_token",
            keys::form_encode(token)
        );
        // RFC 6749 section 2.3.1: both parts form-encoded before they are joined.
        let response = self
            .http
            .post(self.endpoint.clone())
            .basic_auth(
                keys::form_encode(&self.settings.client_id),
                Some(keys::form_encode(&self.settings.client_secret)),
            )
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|error| {
                if error.is_timeout() {
                    format!("it did not answer within {} s", TIMEOUT.as_secs())
                } else if error.is_connect() {
                    "it cannot be reached".to_owned()
                } else {
                    format!("the request failed ({})", error.without_url())
                }
            })?;
        let status = response.status();
        if status != StatusCode::OK {
            return Err(format!("it answered HTTP {}", status.as_u16()));
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|_| "its answer broke off".to_owned())?;
        serde_json::from_slice(&bytes)
            .map_err(|_| "its answer is not an introspection response".to_owned())
    }

    fn judge(&self, answer: Answer) -> Verdict {
        if !answer.active {
            return Verdict::Inactive;
        }
        if let Some(audience) = &self.settings.audience_client
            && answer.client_id.as_deref() != Some(audience.as_str())
        {
            return Verdict::Inactive;
        }
        Verdict::Active {
            subject: answer.sub,
        }
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(endpoint: &str) -> Introspection {
        Introspection {
            endpoint: endpoint.to_owned(),
            client_id: "taskly-proxy".to_owned(),
            client_secret: "s3cret".to_owned(),
            audience_client: Some("taskly-desktop".to_owned()),
        }
    }

    #[test]
    fn only_loopback_endpoints() {
        for ok in [
            "http://127.0.0.1:9/introspect",
            "http://[::1]:9/introspect",
            "http://localhost:9/introspect",
            "https://127.0.0.2/introspect",
        ] {
            assert!(Introspector::new(&settings(ok)).is_ok(), "{ok}");
        }
        for refused in [
            "http://example.com/introspect",
            "http://10.0.0.1/introspect",
            "ftp://127.0.0.1/introspect",
            "not a url",
        ] {
            assert!(Introspector::new(&settings(refused)).is_err(), "{refused}");
        }
    }

    #[test]
    fn judges_activity_and_audience() {
        let introspector =
            Introspector::new(&settings("http://127.0.0.1:9/introspect")).expect("builds");
        let answer = |active, client_id: Option<&str>| Answer {
            active,
            sub: Some("sub-a".to_owned()),
            client_id: client_id.map(str::to_owned),
        };
        assert_eq!(
            introspector.judge(answer(true, Some("taskly-desktop"))),
            Verdict::Active {
                subject: Some("sub-a".to_owned())
            }
        );
        assert_eq!(
            introspector.judge(answer(false, Some("taskly-desktop"))),
            Verdict::Inactive
        );
        assert_eq!(
            introspector.judge(answer(true, Some("other-app"))),
            Verdict::Inactive
        );
        assert_eq!(introspector.judge(answer(true, None)), Verdict::Inactive);
    }
}
