//! Reads a provider's error body: its message and codes, shortened and scrubbed of anything
//! that looks like a key, so it can be shown and logged. The raw body never leaves this module.

use std::time::Duration;

use serde_json::Value;

use crate::ApiKey;
use crate::providers::WireFormat;

/// The longest provider message we pass on, in characters.
pub const MAX_MESSAGE_CHARS: usize = 300;

/// What an error body says, made safe to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderErrorBody {
    /// The human message, scrubbed and shortened.
    pub message: Option<String>,
    /// Machine codes found (`type`, `code`, `status`, `reason`), lower-cased.
    pub codes: Vec<String>,
    /// A retry delay stated in the body (Gemini's `RetryInfo.retryDelay`).
    pub retry_delay: Option<Duration>,
}

impl ProviderErrorBody {
    /// Whether any code equals `code` (lower-case).
    pub fn has_code(&self, code: &str) -> bool {
        self.codes.iter().any(|c| c == code)
    }

    /// Whether the message mentions `needle` (case-insensitive).
    pub fn message_mentions(&self, needle: &str) -> bool {
        self.message.as_deref().is_some_and(|m| {
            m.to_ascii_lowercase()
                .contains(&needle.to_ascii_lowercase())
        })
    }

    /// The message, or a fallback.
    pub fn message_or(&self, fallback: &str) -> String {
        self.message.clone().unwrap_or_else(|| fallback.to_owned())
    }
}

/// Parses `body` as `wire`'s error format. `presented` is the key that was sent, removed
/// verbatim wherever it appears.
pub fn parse(wire: WireFormat, body: &[u8], presented: Option<&ApiKey>) -> ProviderErrorBody {
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        let text = String::from_utf8_lossy(body);
        let message =
            Some(scrub(&text, presented)).filter(|m| !m.is_empty() && !looks_like_html(m));
        return ProviderErrorBody {
            message,
            ..Default::default()
        };
    };
    // OpenAI-compatible: {"error": {"message", "type", "code"}}; some gateways: {"error": "text"}.
    // Anthropic: {"type": "error", "error": {"type", "message"}}.
    // Gemini: {"error": {"code": 400, "message", "status", "details": [{"reason"}, {"retryDelay"}]}}.
    let error = json.get("error").unwrap_or(&json);
    let mut out = ProviderErrorBody::default();
    let message = match error {
        Value::String(text) => Some(text.as_str()),
        _ => error.get("message").and_then(Value::as_str),
    }
    .or_else(|| json.get("message").and_then(Value::as_str))
    .or_else(|| json.get("detail").and_then(Value::as_str));
    out.message = message
        .map(|m| scrub(m, presented))
        .filter(|m| !m.is_empty());
    for field in ["type", "code", "status"] {
        if let Some(code) = error.get(field).and_then(Value::as_str) {
            out.codes.push(code.to_ascii_lowercase());
        }
    }
    if wire == WireFormat::Gemini || error.get("details").is_some() {
        for detail in error
            .get("details")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(reason) = detail.get("reason").and_then(Value::as_str) {
                out.codes.push(reason.to_ascii_lowercase());
            }
            if let Some(delay) = detail.get("retryDelay").and_then(Value::as_str) {
                out.retry_delay = parse_seconds(delay);
            }
        }
    }
    out.codes.retain(|c| {
        c.len() <= 64
            && c.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-' || ch == '.')
    });
    out
}

/// `"37s"` or `"1.5s"` → a duration (Google's `Duration` JSON form).
fn parse_seconds(text: &str) -> Option<Duration> {
    let secs: f64 = text.trim().strip_suffix('s')?.parse().ok()?;
    crate::providers::validate::capped_seconds(secs)
}

fn looks_like_html(text: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase();
    lower.starts_with("<!doctype") || lower.starts_with("<html")
}

