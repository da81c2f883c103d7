//! The provider's own figures for a key, in-process against the loopback fake: OpenRouter's
//! `GET /key` and DeepSeek's `GET /user/balance` read in their real shapes, kept for an hour
//! (across vault handles, as the CLI and the app share them), read again when forced or when the
//! key is checked again, refused with a typed error for a revoked key, `None` for a provider
//! without such a call, and the key sent only to the origin it is bound to.
//!
//! Keys are kept in a real GNOME Keyring on a private D-Bus session, as the app does
//! (`support/private_keyring.rs`): each test runs in a child process on that bus.
#![allow(clippy::expect_used)]

#[path = "support/private_keyring.rs"]
mod private_keyring;

use std::time::Duration;

use taskly_core::providers::balance::{BalanceCall, Money, ProviderBalance, no_call_sentence};
use taskly_core::providers::validate::Verification;
use taskly_core::{ApiKey, Config, Error, NewKey, ProviderId, Vault};
use taskly_fake_ai::{
    BalanceInfo, DeepSeekBalance, FakeAi, FakeAiConfig, Fault, Flavor, ScriptedFault,
};

const KEY: &str = "sk-or-v1-balanceBalance0123456789abcdefABCD";

async fn fake(config: FakeAiConfig) -> FakeAi {
    FakeAi::start(FakeAiConfig {
        provider_keys: vec![KEY.into()],
        ..config
    })
    .await
    .expect("fake")
}

/// A vault whose OpenRouter, DeepSeek and OpenAI keys go to `fake`'s OpenAI-compatible tree.
async fn vault(dir: &tempfile::TempDir, fake: &FakeAi) -> Vault {
    let mut config = Config::new(dir.path());
    for provider in [
        ProviderId::Openrouter,
        ProviderId::Deepseek,
        ProviderId::Openai,
    ] {
        config
            .base_url_overrides
            .insert(provider, fake.base_url(Flavor::OpenAi));
    }
    config.http.request = Duration::from_secs(5);
    private_keyring::open(config).await
}

async fn add(vault: &Vault, provider: ProviderId) -> String {
    vault
        .add(NewKey {
            provider,
            label: None,
            base_url: None,
            secret: ApiKey::parse(KEY).expect("key"),
            verify: true,
            enable: taskly_core::Enable::Yes,
        })
        .await
        .expect("added")
        .key
        .id
}

/// The paths of the calls the fake got, in order.
fn paths(fake: &FakeAi) -> Vec<String> {
    fake.requests().into_iter().map(|r| r.path).collect()
}

fn close(money: &Option<Money>, amount: f64, currency: &str) -> bool {
    money
        .as_ref()
        .is_some_and(|m| (m.amount - amount).abs() < 1e-9 && m.currency == currency)
}

#[test]
fn openrouter_figures_are_read_and_kept_for_an_hour() {
    private_keyring::run("openrouter_figures_are_read_and_kept_for_an_hour", async {
        let fake = fake(FakeAiConfig::default()).await;
        let dir = tempfile::tempdir().expect("dir");
        let vault = vault(&dir, &fake).await;
        let id = add(&vault, ProviderId::Openrouter).await;
        fake.clear_requests();

        let read = vault
            .provider_balance(&id, false)
            .await
            .expect("read")
            .expect("OpenRouter has the call");
        assert_eq!(read.source, BalanceCall::OpenrouterKey);
        assert!(close(&read.used, 3.21, "USD"), "{read:?}");
        assert!(close(&read.limit, 10.0, "USD"), "{read:?}");
        assert!(close(&read.remaining, 6.79, "USD"), "{read:?}");
        assert!(close(&read.used_today, 0.12, "USD"), "{read:?}");
        assert!(read.fetched_at.ends_with('Z'), "{}", read.fetched_at);
        assert!(
            read.summary("OpenRouter")
                .starts_with("OpenRouter says: $3.21 used of a $10.00 limit, $6.79 left (as of "),
            "{}",
            read.summary("OpenRouter")
        );
        let requests = fake.requests();
        assert_eq!(paths(&fake), ["/openai/v1/key"]);
        assert_eq!(
            requests[0]
                .headers
                .iter()
                .find(|(name, _)| name == "authorization")
                .map(|(_, value)| value.as_str()),
            Some(format!("Bearer {KEY}").as_str())
        );

        // Within the hour: the stored reading, no request; another handle (the app, while the
        // CLI asks) sees the same one.
        let again = vault.provider_balance(&id, false).await.expect("again");
        assert_eq!(again.as_ref(), Some(&read));
        let other = vault_again(&dir, &fake).await;
        assert_eq!(
            other.provider_balance(&id, false).await.expect("other"),
            Some(read.clone())
        );
        assert_eq!(fake.requests().len(), 1, "{:?}", paths(&fake));
        assert_eq!(
            vault.balances().await.expect("listed"),
            vec![(id.clone(), read.clone())]
        );

        // Forced: asked again.
        vault.provider_balance(&id, true).await.expect("forced");
        assert_eq!(paths(&fake), ["/openai/v1/key", "/openai/v1/key"]);
    });
}

