//! Error faults: each flavor's real status, body and headers; matching, repetition, precedence over auth.

use reqwest::Method;
use serde_json::Value;
use taskly_fake_ai::{Fault, Flavor, ScriptedFault};

use crate::support::{self, KEY, chat, json, server};

/// Push `fault` for `flavor`, make one plain chat call, return status, headers and body.
async fn faulted(flavor: Flavor, fault: Fault) -> (u16, reqwest::header::HeaderMap, Value) {
    let fake = server().await;
    fake.push_fault(ScriptedFault::new(fault).for_flavor(flavor));
    let response = chat(&fake, flavor, "hi", false).send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, json(response).await)
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn unauthorized_is_each_flavors_real_refusal() {
    let cases = [
        (Flavor::OpenAi, 401, "/error/code", "invalid_api_key"),
        (Flavor::Azure, 401, "/error/code", "401"),
        (
            Flavor::Anthropic,
            401,
            "/error/type",
            "authentication_error",
        ),
        (
            Flavor::Gemini,
            400,
            "/error/details/0/reason",
            "API_KEY_INVALID",
        ),
        (Flavor::Proxy, 401, "/error/code", "invalid_proxy_token"),
    ];
    for (flavor, status, pointer, value) in cases {
        let (got, _, body) = faulted(flavor, Fault::Unauthorized).await;
        assert_eq!(got, status, "{flavor}");
        assert_eq!(body.pointer(pointer).unwrap(), value, "{flavor}: {body}");
    }
}

#[tokio::test]
async fn forbidden_is_403_everywhere() {
    for flavor in Flavor::ALL {
        let (status, _, body) = faulted(flavor, Fault::Forbidden).await;
        assert_eq!(status, 403, "{flavor}");
        assert!(body["error"].is_object(), "{flavor}: {body}");
    }
    let (_, _, body) = faulted(Flavor::Anthropic, Fault::Forbidden).await;
    assert_eq!(body["error"]["type"], "permission_error");
    let (_, _, body) = faulted(Flavor::Gemini, Fault::Forbidden).await;
    assert_eq!(body["error"]["status"], "PERMISSION_DENIED");
}

#[tokio::test]
async fn rate_limits_carry_each_flavors_headers() {
    let limited = Fault::RateLimited {
        retry_after_secs: 7,
    };

    let (status, headers, body) = faulted(Flavor::OpenAi, limited.clone()).await;
    assert_eq!(status, 429);
    assert_eq!(header(&headers, "retry-after"), Some("7"));
    assert_eq!(
        header(&headers, "x-ratelimit-remaining-requests"),
        Some("0")
    );
    assert_eq!(header(&headers, "x-ratelimit-reset-requests"), Some("7s"));
    assert!(header(&headers, "x-ratelimit-limit-tokens").is_some());
    assert_eq!(body["error"]["code"], "rate_limit_exceeded");

    let (status, headers, body) = faulted(Flavor::Azure, limited.clone()).await;
    assert_eq!(status, 429);
    assert_eq!(header(&headers, "retry-after"), Some("7"));
    assert_eq!(header(&headers, "retry-after-ms"), Some("7000"));
    assert_eq!(body["error"]["code"], "429");

    let (status, headers, body) = faulted(Flavor::Anthropic, limited.clone()).await;
    assert_eq!(status, 429);
    assert_eq!(header(&headers, "retry-after"), Some("7"));
    assert_eq!(
        header(&headers, "anthropic-ratelimit-requests-limit"),
        Some("50")
    );
    assert_eq!(
        header(&headers, "anthropic-ratelimit-requests-remaining"),
        Some("0")
    );
    let reset = header(&headers, "anthropic-ratelimit-requests-reset").unwrap();
    assert!(
        reset.len() == 20 && reset.ends_with('Z') && &reset[10..11] == "T",
        "RFC 3339: {reset}"
    );
    assert_eq!(body["error"]["type"], "rate_limit_error");

    let (status, headers, body) = faulted(Flavor::Gemini, limited.clone()).await;
    assert_eq!(status, 429);
    assert_eq!(
        header(&headers, "retry-after"),
        None,
        "Google announces the delay in the body only"
    );
    assert_eq!(body["error"]["status"], "RESOURCE_EXHAUSTED");
    let details = body["error"]["details"].as_array().unwrap();
    let retry = details
        .iter()
        .find(|d| d["@type"] == "type.googleapis.com/google.rpc.RetryInfo")
        .unwrap();
    assert_eq!(retry["retryDelay"], "7s");

    let (status, headers, _) = faulted(Flavor::Proxy, limited).await;
    assert_eq!(status, 429);
    assert_eq!(header(&headers, "retry-after"), Some("7"));
}

