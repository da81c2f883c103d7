//! The Taskly proxy: OpenAI-compatible, proxy tokens, `provider/model` names echoed back.

use reqwest::Method;
use serde_json::json;
use taskly_fake_ai::Flavor;

use crate::support::{self, KEY, json, parse_sse, request, server};

#[tokio::test]
async fn lists_every_provider_model_by_provider_name() {
    let fake = server().await;
    let body = json(
        request(&fake, Flavor::Proxy, Method::GET, "/models")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let ids: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"openai/gpt-4o-mini"));
    assert!(ids.contains(&"anthropic/claude-sonnet-4-5"));
    assert!(ids.contains(&"gemini/gemini-2.5-flash"));
    assert!(ids.iter().all(|id| id.contains('/')));
}

#[tokio::test]
async fn chat_echoes_the_provider_model_plain_and_streamed() {
    let fake = server().await;
    let post = |stream: bool| {
        request(&fake, Flavor::Proxy, Method::POST, "/chat/completions")
            .json(&json!({
                "model": "anthropic/claude-sonnet-4-5",
                "messages": [{"role": "user", "content": "via proxy"}],
                "stream": stream,
            }))
            .send()
    };
    let plain = json(post(false).await.unwrap()).await;
    assert_eq!(plain["model"], "anthropic/claude-sonnet-4-5");
    assert!(
        plain["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .starts_with("Echo: via proxy")
    );
    let events = parse_sse(&post(true).await.unwrap().text().await.unwrap());
    assert_eq!(events.last().unwrap().data, "[DONE]");
    assert_eq!(events[0].json()["model"], "anthropic/claude-sonnet-4-5");
}

#[tokio::test]
async fn bare_model_names_are_refused() {
    let fake = server().await;
    let response = request(&fake, Flavor::Proxy, Method::POST, "/chat/completions")
        .json(&json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body = json(response).await;
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert_eq!(body["error"]["param"], "model");
    let unknown = request(&fake, Flavor::Proxy, Method::POST, "/chat/completions")
        .json(&json!({"model": "openai/gpt-9", "messages": [{"role": "user", "content": "x"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(json(unknown).await["error"]["code"], "model_not_found");
}

#[tokio::test]
async fn provider_keys_are_not_proxy_tokens() {
    let fake = server().await;
    let response = support::client()
        .get(format!("{}/models", fake.base_url(Flavor::Proxy)))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        json(response).await,
        json!({"error": {
            "message": "Invalid Taskly proxy token.",
            "type": "invalid_request_error",
            "code": "invalid_proxy_token",
        }})
    );
}