/// Removes the presented key and anything key-shaped, folds whitespace and shortens.
pub fn scrub(text: &str, presented: Option<&ApiKey>) -> String {
    let mut text = text.to_owned();
    if let Some(key) = presented {
        text = key.redact_in(&text);
    }
    let mut out = String::with_capacity(text.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        if looks_like_key(token) {
            out.push_str("[redacted]");
            // Keep the sentence's full stop, which the token swallowed.
            out.extend(std::iter::repeat_n(
                '.',
                token.len() - token.trim_end_matches('.').len(),
            ));
        } else {
            out.push_str(token);
        }
        token.clear();
    };
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '*' | '.') {
            token.push(ch);
        } else {
            flush(&mut token, &mut out);
            if ch.is_whitespace() || ch.is_control() {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            } else {
                out.push(ch);
            }
        }
    }
    flush(&mut token, &mut out);
    shorten(out.trim())
}

fn looks_like_key(token: &str) -> bool {
    let token = token.trim_end_matches('.');
    const PREFIXES: [&str; 7] = ["sk-", "sk_", "xai-", "gsk_", "AIza", "key-", "pk-"];
    if token.len() >= 8 && PREFIXES.iter().any(|p| token.starts_with(p)) {
        return true;
    }
    let letters = token.chars().filter(char::is_ascii_alphabetic).count();
    let digits = token.chars().filter(char::is_ascii_digit).count();
    token.len() >= 20 && letters > 0 && digits > 0
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_MESSAGE_CHARS {
        return text.to_owned();
    }
    let cut: String = text.chars().take(MAX_MESSAGE_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_each_dialect() {
        let openai = br#"{"error":{"message":"Incorrect API key provided: sk-ab***wxyz. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#;
        let parsed = parse(WireFormat::OpenaiCompatible, openai, None);
        assert_eq!(
            parsed.message.as_deref(),
            Some(
                "Incorrect API key provided: [redacted]. You can find your API key at https://platform.openai.com/account/api-keys."
            )
        );
        assert!(parsed.has_code("invalid_api_key"));

        let anthropic = br#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#;
        let parsed = parse(WireFormat::Anthropic, anthropic, None);
        assert_eq!(parsed.message.as_deref(), Some("invalid x-api-key"));
        assert!(parsed.has_code("authentication_error"));

        let gemini = br#"{"error":{"code":429,"message":"Resource has been exhausted.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED"},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}"#;
        let parsed = parse(WireFormat::Gemini, gemini, None);
        assert!(parsed.has_code("resource_exhausted"));
        assert!(parsed.has_code("rate_limit_exceeded"));
        assert_eq!(parsed.retry_delay, Some(Duration::from_secs(37)));
    }

    #[test]
    fn removes_the_presented_key_and_key_shaped_tokens() {
        let key = ApiKey::parse("my-gateway-token").expect("valid");
        let body = br#"{"error":{"message":"token my-gateway-token rejected; also saw sk-proj-abcdefgh12345678 and AIzaSyD0123456789abcdefXYZ"}}"#;
        let parsed = parse(WireFormat::OpenaiCompatible, body, Some(&key));
        let message = parsed.message.expect("message");
        assert_eq!(
            message,
            "token [redacted] rejected; also saw [redacted] and [redacted]"
        );
    }

    #[test]
    fn html_and_garbage_do_not_become_messages() {
        assert_eq!(
            parse(
                WireFormat::OpenaiCompatible,
                b"<!DOCTYPE html><html>502</html>",
                None
            )
            .message,
            None
        );
        let long = "x ".repeat(1000);
        let parsed = parse(WireFormat::OpenaiCompatible, long.as_bytes(), None);
        assert_eq!(
            parsed.message.expect("text").chars().count(),
            MAX_MESSAGE_CHARS
        );
    }

    proptest! {
        #[test]
        fn never_panics_and_never_returns_the_key(body in prop::collection::vec(any::<u8>(), 0..2000), key in "[A-Za-z0-9_-]{8,40}") {
            let api_key = ApiKey::parse(&key).expect("valid");
            let mut with_key = body.clone();
            with_key.extend_from_slice(key.as_bytes());
            for wire in [WireFormat::OpenaiCompatible, WireFormat::Anthropic, WireFormat::Gemini] {
                let parsed = parse(wire, &with_key, Some(&api_key));
                if let Some(message) = parsed.message {
                    prop_assert!(!message.contains(&key));
                    prop_assert!(message.chars().count() <= MAX_MESSAGE_CHARS);
                }
            }
        }
    }
}
