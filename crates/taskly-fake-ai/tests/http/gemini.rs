//! The Gemini flavor: models, generateContent, streamGenerateContent (SSE and JSON array), and google.rpc errors.

use reqwest::Method;
use serde_json::json;
use taskly_fake_ai::Flavor;

use crate::support::{self, KEY, chat, json, parse_sse, request, server};

const EXPECTED: &str = "Echo: hello gemini This reply comes from taskly-fake-ai.";

#[tokio::test]
async fn lists_models() {
    let fake = server().await;
    let body = json(
        request(&fake, Flavor::Gemini, Method::GET, "/models")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let first = &body["models"][0];
    assert_eq!(first["name"], "models/gemini-2.5-flash");
    assert_eq!(first["displayName"], "Gemini 2.5 Flash");
    assert!(
        first["supportedGenerationMethods"]
            .as_array()
            .unwrap()
            .contains(&json!("generateContent"))
    );
}

#[tokio::test]
async fn generate_content() {
    let fake = server().await;
    let body = json(
        chat(&fake, Flavor::Gemini, "hello gemini", false)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let candidate = &body["candidates"][0];
    assert_eq!(candidate["content"]["role"], "model");
    assert_eq!(candidate["content"]["parts"][0]["text"], EXPECTED);
    assert_eq!(candidate["finishReason"], "STOP");
    assert_eq!(
        body["usageMetadata"],
        json!({"promptTokenCount": 2, "candidatesTokenCount": 8, "totalTokenCount": 10})
    );
}

#[tokio::test]
async fn stream_generate_content_sse_uses_crlf_frames() {
    let fake = server().await;
    let response = chat(&fake, Flavor::Gemini, "hello gemini", true)
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let text = response.text().await.unwrap();
    assert!(text.starts_with("data: {"));
    assert!(text.ends_with("}\r\n\r\n"));
    assert_eq!(text.matches("\r\n\r\n").count(), 8);
    let chunks: Vec<_> = parse_sse(&text).iter().map(|e| e.json()).collect();
    assert!(chunks.len() >= 5);
    let streamed: String = chunks
        .iter()
        .map(|c| {
            c["candidates"][0]["content"]["parts"][0]["text"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(streamed, EXPECTED);
    let last = chunks.last().unwrap();
    assert_eq!(last["candidates"][0]["finishReason"], "STOP");
    assert_eq!(last["usageMetadata"]["totalTokenCount"], 10);
    assert!(
        chunks[..chunks.len() - 1]
            .iter()
            .all(|c| c["candidates"][0].get("finishReason").is_none())
    );
}

#[tokio::test]
async fn stream_without_alt_sse_is_a_json_array() {
    let fake = server().await;
    let body = request(
        &fake,
        Flavor::Gemini,
        Method::POST,
        "/models/gemini-2.5-pro:streamGenerateContent",
    )
    .json(&json!({"contents": [{"parts": [{"text": "hi"}]}]}))
    .send()
    .await
    .unwrap()
    .json::<serde_json::Value>()
    .await
    .unwrap();
    let chunks = body.as_array().unwrap();
    assert!(chunks.len() >= 5);
    assert_eq!(chunks[0]["modelVersion"], "gemini-2.5-pro");
}

#[tokio::test]
async fn key_in_query_is_accepted_and_recorded() {
    let fake = server().await;
    let response = support::client()
        .post(format!(
            "{}/models/gemini-2.5-flash:generateContent?key={KEY}",
            fake.base_url(Flavor::Gemini)
        ))
        .json(&json!({"contents": [{"parts": [{"text": "hi"}]}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let recorded = fake.requests();
    assert_eq!(
        recorded[0].query.as_deref(),
        Some(format!("key={KEY}").as_str())
    );
}

#[tokio::test]
async fn errors_are_google_rpc_shaped() {
    let fake = server().await;
    let url = format!("{}/models", fake.base_url(Flavor::Gemini));
    let wrong = support::client()
        .get(&url)
        .header("x-goog-api-key", "AIza-wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 400);
    assert_eq!(
        json(wrong).await,
        json!({"error": {
            "code": 400,
            "message": "API key not valid. Please pass a valid API key.",
            "status": "INVALID_ARGUMENT",
            "details": [{
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            }],
        }})
    );
    let missing = support::client().get(&url).send().await.unwrap();
    assert_eq!(missing.status(), 403);
    assert_eq!(json(missing).await["error"]["status"], "PERMISSION_DENIED");

    let unknown = request(
        &fake,
        Flavor::Gemini,
        Method::POST,
        "/models/gemini-9:generateContent",
    )
    .json(&json!({"contents": []}))
    .send()
    .await
    .unwrap();
    assert_eq!(unknown.status(), 404);
    let body = json(unknown).await;
    assert_eq!(body["error"]["status"], "NOT_FOUND");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("models/gemini-9 is not found")
    );
}
