//! Azure OpenAI's error bodies (`{"error":{"code","message"}}`) and its rate-limit headers.

use axum::http::StatusCode;
use serde_json::json;

use crate::call::Call;
use crate::clock;
use crate::fault::Failure;
use crate::reply::Reply;
use crate::state::Shared;

use super::super::openai::errors::NO_RETRY_RESET_SECS;

fn error(status: StatusCode, code: &str, message: &str) -> Reply {
    Reply::json(status, json!({"error": {"code": code, "message": message}}))
}

pub(in crate::providers) fn missing_key() -> Reply {
    error(
        StatusCode::UNAUTHORIZED,
        "401",
        "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.",
    )
}

pub(in crate::providers) fn invalid_key() -> Reply {
    error(
        StatusCode::UNAUTHORIZED,
        "401",
        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
    )
}

pub(in crate::providers) fn bad_bearer_token() -> Reply {
    error(
        StatusCode::UNAUTHORIZED,
        "401",
        "Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.",
    )
}

pub(in crate::providers) fn resource_not_found() -> Reply {
    error(StatusCode::NOT_FOUND, "404", "Resource not found")
}

pub(in crate::providers) fn deployment_not_found() -> Reply {
    error(
        StatusCode::NOT_FOUND,
        "DeploymentNotFound",
        "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.",
    )
}

pub(in crate::providers) fn failure(failure: Failure, call: &Call, _shared: &Shared) -> Reply {
    match failure {
        Failure::Unauthorized => invalid_key(),
        Failure::EchoKey => error(
            StatusCode::UNAUTHORIZED,
            "401",
            &format!(
                "Access denied due to invalid subscription key {}. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
                super::presented_key(call).unwrap_or_default()
            ),
        ),
        Failure::Forbidden => error(
            StatusCode::FORBIDDEN,
            "403",
            "Access denied due to Virtual Network/Firewall rules.",
        ),
        Failure::RateLimited(Some(secs)) => error(
            StatusCode::TOO_MANY_REQUESTS,
            "429",
            &format!(
                "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version v1 have exceeded call rate limit of your current AIServices S0 pricing tier. Please retry after {secs} seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit."
            ),
        )
        .header("retry-after", secs.to_string())
        .header("retry-after-ms", (secs * 1000).to_string())
        .header("x-ratelimit-limit-requests", "60")
        .header("x-ratelimit-remaining-requests", "0")
        .header("x-ratelimit-limit-tokens", "60000")
        .header("x-ratelimit-remaining-tokens", "59990"),
        Failure::RateLimited(None) => error(
            StatusCode::TOO_MANY_REQUESTS,
            "429",
            "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version v1 have exceeded call rate limit of your current AIServices S0 pricing tier. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.",
        )
        .header("x-ratelimit-limit-requests", "60")
        .header("x-ratelimit-remaining-requests", "0")
        .header("x-ratelimit-reset-requests", clock::go_duration(NO_RETRY_RESET_SECS))
        .header("x-ratelimit-limit-tokens", "60000")
        .header("x-ratelimit-remaining-tokens", "59990"),
        // Azure has no prepaid credit; a spent subscription quota is refused with Cognitive Services' 403.
        Failure::QuotaExhausted => error(
            StatusCode::FORBIDDEN,
            "403",
            "Out of call volume quota for OpenAI API. Quota will be replenished in 2.10:40:25.",
        ),
        Failure::ModelNotFound => deployment_not_found(),
        Failure::ServerError => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "Backend returned unexpected response. Please contact Microsoft for help.",
        ),
        Failure::Unavailable => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "The service is temporarily unable to process your request. Please try again later.",
        ),
    }
}
