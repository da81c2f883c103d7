//! The proxy with an issuer: tokens count only while the issuer's introspection says they are
//! active and Taskly Desktop's; every call asks; an issuer that cannot answer is a `503`.

use serde_json::json;
use taskly_fake_ai::{FakeAi, FakeAiConfig, Fault, Flavor, ScriptedFault};

use crate::issuer::{BASIC, CLIENT_ID, Issuer, SECRET, TOKEN_A, TOKEN_OTHER_APP, TOKEN_UNKNOWN};
use crate::support::{self, KEY, TOKEN, json};

async fn fake_asking(issuer: &Issuer) -> FakeAi {
    support::server_with(FakeAiConfig {
        introspection: Some(issuer.settings()),
        ..support::config()
    })
    .await
}

/// A proxy chat call with this bearer token.
async fn chat_as(fake: &FakeAi, token: &str) -> reqwest::Response {
    support::client()
        .post(format!("{}/chat/completions", fake.base_url(Flavor::Proxy)))
        .bearer_auth(token)
        .json(&json!({
            "model": "openai/gpt-4o-mini",
            "messages": [{"role": "user", "content": "hello"}],
        }))
        .send()
        .await
        .unwrap()
}

fn invalid_token_body() -> serde_json::Value {
    json!({"error": {
        "message": "Invalid Taskly proxy token.",
        "type": "invalid_request_error",
        "code": "invalid_proxy_token",
    }})
}

#[tokio::test]
async fn an_active_token_is_accepted_and_its_subject_recorded() {
    let issuer = Issuer::start().await;
    let fake = fake_asking(&issuer).await;
    let response = chat_as(&fake, TOKEN_A).await;
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert!(
        body["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .starts_with("Echo: hello")
    );
    let recorded = fake.requests();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].proxy_subject.as_deref(), Some("sub-a"));

    // The proxy authenticated as its own client and sent the token as RFC 7662 says.
    let asked = issuer.asked();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].authorization.as_deref(), Some(BASIC));
    assert_eq!(
        asked[0].content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        asked[0].body,
        format!("token={TOKEN_A}&token_type_hint=access_token")
    );
    // The token went in the body only, never in the credentials.
    assert!(!asked[0].authorization.as_deref().unwrap().contains(TOKEN_A));

    // The control API serves the subject too, for tests in another process.
    let listed: serde_json::Value = support::client()
        .get(format!("{}/_control/requests", fake.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["proxy_subject"], "sub-a");
}

#[tokio::test]
async fn streamed_and_listing_calls_are_checked_too() {
    let issuer = Issuer::start().await;
    let fake = fake_asking(&issuer).await;
    let models = support::client()
        .get(format!("{}/models", fake.base_url(Flavor::Proxy)))
        .bearer_auth(TOKEN_A)
        .send()
        .await
        .unwrap();
    assert_eq!(models.status(), 200);
    let streamed = support::client()
        .post(format!("{}/chat/completions", fake.base_url(Flavor::Proxy)))
        .bearer_auth(TOKEN_A)
        .json(&json!({
            "model": "openai/gpt-4o-mini",
            "messages": [{"role": "user", "content": "hi"}],
            "stream": true,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), 200);
    let events = support::parse_sse(&streamed.text().await.unwrap());
    assert_eq!(events.last().unwrap().data, "[DONE]");
    assert_eq!(issuer.asked().len(), 2);
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.proxy_subject.as_deref() == Some("sub-a"))
    );
}

#[tokio::test]
async fn an_inactive_token_is_an_invalid_proxy_token() {
    let issuer = Issuer::start().await;
    let fake = fake_asking(&issuer).await;
    let response = chat_as(&fake, TOKEN_UNKNOWN).await;
    assert_eq!(response.status(), 401);
    assert_eq!(json(response).await, invalid_token_body());
    assert_eq!(issuer.asked().len(), 1);
    assert_eq!(fake.requests()[0].proxy_subject, None);
}

#[tokio::test]
async fn a_token_issued_to_another_client_is_refused() {
    let issuer = Issuer::start().await;
    let fake = fake_asking(&issuer).await;
    let response = chat_as(&fake, TOKEN_OTHER_APP).await;
    assert_eq!(response.status(), 401);
    assert_eq!(json(response).await, invalid_token_body());
    assert_eq!(fake.requests()[0].proxy_subject, None);
}

#[tokio::test]
async fn without_an_audience_any_client_s_active_token_counts() {
    let issuer = Issuer::start().await;
    let mut settings = issuer.settings();
    settings.audience_client = None;
    let fake = support::server_with(FakeAiConfig {
        introspection: Some(settings),
        ..support::config()
    })
    .await;
    assert_eq!(chat_as(&fake, TOKEN_OTHER_APP).await.status(), 200);
    assert_eq!(fake.requests()[0].proxy_subject.as_deref(), Some("sub-b"));
    assert_eq!(chat_as(&fake, TOKEN_UNKNOWN).await.status(), 401);
}

#[tokio::test]
async fn a_revoked_token_is_refused_on_the_very_next_call() {
    let issuer = Issuer::start().await;
    let fake = fake_asking(&issuer).await;
    assert_eq!(chat_as(&fake, TOKEN_A).await.status(), 200);
    assert_eq!(chat_as(&fake, TOKEN_A).await.status(), 200);
    issuer.revoke(TOKEN_A);
    let response = chat_as(&fake, TOKEN_A).await;
    assert_eq!(response.status(), 401);
    assert_eq!(json(response).await, invalid_token_body());
    // No cache: the issuer was asked on every call.
    assert_eq!(issuer.asked().len(), 3);
    let subjects: Vec<Option<String>> = fake
        .requests()
        .into_iter()
        .map(|r| r.proxy_subject)
        .collect();
    assert_eq!(
        subjects,
        [Some("sub-a".to_owned()), Some("sub-a".to_owned()), None]
    );
}

