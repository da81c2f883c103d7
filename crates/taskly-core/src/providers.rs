//! The provider registry: one entry per AI provider, with everything the app needs to know.
//!
//! Each entry says where the provider lives, how a key is sent, how a key is validated, what a
//! key usually looks like and where a user creates one. Everything else (validation, masking,
//! routing) reads from here; adding a provider is adding an entry.

pub mod auth;
pub mod balance;
pub mod base_url;
pub mod classify;
pub mod error_body;
pub mod gate;
pub mod validate;
pub mod wait;

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

pub use crate::provider_id::ProviderId;

/// How a key travels in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum AuthScheme {
    /// `Authorization: Bearer <key>`.
    Bearer,
    /// A header that carries the bare key, plus fixed extra headers.
    Header {
        /// The header name, e.g. `x-api-key`.
        name: &'static str,
        /// Fixed headers sent alongside, e.g. `anthropic-version`.
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        extra: &'static [(&'static str, &'static str)],
    },
}

/// The shape of a provider's API, which decides how its answers and errors are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum WireFormat {
    /// OpenAI's chat completions and `{"error": {...}}` errors (most providers).
    OpenaiCompatible,
    /// Anthropic's messages API.
    Anthropic,
    /// Google's generateContent and `google.rpc.Status` errors.
    Gemini,
}

impl WireFormat {
    /// How this dialect says "out of quota or credit" beyond the common signs (HTTP 402,
    /// `insufficient_quota`, a 403 that says "quota"): for an answer with `status`, the words
    /// its message carries. A registry fact, read by `providers::classify`.
    pub fn quota_words(self, status: u16) -> &'static [&'static str] {
        match (self, status) {
            // Anthropic: 400 "Your credit balance is too low to access the Anthropic API".
            (WireFormat::Anthropic, 400) => &["credit balance"],
            // Gemini: 429 RESOURCE_EXHAUSTED naming billing (a quota, not a rate limit).
            (WireFormat::Gemini, 429) => &["billing"],
            _ => &[],
        }
    }
}

/// What a validation call returns on success, so the models a key can use can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum ModelList {
    /// `{"data": [{"id": ...}]}` (OpenAI, Anthropic and the compatible providers).
    DataIds,
    /// `{"models": [{"name": "models/..."}]}` (Gemini).
    GeminiModels,
    /// No model list comes back (OpenRouter's key endpoint).
    None,
}

/// One registry entry.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ProviderSpec {
    /// Stable identifier.
    pub id: ProviderId,
    /// Name shown to people.
    pub name: &'static str,
    /// Where the API lives when the user has not set a base URL; `None` when the user must give
    /// one (Azure, custom).
    pub default_base_url: Option<&'static str>,
    /// An example of a base URL, for forms and help.
    pub base_url_example: &'static str,
    /// How the key is sent.
    pub auth: AuthScheme,
    /// API dialect.
    pub wire: WireFormat,
    /// Path (below the base URL) of the cheap authenticated call that validates a key.
    pub validation_path: &'static str,
    /// What that call returns.
    pub model_list: ModelList,
    /// Prefixes real keys start with, longest first (a warning when absent, never a refusal).
    pub key_prefixes: &'static [&'static str],
    /// Where a user creates a key.
    pub key_page: Option<&'static str>,
    /// Where a user checks billing and quota.
    pub billing_page: Option<&'static str>,
    /// The call a normal key may use to read the provider's own figures for its spend, if the
    /// provider has one (`providers::balance`).
    pub balance_call: Option<balance::BalanceCall>,
    /// The suffix of `TASKLY_<SUFFIX>_BASE_URL`.
    pub env_name: &'static str,
    /// The model a chat uses when the user names none.
    pub default_model: &'static str,
    /// Whether `max_tokens` must be sent as OpenAI's newer `max_completion_tokens`.
    #[serde(skip)]
    #[cfg_attr(test, ts(skip))]
    pub max_completion_tokens: bool,
}

const ANTHROPIC_VERSION: (&str, &str) = ("anthropic-version", "2023-06-01");

