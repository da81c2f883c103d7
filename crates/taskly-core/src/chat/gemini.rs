//! Gemini's generateContent API: the request, and its answer whole or streamed as server-sent events.

use serde::Deserialize;
use serde_json::{Value, json};

use super::sse::SseEvent;
use super::{ChatRequest, DecodeError, Decoded, FullAnswer, Role, TokenUsage, WireRequest};
use crate::providers::error_body;

/// Between merged messages, so merged turns still read as separate paragraphs.
const JOINER: &str = "\n\n";

/// The longest model id accepted.
const MAX_MODEL_CHARS: usize = 128;

/// The `generateContent` request for `req` (or `streamGenerateContent?alt=sse` when `stream`),
/// answered by `model`, given with or without its `models/` prefix.
///
/// System messages become `systemInstruction`. Messages with no visible text are left out
/// (Gemini refuses empty text parts) and consecutive messages of one role are merged into one
/// turn.
///
/// The model goes into the URL path, so an id outside `[A-Za-z0-9._-]` is refused with an
/// error rather than escaped: no real model id needs more, and a `/` or `?` would aim the
/// request somewhere else.
pub fn request(req: &ChatRequest, model: &str, stream: bool) -> Result<WireRequest, DecodeError> {
    let model = model.strip_prefix("models/").unwrap_or(model);
    let safe = !model.is_empty()
        && model.len() <= MAX_MODEL_CHARS
        && model
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !safe {
        // The id itself stays out of the message: it may be something pasted by mistake.
        return Err(DecodeError(format!(
            "a Gemini model id must be 1 to {MAX_MODEL_CHARS} letters, digits, '.', '_' or '-'"
        )));
    }
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
            Role::Assistant => "model",
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
    let contents: Vec<Value> = turns
        .into_iter()
        .map(|(role, text)| json!({"role": role, "parts": [{"text": text}]}))
        .collect();
    let mut body = json!({ "contents": contents });
    if !system.is_empty() {
        body["systemInstruction"] = json!({"parts": [{"text": system.join(JOINER)}]});
    }
    if let Some(max) = req.max_tokens {
        body["generationConfig"] = json!({ "maxOutputTokens": max });
    }
    let (method, query) = if stream {
        (
            "streamGenerateContent",
            vec![("alt".to_owned(), "sse".to_owned())],
        )
    } else {
        ("generateContent", Vec::new())
    };
    Ok(WireRequest {
        path: format!("/models/{model}:{method}"),
        query,
        body,
    })
}

/// The pieces one streamed chunk (a whole `GenerateContentResponse`) carries, in this order:
/// [`Decoded::Delta`] (the first candidate's text parts joined; thought summaries left out),
/// [`Decoded::Usage`], and [`Decoded::Done`] when the chunk has a `finishReason` (Gemini has no
/// closing event) or the prompt was blocked (`promptFeedback.blockReason`). A chunk holding an
/// `error` gives only [`Decoded::Failed`]. Named events are not Gemini's and are ignored.
pub fn decode_event(event: &SseEvent) -> Result<Vec<Decoded>, DecodeError> {
    if event.event.as_deref().is_some_and(|name| name != "message") {
        return Ok(Vec::new());
    }
    let response: Response =
        serde_json::from_str(&event.data).map_err(|e| malformed(&e, "stream chunk"))?;
    if let Some(error) = response.error {
        let (code, message) = error.parts();
        return Ok(vec![Decoded::Failed { code, message }]);
    }
    let model = response.model_version.clone().filter(|m| !m.is_empty());
    let read = response.read();
    let mut out = Vec::new();
    out.extend(model.map(Decoded::Model));
    if !read.text.is_empty() {
        out.push(Decoded::Delta(read.text));
    }
    if let Some((input_tokens, output_tokens)) = read.usage {
        out.push(Decoded::Usage {
            input_tokens,
            output_tokens,
        });
    }
    if read.finish_reason.is_some() {
        out.push(Decoded::Done {
            finish_reason: read.finish_reason,
        });
    }
    Ok(out)
}

/// Reads a whole (non-streamed) answer.
pub fn decode_full(body: &[u8]) -> Result<FullAnswer, DecodeError> {
    let response: Response = serde_json::from_slice(body).map_err(|e| malformed(&e, "answer"))?;
    if let Some(error) = response.error {
        let (code, message) = error.parts();
        return Err(DecodeError(format!(
            "Gemini answered with an error ({code}): {message}"
        )));
    }
    if response.candidates.is_none() && response.prompt_feedback.is_none() {
        return Err(DecodeError("Gemini's answer has no candidates".to_owned()));
    }
    let read = response.read();
    Ok(FullAnswer {
        text: read.text,
        usage: read.usage.map(|(input, output)| TokenUsage {
            input_tokens: input.unwrap_or(0),
            output_tokens: output.unwrap_or(0),
        }),
        finish_reason: read.finish_reason,
    })
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
        "Gemini sent an unreadable {what} ({category} at line {}, column {})",
        error.line(),
        error.column()
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    model_version: Option<String>,
    candidates: Option<Vec<Candidate>>,
    usage_metadata: Option<UsageMetadata>,
    prompt_feedback: Option<PromptFeedback>,
    error: Option<ErrorDetail>,
}