#[tokio::test]
async fn an_issuer_that_is_down_is_a_503_not_a_401() {
    let issuer = Issuer::start().await;
    let fake = fake_asking(&issuer).await;
    issuer.set_down(true);
    let response = chat_as(&fake, TOKEN_A).await;
    assert_eq!(response.status(), 503);
    let body = response.text().await.unwrap();
    assert!(!body.contains(TOKEN_A), "{body}");
    assert!(!body.contains(SECRET), "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"]["type"], "server_error");
    assert_eq!(body["error"]["code"], "introspection_unavailable");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("HTTP 500"),
        "{body}"
    );
    assert_eq!(fake.requests()[0].proxy_subject, None);

    // Back up: the same token works again, since nothing was remembered either way.
    issuer.set_down(false);
    assert_eq!(chat_as(&fake, TOKEN_A).await.status(), 200);
}

#[tokio::test]
async fn an_unreachable_issuer_or_a_wrong_secret_is_a_503() {
    // A port nothing listens on any more.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!(
        "http://{}/token/introspection",
        closed.local_addr().unwrap()
    );
    drop(closed);
    let issuer = Issuer::start().await;
    let mut unreachable = issuer.settings();
    unreachable.endpoint = endpoint;
    let fake = support::server_with(FakeAiConfig {
        introspection: Some(unreachable),
        ..support::config()
    })
    .await;
    let response = chat_as(&fake, TOKEN_A).await;
    assert_eq!(response.status(), 503);
    let body = json(response).await;
    assert_eq!(body["error"]["code"], "introspection_unavailable");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot be reached"),
        "{body}"
    );

    // The issuer refuses a proxy with the wrong secret: that is no answer about the token.
    let mut wrong_secret = issuer.settings();
    wrong_secret.client_secret = "not-the-secret".into();
    let fake = support::server_with(FakeAiConfig {
        introspection: Some(wrong_secret),
        ..support::config()
    })
    .await;
    let response = chat_as(&fake, TOKEN_A).await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        json(response).await["error"]["code"],
        "introspection_unavailable"
    );
}

#[tokio::test]
async fn static_tokens_still_work_without_asking() {
    let issuer = Issuer::start().await;
    let fake = fake_asking(&issuer).await;
    issuer.set_down(true);
    let response = chat_as(&fake, TOKEN).await;
    assert_eq!(response.status(), 200);
    assert!(issuer.asked().is_empty());
    assert_eq!(fake.requests()[0].proxy_subject, None);
}

#[tokio::test]
async fn only_proxy_calls_with_a_token_are_asked_about() {
    let issuer = Issuer::start().await;
    let fake = fake_asking(&issuer).await;
    let provider = support::chat(&fake, Flavor::OpenAi, "hi", false)
        .send()
        .await
        .unwrap();
    assert_eq!(provider.status(), 200);
    // A provider key presented to the proxy is asked about, and is not active.
    let key_at_proxy = chat_as(&fake, KEY).await;
    assert_eq!(key_at_proxy.status(), 401);
    let missing = support::client()
        .get(format!("{}/models", fake.base_url(Flavor::Proxy)))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 401);
    assert_eq!(json(missing).await["error"]["code"], "invalid_proxy_token");
    assert_eq!(issuer.asked().len(), 1);
    assert!(fake.requests().iter().all(|r| r.proxy_subject.is_none()));
}

#[tokio::test]
async fn faults_still_come_before_the_token_check() {
    let issuer = Issuer::start().await;
    let fake = fake_asking(&issuer).await;
    issuer.set_down(true);
    fake.push_fault(ScriptedFault::new(Fault::QuotaExhausted).for_flavor(Flavor::Proxy));
    let response = chat_as(&fake, TOKEN_A).await;
    assert_eq!(response.status(), 429);
    assert_eq!(json(response).await["error"]["code"], "insufficient_quota");
    assert!(issuer.asked().is_empty());

    issuer.set_down(false);
    fake.push_fault(ScriptedFault::new(Fault::AnswerWhole).for_flavor(Flavor::Proxy));
    let whole = support::client()
        .post(format!("{}/chat/completions", fake.base_url(Flavor::Proxy)))
        .bearer_auth(TOKEN_A)
        .json(&json!({
            "model": "openai/gpt-4o-mini",
            "messages": [{"role": "user", "content": "hi"}],
            "stream": true,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(issuer.asked().len(), 1);
    assert_eq!(fake.requests()[1].proxy_subject.as_deref(), Some("sub-a"));
}

#[tokio::test]
async fn an_endpoint_off_loopback_is_refused_at_start() {
    let error = FakeAi::start(FakeAiConfig {
        introspection: Some(taskly_fake_ai::Introspection {
            endpoint: "https://auth.taskly.chat/token/introspection".into(),
            client_id: CLIENT_ID.into(),
            client_secret: SECRET.into(),
            audience_client: None,
        }),
        ..FakeAiConfig::default()
    })
    .await
    .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(!error.to_string().contains(SECRET));
}
