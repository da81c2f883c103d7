//! YAML and JSON config files: Continue, Goose, aider, Codex, Claude Code and LiteLLM.
//!
//! Both are read into one small tree ([`Node`]) so each tool's rule is written once. The
//! parsers' own trees are dropped as soon as the values are copied out (into zeroized strings).

use zeroize::Zeroizing;

use super::Raw;
use crate::import::names;
use crate::providers::ProviderId;

/// A parsed document, reduced to what the rules read.
enum Node {
    Map(Vec<(String, Node)>),
    List(Vec<Node>),
    Str(Zeroizing<String>),
    Other,
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s.as_str()),
            _ => None,
        }
    }

    fn entries(&self) -> &[(String, Node)] {
        match self {
            Node::Map(entries) => entries,
            _ => &[],
        }
    }
}

fn yaml(text: &str) -> Result<Node, String> {
    let docs = yaml_rust2::YamlLoader::load_from_str(text).map_err(|e| e.to_string())?;
    Ok(docs.first().map_or(Node::Other, from_yaml))
}

fn from_yaml(value: &yaml_rust2::Yaml) -> Node {
    use yaml_rust2::Yaml;
    match value {
        Yaml::Hash(hash) => Node::Map(
            hash.iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), from_yaml(v))))
                .collect(),
        ),
        Yaml::Array(items) => Node::List(items.iter().map(from_yaml).collect()),
        Yaml::String(s) => Node::Str(Zeroizing::new(s.clone())),
        _ => Node::Other,
    }
}

fn json(text: &str) -> Result<Node, String> {
    let value = super::json_value(text)?;
    Ok(from_json(&value))
}

fn from_json(value: &serde_json::Value) -> Node {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            Node::Map(map.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
        Value::Array(items) => Node::List(items.iter().map(from_json).collect()),
        Value::String(s) => Node::Str(Zeroizing::new(s.clone())),
        _ => Node::Other,
    }
}

fn raw(name: String, value: &str, provider: Option<ProviderId>, base_url: Option<&str>) -> Raw {
    Raw {
        name,
        value: Zeroizing::new(value.to_owned()),
        provider,
        base_url: base_url.map(str::to_owned),
        line: None,
    }
}

