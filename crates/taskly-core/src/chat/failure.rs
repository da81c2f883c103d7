//! Turns an upstream's error answer or a transport failure into a typed [`Error`].
//!
//! Status, headers (`Retry-After`, rate-limit resets) and the body's codes decide the class; the
//! body's message is shortened and scrubbed (`error_body`) before it reaches a message. The raw
//! body never leaves this module.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::providers::WireFormat;
use crate::providers::classify::{self, Cause, TransportFailure};
#[cfg(test)]
use crate::providers::wait::MAX_ANNOUNCED_WAIT;
use crate::{ApiKey, Error, Upstream};

pub use crate::providers::classify::MAX_ERROR_BODY;

/// Sorts a non-2xx answer.
pub fn classify_status(
    upstream: Upstream,
    wire: WireFormat,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    presented: Option<&ApiKey>,
    model: &str,
) -> Error {
    let refusal = classify::refusal(wire, status, headers, body, presented);
    let detail = refusal.detail_or_reason();
    let code = status.as_u16();
    // The Taskly token is not the user's key: any refusal of it asks for a new sign-in.
    if upstream == Upstream::Taskly && (code == 401 || code == 403) {
        return Error::ProxyTokenRejected { detail };
    }
    match refusal.cause {
        Cause::QuotaExhausted => Error::QuotaExhausted { upstream, detail },
        Cause::InvalidKey => match upstream {
            Upstream::Provider(provider) => Error::InvalidKey {
                provider,
                status: Some(code),
                detail,
            },
            Upstream::Taskly => Error::ProxyTokenRejected { detail },
        },
        Cause::RateLimited(wait) => Error::RateLimited {
            upstream,
            retry_after: wait,
        },
        Cause::NotFound if code == 404 => Error::ModelNotAvailable {
            upstream,
            model: model.to_owned(),
            detail,
        },
        Cause::UnknownModel => Error::ModelNotAvailable {
            upstream,
            model: model.to_owned(),
            detail,
        },
        Cause::Outage => Error::UpstreamOutage {
            upstream,
            status: code,
            detail,
        },
        Cause::NotFound | Cause::Refused => Error::RequestRefused {
            upstream,
            status: code,
            detail,
        },
    }
}

/// A failure before or while reading an answer.
pub fn classify_transport(
    upstream: Upstream,
    host: &str,
    err: &reqwest::Error,
    phase: &'static str,
    after: Duration,
) -> Error {
    match classify::transport(err) {
        TransportFailure::Timeout => Error::UpstreamTimeout {
            upstream,
            phase,
            after,
        },
        TransportFailure::UntrustedCertificate(detail) => Error::UntrustedCertificate {
            upstream,
            host: host.to_owned(),
            detail,
        },
        TransportFailure::Network(detail) => Error::NetworkError {
            upstream,
            host: host.to_owned(),
            detail,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProviderId;
    use reqwest::header::HeaderValue;

    fn classify(
        upstream: Upstream,
        wire: WireFormat,
        status: u16,
        headers: &[(&'static str, &str)],
        body: &str,
    ) -> Error {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, HeaderValue::from_str(v).expect("header"));
        }
        classify_status(
            upstream,
            wire,
            StatusCode::from_u16(status).expect("status"),
            &map,
            body.as_bytes(),
            None,
            "gpt-4o-mini",
        )
    }

    #[test]
    fn each_class() {
        let openai = Upstream::Provider(ProviderId::Openai);
        let oa = WireFormat::OpenaiCompatible;
        assert!(matches!(
            classify(openai, oa, 401, &[], "{}"),
            Error::InvalidKey { .. }
        ));
        assert!(matches!(
            classify(Upstream::Taskly, oa, 401, &[], "{}"),
            Error::ProxyTokenRejected { .. }
        ));
        let limited = classify(
            openai,
            oa,
            429,
            &[("retry-after", "2")],
            r#"{"error":{"code":"rate_limit_exceeded"}}"#,
        );
        assert!(
            matches!(limited, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(2))
        );
        let reset = classify(
            openai,
            oa,
            429,
            &[("x-ratelimit-reset-requests", "6m0s")],
            "{}",
        );
        assert!(
            matches!(reset, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(360))
        );
        assert!(matches!(
            classify(
                openai,
                oa,
                429,
                &[],
                r#"{"error":{"code":"insufficient_quota"}}"#
            ),
            Error::QuotaExhausted { .. }
        ));
        assert!(matches!(
            classify(
                openai,
                oa,
                404,
                &[],
                r#"{"error":{"code":"model_not_found"}}"#
            ),
            Error::ModelNotAvailable { .. }
        ));
        assert!(matches!(
            classify(openai, oa, 503, &[], "<html>"),
            Error::UpstreamOutage { status: 503, .. }
        ));
        let anthropic = Upstream::Provider(ProviderId::Anthropic);
        assert!(matches!(
            classify(anthropic, WireFormat::Anthropic, 529, &[], "{}"),
            Error::UpstreamOutage { status: 529, .. }
        ));
        let gemini = Upstream::Provider(ProviderId::Gemini);
        let body = r#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}"#;
        assert!(
            matches!(classify(gemini, WireFormat::Gemini, 429, &[], body), Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(37))
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..proptest::prelude::ProptestConfig::default() })]

        /// Every header and body an upstream can send with a 429: the wait it yields is capped.
        #[test]
        fn rate_limit_waits_are_capped(
            retry_after in "[ -~]{0,30}",
            reset in "[ -~]{0,30}",
            delay in "[ -~]{0,30}",
        ) {
            let body = serde_json::json!({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "details": [{"retryDelay": delay}]}}).to_string();
            let mut headers: Vec<(&'static str, &str)> = Vec::new();
            if HeaderValue::from_str(&retry_after).is_ok() {
                headers.push(("retry-after", &retry_after));
            }
            if HeaderValue::from_str(&reset).is_ok() {
                headers.push(("x-ratelimit-reset-requests", &reset));
            }
            for wire in [WireFormat::OpenaiCompatible, WireFormat::Gemini] {
                let err = classify(Upstream::Taskly, wire, 429, &headers, &body);
                if let Error::RateLimited { retry_after: Some(wait), .. } = err {
                    proptest::prop_assert!(wait <= MAX_ANNOUNCED_WAIT);
                }
            }
        }
    }
}