static REGISTRY: [ProviderSpec; 10] = [
    ProviderSpec {
        id: ProviderId::Openai,
        name: "OpenAI",
        default_base_url: Some("https://api.openai.com/v1"),
        base_url_example: "https://api.openai.com/v1",
        auth: AuthScheme::Bearer,
        wire: WireFormat::OpenaiCompatible,
        validation_path: "/models",
        model_list: ModelList::DataIds,
        key_prefixes: &["sk-svcacct-", "sk-admin-", "sk-proj-", "sk-"],
        key_page: Some("https://platform.openai.com/api-keys"),
        billing_page: Some("https://platform.openai.com/settings/organization/billing/overview"),
        balance_call: None,
        env_name: "OPENAI",
        default_model: "gpt-4o-mini",
        max_completion_tokens: true,
    },
    ProviderSpec {
        id: ProviderId::Anthropic,
        name: "Anthropic",
        default_base_url: Some("https://api.anthropic.com/v1"),
        base_url_example: "https://api.anthropic.com/v1",
        auth: AuthScheme::Header {
            name: "x-api-key",
            extra: &[ANTHROPIC_VERSION],
        },
        wire: WireFormat::Anthropic,
        validation_path: "/models",
        model_list: ModelList::DataIds,
        key_prefixes: &["sk-ant-api03-", "sk-ant-"],
        key_page: Some("https://console.anthropic.com/settings/keys"),
        billing_page: Some("https://console.anthropic.com/settings/billing"),
        balance_call: None,
        env_name: "ANTHROPIC",
        default_model: "claude-sonnet-4-5",
        max_completion_tokens: false,
    },
    ProviderSpec {
        id: ProviderId::Gemini,
        name: "Google Gemini",
        default_base_url: Some("https://generativelanguage.googleapis.com/v1beta"),
        base_url_example: "https://generativelanguage.googleapis.com/v1beta",
        auth: AuthScheme::Header {
            name: "x-goog-api-key",
            extra: &[],
        },
        wire: WireFormat::Gemini,
        validation_path: "/models",
        model_list: ModelList::GeminiModels,
        key_prefixes: &["AIza"],
        key_page: Some("https://aistudio.google.com/app/apikey"),
        billing_page: Some("https://aistudio.google.com/usage"),
        balance_call: None,
        env_name: "GEMINI",
        default_model: "gemini-2.5-flash",
        max_completion_tokens: false,
    },
    ProviderSpec {
        id: ProviderId::Mistral,
        name: "Mistral AI",
        default_base_url: Some("https://api.mistral.ai/v1"),
        base_url_example: "https://api.mistral.ai/v1",
        auth: AuthScheme::Bearer,
        wire: WireFormat::OpenaiCompatible,
        validation_path: "/models",
        model_list: ModelList::DataIds,
        key_prefixes: &[],
        key_page: Some("https://console.mistral.ai/api-keys"),
        billing_page: Some("https://console.mistral.ai/billing"),
        balance_call: None,
        env_name: "MISTRAL",
        default_model: "mistral-small-latest",
        max_completion_tokens: false,
    },
    ProviderSpec {
        id: ProviderId::Groq,
        name: "Groq",
        default_base_url: Some("https://api.groq.com/openai/v1"),
        base_url_example: "https://api.groq.com/openai/v1",
        auth: AuthScheme::Bearer,
        wire: WireFormat::OpenaiCompatible,
        validation_path: "/models",
        model_list: ModelList::DataIds,
        key_prefixes: &["gsk_"],
        key_page: Some("https://console.groq.com/keys"),
        billing_page: Some("https://console.groq.com/settings/billing"),
        balance_call: None,
        env_name: "GROQ",
        default_model: "llama-3.3-70b-versatile",
        max_completion_tokens: false,
    },
    ProviderSpec {
        id: ProviderId::Openrouter,
        name: "OpenRouter",
        default_base_url: Some("https://openrouter.ai/api/v1"),
        base_url_example: "https://openrouter.ai/api/v1",
        auth: AuthScheme::Bearer,
        wire: WireFormat::OpenaiCompatible,
        // OpenRouter's /models answers without a key, so it cannot tell a good key from a bad one.
        validation_path: "/key",
        model_list: ModelList::None,
        key_prefixes: &["sk-or-v1-", "sk-or-"],
        key_page: Some("https://openrouter.ai/settings/keys"),
        billing_page: Some("https://openrouter.ai/settings/credits"),
        balance_call: Some(balance::BalanceCall::OpenrouterKey),
        env_name: "OPENROUTER",
        default_model: "openai/gpt-4o-mini",
        max_completion_tokens: false,
    },
    ProviderSpec {
        id: ProviderId::Deepseek,
        name: "DeepSeek",
        default_base_url: Some("https://api.deepseek.com"),
        base_url_example: "https://api.deepseek.com",
        auth: AuthScheme::Bearer,
        wire: WireFormat::OpenaiCompatible,
        validation_path: "/models",
        model_list: ModelList::DataIds,
        key_prefixes: &["sk-"],
        key_page: Some("https://platform.deepseek.com/api_keys"),
        billing_page: Some("https://platform.deepseek.com/top_up"),
        balance_call: Some(balance::BalanceCall::DeepseekBalance),
        env_name: "DEEPSEEK",
        default_model: "deepseek-chat",
        max_completion_tokens: false,
    },
    ProviderSpec {
        id: ProviderId::Xai,
        name: "xAI",
        default_base_url: Some("https://api.x.ai/v1"),
        base_url_example: "https://api.x.ai/v1",
        auth: AuthScheme::Bearer,
        wire: WireFormat::OpenaiCompatible,
        validation_path: "/models",
        model_list: ModelList::DataIds,
        key_prefixes: &["xai-"],
        key_page: Some("https://console.x.ai/team/default/api-keys"),
        billing_page: Some("https://console.x.ai/team/default/billing"),
        balance_call: None,
        env_name: "XAI",
        default_model: "grok-3-mini",
        max_completion_tokens: false,
    },
    ProviderSpec {
        id: ProviderId::AzureOpenai,
        name: "Azure OpenAI",
        default_base_url: None,
        base_url_example: "https://YOUR-RESOURCE.openai.azure.com/openai/v1",
        auth: AuthScheme::Header {
            name: "api-key",
            extra: &[],
        },
        wire: WireFormat::OpenaiCompatible,
        validation_path: "/models",
        model_list: ModelList::DataIds,
        key_prefixes: &[],
        key_page: Some(
            "https://portal.azure.com/#view/Microsoft_Azure_ProjectOxford/CognitiveServicesHub/~/OpenAI",
        ),
        billing_page: Some(
            "https://portal.azure.com/#view/Microsoft_Azure_CostManagement/Menu/~/overview",
        ),
        balance_call: None,
        env_name: "AZURE_OPENAI",
        default_model: "gpt-4o-mini",
        max_completion_tokens: true,
    },
    ProviderSpec {
        id: ProviderId::Custom,
        name: "Custom (OpenAI-compatible)",
        default_base_url: None,
        base_url_example: "http://127.0.0.1:11434/v1",
        auth: AuthScheme::Bearer,
        wire: WireFormat::OpenaiCompatible,
        validation_path: "/models",
        model_list: ModelList::DataIds,
        key_prefixes: &[],
        key_page: None,
        billing_page: None,
        balance_call: None,
        env_name: "CUSTOM",
        default_model: "gpt-4o-mini",
        max_completion_tokens: false,
    },
];

