//! The identifier of a provider, on its own so that errors and every other layer can name a
//! provider without depending on the registry (`providers.rs` holds the entries and the methods
//! that read them).

use serde::{Deserialize, Serialize};

/// A provider we know how to talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum ProviderId {
    /// OpenAI.
    Openai,
    /// Anthropic (Claude).
    Anthropic,
    /// Google Gemini (AI Studio keys).
    Gemini,
    /// Mistral AI.
    Mistral,
    /// Groq.
    Groq,
    /// OpenRouter.
    Openrouter,
    /// DeepSeek.
    Deepseek,
    /// xAI (Grok).
    Xai,
    /// Azure OpenAI (a resource of the user's own).
    AzureOpenai,
    /// Any OpenAI-compatible endpoint: Ollama, LM Studio, a company gateway.
    Custom,
}