/// Every map in the tree holding a string at `key`, with its path (`models[0]`).
fn maps_with<'a>(node: &'a Node, key: &str, path: String, out: &mut Vec<(String, &'a Node)>) {
    match node {
        Node::Map(entries) => {
            if node.get(key).and_then(Node::str).is_some() {
                out.push((path.clone(), node));
            }
            for (k, v) in entries {
                let path = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                maps_with(v, key, path, out);
            }
        }
        Node::List(items) => {
            for (i, v) in items.iter().enumerate() {
                maps_with(v, key, format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Continue: every model (chat, autocomplete, embeddings…) with an `apiKey`, its provider from
/// the `provider` beside it.
fn continue_models(doc: &Node) -> Vec<Raw> {
    let mut maps = Vec::new();
    maps_with(doc, "apiKey", String::new(), &mut maps);
    maps.into_iter()
        .filter_map(|(path, map)| {
            let value = map.get("apiKey")?.str()?;
            let base = map.get("apiBase").and_then(Node::str);
            let provider = map
                .get("provider")
                .and_then(Node::str)
                .and_then(names::tool_provider)
                .map(|p| custom_if_elsewhere(p, base));
            Some(raw(format!("{path}.apiKey"), value, provider, base))
        })
        .collect()
}

/// A provider's key used against another host (`provider: openai` with a company gateway's
/// `apiBase`) is a custom endpoint's key: it is checked there, not at the provider.
fn custom_if_elsewhere(provider: ProviderId, base: Option<&str>) -> ProviderId {
    let Some(default) = provider.spec().default_base_url else {
        return provider;
    };
    let host = |u: &str| {
        url::Url::parse(u)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
    };
    match base {
        Some(base) if host(base).is_some() && host(base) != host(default) => ProviderId::Custom,
        _ => provider,
    }
}

/// `~/.continue/config.yaml`.
pub(crate) fn continue_yaml(text: &str) -> Result<Vec<Raw>, String> {
    Ok(continue_models(&yaml(text)?))
}

/// `~/.continue/config.json` (Continue's older format).
pub(crate) fn continue_json(text: &str) -> Result<Vec<Raw>, String> {
    Ok(continue_models(&json(text)?))
}

/// A flat map of variable names, kept when the name is a known one.
fn known_variables(map: &Node) -> Vec<Raw> {
    map.entries()
        .iter()
        .filter_map(|(k, v)| {
            let provider = names::variable(k)?;
            Some(raw(k.clone(), v.str()?, Some(provider), None))
        })
        .collect()
}

/// Goose's `secrets.yaml`: a flat map of the variables it would otherwise keep in the keyring.
pub(crate) fn goose(text: &str) -> Result<Vec<Raw>, String> {
    Ok(known_variables(&yaml(text)?))
}

/// aider's `.aider.conf.yml`: `openai-api-key`, `anthropic-api-key`, `api-key:` entries of the
/// form `provider=key`, and `set-env:` entries of the form `NAME=value`.
pub(crate) fn aider(text: &str) -> Result<Vec<Raw>, String> {
    let doc = yaml(text)?;
    let mut out = Vec::new();
    for (name, provider) in [
        ("openai-api-key", ProviderId::Openai),
        ("anthropic-api-key", ProviderId::Anthropic),
    ] {
        if let Some(value) = doc.get(name).and_then(Node::str) {
            out.push(raw(name.to_owned(), value, Some(provider), None));
        }
    }
    let pairs = |key: &str| -> Vec<Zeroizing<String>> {
        match doc.get(key) {
            Some(Node::Str(s)) => vec![s.clone()],
            Some(Node::List(items)) => items
                .iter()
                .filter_map(|i| i.str())
                .map(|s| Zeroizing::new(s.to_owned()))
                .collect(),
            _ => Vec::new(),
        }
    };
    for pair in pairs("api-key") {
        if let Some((provider, value)) = pair.split_once('=') {
            out.push(raw(
                format!("api-key {}", provider.trim()),
                value.trim(),
                names::tool_provider(provider),
                None,
            ));
        }
    }
    for pair in pairs("set-env") {
        if let Some((name, value)) = pair.split_once('=')
            && let Some(provider) = names::variable(name.trim())
        {
            out.push(raw(
                format!("set-env {}", name.trim()),
                value.trim(),
                Some(provider),
                None,
            ));
        }
    }
    Ok(out)
}

/// Codex CLI's `auth.json`: `OPENAI_API_KEY`.
pub(crate) fn codex(text: &str) -> Result<Vec<Raw>, String> {
    let doc = json(text)?;
    Ok(doc
        .get("OPENAI_API_KEY")
        .and_then(Node::str)
        .map(|v| raw("OPENAI_API_KEY".into(), v, Some(ProviderId::Openai), None))
        .into_iter()
        .collect())
}

/// Claude Code's `~/.claude.json`: `primaryApiKey`.
pub(crate) fn claude_json(text: &str) -> Result<Vec<Raw>, String> {
    let doc = json(text)?;
    Ok(doc
        .get("primaryApiKey")
        .and_then(Node::str)
        .map(|v| raw("primaryApiKey".into(), v, Some(ProviderId::Anthropic), None))
        .into_iter()
        .collect())
}

/// Claude Code's `settings.json`: the variables of its `env` map.
pub(crate) fn claude_settings(text: &str) -> Result<Vec<Raw>, String> {
    let doc = json(text)?;
    Ok(doc
        .get("env")
        .map(known_variables)
        .unwrap_or_default()
        .into_iter()
        .map(|mut r| {
            r.name = format!("env.{}", r.name);
            r
        })
        .collect())
}

/// A LiteLLM proxy config: each `litellm_params` (or any map) with an `api_key`, its provider
/// from the `model`'s prefix (`anthropic/claude-…`) or `custom_llm_provider`. A YAML file
/// without `model_list` is not a LiteLLM config and yields nothing.
pub(crate) fn litellm(text: &str) -> Result<Vec<Raw>, String> {
    let doc = yaml(text)?;
    if doc.get("model_list").is_none() {
        return Ok(Vec::new());
    }
    let mut maps = Vec::new();
    maps_with(&doc, "api_key", String::new(), &mut maps);
    let mut out: Vec<Raw> = doc
        .get("environment_variables")
        .map(known_variables)
        .unwrap_or_default()
        .into_iter()
        .map(|mut r| {
            r.name = format!("environment_variables.{}", r.name);
            r
        })
        .collect();
    out.extend(
        maps.into_iter()
            .filter_map(|(path, map)| {
                let value = map.get("api_key")?.str()?;
                let provider = map
                    .get("custom_llm_provider")
                    .and_then(Node::str)
                    .or_else(|| {
                        map.get("model")
                            .and_then(Node::str)
                            .and_then(|m| m.split_once('/'))
                            .map(|(p, _)| p)
                    })
                    .and_then(names::tool_provider);
                let base = map.get("api_base").and_then(Node::str);
                Some(raw(format!("{path}.api_key"), value, provider, base))
            })
            .collect::<Vec<_>>(),
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_values(raws: Result<Vec<Raw>, String>) -> Vec<(String, String, Option<ProviderId>)> {
        raws.expect("parses")
            .into_iter()
            .map(|r| (r.name, r.value.to_string(), r.provider))
            .collect()
    }

    #[test]
    fn continue_yaml_and_json() {
        let yaml = "name: Local\nversion: 0.0.1\nschema: v1\nmodels:\n  - name: Claude\n    provider: anthropic\n    model: claude-sonnet-4\n    apiKey: sk-ant-one\n  - name: GPT\n    provider: openai\n    model: gpt-4o\n    apiKey: ${{ secrets.OPENAI_API_KEY }}\n";
        assert_eq!(
            names_values(continue_yaml(yaml)),
            [
                (
                    "models[0].apiKey".into(),
                    "sk-ant-one".into(),
                    Some(ProviderId::Anthropic)
                ),
                (
                    "models[1].apiKey".into(),
                    "${{ secrets.OPENAI_API_KEY }}".into(),
                    Some(ProviderId::Openai)
                ),
            ]
        );
        let json = r#"{"models":[{"title":"GPT","provider":"openai","model":"gpt-4o","apiKey":"sk-proj-two"}],"tabAutocompleteModel":{"title":"Codestral","provider":"mistral","model":"codestral-latest","apiKey":"mistral-three"}}"#;
        assert_eq!(
            names_values(continue_json(json)),
            [
                (
                    "models[0].apiKey".into(),
                    "sk-proj-two".into(),
                    Some(ProviderId::Openai)
                ),
                (
                    "tabAutocompleteModel.apiKey".into(),
                    "mistral-three".into(),
                    Some(ProviderId::Mistral)
                ),
            ]
        );
        assert!(continue_json("{not json").is_err());
        assert!(continue_yaml("models: [unclosed").is_err());
    }

    #[test]
    fn goose_aider_codex_claude_litellm() {
        assert_eq!(
            names_values(goose("OPENAI_API_KEY: sk-proj-g\nGOOSE_PROVIDER: openai\n")),
            [(
                "OPENAI_API_KEY".into(),
                "sk-proj-g".into(),
                Some(ProviderId::Openai)
            )]
        );
        assert_eq!(
            names_values(aider(
                "model: sonnet\nanthropic-api-key: sk-ant-a\napi-key:\n  - gemini=AIza-g\n  - openrouter=sk-or-v1-o\nset-env:\n  - GROQ_API_KEY=gsk_s\n"
            )),
            [
                (
                    "anthropic-api-key".into(),
                    "sk-ant-a".into(),
                    Some(ProviderId::Anthropic)
                ),
                (
                    "api-key gemini".into(),
                    "AIza-g".into(),
                    Some(ProviderId::Gemini)
                ),
                (
                    "api-key openrouter".into(),
                    "sk-or-v1-o".into(),
                    Some(ProviderId::Openrouter)
                ),
                (
                    "set-env GROQ_API_KEY".into(),
                    "gsk_s".into(),
                    Some(ProviderId::Groq)
                ),
            ]
        );
        assert_eq!(
            names_values(codex(r#"{"OPENAI_API_KEY":"sk-proj-c","tokens":null}"#)),
            [(
                "OPENAI_API_KEY".into(),
                "sk-proj-c".into(),
                Some(ProviderId::Openai)
            )]
        );
        assert_eq!(
            names_values(claude_json(
                r#"{"numStartups":3,"primaryApiKey":"sk-ant-p"}"#
            )),
            [(
                "primaryApiKey".into(),
                "sk-ant-p".into(),
                Some(ProviderId::Anthropic)
            )]
        );
        assert_eq!(
            names_values(claude_settings(
                r#"{"env":{"ANTHROPIC_API_KEY":"sk-ant-s","DISABLE_TELEMETRY":"1"}}"#
            )),
            [(
                "env.ANTHROPIC_API_KEY".into(),
                "sk-ant-s".into(),
                Some(ProviderId::Anthropic)
            )]
        );
        assert_eq!(
            names_values(litellm(
                "model_list:\n  - model_name: claude\n    litellm_params:\n      model: anthropic/claude-sonnet-4\n      api_key: sk-ant-l\n  - model_name: gpt\n    litellm_params:\n      model: openai/gpt-4o\n      api_key: os.environ/OPENAI_API_KEY\n"
            )),
            [
                (
                    "model_list[0].litellm_params.api_key".into(),
                    "sk-ant-l".into(),
                    Some(ProviderId::Anthropic)
                ),
                (
                    "model_list[1].litellm_params.api_key".into(),
                    "os.environ/OPENAI_API_KEY".into(),
                    Some(ProviderId::Openai)
                ),
            ]
        );
        assert!(names_values(litellm("api_key: sk-not-litellm\n")).is_empty());
    }
}
