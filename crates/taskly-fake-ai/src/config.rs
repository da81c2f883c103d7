//! What a fake server accepts: keys, proxy tokens, model ids and streaming pace.

use std::time::Duration;

/// Settings for a [`crate::FakeAi`] server.
///
/// Keys and tokens are empty by default, so a default server rejects every call: name the
/// keys a test means to accept (or add them later with [`crate::FakeAi::add_provider_key`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeAiConfig {
    /// API keys accepted by every provider flavor (OpenAI, Azure, Anthropic, Gemini).
    pub provider_keys: Vec<String>,
    /// Bearer tokens accepted by the Taskly proxy flavor.
    pub proxy_tokens: Vec<String>,
    /// Model ids listed and accepted by the OpenAI and Azure flavors (Azure calls them deployments).
    pub models: Vec<String>,
    /// Model ids listed and accepted by the Anthropic flavor.
    pub anthropic_models: Vec<String>,
    /// Model ids (without the `models/` prefix) listed and accepted by the Gemini flavor.
    pub gemini_models: Vec<String>,
    /// Pause between two streamed chunks.
    pub chunk_delay: Duration,
}

impl Default for FakeAiConfig {
    fn default() -> Self {
        Self {
            provider_keys: Vec::new(),
            proxy_tokens: Vec::new(),
            models: strings(&["gpt-4o-mini", "gpt-4o"]),
            anthropic_models: strings(&["claude-sonnet-4-5", "claude-haiku-4-5"]),
            gemini_models: strings(&["gemini-2.5-flash", "gemini-2.5-pro"]),
            chunk_delay: Duration::ZERO,
        }
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}