impl ProviderId {
    /// Every provider, in the order the registry lists them.
    pub fn all() -> impl Iterator<Item = ProviderId> {
        REGISTRY.iter().map(|spec| spec.id)
    }

    /// This provider's registry entry.
    pub fn spec(self) -> &'static ProviderSpec {
        // The registry holds one entry per variant in declaration order; the test below holds it.
        &REGISTRY[self as usize]
    }

    /// The stable identifier used on the command line, in SQLite and over IPC.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderId::Openai => "openai",
            ProviderId::Anthropic => "anthropic",
            ProviderId::Gemini => "gemini",
            ProviderId::Mistral => "mistral",
            ProviderId::Groq => "groq",
            ProviderId::Openrouter => "openrouter",
            ProviderId::Deepseek => "deepseek",
            ProviderId::Xai => "xai",
            ProviderId::AzureOpenai => "azure-openai",
            ProviderId::Custom => "custom",
        }
    }
}

/// Returned when a provider name is not in the registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown provider {0:?}")]
pub struct UnknownProvider(pub String);

impl FromStr for ProviderId {
    type Err = UnknownProvider;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        let alias = match wanted.as_str() {
            "google" | "google-gemini" => "gemini",
            "azure" | "azure_openai" => "azure-openai",
            "x-ai" | "grok" => "xai",
            "openai-compatible" | "ollama" | "lmstudio" | "lm-studio" => "custom",
            other => other,
        };
        ProviderId::all()
            .find(|id| id.as_str() == alias)
            .ok_or_else(|| UnknownProvider(s.to_owned()))
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ProviderSpec {
    /// Whether a key has one of this provider's usual prefixes. Custom endpoints and providers
    /// without a documented prefix accept anything.
    pub fn key_looks_right(&self, key: &crate::ApiKey) -> bool {
        self.key_prefixes.is_empty() || self.key_prefixes.iter().any(|p| key.starts_with(p))
    }

    /// The provider prefix a key starts with, if any (longest match), for the masked hint.
    pub(crate) fn matching_prefix(&self, key: &crate::ApiKey) -> Option<&'static str> {
        self.key_prefixes
            .iter()
            .copied()
            .find(|p| key.starts_with(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_order_matches_the_enum() {
        for (index, spec) in REGISTRY.iter().enumerate() {
            assert_eq!(spec.id as usize, index, "{} is out of place", spec.name);
            assert_eq!(spec.id.spec().id, spec.id);
        }
    }

    #[test]
    fn names_round_trip_and_aliases_resolve() {
        for id in ProviderId::all() {
            assert_eq!(id.as_str().parse::<ProviderId>(), Ok(id));
            let json = serde_json::to_string(&id).expect("serializes");
            assert_eq!(json, format!("\"{}\"", id.as_str()));
        }
        assert_eq!("Azure".parse(), Ok(ProviderId::AzureOpenai));
        assert_eq!("ollama".parse(), Ok(ProviderId::Custom));
        assert!("openai2".parse::<ProviderId>().is_err());
    }

    #[test]
    fn every_entry_is_complete() {
        for spec in &REGISTRY {
            assert!(spec.validation_path.starts_with('/'));
            if let Some(url) = spec.default_base_url {
                assert!(url.starts_with("https://"), "{url}");
                assert!(!url.ends_with('/'));
            }
            for page in [spec.key_page, spec.billing_page].into_iter().flatten() {
                assert!(page.starts_with("https://"), "{page}");
            }
            let mut sorted = spec.key_prefixes.to_vec();
            sorted.sort_by_key(|p| std::cmp::Reverse(p.len()));
            assert_eq!(
                sorted, spec.key_prefixes,
                "{}: longest prefix first",
                spec.name
            );
        }
    }
}
