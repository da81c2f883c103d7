//! Anthropic's success bodies: the model list, a `message`, and the Messages SSE event sequence.

use serde_json::{Value, json};

use super::errors;
use crate::answer::Answer;
use crate::call::{Call, display_name, text_of};
use crate::reply::{Reply, SSE};
use crate::state::Shared;

/// Listed models all claim this release date, so listings are stable.
const MODEL_CREATED_AT: &str = "2025-09-29T00:00:00Z";

pub(super) fn model_list(ids: &[String]) -> Value {
    let data: Vec<Value> = ids.iter().map(|id| model_object(id)).collect();
    json!({
        "data": data,
        "has_more": false,
        "first_id": ids.first(),
        "last_id": ids.last(),
    })
}

pub(super) fn model_object(id: &str) -> Value {
    json!({"type": "model", "id": id, "display_name": display_name(id), "created_at": MODEL_CREATED_AT})
}

#[derive(Debug)]
struct MessagesRequest {
    model: String,
    stream: bool,
    answer: Answer,
}

impl MessagesRequest {
    fn parse(call: &Call) -> Result<Self, Reply> {
        let body = call.json().map_err(|e| {
            errors::invalid_request(&format!(
                "There was an error parsing the body of your request: {e}"
            ))
        })?;
        let model = match body.get("model") {
            Some(Value::String(model)) if !model.is_empty() => model.clone(),
            _ => return Err(errors::invalid_request("model: Field required")),
        };
        if body.get("max_tokens").and_then(Value::as_u64).is_none() {
            return Err(errors::invalid_request("max_tokens: Field required"));
        }
        let Some(messages) = body.get("messages").and_then(Value::as_array) else {
            return Err(errors::invalid_request("messages: Field required"));
        };
        let mut texts: Vec<String> = body.get("system").map(text_of).into_iter().collect();
        let last_user = messages
            .iter()
            .rev()
            .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
            .and_then(|m| m.get("content"))
            .map(text_of)
            .unwrap_or_default();
        texts.extend(
            messages
                .iter()
                .filter_map(|m| m.get("content"))
                .map(text_of),
        );
        Ok(Self {
            answer: Answer::new(&last_user, texts.iter().map(String::as_str)),
            model,
            stream: body.get("stream").and_then(Value::as_bool).unwrap_or(false),
        })
    }
}

/// Answer `POST /v1/messages`; `check_model` returns the refusal for a model not served.
pub(super) fn messages(
    call: &Call,
    shared: &Shared,
    check_model: impl Fn(&str) -> Option<Reply>,
) -> Reply {
    let request = match MessagesRequest::parse(call) {
        Ok(request) => request,
        Err(refusal) => return refusal,
    };
    if let Some(refusal) = check_model(&request.model) {
        return refusal;
    }
    let id = format!("msg_fake{:016}", shared.next_id());
    if request.stream {
        Reply::frames(SSE, stream_frames(&request, &id))
    } else {
        Reply::ok(message(&request, &id))
    }
}

fn usage(input: u64, output: u64) -> Value {
    json!({
        "input_tokens": input,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": output,
        "service_tier": "standard",
    })
}

fn message(request: &MessagesRequest, id: &str) -> Value {
    let answer = &request.answer;
    json!({
        "id": id,
        "type": "message",
        "role": "assistant",
        "model": request.model,
        "content": [{"type": "text", "text": answer.text}],
        "stop_reason": "end_turn",
        "stop_sequence": null,
        "usage": usage(answer.prompt_tokens, answer.completion_tokens),
    })
}

fn stream_frames(request: &MessagesRequest, id: &str) -> Vec<String> {
    let event = |name: &str, data: Value| format!("event: {name}\ndata: {data}\n\n");
    let answer = &request.answer;
    let mut frames = vec![
        event(
            "message_start",
            json!({"type": "message_start", "message": {
                "id": id,
                "type": "message",
                "role": "assistant",
                "model": request.model,
                "content": [],
                "stop_reason": null,
                "stop_sequence": null,
                "usage": usage(answer.prompt_tokens, 1),
            }}),
        ),
        event(
            "content_block_start",
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ),
        event("ping", json!({"type": "ping"})),
    ];
    frames.extend(answer.chunks.iter().map(|piece| {
        event(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}),
        )
    }));
    frames.push(event(
        "content_block_stop",
        json!({"type": "content_block_stop", "index": 0}),
    ));
    frames.push(event(
        "message_delta",
        json!({
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": null},
            "usage": {"output_tokens": answer.completion_tokens},
        }),
    ));
    frames.push(event("message_stop", json!({"type": "message_stop"})));
    frames
}