/// Another vault handle on the same data folder.
async fn vault_again(dir: &tempfile::TempDir, fake: &FakeAi) -> Vault {
    vault(dir, fake).await
}

#[test]
fn an_hour_old_reading_is_read_again() {
    private_keyring::run("an_hour_old_reading_is_read_again", async {
        let fake = fake(FakeAiConfig::default()).await;
        let dir = tempfile::tempdir().expect("dir");
        let vault = vault(&dir, &fake).await;
        let id = add(&vault, ProviderId::Openrouter).await;
        vault.provider_balance(&id, false).await.expect("read");
        // The reading was taken an hour ago (and, for the second round, in the future: a clock
        // set back counts as old too).
        for shift in ["- 3600", "+ 600"] {
            let sql = format!("UPDATE key_balances SET fetched_at = fetched_at {shift}");
            vault
                .db()
                .call(move |conn| {
                    conn.execute(&sql, [])?;
                    Ok(())
                })
                .await
                .expect("aged");
            fake.clear_requests();
            vault.provider_balance(&id, false).await.expect("read");
            assert_eq!(paths(&fake), ["/openai/v1/key"], "{shift}");
        }
    });
}

#[test]
fn deepseek_balance_is_read_beside_the_v1_base() {
    private_keyring::run("deepseek_balance_is_read_beside_the_v1_base", async {
        let fake = fake(FakeAiConfig {
            deepseek_balance: DeepSeekBalance {
                is_available: true,
                balance_infos: vec![
                    BalanceInfo::new("CNY", "110.00", "10.00", "100.00"),
                    BalanceInfo::new("USD", "4.20", "0.20", "4.00"),
                ],
            },
            ..FakeAiConfig::default()
        })
        .await;
        let dir = tempfile::tempdir().expect("dir");
        let vault = vault(&dir, &fake).await;
        let id = add(&vault, ProviderId::Deepseek).await;
        fake.clear_requests();
        let read = vault
            .provider_balance(&id, false)
            .await
            .expect("read")
            .expect("DeepSeek has the call");
        assert_eq!(read.source, BalanceCall::DeepseekBalance);
        assert!(close(&read.remaining, 4.2, "USD"), "{read:?}");
        assert_eq!(read.limit, None);
        let note = read.note.clone().expect("note");
        assert!(
            note.contains("$4.00 topped up and $0.20 granted."),
            "{note}"
        );
        assert!(note.contains("Also 110.00 CNY."), "{note}");
        assert_eq!(paths(&fake), ["/openai/user/balance"]);
    });
}

#[test]
fn checking_a_key_again_reads_its_figures_again() {
    private_keyring::run("checking_a_key_again_reads_its_figures_again", async {
        let fake = fake(FakeAiConfig::default()).await;
        let dir = tempfile::tempdir().expect("dir");
        let vault = vault(&dir, &fake).await;
        let id = add(&vault, ProviderId::Openrouter).await;
        vault.provider_balance(&id, false).await.expect("read");
        let before = stored_at(&vault).await;
        fake.clear_requests();
        vault.validate(&id).await.expect("checked");
        // The check (OpenRouter validates with /key too), then the figures.
        assert_eq!(paths(&fake), ["/openai/v1/key", "/openai/v1/key"]);
        assert!(stored_at(&vault).await[0].1.fetched_at >= before[0].1.fetched_at);
        // And they are fresh now: no request for the next hour.
        fake.clear_requests();
        vault.provider_balance(&id, false).await.expect("read");
        assert!(fake.requests().is_empty());

        // A failure to read them leaves the check's outcome as it is (DeepSeek, whose check
        // and figures are two calls).
        let deepseek = add(&vault, ProviderId::Deepseek).await;
        fake.push_fault(ScriptedFault::new(Fault::ServerError).on_path("/user/balance"));
        fake.clear_requests();
        let checked = vault.validate(&deepseek).await.expect("checked");
        assert_eq!(checked.verification, Verification::Verified);
        assert_eq!(paths(&fake), ["/openai/v1/models", "/openai/user/balance"]);
        // Nothing was stored for it, so the next look asks.
        fake.clear_requests();
        let read = vault
            .provider_balance(&deepseek, false)
            .await
            .expect("read");
        assert!(read.is_some());
        assert_eq!(paths(&fake), ["/openai/user/balance"]);
    });
}

