//! Anthropic's Messages API: the request body, and its answer whole or as a stream of events.

use serde::Deserialize;
use serde_json::{Value, json};

use super::sse::SseEvent;
use super::{ChatRequest, DecodeError, Decoded, FullAnswer, Role, TokenUsage};
use crate::providers::error_body;

/// The answer length asked for when the request names none: Anthropic requires `max_tokens`.
pub const DEFAULT_MAX_TOKENS: u32 = 4096;

/// Between merged messages, so merged turns still read as separate paragraphs.
const JOINER: &str = "\n\n";

/// The `POST /messages` request for `req`, answered by `model`.
///
/// System messages become the top-level `system` text. Messages with no visible text are left
/// out (Anthropic refuses empty content) and consecutive messages of one role are merged, so
/// turns alternate.
pub fn request(req: &ChatRequest, model: &str, stream: bool) -> super::WireRequest {
    let system: Vec<&str> = req
        .messages
        .iter()
        .filter(|m| m.role == Role::System && !m.content.trim().is_empty())
        .map(|m| m.content.as_str())
        .collect();
    let mut turns: Vec<(&'static str, String)> = Vec::new();
    for message in &req.messages {
        let role = match message.role {
            Role::System => continue,
            Role::User => "user",
            Role::Assistant => "assistant",
        };
        if message.content.trim().is_empty() {
            continue;
        }
        match turns.last_mut() {
            Some((last, text)) if *last == role => {
                text.push_str(JOINER);
                text.push_str(&message.content);
            }
            _ => turns.push((role, message.content.clone())),
        }
    }
    let messages: Vec<Value> = turns
        .into_iter()
        .map(|(role, content)| json!({"role": role, "content": content}))
        .collect();
    let mut body = json!({
        "model": model,
        "max_tokens": req.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
        "messages": messages,
    });
    if !system.is_empty() {
        body["system"] = json!(system.join(JOINER));
    }
    if stream {
        body["stream"] = json!(true);
    }
    super::WireRequest {
        path: "/messages".to_owned(),
        query: Vec::new(),
        body,
    }
}

/// Reads a streamed answer event by event.
///
/// Anthropic states the stop reason in `message_delta` but ends the stream with
/// `message_stop`; this keeps the reason until then, so a stream cut before `message_stop`
/// yields no [`Decoded::Done`], and a complete one yields exactly one, carrying the reason.
#[derive(Debug, Default)]
pub struct StreamDecoder {
    stop_reason: Option<String>,
}

impl StreamDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// The pieces one event carries.
    ///
    /// `message_start` and `message_delta` give [`Decoded::Usage`] (`message_delta`'s output
    /// count is the running total), `text_delta`s give [`Decoded::Delta`], `message_stop` gives
    /// [`Decoded::Done`], an `error` event gives [`Decoded::Failed`]. `ping`, block starts and
    /// stops, other delta kinds (thinking, tool input) and unknown events give nothing. A known
    /// event whose JSON cannot be read is an error.
    pub fn decode_event(&mut self, event: &SseEvent) -> Result<Vec<Decoded>, DecodeError> {
        // The event name decides; without one (a proxy may drop it), the data's `type` does.
        let named;
        let kind = match event.event.as_deref() {
            Some(kind) => kind,
            None => {
                named = parse::<Typed>(&event.data, "event")?.kind;
                named.as_deref().unwrap_or_default()
            }
        };
        let mut out = Vec::new();
        match kind {
            "message_start" => {
                let start: MessageStart = parse(&event.data, kind)?;
                out.extend(
                    start
                        .message
                        .model
                        .filter(|m| !m.is_empty())
                        .map(Decoded::Model),
                );
                out.extend(start.message.usage.map(Usage::decoded));
            }
            "content_block_start" => {
                let start: BlockStart = parse(&event.data, kind)?;
                if let Some(block) = start.content_block {
                    out.extend(block.text_delta());
                }
            }
            "content_block_delta" => {
                let delta: BlockDelta = parse(&event.data, kind)?;
                out.extend(delta.delta.text_delta());
            }
            "message_delta" => {
                let delta: MessageDelta = parse(&event.data, kind)?;
                out.extend(delta.usage.map(Usage::decoded));
                if let Some(reason) = delta.delta.and_then(|d| d.stop_reason) {
                    self.stop_reason = Some(reason);
                }
            }
            "message_stop" => out.push(Decoded::Done {
                finish_reason: self.stop_reason.take(),
            }),
            "error" => {
                let error: ErrorEvent = parse(&event.data, kind)?;
                let (code, message) = error.error.unwrap_or_default().parts();
                out.push(Decoded::Failed { code, message });
            }
            _ => {}
        }
        Ok(out)
    }
}

