//! OpenAI's success bodies: model lists, chat completions and `chat.completion.chunk` SSE streams.
//! Shared by every OpenAI-compatible flavor (OpenAI, Azure, the Taskly proxy).

use serde_json::{Value, json};

use super::errors;
use crate::answer::Answer;
use crate::call::{Call, text_of};
use crate::clock;
use crate::reply::{Reply, SSE};
use crate::state::Shared;

const FINGERPRINT: &str = "fp_fake0001";
/// A fixed creation time for listed models (2024-05-10), so listings are stable.
const MODEL_CREATED: u64 = 1_715_367_049;

/// `{"object":"list","data":[...]}` for `(id, owned_by)` pairs.
pub(in crate::providers) fn model_list<'a>(
    models: impl Iterator<Item = (&'a str, &'a str)>,
) -> Value {
    let data: Vec<Value> = models.map(|(id, owner)| model_object(id, owner)).collect();
    json!({"object": "list", "data": data})
}

pub(in crate::providers) fn model_object(id: &str, owned_by: &str) -> Value {
    json!({"id": id, "object": "model", "created": MODEL_CREATED, "owned_by": owned_by})
}

/// A chat completion request, validated the way OpenAI does.
#[derive(Debug)]
struct ChatRequest {
    model: String,
    stream: bool,
    include_usage: bool,
    answer: Answer,
}

impl ChatRequest {
    fn parse(call: &Call) -> Result<Self, Reply> {
        let body = call.json().map_err(|_| errors::invalid_json())?;
        let model = match body.get("model") {
            Some(Value::String(model)) if !model.is_empty() => model.clone(),
            _ => return Err(errors::missing_model()),
        };
        let messages = match body.get("messages") {
            Some(Value::Array(messages)) if messages.is_empty() => {
                return Err(errors::empty_messages());
            }
            Some(Value::Array(messages)) => messages,
            Some(_) => return Err(errors::messages_not_array()),
            None => return Err(errors::missing_messages()),
        };
        let texts: Vec<String> = messages
            .iter()
            .map(|m| m.get("content").map(text_of).unwrap_or_default())
            .collect();
        let last_user = messages
            .iter()
            .rposition(|m| m.get("role").and_then(Value::as_str) == Some("user"))
            .map(|i| texts[i].as_str())
            .unwrap_or_default();
        Ok(Self {
            answer: Answer::new(last_user, texts.iter().map(String::as_str)),
            model,
            stream: body.get("stream").and_then(Value::as_bool).unwrap_or(false),
            include_usage: body
                .pointer("/stream_options/include_usage")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }
}

/// Answer `POST .../chat/completions`; `check_model` returns the flavor's refusal for a model it does not serve.
pub(in crate::providers) fn chat(
    call: &Call,
    shared: &Shared,
    check_model: impl Fn(&str) -> Option<Reply>,
) -> Reply {
    let request = match ChatRequest::parse(call) {
        Ok(request) => request,
        Err(refusal) => return refusal,
    };
    if let Some(refusal) = check_model(&request.model) {
        return refusal;
    }
    let id = format!("chatcmpl-fake{:012}", shared.next_id());
    let created = clock::unix_now();
    if request.stream {
        Reply::frames(SSE, stream_frames(&request, &id, created))
    } else {
        Reply::ok(completion(&request, &id, created))
    }
}

fn usage(answer: &Answer) -> Value {
    json!({
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
        "total_tokens": answer.total_tokens(),
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    })
}

fn completion(request: &ChatRequest, id: &str, created: u64) -> Value {
    json!({
        "id": id,
        "object": "chat.completion",
        "created": created,
        "model": request.model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": request.answer.text, "refusal": null, "annotations": []},
            "logprobs": null,
            "finish_reason": "stop",
        }],
        "usage": usage(&request.answer),
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT,
    })
}

fn stream_frames(request: &ChatRequest, id: &str, created: u64) -> Vec<String> {
    let chunk = |choices: Value, usage: Option<Value>| {
        let mut chunk = json!({
            "id": id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": request.model,
            "service_tier": "default",
            "system_fingerprint": FINGERPRINT,
            "choices": choices,
        });
        // With include_usage every chunk carries `"usage": null` except the last, as OpenAI does.
        if request.include_usage {
            chunk["usage"] = usage.unwrap_or(Value::Null);
        }
        format!("data: {chunk}\n\n")
    };
    let choice = |delta: Value, finish: Value| json!([{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}]);
    let mut frames = vec![chunk(
        choice(
            json!({"role": "assistant", "content": "", "refusal": null}),
            Value::Null,
        ),
        None,
    )];
    frames.extend(
        request
            .answer
            .chunks
            .iter()
            .map(|piece| chunk(choice(json!({"content": piece}), Value::Null), None)),
    );
    frames.push(chunk(choice(json!({}), json!("stop")), None));
    if request.include_usage {
        frames.push(chunk(json!([]), Some(usage(&request.answer))));
    }
    frames.push("data: [DONE]\n\n".to_owned());
    frames
}
