//! The OpenAI flavor: models, chat (plain and SSE) and OpenAI's exact errors (OpenRouter's /key
//! and DeepSeek's balance: figures.rs).

use reqwest::Method;
use serde_json::json;
use taskly_fake_ai::Flavor;

use crate::support::{self, chat, json, parse_sse, request, server};

const EXPECTED: &str = "Echo: hello fake world This reply comes from taskly-fake-ai.";

#[tokio::test]
async fn lists_models() {
    let fake = server().await;
    let response = request(&fake, Flavor::OpenAi, Method::GET, "/models")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["object"], "list");
    let ids: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["gpt-4o-mini", "gpt-4o"]);
    assert_eq!(body["data"][0]["object"], "model");
    assert!(body["data"][0]["created"].is_u64());
    assert!(body["data"][0]["owned_by"].is_string());

    let one = request(&fake, Flavor::OpenAi, Method::GET, "/models/gpt-4o")
        .send()
        .await
        .unwrap();
    assert_eq!(json(one).await["id"], "gpt-4o");
    let missing = request(&fake, Flavor::OpenAi, Method::GET, "/models/gpt-9")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(json(missing).await["error"]["code"], "model_not_found");
}

#[tokio::test]
async fn plain_chat_answers_with_usage() {
    let fake = server().await;
    let response = chat(&fake, Flavor::OpenAi, "hello fake world", false)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body = json(response).await;
    assert_eq!(body["object"], "chat.completion");
    assert_eq!(body["model"], "gpt-4o-mini");
    assert!(body["id"].as_str().unwrap().starts_with("chatcmpl-"));
    assert_eq!(body["choices"][0]["message"]["role"], "assistant");
    assert_eq!(body["choices"][0]["message"]["content"], EXPECTED);
    assert_eq!(body["choices"][0]["finish_reason"], "stop");
    let usage = &body["usage"];
    assert_eq!(usage["prompt_tokens"], 3);
    assert_eq!(usage["completion_tokens"], 9);
    assert_eq!(usage["total_tokens"], 12);
}

#[tokio::test]
async fn streamed_chat_has_chunks_usage_and_done() {
    let fake = server().await;
    let response = request(&fake, Flavor::OpenAi, Method::POST, "/chat/completions")
        .json(&json!({
            "model": "gpt-4o",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "hello fake world"}]},
            ],
            "stream": true,
            "stream_options": {"include_usage": true},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let text = response.text().await.unwrap();
    assert!(text.ends_with("data: [DONE]\n\n"));
    let events = parse_sse(&text);
    let (done, chunks) = events.split_last().unwrap();
    assert_eq!(done.data, "[DONE]");
    let chunks: Vec<_> = chunks.iter().map(|e| e.json()).collect();
    for chunk in &chunks {
        assert_eq!(chunk["object"], "chat.completion.chunk");
        assert_eq!(chunk["model"], "gpt-4o");
    }
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let content: Vec<&str> = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .filter(|c| !c.is_empty())
        .collect();
    assert!(content.len() >= 5, "word-sized chunks: {content:?}");
    assert_eq!(content.concat(), EXPECTED);
    let (usage_chunk, rest) = chunks.split_last().unwrap();
    assert_eq!(usage_chunk["choices"], json!([]));
    assert_eq!(usage_chunk["usage"]["completion_tokens"], 9);
    assert_eq!(usage_chunk["usage"]["prompt_tokens"], 5);
    assert_eq!(usage_chunk["usage"]["total_tokens"], 14);
    assert_eq!(rest.last().unwrap()["choices"][0]["finish_reason"], "stop");
    assert!(rest.iter().all(|c| c["usage"].is_null()));
}

#[tokio::test]
async fn stream_and_plain_agree_and_usage_only_on_request() {
    let fake = server().await;
    let plain = json(
        chat(&fake, Flavor::OpenAi, "same words", false)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let text = chat(&fake, Flavor::OpenAi, "same words", true)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let events = parse_sse(&text);
    assert_eq!(events.last().unwrap().data, "[DONE]");
    let streamed: String = events[..events.len() - 1]
        .iter()
        .filter_map(|e| {
            e.json()["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(
        streamed,
        plain["choices"][0]["message"]["content"].as_str().unwrap()
    );
    assert!(
        events[..events.len() - 1]
            .iter()
            .all(|e| e.json().get("usage").is_none())
    );
}

#[tokio::test]
async fn wrong_key_gets_openais_401_with_a_masked_key() {
    let fake = server().await;
    let response = support::client()
        .get(format!("{}/models", fake.base_url(Flavor::OpenAi)))
        .bearer_auth("sk-abcdefghijklmnopqrstuvwxyz")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        json(response).await,
        json!({"error": {
            "message": "Incorrect API key provided: sk-ab***wxyz. You can find your API key at https://platform.openai.com/account/api-keys.",
            "type": "invalid_request_error",
            "param": null,
            "code": "invalid_api_key",
        }})
    );
}

#[tokio::test]
async fn missing_key_gets_openais_401() {
    let fake = server().await;
    let response = support::client()
        .get(format!("{}/models", fake.base_url(Flavor::OpenAi)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body = json(response).await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("You didn't provide an API key.")
    );
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert!(body["error"]["code"].is_null());
}

#[tokio::test]
async fn bad_requests_get_openais_400_and_404() {
    let fake = server().await;
    let post = |body: serde_json::Value| {
        request(&fake, Flavor::OpenAi, Method::POST, "/chat/completions")
            .json(&body)
            .send()
    };
    let unknown = post(json!({"model": "gpt-9", "messages": [{"role": "user", "content": "x"}]}))
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let body = json(unknown).await;
    assert_eq!(body["error"]["code"], "model_not_found");
    assert_eq!(
        body["error"]["message"],
        "The model `gpt-9` does not exist or you do not have access to it."
    );
    let no_model = post(json!({"messages": []})).await.unwrap();
    assert_eq!(no_model.status(), 400);
    assert_eq!(
        json(no_model).await["error"]["message"],
        "you must provide a model parameter"
    );
    let no_messages = post(json!({"model": "gpt-4o"})).await.unwrap();
    assert_eq!(json(no_messages).await["error"]["param"], "messages");
    let garbage = request(&fake, Flavor::OpenAi, Method::POST, "/chat/completions")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 400);
    let nowhere = request(&fake, Flavor::OpenAi, Method::POST, "/embeddingz")
        .send()
        .await
        .unwrap();
    assert_eq!(nowhere.status(), 404);
    assert_eq!(
        json(nowhere).await["error"]["message"],
        "Invalid URL (POST /openai/v1/embeddingz)"
    );
}
