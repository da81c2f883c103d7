//! The providers' own spend figures, in their real shapes: OpenRouter's `GET /api/v1/key` (under
//! `/openai/v1/key`) and DeepSeek's `GET /user/balance` (under `/openai/user/balance`, beside the
//! `/v1` base as DeepSeek's is), configurable, and refused for a bad key as OpenAI refuses it.

use reqwest::Method;
use serde_json::json;
use taskly_fake_ai::{BalanceInfo, DeepSeekBalance, FakeAiConfig, Flavor, OpenRouterKey};

use crate::support::{self, KEY, config, json, request, server, server_with};

#[tokio::test]
async fn openrouter_key_has_its_documented_fields() {
    let fake = server().await;
    let response = request(&fake, Flavor::OpenAi, Method::GET, "/key")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let data = json(response).await["data"].clone();
    let label = data["label"].as_str().unwrap();
    assert!(label.contains("***") && !label.contains(KEY), "{label}");
    assert_eq!(data["usage"], 3.21);
    assert_eq!(data["usage_daily"], 0.12);
    assert_eq!(data["limit"], 10.0);
    assert!(data["limit_reset"].is_null());
    let remaining = data["limit_remaining"].as_f64().unwrap();
    assert!((remaining - 6.79).abs() < 1e-9, "{remaining}");
    assert_eq!(data["is_free_tier"], false);
    for field in [
        "usage_weekly",
        "usage_monthly",
        "byok_usage",
        "include_byok_in_limit",
        "is_management_key",
        "is_provisioning_key",
        "rate_limit",
    ] {
        assert!(!data[field].is_null(), "{field} is missing");
    }
}

#[tokio::test]
async fn openrouter_figures_are_configurable() {
    let fake = server_with(FakeAiConfig {
        openrouter_key: OpenRouterKey {
            usage: 42.0,
            usage_daily: 1.5,
            usage_weekly: 2.0,
            usage_monthly: 4.0,
            limit: Some(5.0),
            limit_reset: Some("monthly".into()),
            is_free_tier: true,
        },
        ..config()
    })
    .await;
    let response = request(&fake, Flavor::OpenAi, Method::GET, "/key")
        .send()
        .await
        .unwrap();
    let data = json(response).await["data"].clone();
    assert_eq!(data["usage"], 42.0);
    assert_eq!(data["limit_reset"], "monthly");
    // A monthly limit counts this month's use only.
    assert_eq!(data["limit_remaining"], 1.0);
    assert_eq!(data["is_free_tier"], true);

    let unlimited = server_with(FakeAiConfig {
        openrouter_key: OpenRouterKey {
            limit: None,
            ..OpenRouterKey::default()
        },
        ..config()
    })
    .await;
    let response = request(&unlimited, Flavor::OpenAi, Method::GET, "/key")
        .send()
        .await
        .unwrap();
    let data = json(response).await["data"].clone();
    assert!(data["limit"].is_null() && data["limit_remaining"].is_null());
}

#[tokio::test]
async fn deepseek_balance_sits_beside_the_v1_base() {
    let fake = server_with(FakeAiConfig {
        deepseek_balance: DeepSeekBalance {
            is_available: false,
            balance_infos: vec![
                BalanceInfo::new("CNY", "0.00", "0.00", "0.00"),
                BalanceInfo::new("USD", "2.50", "0.50", "2.00"),
            ],
        },
        ..config()
    })
    .await;
    let url = format!("{}/openai/user/balance", fake.url());
    let response = support::client()
        .get(&url)
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        json(response).await,
        json!({"is_available": false, "balance_infos": [
            {"currency": "CNY", "total_balance": "0.00", "granted_balance": "0.00", "topped_up_balance": "0.00"},
            {"currency": "USD", "total_balance": "2.50", "granted_balance": "0.50", "topped_up_balance": "2.00"},
        ]})
    );
    // The default is DeepSeek's documented example.
    let fake = server().await;
    let response = support::client()
        .get(format!("{}/openai/user/balance", fake.url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(
        json(response).await,
        json!({"is_available": true, "balance_infos": [
            {"currency": "CNY", "total_balance": "110.00", "granted_balance": "10.00", "topped_up_balance": "100.00"},
        ]})
    );
    // Not below /v1, and not for anything but GET.
    let below = request(&fake, Flavor::OpenAi, Method::GET, "/user/balance")
        .send()
        .await
        .unwrap();
    assert_eq!(below.status(), 404);
    let post = support::client()
        .post(format!("{}/openai/user/balance", fake.url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 404);
}

#[tokio::test]
async fn both_refuse_a_bad_key_as_openai_does() {
    let fake = server().await;
    for url in [
        format!("{}/key", fake.base_url(Flavor::OpenAi)),
        format!("{}/openai/user/balance", fake.url()),
    ] {
        let response = support::client()
            .get(&url)
            .bearer_auth("sk-abcdefghijklmnopqrstuvwxyz")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{url}");
        let body = json(response).await;
        assert_eq!(body["error"]["code"], "invalid_api_key", "{url}");
        let missing = support::client().get(&url).send().await.unwrap();
        assert_eq!(missing.status(), 401, "{url}");
    }
    // Each call is recorded, so a test can count them.
    assert_eq!(fake.requests().len(), 4);
}
