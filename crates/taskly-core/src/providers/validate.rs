//! Validates a key with a cheap authenticated call (list models) and sorts the answer.
//!
//! Valid → verified, with the models the key can use. 401/403 (and Gemini's 400
//! API_KEY_INVALID) → the key is refused. 429 → the key works but is rate limited or out of
//! quota: it is saved with a note. Anything else (5xx, timeouts, no network) says nothing about
//! the key and is an error the caller may override with "save without checking".

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::providers::base_url::BaseUrl;
use crate::providers::classify::{self, Cause, MAX_ERROR_BODY, TransportFailure};
use crate::providers::gate::Cleared;
use crate::providers::{ProviderId, ProviderSpec, auth};
use crate::{ApiKey, Error, Result};

/// The most bytes we read of a successful models list.
const MAX_BODY: usize = 8 * 1024 * 1024;

/// A key's verification state, as stored and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Verification {
    /// The provider accepted it.
    Verified,
    /// The provider accepted it but is rate limiting it right now.
    RateLimited,
    /// The provider accepted it but the account is out of quota or credit.
    QuotaExhausted,
    /// Saved without checking, or the last check could not reach the provider.
    Unverified,
    /// The provider refused it at the last check.
    Invalid,
}

impl Verification {
    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verification::Verified => "verified",
            Verification::RateLimited => "rate_limited",
            Verification::QuotaExhausted => "quota_exhausted",
            Verification::Unverified => "unverified",
            Verification::Invalid => "invalid",
        }
    }

    /// Parses the stored name.
    pub fn from_stored(s: &str) -> Option<Self> {
        [
            Self::Verified,
            Self::RateLimited,
            Self::QuotaExhausted,
            Self::Unverified,
            Self::Invalid,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// A key the provider accepted (possibly with a note).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationOutcome {
    /// Verified, rate limited or out of quota.
    pub status: Verification,
    /// The models this key can use (empty when the provider does not say).
    pub models: Vec<String>,
    /// A sentence for the user when the key works with a caveat.
    pub note: Option<String>,
}

/// Calls the provider's validation endpoint with `key`, at the destination the gate cleared.
pub async fn validate_key(
    http: &crate::http::HttpClients,
    timeout: Duration,
    spec: &ProviderSpec,
    cleared: &Cleared,
    key: &ApiKey,
) -> Result<ValidationOutcome> {
    let base = cleared.base();
    let url = base.join(spec.validation_path);
    let headers = auth::key_headers(spec, key, cleared)?;
    tracing::debug!(provider = %spec.id, host = %base.host(), "validating key");
    let response = http
        .client(base.is_loopback())
        .get(&url)
        .headers(headers)
        .timeout(timeout)
        .send()
        .await;
    let response = match response {
        Ok(r) => r,
        Err(err) => return Err(transport_error(spec.id, base, timeout, &err)),
    };
    let status = response.status();
    let headers = response.headers().clone();
    let limit = if status.is_success() {
        MAX_BODY
    } else {
        MAX_ERROR_BODY
    };
    let body = crate::http::read_limited(response, limit)
        .await
        .map_err(|err| transport_error(spec.id, base, timeout, &err))?;
    tracing::debug!(provider = %spec.id, status = status.as_u16(), "validation answered");
    classify(spec, status, &headers, &body, key)
}

/// Sorts a validation answer. Separate from the call so every class is tested directly.
pub fn classify(
    spec: &ProviderSpec,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    key: &ApiKey,
) -> Result<ValidationOutcome> {
    if status.is_success() {
        // A 200 that is not a models list is almost always a base URL pointing at something
        // else (a web page, another API): say so, rather than "answered with an error".
        let models = classify::models_list(spec.model_list, body, classify::every_id).ok_or(
            Error::EndpointNotFound {
                provider: spec.id,
                status: status.as_u16(),
            },
        )?;
        return Ok(ValidationOutcome {
            status: Verification::Verified,
            models,
            note: None,
        });
    }
    let refusal = classify::refusal(spec.wire, status, headers, body, Some(key));
    let name = spec.name;
    match refusal.cause {
        Cause::QuotaExhausted => {
            let billing = spec
                .billing_page
                .map(|p| format!(" ({p})"))
                .unwrap_or_default();
            Ok(ValidationOutcome {
                status: Verification::QuotaExhausted,
                models: Vec::new(),
                note: Some(format!(
                    "{name} accepted the key, but the account is out of quota or credit. Check your plan and billing with {name}{billing}."
                )),
            })
        }
        Cause::RateLimited(wait) => {
            let wait_text = wait
                .map(|w| format!(" (try again in {} s)", w.as_secs().max(1)))
                .unwrap_or_default();
            Ok(ValidationOutcome {
                status: Verification::RateLimited,
                models: Vec::new(),
                note: Some(format!(
                    "{name} accepted the key but is rate limiting it right now{wait_text}."
                )),
            })
        }
        Cause::InvalidKey => Err(Error::InvalidKey {
            provider: spec.id,
            status: Some(status.as_u16()),
            detail: refusal.detail("the key was not accepted"),
        }),
        Cause::NotFound => Err(Error::EndpointNotFound {
            provider: spec.id,
            status: status.as_u16(),
        }),
        Cause::UnknownModel | Cause::Outage | Cause::Refused => Err(Error::ProviderError {
            provider: spec.id,
            status: status.as_u16(),
            detail: refusal.detail_or_reason(),
        }),
    }
}

fn transport_error(
    provider: ProviderId,
    base: &BaseUrl,
    timeout: Duration,
    err: &reqwest::Error,
) -> Error {
    match classify::transport(err) {
        TransportFailure::Timeout => Error::ProviderTimeout {
            provider,
            after: timeout,
        },
        TransportFailure::UntrustedCertificate(detail) => Error::UntrustedCertificate {
            upstream: crate::Upstream::Provider(provider),
            host: base.host(),
            detail,
        },
        TransportFailure::Network(detail) => Error::ProviderUnreachable {
            provider,
            host: base.host(),
            detail,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn key() -> ApiKey {
        ApiKey::parse("sk-test-validate-0123456789").expect("valid")
    }

    fn run(
        id: ProviderId,
        status: u16,
        headers: &[(&'static str, &str)],
        body: &str,
    ) -> Result<ValidationOutcome> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, HeaderValue::from_str(value).expect("header"));
        }
        classify(
            id.spec(),
            StatusCode::from_u16(status).expect("status"),
            &map,
            body.as_bytes(),
            &key(),
        )
    }

    #[test]
    fn success_reads_models() {
        let ok = run(
            ProviderId::Openai,
            200,
            &[],
            r#"{"object":"list","data":[{"id":"gpt-4o"},{"id":"gpt-4o-mini"},{"id":"gpt-4o"}]}"#,
        )
        .expect("valid");
        assert_eq!(ok.status, Verification::Verified);
        assert_eq!(ok.models, ["gpt-4o", "gpt-4o-mini"]);
        let gemini = run(
            ProviderId::Gemini,
            200,
            &[],
            r#"{"models":[{"name":"models/gemini-2.5-flash"}]}"#,
        )
        .expect("valid");
        assert_eq!(gemini.models, ["gemini-2.5-flash"]);
        let openrouter = run(
            ProviderId::Openrouter,
            200,
            &[],
            r#"{"data":{"label":"x"}}"#,
        )
        .expect("valid");
        assert!(openrouter.models.is_empty());
        assert!(run(ProviderId::Openai, 200, &[], "<html>").is_err());
    }

    #[test]
    fn each_class() {
        let err = run(ProviderId::Openai, 401, &[], r#"{"error":{"message":"Incorrect API key provided: sk-te***6789.","code":"invalid_api_key"}}"#).expect_err("invalid");
        assert!(
            matches!(
                err,
                Error::InvalidKey {
                    status: Some(401),
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(!err.to_string().contains("sk-te"), "{err}");
        let err = run(ProviderId::Gemini, 400, &[], r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID"}]}}"#).expect_err("invalid");
        assert!(matches!(err, Error::InvalidKey { .. }));
        let limited = run(
            ProviderId::Openai,
            429,
            &[("retry-after", "20")],
            r#"{"error":{"message":"Rate limit reached","code":"rate_limit_exceeded"}}"#,
        )
        .expect("saved");
        assert_eq!(limited.status, Verification::RateLimited);
        assert_eq!(
            limited.note.as_deref(),
            Some("OpenAI accepted the key but is rate limiting it right now (try again in 20 s).")
        );
        let quota = run(ProviderId::Openai, 429, &[], r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#).expect("saved");
        assert_eq!(quota.status, Verification::QuotaExhausted);
        let credit = run(ProviderId::Anthropic, 400, &[], r#"{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API."}}"#).expect("saved");
        assert_eq!(credit.status, Verification::QuotaExhausted);
        let err =
            run(ProviderId::Openai, 503, &[], "<html>bad gateway</html>").expect_err("outage");
        assert!(matches!(err, Error::ProviderError { status: 503, .. }));
        let err = run(ProviderId::Custom, 404, &[], "").expect_err("wrong url");
        assert!(matches!(err, Error::EndpointNotFound { .. }));
    }
}
