//! Gemini's errors in google.rpc form (`{"error":{"code","message","status","details"}}`).

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::call::Call;
use crate::fault::Failure;
use crate::reply::Reply;
use crate::state::Shared;

const SERVICE: &str = "generativelanguage.googleapis.com";
const RATE_LIMITS_PAGE: &str = "https://ai.google.dev/gemini-api/docs/rate-limits";

fn error(status: StatusCode, rpc_status: &str, message: &str, details: Option<Value>) -> Reply {
    let mut error = json!({"code": status.as_u16(), "message": message, "status": rpc_status});
    if let Some(details) = details {
        error["details"] = details;
    }
    Reply::json(status, json!({"error": error}))
}

pub(super) fn invalid_argument(message: &str) -> Reply {
    error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message, None)
}

pub(super) fn invalid_json() -> Reply {
    invalid_argument("Invalid JSON payload received. Unexpected token.")
}

pub(in crate::providers) fn invalid_key() -> Reply {
    error(
        StatusCode::BAD_REQUEST,
        "INVALID_ARGUMENT",
        "API key not valid. Please pass a valid API key.",
        Some(json!([{
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "API_KEY_INVALID",
            "domain": "googleapis.com",
            "metadata": {"service": SERVICE},
        }])),
    )
}

pub(in crate::providers) fn unregistered_caller() -> Reply {
    error(
        StatusCode::FORBIDDEN,
        "PERMISSION_DENIED",
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        None,
    )
}

pub(in crate::providers) fn model_not_found(model: &str, method: &str) -> Reply {
    error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        &format!(
            "models/{model} is not found for API version v1beta, or is not supported for {method}. Call ListModels to see the list of available models and their supported methods."
        ),
        None,
    )
}

pub(in crate::providers) fn method_not_found() -> Reply {
    error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "Method not found.",
        None,
    )
}

fn quota_failure(quota_id: &str, model: &str, value: &str) -> Value {
    json!({
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        "violations": [{
            "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
            "quotaId": quota_id,
            "quotaDimensions": {"location": "global", "model": model},
            "quotaValue": value,
        }],
    })
}

fn help() -> Value {
    json!({
        "@type": "type.googleapis.com/google.rpc.Help",
        "links": [{"description": "Learn more about Gemini API quotas", "url": RATE_LIMITS_PAGE}],
    })
}

/// The model a request names in its path (`/models/{model}:method`), else the first one served.
fn model_named(call: &Call, shared: &Shared) -> String {
    call.path
        .split("/models/")
        .nth(1)
        .map(crate::keys::percent_decode)
        .and_then(|target| target.split(':').next().map(str::to_owned))
        .filter(|m| !m.is_empty())
        .or_else(|| shared.config.gemini_models.first().cloned())
        .unwrap_or_default()
}

pub(in crate::providers) fn failure(failure: Failure, call: &Call, shared: &Shared) -> Reply {
    let over_quota = format!(
        "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: {RATE_LIMITS_PAGE}."
    );
    match failure {
        Failure::Unauthorized => invalid_key(),
        Failure::EchoKey => error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            &format!(
                "API key not valid: {}. Please pass a valid API key.",
                super::presented_key(call).unwrap_or_default()
            ),
            None,
        ),
        Failure::Forbidden => error(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            "The caller does not have permission",
            None,
        ),
        // Google sends no Retry-After header: the delay is only in the RetryInfo detail.
        Failure::RateLimited(Some(secs)) => error(
            StatusCode::TOO_MANY_REQUESTS,
            "RESOURCE_EXHAUSTED",
            &over_quota,
            Some(json!([
                quota_failure(
                    "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                    &model_named(call, shared),
                    "10"
                ),
                help(),
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": format!("{secs}s")},
            ])),
        ),
        Failure::RateLimited(None) => error(
            StatusCode::TOO_MANY_REQUESTS,
            "RESOURCE_EXHAUSTED",
            "Resource has been exhausted (e.g. check quota).",
            None,
        ),
        Failure::QuotaExhausted => error(
            StatusCode::TOO_MANY_REQUESTS,
            "RESOURCE_EXHAUSTED",
            &over_quota,
            Some(json!([
                quota_failure(
                    "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
                    &model_named(call, shared),
                    "250"
                ),
                help(),
            ])),
        ),
        Failure::ModelNotFound => model_not_found(&model_named(call, shared), "generateContent"),
        Failure::ServerError => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
            None,
        ),
        Failure::Unavailable => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "UNAVAILABLE",
            "The model is overloaded. Please try again later.",
            None,
        ),
    }
}
