//! What a fake server accepts: keys, proxy tokens (static or vouched for by an issuer), model ids
//! and streaming pace.

use std::time::Duration;

use crate::figures::{DeepSeekBalance, OpenRouterKey};

/// Settings for a [`crate::FakeAi`] server.
///
/// Keys and tokens are empty by default, so a default server rejects every call: name the
/// keys a test means to accept (or add them later with [`crate::FakeAi::add_provider_key`]).
#[derive(Debug, Clone, PartialEq)]
pub struct FakeAiConfig {
    /// API keys accepted by every provider flavor (OpenAI, Azure, Anthropic, Gemini).
    pub provider_keys: Vec<String>,
    /// Bearer tokens accepted by the Taskly proxy flavor.
    pub proxy_tokens: Vec<String>,
    /// Also accept proxy tokens that this OpenID issuer says are active (RFC 7662), asked on
    /// every call. `None`: only `proxy_tokens`.
    pub introspection: Option<Introspection>,
    /// Model ids listed and accepted by the OpenAI and Azure flavors (Azure calls them deployments).
    pub models: Vec<String>,
    /// Model ids listed and accepted by the Anthropic flavor.
    pub anthropic_models: Vec<String>,
    /// Model ids (without the `models/` prefix) listed and accepted by the Gemini flavor.
    pub gemini_models: Vec<String>,
    /// Pause between two streamed chunks.
    pub chunk_delay: Duration,
    /// What OpenRouter's `GET /key` (`/openai/v1/key`) says about a key's usage and limit.
    pub openrouter_key: OpenRouterKey,
    /// What DeepSeek's `GET /user/balance` (`/openai/user/balance`) says.
    pub deepseek_balance: DeepSeekBalance,
}

impl Default for FakeAiConfig {
    fn default() -> Self {
        Self {
            provider_keys: Vec::new(),
            proxy_tokens: Vec::new(),
            introspection: None,
            models: strings(&["gpt-4o-mini", "gpt-4o"]),
            anthropic_models: strings(&["claude-sonnet-4-5", "claude-haiku-4-5"]),
            gemini_models: strings(&["gemini-2.5-flash", "gemini-2.5-pro"]),
            chunk_delay: Duration::ZERO,
            openrouter_key: OpenRouterKey::default(),
            deepseek_balance: DeepSeekBalance::default(),
        }
    }
}

/// Where and how the proxy asks the issuer about a token (RFC 7662 token introspection).
///
/// The proxy authenticates as a confidential client with HTTP Basic, the way a resource server
/// registered at the issuer does. `Debug` hides the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Introspection {
    /// The issuer's introspection endpoint, e.g. `http://127.0.0.1:PORT/token/introspection`;
    /// loopback only, like the fake itself.
    pub endpoint: String,
    /// The proxy's client id at the issuer.
    pub client_id: String,
    /// The proxy's client secret at the issuer.
    pub client_secret: String,
    /// When set, a token counts only if the issuer says it was issued to this client
    /// (its `client_id`), so a token some other application obtained is refused.
    pub audience_client: Option<String>,
}

impl std::fmt::Debug for Introspection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Introspection")
            .field("endpoint", &self.endpoint)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("audience_client", &self.audience_client)
            .finish()
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_secret_stays_out_of_debug() {
        let config = FakeAiConfig {
            introspection: Some(Introspection {
                endpoint: "http://127.0.0.1:9/introspect".into(),
                client_id: "taskly-proxy".into(),
                client_secret: "s3cret-value".into(),
                audience_client: None,
            }),
            ..FakeAiConfig::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret-value"), "{shown}");
        assert!(shown.contains("taskly-proxy"), "{shown}");
    }
}