async fn stored_at(vault: &Vault) -> Vec<(String, ProviderBalance)> {
    vault.balances().await.expect("balances")
}

#[test]
fn a_provider_without_the_call_says_so_and_sends_nothing() {
    private_keyring::run(
        "a_provider_without_the_call_says_so_and_sends_nothing",
        async {
            let fake = fake(FakeAiConfig::default()).await;
            let dir = tempfile::tempdir().expect("dir");
            let vault = vault(&dir, &fake).await;
            let id = add(&vault, ProviderId::Openai).await;
            fake.clear_requests();
            assert_eq!(vault.provider_balance(&id, true).await.expect("none"), None);
            vault.validate(&id).await.expect("checked");
            // Only the check itself.
            assert_eq!(paths(&fake), ["/openai/v1/models"]);
            assert!(vault.balances().await.expect("balances").is_empty());
            assert_eq!(
                no_call_sentence(ProviderId::Openai.spec()),
                "OpenAI has no call a normal key may use to read its spend"
            );
        },
    );
}

#[test]
fn a_revoked_or_rate_limited_key_gets_a_typed_error() {
    private_keyring::run("a_revoked_or_rate_limited_key_gets_a_typed_error", async {
        let fake = fake(FakeAiConfig::default()).await;
        let dir = tempfile::tempdir().expect("dir");
        let vault = vault(&dir, &fake).await;
        let id = add(&vault, ProviderId::Openrouter).await;
        let read = vault.provider_balance(&id, false).await.expect("read");

        fake.push_fault(Fault::RateLimited {
            retry_after_secs: 7,
        });
        let err = vault.provider_balance(&id, true).await.expect_err("429");
        assert!(
            matches!(
                err,
                Error::RateLimited {
                    retry_after: Some(d),
                    ..
                } if d == Duration::from_secs(7)
            ),
            "{err:?}"
        );

        fake.remove_provider_key(KEY);
        let err = vault
            .provider_balance(&id, true)
            .await
            .expect_err("revoked");
        assert!(
            matches!(
                err,
                Error::InvalidKey {
                    provider: ProviderId::Openrouter,
                    status: Some(401),
                    ..
                }
            ),
            "{err:?}"
        );
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains(KEY), "{text}");
        }
        // The last good reading stays, with its time.
        assert_eq!(
            vault.balances().await.expect("balances"),
            vec![(id, read.expect("read"))]
        );
    });
}

#[test]
fn the_key_goes_only_to_the_origin_it_is_bound_to() {
    private_keyring::run("the_key_goes_only_to_the_origin_it_is_bound_to", async {
        let home = fake(FakeAiConfig::default()).await;
        let elsewhere = fake(FakeAiConfig::default()).await;
        let dir = tempfile::tempdir().expect("dir");
        let vault = vault(&dir, &home).await;
        let id = add(&vault, ProviderId::Openrouter).await;
        // Someone with write access to the database points the key at another origin (which
        // would accept it).
        let moved = format!(
            "UPDATE keys SET base_url = '{}'",
            elsewhere.base_url(Flavor::OpenAi)
        );
        vault
            .db()
            .call(move |conn| {
                conn.execute(&moved, [])?;
                Ok(())
            })
            .await
            .expect("tampered");
        home.clear_requests();
        let err = vault
            .provider_balance(&id, true)
            .await
            .expect_err("refused");
        assert!(matches!(err, Error::KeyOriginChanged { .. }), "{err:?}");
        assert!(elsewhere.requests().is_empty(), "nothing went elsewhere");
        assert!(home.requests().is_empty());
    });
}
