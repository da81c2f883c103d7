//! An incoming request, read in full, as the flavor handlers see it.

use axum::body::Bytes;
use axum::http::{HeaderMap, Method};
use serde_json::Value;

use crate::flavor::Flavor;
use crate::keys;

#[derive(Debug)]
pub(crate) struct Call {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Call {
    /// A header's value, if present and printable.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(crate) fn query_param(&self, name: &str) -> Option<String> {
        keys::query_param(self.query.as_deref(), name)
    }

    /// The path below the flavor's base path (e.g. `/chat/completions`), or `None` if it is not under it.
    pub(crate) fn rest(&self, flavor: Flavor) -> Option<&str> {
        let rest = self.path.strip_prefix(flavor.base_path())?;
        (rest.is_empty() || rest.starts_with('/')).then(|| rest.trim_end_matches('/'))
    }

    pub(crate) fn json(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The `model` member of a JSON body, for error messages about it.
    pub(crate) fn body_model(&self) -> Option<String> {
        self.json().ok()?.get("model")?.as_str().map(str::to_owned)
    }
}

/// The text of a message's content: a plain string, or the `text` members of an array of parts.
pub(crate) fn text_of(content: &Value) -> String {
    match content {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

/// A readable name for a model id: `claude-sonnet-4-5` → `Claude Sonnet 4.5`, `gemini-2.5-flash` → `Gemini 2.5 Flash`.
pub(crate) fn display_name(id: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut previous_numeric = false;
    for part in id.split('-').filter(|p| !p.is_empty()) {
        let numeric = part.chars().all(|c| c.is_ascii_digit() || c == '.');
        match words.last_mut() {
            Some(last) if numeric && previous_numeric => {
                last.push('.');
                last.push_str(part);
            }
            _ => {
                let mut chars = part.chars();
                let word = chars
                    .next()
                    .map(|first| first.to_uppercase().chain(chars).collect())
                    .unwrap_or_default();
                words.push(word);
            }
        }
        previous_numeric = numeric;
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names() {
        assert_eq!(display_name("claude-sonnet-4-5"), "Claude Sonnet 4.5");
        assert_eq!(display_name("gemini-2.5-flash"), "Gemini 2.5 Flash");
    }

    #[test]
    fn content_text() {
        assert_eq!(text_of(&serde_json::json!("hi")), "hi");
        let parts =
            serde_json::json!([{"type":"text","text":"a"},{"type":"image_url"},{"text":"b"}]);
        assert_eq!(text_of(&parts), "a b");
    }

    #[test]
    fn rest_of_path() {
        let call = Call {
            method: Method::GET,
            path: "/openai/v1/models/".into(),
            query: None,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        };
        assert_eq!(call.rest(Flavor::OpenAi), Some("/models"));
        assert_eq!(call.rest(Flavor::Azure), None);
    }
}
