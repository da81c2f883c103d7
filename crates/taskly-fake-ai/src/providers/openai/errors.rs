//! OpenAI's error bodies (`{"error":{"message","type","param","code"}}`) and rate-limit headers.

use axum::http::StatusCode;
use serde_json::json;

use crate::call::Call;
use crate::clock;
use crate::fault::Failure;
use crate::keys;
use crate::reply::Reply;
use crate::state::Shared;

const KEYS_PAGE: &str = "https://platform.openai.com/account/api-keys";

pub(in crate::providers) fn error(
    status: StatusCode,
    message: &str,
    kind: &str,
    param: Option<&str>,
    code: Option<&str>,
) -> Reply {
    Reply::json(
        status,
        json!({"error": {"message": message, "type": kind, "param": param, "code": code}}),
    )
}

fn invalid_request(
    status: StatusCode,
    message: &str,
    param: Option<&str>,
    code: Option<&str>,
) -> Reply {
    error(status, message, "invalid_request_error", param, code)
}

pub(in crate::providers) fn missing_key() -> Reply {
    invalid_request(
        StatusCode::UNAUTHORIZED,
        &format!(
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from {KEYS_PAGE}."
        ),
        None,
        None,
    )
}

/// The real 401, key masked as OpenAI masks it.
pub(in crate::providers) fn incorrect_key(key: &str) -> Reply {
    incorrect_key_shown(&keys::mask(key))
}

fn incorrect_key_shown(shown: &str) -> Reply {
    invalid_request(
        StatusCode::UNAUTHORIZED,
        &format!("Incorrect API key provided: {shown}. You can find your API key at {KEYS_PAGE}."),
        None,
        Some("invalid_api_key"),
    )
}

pub(in crate::providers) fn invalid_json() -> Reply {
    invalid_request(
        StatusCode::BAD_REQUEST,
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
        None,
        None,
    )
}

pub(in crate::providers) fn missing_model() -> Reply {
    invalid_request(
        StatusCode::BAD_REQUEST,
        "you must provide a model parameter",
        None,
        None,
    )
}

pub(in crate::providers) fn missing_messages() -> Reply {
    invalid_request(
        StatusCode::BAD_REQUEST,
        "Missing required parameter: 'messages'.",
        Some("messages"),
        Some("missing_required_parameter"),
    )
}

pub(in crate::providers) fn empty_messages() -> Reply {
    invalid_request(
        StatusCode::BAD_REQUEST,
        "[] is too short - 'messages'",
        Some("messages"),
        Some("empty_array"),
    )
}

pub(in crate::providers) fn messages_not_array() -> Reply {
    invalid_request(
        StatusCode::BAD_REQUEST,
        "Invalid type for 'messages': expected an array of objects.",
        Some("messages"),
        Some("invalid_type"),
    )
}

pub(in crate::providers) fn model_not_found(model: &str) -> Reply {
    invalid_request(
        StatusCode::NOT_FOUND,
        &format!("The model `{model}` does not exist or you do not have access to it."),
        None,
        Some("model_not_found"),
    )
}

pub(in crate::providers) fn invalid_url(call: &Call) -> Reply {
    invalid_request(
        StatusCode::NOT_FOUND,
        &format!("Invalid URL ({} {})", call.method, call.path),
        None,
        None,
    )
}

/// OpenAI's `x-ratelimit-*` headers; `Retry-After` only when a delay is announced.
pub(in crate::providers) fn rate_limit_headers(reply: Reply, retry_after: Option<u64>) -> Reply {
    let reset = retry_after.unwrap_or(NO_RETRY_RESET_SECS);
    let reply = reply
        .header("x-ratelimit-limit-requests", "500")
        .header("x-ratelimit-remaining-requests", "0")
        .header("x-ratelimit-reset-requests", clock::go_duration(reset))
        .header("x-ratelimit-limit-tokens", "200000")
        .header("x-ratelimit-remaining-tokens", "199990")
        .header("x-ratelimit-reset-tokens", "3ms");
    match retry_after {
        Some(secs) => reply.header("retry-after", secs.to_string()),
        None => reply,
    }
}

/// Reset announced when no retry delay is: OpenAI's long `6m0s` style.
pub(in crate::providers) const NO_RETRY_RESET_SECS: u64 = 360;

/// The model a failure message names: the one requested, else the first one served.
pub(in crate::providers) fn model_named(call: &Call, shared: &Shared) -> String {
    call.body_model()
        .or_else(|| shared.config.models.first().cloned())
        .unwrap_or_else(|| "gpt-4o-mini".to_owned())
}

pub(in crate::providers) fn failure(failure: Failure, call: &Call, shared: &Shared) -> Reply {
    match failure {
        Failure::Unauthorized => incorrect_key(super::presented_key(call).unwrap_or_default()),
        Failure::EchoKey => incorrect_key_shown(super::presented_key(call).unwrap_or_default()),
        Failure::Forbidden => invalid_request(
            StatusCode::FORBIDDEN,
            "You are not allowed to sample from this model",
            None,
            None,
        ),
        Failure::RateLimited(retry_after) => {
            let wait = clock::go_duration(retry_after.unwrap_or(NO_RETRY_RESET_SECS));
            let message = format!(
                "Rate limit reached for {} in organization org-tasklyfake on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in {wait}. Visit https://platform.openai.com/account/rate-limits to learn more.",
                model_named(call, shared)
            );
            rate_limit_headers(
                error(
                    StatusCode::TOO_MANY_REQUESTS,
                    &message,
                    "requests",
                    None,
                    Some("rate_limit_exceeded"),
                ),
                retry_after,
            )
        }
        Failure::QuotaExhausted => error(
            StatusCode::TOO_MANY_REQUESTS,
            "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
            "insufficient_quota",
            None,
            Some("insufficient_quota"),
        ),
        Failure::ModelNotFound => model_not_found(&model_named(call, shared)),
        Failure::ServerError => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server had an error while processing your request. Sorry about that!",
            "server_error",
            None,
            None,
        ),
        Failure::Unavailable => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "The engine is currently overloaded, please try again later.",
            "server_error",
            None,
            None,
        ),
    }
}
