//! Which provider a variable or a tool's provider name means.

use crate::providers::ProviderId;

/// The environment variables the scan reads, each with its provider. `AZURE_OPENAI_ENDPOINT`
/// is read alongside `AZURE_OPENAI_API_KEY` as its base URL.
pub const VARIABLES: &[(&str, ProviderId)] = &[
    ("OPENAI_API_KEY", ProviderId::Openai),
    ("ANTHROPIC_API_KEY", ProviderId::Anthropic),
    ("GEMINI_API_KEY", ProviderId::Gemini),
    ("GOOGLE_API_KEY", ProviderId::Gemini),
    ("MISTRAL_API_KEY", ProviderId::Mistral),
    ("GROQ_API_KEY", ProviderId::Groq),
    ("OPENROUTER_API_KEY", ProviderId::Openrouter),
    ("DEEPSEEK_API_KEY", ProviderId::Deepseek),
    ("XAI_API_KEY", ProviderId::Xai),
    ("AZURE_OPENAI_API_KEY", ProviderId::AzureOpenai),
];

/// The variable that carries Azure's endpoint.
pub const AZURE_ENDPOINT: &str = "AZURE_OPENAI_ENDPOINT";

/// The provider of a variable name (`OPENAI_API_KEY`), also with aider's `AIDER_` prefix.
pub fn variable(name: &str) -> Option<ProviderId> {
    let name = name.strip_prefix("AIDER_").unwrap_or(name);
    VARIABLES.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
}

/// The provider a tool's own provider name means: Continue's `provider:`, LiteLLM's model
/// prefix (`anthropic/claude-…`), aider's `api-key: gemini=…`.
pub fn tool_provider(name: &str) -> Option<ProviderId> {
    Some(match name.trim().to_ascii_lowercase().as_str() {
        "openai" => ProviderId::Openai,
        "anthropic" => ProviderId::Anthropic,
        "gemini" | "google" | "google-ai-studio" | "vertex_ai" | "vertexai" => ProviderId::Gemini,
        "mistral" | "mistralai" => ProviderId::Mistral,
        "groq" => ProviderId::Groq,
        "openrouter" => ProviderId::Openrouter,
        "deepseek" => ProviderId::Deepseek,
        "xai" | "x-ai" | "grok" => ProviderId::Xai,
        "azure" | "azure-openai" | "azure_openai" => ProviderId::AzureOpenai,
        _ => return None,
    })
}

/// The provider a key's shape points to: the longest public prefix it starts with.
pub fn by_shape(value: &str) -> Option<ProviderId> {
    crate::prompt_guard::provider_prefix(value).map(|(p, _)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_shapes() {
        assert_eq!(variable("OPENAI_API_KEY"), Some(ProviderId::Openai));
        assert_eq!(
            variable("AIDER_ANTHROPIC_API_KEY"),
            Some(ProviderId::Anthropic)
        );
        assert_eq!(variable("OPENAI_API_BASE"), None);
        assert_eq!(tool_provider("Anthropic"), Some(ProviderId::Anthropic));
        assert_eq!(tool_provider("ollama"), None);
        assert_eq!(by_shape("sk-ant-api03-abc"), Some(ProviderId::Anthropic));
        assert_eq!(by_shape("sk-or-v1-abc"), Some(ProviderId::Openrouter));
        assert_eq!(by_shape("sk-abc"), Some(ProviderId::Openai));
        assert_eq!(by_shape("hello"), None);
    }
}
