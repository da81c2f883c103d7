//! Gemini's success bodies: the model list, `GenerateContentResponse`, and its SSE or JSON-array streams.

use serde_json::{Value, json};

use super::errors;
use crate::answer::Answer;
use crate::call::{Call, display_name, text_of};
use crate::reply::{JSON, Reply, SSE};
use crate::state::Shared;

/// How the answer goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// `:generateContent`: one JSON object.
    Whole,
    /// `:streamGenerateContent?alt=sse`: `data: {...}\r\n\r\n` events.
    Sse,
    /// `:streamGenerateContent` without `alt=sse`: a JSON array streamed element by element.
    JsonArray,
}

pub(super) fn model_list(ids: &[String]) -> Value {
    let models: Vec<Value> = ids.iter().map(|id| model_object(id)).collect();
    json!({"models": models})
}

pub(super) fn model_object(id: &str) -> Value {
    json!({
        "name": format!("models/{id}"),
        "version": "001",
        "displayName": display_name(id),
        "description": format!("{} (served by taskly-fake-ai)", display_name(id)),
        "inputTokenLimit": 1_048_576,
        "outputTokenLimit": 65_536,
        "supportedGenerationMethods": ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"],
        "temperature": 1,
        "topP": 0.95,
        "topK": 64,
        "maxTemperature": 2,
        "thinking": true,
    })
}

/// The prompt's texts (system instruction first) and the last user turn.
fn read_prompt(call: &Call) -> Result<(Vec<String>, String), Reply> {
    let body = call.json().map_err(|_| errors::invalid_json())?;
    let Some(contents) = body.get("contents").and_then(Value::as_array) else {
        return Err(errors::invalid_argument(
            "* GenerateContentRequest.contents: contents is not specified\n",
        ));
    };
    let parts_text = |content: &Value| content.get("parts").map(text_of).unwrap_or_default();
    let mut texts: Vec<String> = body
        .get("systemInstruction")
        .or_else(|| body.get("system_instruction"))
        .map(parts_text)
        .into_iter()
        .collect();
    // Gemini treats a content without a role as the user's.
    let last_user = contents
        .iter()
        .rev()
        .find(|c| {
            c.get("role")
                .and_then(Value::as_str)
                .is_none_or(|r| r == "user")
        })
        .map(parts_text)
        .unwrap_or_default();
    texts.extend(contents.iter().map(parts_text));
    Ok((texts, last_user))
}

pub(super) fn generate(call: &Call, shared: &Shared, model: &str, mode: Mode) -> Reply {
    let (texts, last_user) = match read_prompt(call) {
        Ok(prompt) => prompt,
        Err(refusal) => return refusal,
    };
    let answer = Answer::new(&last_user, texts.iter().map(String::as_str));
    let response_id = format!("fake{:018}", shared.next_id());
    let whole = |text: &str, done: bool, candidates_tokens: u64| {
        let mut candidate =
            json!({"content": {"parts": [{"text": text}], "role": "model"}, "index": 0});
        if done {
            candidate["finishReason"] = json!("STOP");
        }
        json!({
            "candidates": [candidate],
            "usageMetadata": {
                "promptTokenCount": answer.prompt_tokens,
                "candidatesTokenCount": candidates_tokens,
                "totalTokenCount": answer.prompt_tokens + candidates_tokens,
            },
            "modelVersion": model,
            "responseId": response_id,
        })
    };
    if mode == Mode::Whole {
        return Reply::ok(whole(&answer.text, true, answer.completion_tokens));
    }
    let last = answer.chunks.len().saturating_sub(1);
    // Usage grows chunk by chunk; the last chunk carries the finish reason and the full count.
    let chunks = answer
        .chunks
        .iter()
        .enumerate()
        .map(|(i, piece)| whole(piece, i == last, i as u64 + 1));
    match mode {
        Mode::Sse => Reply::frames(SSE, chunks.map(|c| format!("data: {c}\r\n\r\n")).collect()),
        _ => {
            let mut frames: Vec<String> = chunks
                .enumerate()
                .map(|(i, c)| {
                    if i == 0 {
                        format!("[{c}")
                    } else {
                        format!(",\r\n{c}")
                    }
                })
                .collect();
            frames.push("]".to_owned());
            Reply::frames(JSON, frames)
        }
    }
}

pub(super) fn count_tokens(call: &Call) -> Reply {
    match read_prompt(call) {
        Ok((texts, last_user)) => {
            let answer = Answer::new(&last_user, texts.iter().map(String::as_str));
            Reply::ok(json!({"totalTokens": answer.prompt_tokens}))
        }
        Err(refusal) => refusal,
    }
}
