//! Anthropic's error bodies (`{"type":"error","error":{"type","message"}}`) and `anthropic-ratelimit-*` headers.

use axum::http::StatusCode;
use serde_json::json;

use crate::call::Call;
use crate::clock;
use crate::fault::Failure;
use crate::reply::Reply;
use crate::state::Shared;

/// Reset announced when no retry delay is.
const NO_RETRY_RESET_SECS: u64 = 60;

fn error(status: StatusCode, kind: &str, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_fake0000000000000001"}),
    )
    .header("request-id", "req_fake0000000000000001")
}

pub(super) fn invalid_request(message: &str) -> Reply {
    error(StatusCode::BAD_REQUEST, "invalid_request_error", message)
}

pub(in crate::providers) fn missing_key() -> Reply {
    error(
        StatusCode::UNAUTHORIZED,
        "authentication_error",
        "x-api-key header is required",
    )
}

pub(in crate::providers) fn invalid_key() -> Reply {
    error(
        StatusCode::UNAUTHORIZED,
        "authentication_error",
        "invalid x-api-key",
    )
}

pub(in crate::providers) fn missing_version() -> Reply {
    invalid_request("anthropic-version: header is required")
}

pub(in crate::providers) fn model_not_found(model: &str) -> Reply {
    error(
        StatusCode::NOT_FOUND,
        "not_found_error",
        &format!("model: {model}"),
    )
}

pub(in crate::providers) fn not_found_path() -> Reply {
    error(StatusCode::NOT_FOUND, "not_found_error", "Not Found")
}

fn rate_limited(retry_after: Option<u64>) -> Reply {
    let reset = clock::rfc3339(clock::unix_now() + retry_after.unwrap_or(NO_RETRY_RESET_SECS));
    let reply = error(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limit_error",
        "This request would exceed the rate limit for your organization (org-tasklyfake) of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.",
    )
    .header("anthropic-ratelimit-requests-limit", "50")
    .header("anthropic-ratelimit-requests-remaining", "0")
    .header("anthropic-ratelimit-requests-reset", reset.clone())
    .header("anthropic-ratelimit-tokens-limit", "40000")
    .header("anthropic-ratelimit-tokens-remaining", "39990")
    .header("anthropic-ratelimit-tokens-reset", reset);
    match retry_after {
        Some(secs) => reply.header("retry-after", secs.to_string()),
        None => reply,
    }
}

pub(in crate::providers) fn failure(failure: Failure, call: &Call, shared: &Shared) -> Reply {
    match failure {
        Failure::Unauthorized => invalid_key(),
        Failure::EchoKey => error(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            &format!(
                "invalid x-api-key: {}",
                super::presented_key(call).unwrap_or_default()
            ),
        ),
        Failure::Forbidden => error(
            StatusCode::FORBIDDEN,
            "permission_error",
            "Your API key does not have permission to use the specified resource.",
        ),
        Failure::RateLimited(retry_after) => rate_limited(retry_after),
        Failure::QuotaExhausted => invalid_request(
            "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.",
        ),
        Failure::ModelNotFound => model_not_found(
            &call
                .body_model()
                .or_else(|| shared.config.anthropic_models.first().cloned())
                .unwrap_or_default(),
        ),
        Failure::ServerError => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "api_error",
            "Internal server error",
        ),
        Failure::Unavailable => error(
            // 529 is Anthropic's own "overloaded" status.
            StatusCode::from_u16(529).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            "overloaded_error",
            "Overloaded",
        ),
    }
}