/// Reads a whole (non-streamed) answer: its text blocks joined, usage and stop reason.
pub fn decode_full(body: &[u8]) -> Result<FullAnswer, DecodeError> {
    let message: FullMessage = serde_json::from_slice(body).map_err(|e| malformed(&e, "answer"))?;
    if message.kind.as_deref() == Some("error") {
        let (code, message) = message.error.unwrap_or_default().parts();
        return Err(DecodeError(format!(
            "Anthropic answered with an error ({code}): {message}"
        )));
    }
    let Some(content) = message.content else {
        return Err(DecodeError("Anthropic's answer has no content".to_owned()));
    };
    let text = content
        .iter()
        .filter(|block| block.kind.as_deref() == Some("text"))
        .filter_map(|block| block.text.as_deref())
        .collect();
    Ok(FullAnswer {
        text,
        usage: message.usage.map(|u| {
            let (input, output) = u.counts();
            TokenUsage {
                input_tokens: input.unwrap_or(0),
                output_tokens: output.unwrap_or(0),
            }
        }),
        finish_reason: message.stop_reason,
    })
}

fn parse<'a, T: Deserialize<'a>>(data: &'a str, what: &str) -> Result<T, DecodeError> {
    serde_json::from_str(data).map_err(|e| malformed(&e, what))
}

/// Describes a JSON failure without serde's message, which can quote the answer.
fn malformed(error: &serde_json::Error, what: &str) -> DecodeError {
    let category = match error.classify() {
        serde_json::error::Category::Io => "read error",
        serde_json::error::Category::Syntax => "invalid JSON",
        serde_json::error::Category::Data => "unexpected JSON shape",
        serde_json::error::Category::Eof => "truncated JSON",
    };
    DecodeError(format!(
        "Anthropic sent an unreadable {what} ({category} at line {}, column {})",
        error.line(),
        error.column()
    ))
}

#[derive(Deserialize)]
struct Typed {
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    input_tokens: Option<u64>,
    cache_creation_input_tokens: Option<u64>,
    cache_read_input_tokens: Option<u64>,
    output_tokens: Option<u64>,
}

impl Usage {
    /// Prompt and answer tokens. Anthropic counts cached prompt tokens apart from
    /// `input_tokens`; the prompt is all of them.
    fn counts(&self) -> (Option<u64>, Option<u64>) {
        let parts = [
            self.input_tokens,
            self.cache_creation_input_tokens,
            self.cache_read_input_tokens,
        ];
        let input = parts.iter().flatten().copied().reduce(u64::saturating_add);
        (input, self.output_tokens)
    }

    fn decoded(self) -> Decoded {
        let (input_tokens, output_tokens) = self.counts();
        Decoded::Usage {
            input_tokens,
            output_tokens,
        }
    }
}

#[derive(Deserialize)]
struct MessageStart {
    message: StartedMessage,
}

#[derive(Deserialize)]
struct StartedMessage {
    model: Option<String>,
    usage: Option<Usage>,
}

/// A content block, or a delta of one: both are tagged by `type`.
#[derive(Deserialize)]
struct Block {
    #[serde(rename = "type")]
    kind: Option<String>,
    text: Option<String>,
}

