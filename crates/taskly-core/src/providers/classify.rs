//! The one place a provider's answer or a transport failure becomes a cause, for validation and
//! chat alike; each then words the cause for its own reader (a saved key's note, a typed chat
//! error). Keeping one table means the two can no longer disagree about what an answer means.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::ApiKey;
use crate::providers::error_body::{self, ProviderErrorBody};
use crate::providers::{ModelList, WireFormat, wait};

/// The most bytes read of an error body (validation and chat).
pub const MAX_ERROR_BODY: usize = 64 * 1024;

/// What an error answer means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The key (or token) is wrong or revoked: 401, 403, Gemini's 400 `API_KEY_INVALID`.
    InvalidKey,
    /// The account is out of quota or credit: 402, OpenAI's `insufficient_quota`, Anthropic's
    /// credit balance, Gemini's billing 429, a 403 that says "quota".
    QuotaExhausted,
    /// Too many requests; the wait the upstream announced, if any.
    RateLimited(Option<Duration>),
    /// 404 or 405: nothing answers at this address (for chat, the model).
    NotFound,
    /// A 400 that names an unknown model.
    UnknownModel,
    /// 5xx.
    Outage,
    /// Any other refusal.
    Refused,
}

/// An error answer, read: its status, what it means and the upstream's scrubbed words.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// The HTTP status.
    pub status: StatusCode,
    /// What it means.
    pub cause: Cause,
    /// The body's codes and scrubbed message.
    pub body: ProviderErrorBody,
}

impl Refusal {
    /// The upstream's message as a sentence, or `fallback`.
    pub fn detail(&self, fallback: &str) -> String {
        sentence(self.body.message_or(fallback))
    }

    /// The upstream's message, or the status's reason, as a sentence.
    pub fn detail_or_reason(&self) -> String {
        self.detail(
            self.status
                .canonical_reason()
                .unwrap_or("unexpected answer"),
        )
    }
}

/// Reads a non-2xx answer. `presented` is the key or token that was sent, scrubbed from the body.
pub fn refusal(
    wire: WireFormat,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    presented: Option<&ApiKey>,
) -> Refusal {
    let body = error_body::parse(wire, body, presented);
    let cause = cause(wire, status, headers, &body);
    Refusal {
        status,
        cause,
        body,
    }
}

fn cause(
    wire: WireFormat,
    status: StatusCode,
    headers: &HeaderMap,
    body: &ProviderErrorBody,
) -> Cause {
    if is_quota(wire, status, body) {
        return Cause::QuotaExhausted;
    }
    match status.as_u16() {
        401 | 403 => Cause::InvalidKey,
        400 if wire == WireFormat::Gemini && body.has_code("api_key_invalid") => Cause::InvalidKey,
        429 => Cause::RateLimited(wait::announced(headers, body)),
        404 | 405 => Cause::NotFound,
        400 if body.has_code("model_not_found")
            || body.message_mentions("model") && body.message_mentions("not") =>
        {
            Cause::UnknownModel
        }
        500..=599 => Cause::Outage,
        _ => Cause::Refused,
    }
}

/// Out of quota or credit, in each provider's words. (Validation used to read a 403 that says
/// "quota" as an invalid key, chat as quota; the key works, so quota it is.)
fn is_quota(wire: WireFormat, status: StatusCode, parsed: &ProviderErrorBody) -> bool {
    let code = status.as_u16();
    let common = match code {
        402 => true, // DeepSeek "Insufficient Balance", OpenRouter out of credits
        429 => parsed.has_code("insufficient_quota"),
        403 => parsed.message_mentions("quota"),
        _ => false,
    };
    common
        || wire
            .quota_words(code)
            .iter()
            .any(|words| parsed.message_mentions(words))
}

/// A failure before or while reading an answer, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportFailure {
    /// The request's time ran out.
    Timeout,
    /// The server's certificate is not trusted; the scrubbed reason.
    UntrustedCertificate(String),
    /// Refused, reset, DNS, TLS: the scrubbed reason.
    Network(String),
}

/// Reads a transport failure (reqwest's own words name the URL, which holds no secret: keys
/// never go in URLs; they are scrubbed all the same).
pub fn transport(err: &reqwest::Error) -> TransportFailure {
    if err.is_timeout() {
        return TransportFailure::Timeout;
    }
    let detail = crate::http::innermost(err);
    let scrubbed = error_body::scrub(&detail, None);
    if crate::http::is_untrusted_certificate(&detail) {
        TransportFailure::UntrustedCertificate(scrubbed)
    } else {
        TransportFailure::Network(scrubbed)
    }
}

/// The most models remembered for a key.
pub const MAX_MODELS: usize = 1000;

