//! The Azure OpenAI v1 flavor: OpenAI's bodies behind `api-key`, with Azure's own errors.

use reqwest::Method;
use serde_json::json;
use taskly_fake_ai::Flavor;

use crate::support::{self, KEY, chat, json, parse_sse, request, server};

#[tokio::test]
async fn serves_models_and_chat_with_api_key() {
    let fake = server().await;
    assert!(fake.base_url(Flavor::Azure).ends_with("/azure/openai/v1"));
    let models = json(
        request(&fake, Flavor::Azure, Method::GET, "/models")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(models["object"], "list");
    assert_eq!(models["data"][0]["id"], "gpt-4o-mini");

    let plain = json(
        chat(&fake, Flavor::Azure, "hi azure", false)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(plain["object"], "chat.completion");
    assert!(
        plain["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .starts_with("Echo: hi azure")
    );
    let text = chat(&fake, Flavor::Azure, "hi azure", true)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(parse_sse(&text).last().unwrap().data, "[DONE]");
}

#[tokio::test]
async fn bearer_keys_are_not_accepted() {
    let fake = server().await;
    let response = support::client()
        .get(format!("{}/models", fake.base_url(Flavor::Azure)))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(json(response).await["error"]["code"], "401");
}

#[tokio::test]
async fn wrong_and_missing_keys_get_azures_401() {
    let fake = server().await;
    let url = format!("{}/models", fake.base_url(Flavor::Azure));
    let wrong = support::client()
        .get(&url)
        .header("api-key", "nope-nope-nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        json(wrong).await,
        json!({"error": {
            "code": "401",
            "message": "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
        }})
    );
    let missing = support::client().get(&url).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert!(
        json(missing).await["error"]["message"]
            .as_str()
            .unwrap()
            .contains("missing subscription key")
    );
}

#[tokio::test]
async fn unknown_deployment_is_azures_404() {
    let fake = server().await;
    let response = request(&fake, Flavor::Azure, Method::POST, "/chat/completions")
        .json(&json!({"model": "my-deployment", "messages": [{"role": "user", "content": "x"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(json(response).await["error"]["code"], "DeploymentNotFound");
}
