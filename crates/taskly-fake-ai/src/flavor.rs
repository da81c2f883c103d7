//! The kinds of service the fake imitates, and where each lives under the server's URL.

use serde::{Deserialize, Serialize};

/// Which real service a request is aimed at, told apart by the first path segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Flavor {
    /// OpenAI and OpenAI-compatible services (OpenRouter and the like), under `/openai/v1`.
    #[serde(rename = "openai")]
    OpenAi,
    /// Azure OpenAI's v1 API, under `/azure/openai/v1`.
    #[serde(rename = "azure")]
    Azure,
    /// Anthropic's Messages API, under `/anthropic/v1`.
    #[serde(rename = "anthropic")]
    Anthropic,
    /// Google's Gemini API, under `/gemini/v1beta`.
    #[serde(rename = "gemini")]
    Gemini,
    /// The Taskly proxy (OpenAI-compatible, `provider/model` names), under `/proxy/v1`.
    #[serde(rename = "proxy")]
    Proxy,
}

impl Flavor {
    /// Every flavor, in a stable order.
    pub const ALL: [Flavor; 5] = [
        Flavor::OpenAi,
        Flavor::Azure,
        Flavor::Anthropic,
        Flavor::Gemini,
        Flavor::Proxy,
    ];

    /// The flavor's short name, as used in JSON and in the first path segment.
    pub fn as_str(&self) -> &'static str {
        match self {
            Flavor::OpenAi => "openai",
            Flavor::Azure => "azure",
            Flavor::Anthropic => "anthropic",
            Flavor::Gemini => "gemini",
            Flavor::Proxy => "proxy",
        }
    }

    /// The path a client's base URL ends with, e.g. `/openai/v1`.
    pub fn base_path(&self) -> &'static str {
        match self {
            Flavor::OpenAi => "/openai/v1",
            Flavor::Azure => "/azure/openai/v1",
            Flavor::Anthropic => "/anthropic/v1",
            Flavor::Gemini => "/gemini/v1beta",
            Flavor::Proxy => "/proxy/v1",
        }
    }

    /// The flavor a request path belongs to, by its first segment.
    pub(crate) fn of_path(path: &str) -> Option<Flavor> {
        let first = path.trim_start_matches('/').split('/').next()?;
        Flavor::ALL.into_iter().find(|f| f.as_str() == first)
    }
}

impl std::fmt::Display for Flavor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_flavors() {
        assert_eq!(Flavor::of_path("/openai/v1/models"), Some(Flavor::OpenAi));
        assert_eq!(
            Flavor::of_path("/azure/openai/v1/models"),
            Some(Flavor::Azure)
        );
        assert_eq!(Flavor::of_path("/gemini"), Some(Flavor::Gemini));
        assert_eq!(Flavor::of_path("/openaix/v1"), None);
        assert_eq!(Flavor::of_path("/"), None);
        for flavor in Flavor::ALL {
            assert_eq!(Flavor::of_path(flavor.base_path()), Some(flavor));
        }
    }

    #[test]
    fn serde_names_match_as_str() {
        for flavor in Flavor::ALL {
            let json = serde_json::to_string(&flavor).expect("a unit variant serializes");
            assert_eq!(json, format!("\"{}\"", flavor.as_str()));
        }
    }
}
