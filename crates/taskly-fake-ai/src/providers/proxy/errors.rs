//! The Taskly proxy's errors: OpenAI's shape, the proxy's own words and codes.

use axum::http::StatusCode;

use crate::call::Call;
use crate::clock;
use crate::fault::Failure;
use crate::reply::Reply;
use crate::state::Shared;

use super::super::openai::errors::{
    NO_RETRY_RESET_SECS, error, model_not_found, rate_limit_headers,
};

fn proxy_error(status: StatusCode, message: &str, kind: &str, code: &str) -> Reply {
    error(status, message, kind, None, Some(code))
}

pub(in crate::providers) fn invalid_token() -> Reply {
    // Exactly the documented body: no `param` member.
    Reply::json(
        StatusCode::UNAUTHORIZED,
        serde_json::json!({"error": {
            "message": "Invalid Taskly proxy token.",
            "type": "invalid_request_error",
            "code": "invalid_proxy_token",
        }}),
    )
}

pub(in crate::providers) fn missing_token() -> Reply {
    Reply::json(
        StatusCode::UNAUTHORIZED,
        serde_json::json!({"error": {
            "message": "Missing Taskly proxy token. Send it as Authorization: Bearer <token>.",
            "type": "invalid_request_error",
            "code": "invalid_proxy_token",
        }}),
    )
}

/// The issuer could not say whether the token is active, so the proxy cannot either: a `503`
/// the client may retry, rather than a `401` that would wrongly tell it to sign in again.
/// Shaped like `invalid_token`'s body (no `param`), the other answer about the token.
pub(in crate::providers) fn introspection_unavailable(reason: &str) -> Reply {
    Reply::json(
        StatusCode::SERVICE_UNAVAILABLE,
        serde_json::json!({"error": {
            "message": format!(
                "The Taskly proxy cannot check your sign-in right now: the sign-in service's token introspection failed ({reason}). Please try again later."
            ),
            "type": "server_error",
            "code": "introspection_unavailable",
        }}),
    )
}

pub(in crate::providers) fn unqualified_model(model: &str) -> Reply {
    error(
        StatusCode::BAD_REQUEST,
        &format!(
            "Model must be named provider/model (for example openai/gpt-4o-mini), got `{model}`."
        ),
        "invalid_request_error",
        Some("model"),
        Some("invalid_model"),
    )
}

pub(in crate::providers) fn failure(failure: Failure, call: &Call, _shared: &Shared) -> Reply {
    match failure {
        Failure::Unauthorized => invalid_token(),
        Failure::EchoKey => proxy_error(
            StatusCode::UNAUTHORIZED,
            &format!(
                "Invalid Taskly proxy token: {}.",
                super::presented_token(call).unwrap_or_default()
            ),
            "invalid_request_error",
            "invalid_proxy_token",
        ),
        Failure::Forbidden => proxy_error(
            StatusCode::FORBIDDEN,
            "This Taskly account is not allowed to use the proxy.",
            "invalid_request_error",
            "proxy_forbidden",
        ),
        Failure::RateLimited(retry_after) => rate_limit_headers(
            proxy_error(
                StatusCode::TOO_MANY_REQUESTS,
                &format!(
                    "Taskly proxy rate limit reached. Please try again in {}.",
                    clock::go_duration(retry_after.unwrap_or(NO_RETRY_RESET_SECS))
                ),
                "requests",
                "rate_limit_exceeded",
            ),
            retry_after,
        ),
        Failure::QuotaExhausted => proxy_error(
            StatusCode::TOO_MANY_REQUESTS,
            "Your Taskly proxy quota is used up. Upgrade your plan or bring your own provider key.",
            "insufficient_quota",
            "insufficient_quota",
        ),
        Failure::ModelNotFound => model_not_found(
            &call
                .body_model()
                .unwrap_or_else(|| "openai/gpt-4o-mini".to_owned()),
        ),
        Failure::ServerError => proxy_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The Taskly proxy had an error while processing your request.",
            "server_error",
            "proxy_error",
        ),
        Failure::Unavailable => proxy_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "The upstream provider is unavailable. Please try again later.",
            "server_error",
            "upstream_unavailable",
        ),
    }
}
