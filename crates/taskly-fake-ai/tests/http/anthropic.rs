//! The Anthropic flavor: models, messages (plain and the full SSE event sequence), and its errors.

use reqwest::Method;
use serde_json::json;
use taskly_fake_ai::Flavor;

use crate::support::{self, KEY, chat, json, parse_sse, request, server};

const EXPECTED: &str = "Echo: hello claude This reply comes from taskly-fake-ai.";

#[tokio::test]
async fn lists_models() {
    let fake = server().await;
    let body = json(
        request(&fake, Flavor::Anthropic, Method::GET, "/models")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        body["data"][0],
        json!({
            "type": "model",
            "id": "claude-sonnet-4-5",
            "display_name": "Claude Sonnet 4.5",
            "created_at": "2025-09-29T00:00:00Z",
        })
    );
    assert_eq!(body["has_more"], false);
    assert_eq!(body["first_id"], "claude-sonnet-4-5");
    assert_eq!(body["last_id"], "claude-haiku-4-5");
}

#[tokio::test]
async fn plain_message() {
    let fake = server().await;
    let body = json(
        chat(&fake, Flavor::Anthropic, "hello claude", false)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["type"], "message");
    assert_eq!(body["role"], "assistant");
    assert_eq!(body["model"], "claude-sonnet-4-5");
    assert_eq!(body["content"], json!([{"type": "text", "text": EXPECTED}]));
    assert_eq!(body["stop_reason"], "end_turn");
    assert_eq!(body["usage"]["input_tokens"], 2);
    assert_eq!(body["usage"]["output_tokens"], 8);
}

#[tokio::test]
async fn streamed_message_has_the_real_event_sequence() {
    let fake = server().await;
    let response = chat(&fake, Flavor::Anthropic, "hello claude", true)
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let events = parse_sse(&response.text().await.unwrap());
    let names: Vec<&str> = events.iter().map(|e| e.event.as_deref().unwrap()).collect();
    let deltas = names
        .iter()
        .filter(|n| **n == "content_block_delta")
        .count();
    assert!(deltas >= 5);
    let mut expected = vec!["message_start", "content_block_start", "ping"];
    expected.extend(std::iter::repeat_n("content_block_delta", deltas));
    expected.extend(["content_block_stop", "message_delta", "message_stop"]);
    assert_eq!(names, expected);
    for event in &events {
        assert_eq!(event.json()["type"], event.event.as_deref().unwrap());
    }
    assert_eq!(events[0].json()["message"]["usage"]["input_tokens"], 2);
    let text: String = events
        .iter()
        .filter(|e| e.event.as_deref() == Some("content_block_delta"))
        .map(|e| {
            let data = e.json();
            assert_eq!(data["delta"]["type"], "text_delta");
            data["delta"]["text"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(text, EXPECTED);
    let delta = events[events.len() - 2].json();
    assert_eq!(delta["delta"]["stop_reason"], "end_turn");
    assert_eq!(delta["usage"]["output_tokens"], 8);
}

#[tokio::test]
async fn auth_and_version_errors_are_anthropics() {
    let fake = server().await;
    let url = format!("{}/models", fake.base_url(Flavor::Anthropic));
    let wrong = support::client()
        .get(&url)
        .header("x-api-key", "sk-ant-wrong")
        .header("anthropic-version", "2023-06-01")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let body = json(wrong).await;
    assert_eq!(body["type"], "error");
    assert_eq!(
        body["error"],
        json!({"type": "authentication_error", "message": "invalid x-api-key"})
    );

    let missing = support::client()
        .get(&url)
        .header("anthropic-version", "2023-06-01")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 401);
    assert_eq!(
        json(missing).await["error"]["message"],
        "x-api-key header is required"
    );

    let no_version = support::client()
        .get(&url)
        .header("x-api-key", KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(no_version.status(), 400);
    assert_eq!(
        json(no_version).await["error"],
        json!({"type": "invalid_request_error", "message": "anthropic-version: header is required"})
    );
}

#[tokio::test]
async fn request_errors_are_anthropics() {
    let fake = server().await;
    let post = |body: serde_json::Value| {
        request(&fake, Flavor::Anthropic, Method::POST, "/messages")
            .json(&body)
            .send()
    };
    let unknown = post(json!({"model": "claude-9", "max_tokens": 5, "messages": []}))
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        json(unknown).await["error"],
        json!({"type": "not_found_error", "message": "model: claude-9"})
    );
    let no_max = post(json!({"model": "claude-sonnet-4-5", "messages": []}))
        .await
        .unwrap();
    assert_eq!(no_max.status(), 400);
    assert_eq!(
        json(no_max).await["error"]["message"],
        "max_tokens: Field required"
    );
}
