//! Recording and the `/_control/` API, as a test in another process would use them.

use reqwest::Method;
use serde_json::{Value, json};
use taskly_fake_ai::{FakeAi, Fault, Flavor, RecordedRequest, ScriptedFault};

use crate::support::{self, KEY, chat, json, server};

fn control(fake: &FakeAi, method: Method, path: &str) -> reqwest::RequestBuilder {
    support::client().request(method, format!("{}/_control{path}", fake.url()))
}

#[tokio::test]
async fn records_everything_in_order_including_faulted_requests() {
    let fake = server().await;
    fake.push_fault(ScriptedFault::new(Fault::ServerError).on_path("/models"));
    let _ = support::request(
        &fake,
        Flavor::Azure,
        Method::GET,
        "/models?api-version=preview",
    )
    .send()
    .await
    .unwrap();
    let _ = chat(&fake, Flavor::Anthropic, "record me", false)
        .send()
        .await
        .unwrap();
    let _ = support::client()
        .get(format!("{}/nowhere", fake.url()))
        .send()
        .await
        .unwrap();
    let requests = fake.requests();
    assert_eq!(requests.len(), 3);

    let first = &requests[0];
    assert_eq!(first.method, "GET");
    assert_eq!(first.path, "/azure/openai/v1/models");
    assert_eq!(first.query.as_deref(), Some("api-version=preview"));
    assert_eq!(first.flavor, Some(Flavor::Azure));
    assert_eq!(first.header("API-KEY"), Some(KEY));

    let second = &requests[1];
    assert_eq!(second.method, "POST");
    assert_eq!(second.flavor, Some(Flavor::Anthropic));
    assert_eq!(second.header("anthropic-version"), Some("2023-06-01"));
    assert!(second.body_text().contains("record me"));
    assert_eq!(second.body_json().unwrap()["model"], "claude-sonnet-4-5");

    assert_eq!(requests[2].flavor, None);
    fake.clear_requests();
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn unknown_paths_are_json_404s() {
    let fake = server().await;
    let response = support::client()
        .get(format!("{}/v1/models", fake.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(json(response).await["error"]["code"], "not_found");
}

#[tokio::test]
async fn control_api_health_stats_and_requests() {
    let fake = server().await;
    let health = control(&fake, Method::GET, "/health").send().await.unwrap();
    assert_eq!(json(health).await, json!({"status": "ok"}));

    let _ = chat(&fake, Flavor::OpenAi, "over http", false)
        .send()
        .await
        .unwrap();
    let listed: Vec<RecordedRequest> = control(&fake, Method::GET, "/requests")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1, "control calls are not recorded");
    assert!(listed[0].body_text().contains("over http"));
    let raw: Value = control(&fake, Method::GET, "/requests")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        raw[0]["body"].as_str().unwrap().contains("over http"),
        "bodies are text in JSON"
    );

    let stats = json(control(&fake, Method::GET, "/stats").send().await.unwrap()).await;
    assert_eq!(stats["requests"], 1);
    assert_eq!(stats["disconnects"], 0);

    let cleared = control(&fake, Method::DELETE, "/requests")
        .send()
        .await
        .unwrap();
    assert!(cleared.status().is_success());
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn control_api_faults() {
    let fake = server().await;
    let pushed = control(&fake, Method::POST, "/faults")
        .json(&json!({"fault": {"rate_limited": {"retry_after_secs": 2}}, "flavor": "openai", "times": 2}))
        .send()
        .await
        .unwrap();
    assert!(pushed.status().is_success());
    let queued: Vec<ScriptedFault> = control(&fake, Method::GET, "/faults")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        queued,
        [ScriptedFault::new(Fault::RateLimited {
            retry_after_secs: 2
        })
        .for_flavor(Flavor::OpenAi)
        .times(2)]
    );
    let response = chat(&fake, Flavor::OpenAi, "hi", false)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);

    let cleared = control(&fake, Method::DELETE, "/faults")
        .send()
        .await
        .unwrap();
    assert!(cleared.status().is_success());
    let response = chat(&fake, Flavor::OpenAi, "hi", false)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let bad = control(&fake, Method::POST, "/faults")
        .json(&json!({"fault": "meltdown"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(
        json(bad).await["error"]["message"]
            .as_str()
            .unwrap()
            .contains("meltdown")
    );
}

#[tokio::test]
async fn control_api_and_library_manage_keys() {
    let fake = server().await;
    let other = "sk-added-at-runtime-000";
    let call = || {
        support::client()
            .get(format!("{}/models", fake.base_url(Flavor::OpenAi)))
            .bearer_auth(other)
            .send()
    };
    assert_eq!(call().await.unwrap().status(), 401);
    control(&fake, Method::POST, "/keys")
        .json(&json!({"key": other}))
        .send()
        .await
        .unwrap();
    assert_eq!(call().await.unwrap().status(), 200);
    control(&fake, Method::DELETE, "/keys")
        .json(&json!({"key": other}))
        .send()
        .await
        .unwrap();
    assert_eq!(call().await.unwrap().status(), 401);

    fake.add_provider_key(other);
    assert_eq!(call().await.unwrap().status(), 200);
    fake.remove_provider_key(other);
    assert_eq!(call().await.unwrap().status(), 401);
}