impl Block {
    fn text_delta(self) -> Option<Decoded> {
        match (self.kind.as_deref(), self.text) {
            (Some("text" | "text_delta"), Some(text)) if !text.is_empty() => {
                Some(Decoded::Delta(text))
            }
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct BlockStart {
    content_block: Option<Block>,
}

#[derive(Deserialize)]
struct BlockDelta {
    delta: Block,
}

#[derive(Deserialize)]
struct MessageDelta {
    delta: Option<StopDelta>,
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct StopDelta {
    stop_reason: Option<String>,
}

#[derive(Deserialize)]
struct ErrorEvent {
    error: Option<ErrorDetail>,
}

#[derive(Deserialize, Default)]
struct ErrorDetail {
    #[serde(rename = "type")]
    kind: Option<String>,
    message: Option<String>,
}

impl ErrorDetail {
    /// A safe code (lower-case, no free text) and a scrubbed message.
    fn parts(self) -> (String, String) {
        let code = self
            .kind
            .map(|k| k.to_ascii_lowercase())
            .filter(|k| {
                !k.is_empty()
                    && k.len() <= 64
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            })
            .unwrap_or_else(|| "unknown_error".to_owned());
        let message = self
            .message
            .map(|m| error_body::scrub(&m, None))
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "no details given".to_owned());
        (code, message)
    }
}

#[derive(Deserialize)]
struct FullMessage {
    #[serde(rename = "type")]
    kind: Option<String>,
    content: Option<Vec<Block>>,
    stop_reason: Option<String>,
    usage: Option<Usage>,
    error: Option<ErrorDetail>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProviderId;
    use crate::chat::Message;
    use crate::chat::adapter_tests::{
        self, assert_any_split_decodes_the_same, decode_chunks, lines,
    };

    fn conversation(max_tokens: Option<u32>) -> ChatRequest {
        adapter_tests::conversation(ProviderId::Anthropic, max_tokens)
    }

    /// A stream as the Messages API sends it.
    const STREAM: &str = concat!(
        "event: message_start\n",
        r#"data: {"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":2,"service_tier":"standard"}}}"#,
        "\n\n",
        "event: content_block_start\n",
        r#"data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        "\n\n",
        "event: ping\n",
        r#"data: {"type": "ping"}"#,
        "\n\n",
        "event: content_block_delta\n",
        r#"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Call the bank first"}}"#,
        "\n\n",
        "event: content_block_delta\n",
        r#"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":": it closes at 16:00 — the milk can wait ☕."}}"#,
        "\n\n",
        "event: content_block_stop\n",
        r#"data: {"type":"content_block_stop","index":0}"#,
        "\n\n",
        "event: message_delta\n",
        r#"data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":21}}"#,
        "\n\n",
        "event: message_stop\n",
        r#"data: {"type":"message_stop"}"#,
        "\n\n",
    );

    fn run(chunks: &[&[u8]]) -> Result<Vec<Decoded>, DecodeError> {
        let mut decoder = StreamDecoder::new();
        decode_chunks(chunks, |event| decoder.decode_event(event))
    }

    fn event(name: Option<&str>, data: &str) -> SseEvent {
        SseEvent {
            event: name.map(str::to_owned),
            data: data.to_owned(),
        }
    }

    #[test]
    fn builds_the_request_body() {
        let wire = request(&conversation(None), "claude-sonnet-4-5", true);
        assert_eq!(wire.path, "/messages");
        assert!(wire.query.is_empty());
        insta::assert_json_snapshot!("request_body", wire.body);

        let plain = request(&conversation(Some(300)), "claude-sonnet-4-5", false);
        assert_eq!(plain.body["max_tokens"], 300);
        assert!(plain.body.get("stream").is_none());
    }

    #[test]
    fn merges_turns_and_drops_empty_ones() {
        let mut req = conversation(None);
        req.messages = vec![
            Message {
                role: Role::User,
                content: "one".into(),
            },
            Message {
                role: Role::Assistant,
                content: "  ".into(),
            },
            Message {
                role: Role::User,
                content: "two".into(),
            },
            Message {
                role: Role::System,
                content: "be kind".into(),
            },
            Message {
                role: Role::System,
                content: "be brief".into(),
            },
            Message {
                role: Role::Assistant,
                content: "ok".into(),
            },
        ];
        let body = request(&req, "m", false).body;
        assert_eq!(
            body["messages"],
            json!([{"role": "user", "content": "one\n\ntwo"}, {"role": "assistant", "content": "ok"}])
        );
        assert_eq!(body["system"], "be kind\n\nbe brief");
    }

    #[test]
    fn decodes_a_recorded_stream() {
        let decoded = run(&[STREAM.as_bytes()]).expect("decodes");
        insta::assert_snapshot!("stream_decoded", lines(&decoded));
        let dones = decoded
            .iter()
            .filter(|d| matches!(d, Decoded::Done { .. }))
            .count();
        assert_eq!(dones, 1);
    }

    #[test]
    fn any_byte_split_decodes_the_same() {
        assert_any_split_decodes_the_same(STREAM, run);
    }

    #[test]
    fn a_stream_cut_before_message_stop_is_not_done() {
        let cut = STREAM.find("event: message_stop").expect("present");
        let decoded = run(&[&STREAM.as_bytes()[..cut]]).expect("decodes");
        assert!(!decoded.iter().any(|d| matches!(d, Decoded::Done { .. })));
    }

    #[test]
    fn reads_cache_counts_thinking_and_unnamed_events() {
        let mut decoder = StreamDecoder::new();
        let start = r#"{"type":"message_start","message":{"usage":{"input_tokens":5,"cache_read_input_tokens":1000,"output_tokens":1}}}"#;
        assert_eq!(
            decoder.decode_event(&event(None, start)).expect("ok"),
            [Decoded::Usage {
                input_tokens: Some(1005),
                output_tokens: Some(1)
            }]
        );
        let thinking = r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Hmm"}}"#;
        assert_eq!(
            decoder
                .decode_event(&event(Some("content_block_delta"), thinking))
                .expect("ok"),
            []
        );
        let signature = r#"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQB"}}"#;
        assert_eq!(
            decoder
                .decode_event(&event(Some("content_block_delta"), signature))
                .expect("ok"),
            []
        );
        let stop = r#"{"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":9}}"#;
        assert_eq!(
            decoder.decode_event(&event(None, stop)).expect("ok"),
            [Decoded::Usage {
                input_tokens: None,
                output_tokens: Some(9)
            }]
        );
        assert_eq!(
            decoder
                .decode_event(&event(None, r#"{"type":"message_stop"}"#))
                .expect("ok"),
            [Decoded::Done {
                finish_reason: Some("max_tokens".into())
            }]
        );
    }

    #[test]
    fn error_events_become_failures_without_keys() {
        let mut decoder = StreamDecoder::new();
        let overloaded =
            r#"{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}"#;
        assert_eq!(
            decoder
                .decode_event(&event(Some("error"), overloaded))
                .expect("ok"),
            [Decoded::Failed {
                code: "overloaded_error".into(),
                message: "Overloaded".into()
            }]
        );
        let leaky = r#"{"type":"error","error":{"type":"Weird Type!","message":"bad key sk-ant-api03-abcdefgh12345678"}}"#;
        assert_eq!(
            decoder
                .decode_event(&event(Some("error"), leaky))
                .expect("ok"),
            [Decoded::Failed {
                code: "unknown_error".into(),
                message: "bad key [redacted]".into()
            }]
        );
        assert_eq!(
            decoder
                .decode_event(&event(Some("error"), "{}"))
                .expect("ok"),
            [Decoded::Failed {
                code: "unknown_error".into(),
                message: "no details given".into()
            }]
        );
    }

    #[test]
    fn unknown_events_are_ignored_and_malformed_known_ones_fail() {
        let mut decoder = StreamDecoder::new();
        assert_eq!(
            decoder
                .decode_event(&event(Some("future_thing"), "not json"))
                .expect("ok"),
            []
        );
        assert_eq!(
            decoder
                .decode_event(&event(None, r#"{"type":"future_thing"}"#))
                .expect("ok"),
            []
        );
        let secret = r#"{"type":"content_block_delta","delta":{"type":"text_delta","text":42, "x": "the secret answer"}}"#;
        for (name, data) in [
            (
                Some("content_block_delta"),
                r#"{"type":"content_block_delta","delta":{"type":"text_del"#,
            ),
            (Some("content_block_delta"), secret),
            (Some("message_start"), "[]"),
            (None, "the secret answer"),
        ] {
            let error = decoder
                .decode_event(&event(name, data))
                .expect_err("malformed");
            assert!(
                error.0.starts_with("Anthropic sent an unreadable"),
                "{error}"
            );
            assert!(!error.0.contains("secret"), "{error}");
        }
    }

    #[test]
    fn decodes_a_whole_answer() {
        let body = r#"{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"thinking","thinking":"Bank hours.","signature":"EqQB"},{"type":"text","text":"Call the bank first"},{"type":"text","text":" — it closes at 16:00."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":21,"service_tier":"standard"}}"#.as_bytes();
        assert_eq!(
            decode_full(body).expect("decodes"),
            FullAnswer {
                text: "Call the bank first — it closes at 16:00.".into(),
                usage: Some(TokenUsage {
                    input_tokens: 472,
                    output_tokens: 21
                }),
                finish_reason: Some("end_turn".into()),
            }
        );
    }

    #[test]
    fn a_whole_answer_that_is_an_error_or_garbage_fails() {
        let error = decode_full(
            br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        )
        .expect_err("an error");
        assert_eq!(
            error.0,
            "Anthropic answered with an error (overloaded_error): Overloaded"
        );
        assert!(decode_full(b"<html>502</html>").is_err());
        assert!(decode_full(br#"{"type":"message"}"#).is_err());
        let error =
            decode_full(br#"{"type":"message","content":"the secret answer"}"#).expect_err("shape");
        assert!(!error.0.contains("secret"), "{error}");
    }
}
