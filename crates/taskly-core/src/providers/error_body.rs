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
    // A code is matched against known ones, never shown; still, a key-shaped one (or one that
    // is the key) is dropped so the parsed body holds nothing of a secret.
    out.codes.retain(|c| {
        c.len() <= 64
            && c.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-' || ch == '.')
            && !looks_like_key(c)
            && presented.is_none_or(|key| key.redact_fragments_in(c, MIN_KEY_FRAGMENT) == *c)
    });
    out
}

/// `"37s"` or `"1.5s"` → a duration (Google's `Duration` JSON form).
fn parse_seconds(text: &str) -> Option<Duration> {
    let secs: f64 = text.trim().strip_suffix('s')?.parse().ok()?;
    crate::providers::wait::capped_seconds(secs)
}

fn looks_like_html(text: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase();
    lower.starts_with("<!doctype") || lower.starts_with("<html")
}

/// The shortest run of the presented key's characters that is removed from a message: long
/// enough that ordinary words rarely match, short enough that a provider echoing a key's first
/// dozen characters gives none of them away.
pub const MIN_KEY_FRAGMENT: usize = 8;

/// Removes the presented key (and any run of [`MIN_KEY_FRAGMENT`] of its characters) and
/// anything key-shaped, folds whitespace and shortens.
pub fn scrub(text: &str, presented: Option<&ApiKey>) -> String {
    let fragments = presented.map(|key| key.fragments(MIN_KEY_FRAGMENT));
    let mut out = String::with_capacity(text.len());
    let mut token = String::new();
    // Whole tokens first, so a token that is key-shaped, or holds part of the presented key,
    // goes entirely (redacting just the shared part, `sk-proj-` say, would leave the rest of
    // another key in plain sight).
    let flush = |token: &mut String, out: &mut String| {
        if looks_like_key(token) || fragments.as_ref().is_some_and(|f| f.found_in(token)) {
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
    // Then runs of the key across token boundaries (keys may hold `/`, `+`, `:` and the like).
    let out = match &fragments {
        Some(fragments) => fragments.redact(&out),
        None => out,
    };
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

    #[test]
    fn another_key_sharing_the_public_prefix_goes_whole() {
        let key = ApiKey::parse("sk-proj-PresentedKey000000000000").expect("valid");
        let body = br#"{"error":{"message":"also saw sk-proj-abcdefgh12345678, and gw/sk-proj-Presented+1"}}"#;
        let parsed = parse(WireFormat::OpenaiCompatible, body, Some(&key));
        assert_eq!(
            parsed.message.as_deref(),
            Some("also saw [redacted], and gw/[redacted]+1")
        );
    }

    #[test]
    fn a_partly_echoed_key_is_removed_too() {
        let key = ApiKey::parse("gw-tok-Abcdefghijklmnopqrstuv").expect("valid");
        let body = br#"{"error":{"message":"token gw-tok-Abcdefgh... is not valid","code":"gw-tok-abcdefghijklmnopqrstuv"}}"#;
        let parsed = parse(WireFormat::OpenaiCompatible, body, Some(&key));
        assert_eq!(
            parsed.message.as_deref(),
            Some("token [redacted]... is not valid")
        );
        assert!(
            parsed.codes.iter().all(|c| !c.contains("abcdefgh")),
            "{:?}",
            parsed.codes
        );
    }

    /// A JSON string literal for `text`, some characters written as `\uXXXX` escapes (which a
    /// naive search of the raw body would miss).
    fn json_string(text: &str, escape_every: usize) -> String {
        let mut out = String::from("\"");
        for (i, ch) in text.chars().enumerate() {
            match ch {
                '"' | '\\' => {
                    out.push('\\');
                    out.push(ch);
                }
                c if (c as u32) < 0x20 || (escape_every > 0 && i % escape_every == 0) => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    fn assert_nothing_of(key: &str, parsed: &ProviderErrorBody) -> Result<(), TestCaseError> {
        let mut fields: Vec<&str> = parsed.codes.iter().map(String::as_str).collect();
        if let Some(message) = &parsed.message {
            prop_assert!(message.chars().count() <= MAX_MESSAGE_CHARS);
            fields.push(message);
        }
        for field in fields {
            for window in key.as_bytes().windows(MIN_KEY_FRAGMENT) {
                prop_assert!(
                    !field
                        .as_bytes()
                        .windows(MIN_KEY_FRAGMENT)
                        .any(|w| w == window),
                    "{field:?} holds part of the key"
                );
            }
        }
        if let Some(delay) = parsed.retry_delay {
            prop_assert!(delay <= crate::providers::wait::MAX_ANNOUNCED_WAIT);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        #[test]
        fn structured_bodies_never_return_any_part_of_the_key(
            key in "[!-~]{8,48}",
            noise in "[^\"\\\\]{0,40}",
            fragment in (0usize..48, 8usize..48),
            field in 0usize..6,
            escape_every in 0usize..4,
            delay in prop_oneof![Just("1e300s".to_owned()), Just("-5s".to_owned()), Just("NaNs".to_owned()), "[0-9]{1,25}(\\.[0-9]{1,3})?s"],
        ) {
            let api_key = ApiKey::parse(&key).expect("printable ASCII is valid");
            let start = fragment.0.min(key.len() - 8);
            let piece = &key[start..(start + fragment.1).min(key.len())];
            let text = json_string(&format!("{noise} {piece} {noise}"), escape_every);
            let body = match field {
                0 => format!(r#"{{"error":{{"message":{text},"type":"invalid_request_error"}}}}"#),
                1 => format!(r#"{{"error":{text}}}"#),
                2 => format!(r#"{{"detail":{text}}}"#),
                3 => format!(r#"{{"error":{{"code":{text},"message":"no"}}}}"#),
                4 => format!(r#"{{"error":{{"code":429,"message":{text},"status":"RESOURCE_EXHAUSTED","details":[{{"reason":{text}}},{{"retryDelay":"{delay}"}}]}}}}"#),
                _ => format!("{noise} {piece} {noise}"),
            };
            for wire in [WireFormat::OpenaiCompatible, WireFormat::Anthropic, WireFormat::Gemini] {
                let parsed = parse(wire, body.as_bytes(), Some(&api_key));
                assert_nothing_of(&key, &parsed)?;
            }
        }

        #[test]
        fn scrub_is_bounded_whatever_the_input(text in ".{0,3000}") {
            let out = scrub(&text, None);
            prop_assert!(out.chars().count() <= MAX_MESSAGE_CHARS);
            prop_assert!(!out.contains('\n') && !out.contains('\r'));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

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