/// Reads a models list (`data[].id`, or Gemini's `models[].name`), keeping the ids `keep` maps
/// to a name (e.g. the proxy's `openai/…` ones, without the prefix): sorted, without duplicates
/// or odd characters, at most [`MAX_MODELS`]. `None` if the body is not such a list.
pub fn models_list(
    kind: ModelList,
    body: &[u8],
    keep: impl for<'a> Fn(&'a str) -> Option<&'a str>,
) -> Option<Vec<String>> {
    if kind == ModelList::None {
        return Some(Vec::new());
    }
    let json: Value = serde_json::from_slice(body).ok()?;
    let (list, field) = match kind {
        ModelList::DataIds => (json.get("data")?.as_array()?, "id"),
        ModelList::GeminiModels => (json.get("models")?.as_array()?, "name"),
        ModelList::None => return Some(Vec::new()),
    };
    let mut models: Vec<String> = list
        .iter()
        .filter_map(|m| m.get(field)?.as_str())
        .map(|id| id.strip_prefix("models/").unwrap_or(id))
        .filter_map(&keep)
        .filter(|id| !id.is_empty() && id.len() <= 200 && id.chars().all(|c| c.is_ascii_graphic()))
        .map(str::to_owned)
        .collect();
    models.sort();
    models.dedup();
    models.truncate(MAX_MODELS);
    Some(models)
}

/// For [`models_list`]: keep every id as it is.
pub fn every_id(id: &str) -> Option<&str> {
    Some(id)
}

/// A message as a sentence: with a full stop unless it ends in one already.
pub fn sentence(text: String) -> String {
    if text.ends_with(['.', '!', '?', '…']) {
        text
    } else {
        format!("{text}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(wire: WireFormat, status: u16, body: &str) -> Cause {
        refusal(
            wire,
            StatusCode::from_u16(status).expect("status"),
            &HeaderMap::new(),
            body.as_bytes(),
            None,
        )
        .cause
    }

    #[test]
    fn one_table_for_every_answer() {
        let oa = WireFormat::OpenaiCompatible;
        assert_eq!(read(oa, 401, "{}"), Cause::InvalidKey);
        assert_eq!(
            read(oa, 403, r#"{"error":{"message":"Forbidden"}}"#),
            Cause::InvalidKey
        );
        assert_eq!(
            read(
                oa,
                403,
                r#"{"error":{"message":"Out of call volume quota."}}"#
            ),
            Cause::QuotaExhausted
        );
        assert_eq!(read(oa, 402, "{}"), Cause::QuotaExhausted);
        assert_eq!(
            read(oa, 429, r#"{"error":{"code":"insufficient_quota"}}"#),
            Cause::QuotaExhausted
        );
        assert_eq!(read(oa, 429, "{}"), Cause::RateLimited(None));
        assert_eq!(
            read(
                WireFormat::Anthropic,
                400,
                r#"{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low"}}"#
            ),
            Cause::QuotaExhausted
        );
        assert_eq!(
            read(
                WireFormat::Gemini,
                400,
                r#"{"error":{"code":400,"status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID"}]}}"#
            ),
            Cause::InvalidKey
        );
        assert_eq!(read(oa, 404, "{}"), Cause::NotFound);
        assert_eq!(read(oa, 405, ""), Cause::NotFound);
        assert_eq!(
            read(oa, 400, r#"{"error":{"code":"model_not_found"}}"#),
            Cause::UnknownModel
        );
        assert_eq!(read(oa, 503, "<html>"), Cause::Outage);
        assert_eq!(read(oa, 418, "{}"), Cause::Refused);
    }

    #[test]
    fn a_models_list_is_read_once_for_every_caller() {
        let body = br#"{"data":[{"id":"openai/gpt-4o"},{"id":"anthropic/claude"},{"id":"openai/gpt-4o"},{"id":"bad id"}]}"#;
        let all = models_list(ModelList::DataIds, body, every_id).expect("a list");
        assert_eq!(all, ["anthropic/claude", "openai/gpt-4o"]);
        let openai =
            models_list(ModelList::DataIds, body, |id| id.strip_prefix("openai/")).expect("a list");
        assert_eq!(openai, ["gpt-4o"]);
        let gemini = br#"{"models":[{"name":"models/gemini-2.5-flash"}]}"#;
        assert_eq!(
            models_list(ModelList::GeminiModels, gemini, every_id).expect("a list"),
            ["gemini-2.5-flash"]
        );
        assert_eq!(models_list(ModelList::DataIds, b"<html>", every_id), None);
        assert_eq!(
            models_list(ModelList::None, b"", every_id),
            Some(Vec::<String>::new())
        );
    }

    #[test]
    fn sentences_end_once() {
        assert_eq!(sentence("No".into()), "No.");
        assert_eq!(sentence("No.".into()), "No.");
        assert_eq!(sentence("Why?".into()), "Why?");
    }
}