#[tokio::test]
async fn rate_limits_without_retry_after_only_give_reset_headers() {
    let (status, headers, _) = faulted(Flavor::OpenAi, Fault::RateLimitedNoRetryAfter).await;
    assert_eq!(status, 429);
    assert_eq!(header(&headers, "retry-after"), None);
    assert_eq!(header(&headers, "x-ratelimit-reset-requests"), Some("6m0s"));

    let (status, headers, _) = faulted(Flavor::Anthropic, Fault::RateLimitedNoRetryAfter).await;
    assert_eq!(status, 429);
    assert_eq!(header(&headers, "retry-after"), None);
    assert!(header(&headers, "anthropic-ratelimit-requests-reset").is_some());

    let (status, headers, body) = faulted(Flavor::Gemini, Fault::RateLimitedNoRetryAfter).await;
    assert_eq!(status, 429);
    assert_eq!(header(&headers, "retry-after"), None);
    assert!(body["error"].get("details").is_none());
}

#[tokio::test]
async fn quota_exhaustion_in_each_flavors_words() {
    let (status, _, body) = faulted(Flavor::OpenAi, Fault::QuotaExhausted).await;
    assert_eq!(status, 429);
    assert_eq!(body["error"]["code"], "insufficient_quota");
    assert_eq!(body["error"]["type"], "insufficient_quota");

    let (status, _, body) = faulted(Flavor::Anthropic, Fault::QuotaExhausted).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Your credit balance is too low")
    );

    let (status, _, body) = faulted(Flavor::Gemini, Fault::QuotaExhausted).await;
    assert_eq!(status, 429);
    assert_eq!(body["error"]["status"], "RESOURCE_EXHAUSTED");
    assert!(body["error"]["message"].as_str().unwrap().contains("quota"));
}

#[tokio::test]
async fn model_not_found_server_error_and_unavailable() {
    let (status, _, body) = faulted(Flavor::OpenAi, Fault::ModelNotFound).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "model_not_found");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("gpt-4o-mini")
    );
    let (status, _, body) = faulted(Flavor::Anthropic, Fault::ModelNotFound).await;
    assert_eq!(
        (status, body["error"]["type"].as_str()),
        (404, Some("not_found_error"))
    );
    let (status, _, body) = faulted(Flavor::Gemini, Fault::ModelNotFound).await;
    assert_eq!(
        (status, body["error"]["status"].as_str()),
        (404, Some("NOT_FOUND"))
    );

    for flavor in Flavor::ALL {
        let (status, _, _) = faulted(flavor, Fault::ServerError).await;
        assert_eq!(status, 500, "{flavor}");
        let (status, _, body) = faulted(flavor, Fault::Unavailable).await;
        let expected = if flavor == Flavor::Anthropic {
            529
        } else {
            503
        };
        assert_eq!(status, expected, "{flavor}: {body}");
    }
    let (_, _, body) = faulted(Flavor::Anthropic, Fault::Unavailable).await;
    assert_eq!(body["error"]["type"], "overloaded_error");
    let (_, _, body) = faulted(Flavor::Anthropic, Fault::ServerError).await;
    assert_eq!(body["error"]["type"], "api_error");
}

#[tokio::test]
async fn echo_key_in_error_shows_the_whole_key() {
    for flavor in Flavor::ALL {
        let (status, _, body) = faulted(flavor, Fault::EchoKeyInError).await;
        assert_eq!(status, 401, "{flavor}");
        let secret = if flavor == Flavor::Proxy {
            crate::support::TOKEN
        } else {
            KEY
        };
        assert!(body.to_string().contains(secret), "{flavor}: {body}");
    }
}

#[tokio::test]
async fn faults_come_before_auth_and_match_flavor_and_path() {
    let fake = server().await;
    fake.push_fault(ScriptedFault::new(Fault::ServerError).for_flavor(Flavor::Anthropic));
    fake.push_fault(
        ScriptedFault::new(Fault::Forbidden)
            .on_path("/models")
            .times(2),
    );

    // No key at all, yet the fault answers: faults are checked first.
    let url = format!("{}/messages", fake.base_url(Flavor::Anthropic));
    let response = support::client().post(&url).send().await.unwrap();
    assert_eq!(response.status(), 500);

    // The chat path does not match the second fault.
    let response = chat(&fake, Flavor::OpenAi, "hi", false)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    for _ in 0..2 {
        let response = support::request(&fake, Flavor::Gemini, Method::GET, "/models")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403);
    }
    let response = support::request(&fake, Flavor::Gemini, Method::GET, "/models")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "used up after two hits");
}

#[tokio::test]
async fn cleared_faults_do_not_apply() {
    let fake = server().await;
    fake.push_fault(Fault::ServerError);
    fake.clear_faults();
    let response = chat(&fake, Flavor::OpenAi, "hi", false)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
