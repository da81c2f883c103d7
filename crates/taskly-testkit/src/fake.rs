//! The loopback fake (taskly-fake-ai) started as most tests want it: a provider that accepts a
//! few keys, or a Taskly proxy that accepts one token, everything else at its defaults. Tests
//! that need more (a delay between chunks, a models list) build their `FakeAiConfig` themselves.

use taskly_fake_ai::{FakeAi, FakeAiConfig};

/// A fake provider (every flavor) that accepts `keys`.
pub async fn provider(keys: &[&str]) -> FakeAi {
    FakeAi::start(FakeAiConfig {
        provider_keys: keys.iter().map(|key| (*key).to_owned()).collect(),
        ..FakeAiConfig::default()
    })
    .await
    .expect("the fake provider starts")
}

/// A fake Taskly proxy that accepts `token`.
pub async fn proxy(token: &str) -> FakeAi {
    FakeAi::start(FakeAiConfig {
        proxy_tokens: vec![token.to_owned()],
        ..FakeAiConfig::default()
    })
    .await
    .expect("the fake proxy starts")
}