/// What a response says, whole or as one chunk of a stream.
struct Read {
    text: String,
    usage: Option<(Option<u64>, Option<u64>)>,
    finish_reason: Option<String>,
}

impl Response {
    fn read(self) -> Read {
        // Taskly asks for one candidate; a second would be an alternative answer, not more text.
        let first = self.candidates.and_then(|c| c.into_iter().next());
        let (text, finish) = match first {
            Some(candidate) => (
                candidate
                    .content
                    .and_then(|c| c.parts)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|p| p.thought != Some(true))
                    .filter_map(|p| p.text)
                    .collect(),
                candidate.finish_reason,
            ),
            None => (String::new(), None),
        };
        let usage = self.usage_metadata.and_then(|u| {
            // Thinking tokens are billed as output but not counted in `candidatesTokenCount`.
            let output = [u.candidates_token_count, u.thoughts_token_count]
                .into_iter()
                .flatten()
                .reduce(u64::saturating_add);
            (u.prompt_token_count.is_some() || output.is_some())
                .then_some((u.prompt_token_count, output))
        });
        let blocked = self.prompt_feedback.and_then(|f| f.block_reason);
        Read {
            text,
            usage,
            finish_reason: finish.or(blocked),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate {
    content: Option<Content>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Content {
    parts: Option<Vec<Part>>,
}

#[derive(Deserialize)]
struct Part {
    text: Option<String>,
    thought: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UsageMetadata {
    prompt_token_count: Option<u64>,
    candidates_token_count: Option<u64>,
    thoughts_token_count: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromptFeedback {
    block_reason: Option<String>,
}

/// google.rpc.Status: `{"code": 429, "message", "status": "RESOURCE_EXHAUSTED"}`.
#[derive(Deserialize)]
struct ErrorDetail {
    code: Option<i64>,
    message: Option<String>,
    status: Option<String>,
}

impl ErrorDetail {
    /// A safe code (lower-case, no free text) and a scrubbed message.
    fn parts(self) -> (String, String) {
        let code = self
            .status
            .map(|s| s.to_ascii_lowercase())
            .filter(|s| {
                !s.is_empty()
                    && s.len() <= 64
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            })
            .or_else(|| self.code.map(|c| c.to_string()))
            .unwrap_or_else(|| "unknown_error".to_owned());
        let message = self
            .message
            .map(|m| error_body::scrub(&m, None))
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "no details given".to_owned());
        (code, message)
    }
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
        adapter_tests::conversation(ProviderId::Gemini, max_tokens)
    }

    /// A stream as `streamGenerateContent?alt=sse` sends it: unnamed events, CRLF framing,
    /// usage in every chunk and the finish reason in the last.
    const STREAM: &str = concat!(
        r#"data: {"candidates": [{"content": {"parts": [{"text": "Call the bank"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 31,"totalTokenCount": 93,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 31}],"thoughtsTokenCount": 62},"modelVersion": "gemini-2.5-flash","responseId": "0bLUaJ2sLpqD1MkP1Oq0sQ0"}"#,
        "\r\n\r\n",
        r#"data: {"candidates": [{"content": {"parts": [{"text": " first: it closes at 16:00 — "}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 31,"totalTokenCount": 93,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 31}],"thoughtsTokenCount": 62},"modelVersion": "gemini-2.5-flash","responseId": "0bLUaJ2sLpqD1MkP1Oq0sQ0"}"#,
        "\r\n\r\n",
        r#"data: {"candidates": [{"content": {"parts": [{"text": "the milk can wait ☕."}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 31,"candidatesTokenCount": 19,"totalTokenCount": 112,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 31}],"thoughtsTokenCount": 62},"modelVersion": "gemini-2.5-flash","responseId": "0bLUaJ2sLpqD1MkP1Oq0sQ0"}"#,
        "\r\n\r\n",
    );

    fn run(chunks: &[&[u8]]) -> Result<Vec<Decoded>, DecodeError> {
        decode_chunks(chunks, decode_event)
    }

    fn chunk(data: &str) -> SseEvent {
        SseEvent {
            event: None,
            data: data.to_owned(),
        }
    }

    #[test]
    fn builds_the_request() {
        let wire = request(&conversation(Some(1024)), "gemini-2.5-flash", true).expect("safe");
        assert_eq!(wire.path, "/models/gemini-2.5-flash:streamGenerateContent");
        assert_eq!(wire.query, [("alt".to_owned(), "sse".to_owned())]);
        insta::assert_json_snapshot!("request_body", wire.body);

        let plain = request(&conversation(None), "models/gemini-2.5-flash", false).expect("safe");
        assert_eq!(plain.path, "/models/gemini-2.5-flash:generateContent");
        assert!(plain.query.is_empty());
        assert!(plain.body.get("generationConfig").is_none());
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
                content: "".into(),
            },
            Message {
                role: Role::User,
                content: "two".into(),
            },
        ];
        let body = request(&req, "m", false).expect("safe").body;
        assert_eq!(
            body,
            json!({"contents": [{"role": "user", "parts": [{"text": "one\n\ntwo"}]}]})
        );
    }

    #[test]
    fn refuses_model_ids_that_are_not_path_safe() {
        for model in [
            "",
            "models/",
            "../files",
            "gemini/x",
            "gemini-2.5-flash:generateContent?key=x",
            "gemini 2",
            "gémini",
            "tunedModels/my-model",
            &"a".repeat(MAX_MODEL_CHARS + 1),
        ] {
            let error = request(&conversation(None), model, false).expect_err(model);
            assert!(error.0.starts_with("a Gemini model id must be"), "{error}");
        }
        request(&conversation(None), "gemini-2.0-flash-001", false).expect("safe");
        request(&conversation(None), "Gemini_Exp.1206", false).expect("safe");
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
    fn blocked_answers_and_prompts_are_done_with_their_reason() {
        let safety = r#"{"candidates": [{"finishReason": "SAFETY","index": 0,"safetyRatings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT","probability": "HIGH"}]}],"usageMetadata": {"promptTokenCount": 12,"totalTokenCount": 12}}"#;
        assert_eq!(
            decode_event(&chunk(safety)).expect("ok"),
            [
                Decoded::Usage {
                    input_tokens: Some(12),
                    output_tokens: None
                },
                Decoded::Done {
                    finish_reason: Some("SAFETY".into())
                },
            ]
        );
        let blocked = r#"{"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 8}}"#;
        assert_eq!(
            decode_event(&chunk(blocked)).expect("ok").last(),
            Some(&Decoded::Done {
                finish_reason: Some("PROHIBITED_CONTENT".into())
            })
        );
        assert_eq!(
            decode_full(blocked.as_bytes()).expect("decodes"),
            FullAnswer {
                text: String::new(),
                usage: Some(TokenUsage {
                    input_tokens: 8,
                    output_tokens: 0
                }),
                finish_reason: Some("PROHIBITED_CONTENT".into()),
            }
        );
    }

    #[test]
    fn thought_summaries_are_not_answer_text() {
        let data = r#"{"candidates": [{"content": {"parts": [{"text": "Weighing the errands.", "thought": true}, {"text": "Bank"}, {"text": " first."}],"role": "model"},"index": 0}]}"#;
        assert_eq!(
            decode_event(&chunk(data)).expect("ok"),
            [Decoded::Delta("Bank first.".into())]
        );
    }

    #[test]
    fn errors_in_the_stream_become_failures_without_keys() {
        let error = r#"{"error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}}"#;
        assert_eq!(
            decode_event(&chunk(error)).expect("ok"),
            [Decoded::Failed {
                code: "unavailable".into(),
                message: "The model is overloaded. Please try again later.".into()
            }]
        );
        let leaky = r#"{"error": {"code": 400, "message": "API key not valid: AIzaSyD0123456789abcdefXYZ."}}"#;
        assert_eq!(
            decode_event(&chunk(leaky)).expect("ok"),
            [Decoded::Failed {
                code: "400".into(),
                message: "API key not valid: [redacted].".into()
            }]
        );
        let error = decode_full(error.as_bytes()).expect_err("an error");
        assert_eq!(
            error.0,
            "Gemini answered with an error (unavailable): The model is overloaded. Please try again later."
        );
    }

    #[test]
    fn named_events_are_ignored_and_malformed_chunks_fail() {
        let named = SseEvent {
            event: Some("future_thing".into()),
            data: "not json".into(),
        };
        assert_eq!(decode_event(&named).expect("ok"), []);
        assert_eq!(decode_event(&chunk("{}")).expect("ok"), []);
        for data in [
            r#"{"candidates": [{"content": {"parts": [{"text": "the secret"#,
            r#"[{"candidates": []}]"#,
            r#"{"candidates": [{"content": {"parts": [{"text": 7, "x": "the secret answer"}]}}]}"#,
            "the secret answer",
            "",
        ] {
            let error = decode_event(&chunk(data)).expect_err("malformed");
            assert!(error.0.starts_with("Gemini sent an unreadable"), "{error}");
            assert!(!error.0.contains("secret"), "{error}");
        }
    }

    #[test]
    fn decodes_a_whole_answer() {
        let body = r#"{"candidates": [{"content": {"parts": [{"text": "Call the bank first: it closes at 16:00 — the milk can wait ☕."}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 31,"candidatesTokenCount": 19,"totalTokenCount": 112,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 31}],"thoughtsTokenCount": 62},"modelVersion": "gemini-2.5-flash","responseId": "0bLUaJ2sLpqD1MkP1Oq0sQ0"}"#;
        assert_eq!(
            decode_full(body.as_bytes()).expect("decodes"),
            FullAnswer {
                text: "Call the bank first: it closes at 16:00 — the milk can wait ☕.".into(),
                usage: Some(TokenUsage {
                    input_tokens: 31,
                    output_tokens: 81
                }),
                finish_reason: Some("STOP".into()),
            }
        );
        assert!(decode_full(b"{}").is_err());
        assert!(decode_full(b"<html>502</html>").is_err());
    }
}
