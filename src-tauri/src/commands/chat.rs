//! Chat commands: start a request whose events stream to the window over a channel, cancel it.

use std::sync::atomic::{AtomicU64, Ordering};

use futures::StreamExt;
use taskly_core::chat::ChatRequest;
use taskly_core::{Error, ErrorPayload};
use tauri::State;
use tauri::ipc::Channel;

use super::args::{Arg, MAX_ID_CHARS};
use crate::state::AppState;

/// Bounds on what the web view may ask for: a typed error, never a panic or unbounded memory.
const MAX_MESSAGES: usize = 500;
const MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;
const MAX_MODEL_CHARS: usize = 200;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

#[tauri::command]
pub async fn chat_start(
    state: State<'_, AppState>,
    request: Arg<ChatRequest>,
    on_event: Arg<Channel<serde_json::Value>>,
) -> Result<String, ErrorPayload> {
    let request = request.take()?;
    let on_event = on_event.take()?;
    check(&request)?;
    let services = state.services()?;
    let id = format!("chat-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
    let task = tauri::async_runtime::spawn(async move {
        let mut events = services.chat.start(request);
        while let Some(event) = events.next().await {
            let value = match event {
                Ok(event) => serde_json::to_value(event),
                Err(err) => Ok(serde_json::json!({ "type": "failed", "error": err.payload() })),
            };
            match value {
                Ok(value) => {
                    if on_event.send(value).is_err() {
                        // The window went away: stop the request.
                        break;
                    }
                }
                Err(err) => tracing::warn!(error = %err, "a chat event could not be encoded"),
            }
        }
    });
    if let Ok(mut running) = state.running.lock() {
        running.retain(|_, task| !task.inner().is_finished());
        running.insert(id.clone(), task);
    }
    Ok(id)
}

#[tauri::command]
pub fn chat_cancel(
    state: State<'_, AppState>,
    request_id: Arg<String>,
) -> Result<(), ErrorPayload> {
    let request_id = request_id.take()?;
    if request_id.len() > MAX_ID_CHARS {
        // No such request: nothing to stop.
        return Ok(());
    }
    if let Ok(mut running) = state.running.lock()
        && let Some(task) = running.remove(&request_id)
    {
        // Dropping the core's stream inside the task closes the upstream connection.
        task.abort();
    }
    Ok(())
}

fn check(request: &ChatRequest) -> Result<(), ErrorPayload> {
    let too_big = |reason: &str| {
        Error::InvalidConfig {
            name: "request",
            reason: reason.to_owned(),
        }
        .payload()
    };
    if request.messages.is_empty() {
        return Err(too_big("there is no question"));
    }
    if request.messages.len() > MAX_MESSAGES {
        return Err(too_big(
            "the conversation is too long; clear it and ask again",
        ));
    }
    if request
        .messages
        .iter()
        .map(|m| m.content.len())
        .sum::<usize>()
        > MAX_TEXT_BYTES
    {
        return Err(too_big(
            "the conversation is too large; clear it and ask again",
        ));
    }
    if request
        .model
        .as_ref()
        .is_some_and(|m| m.chars().count() > MAX_MODEL_CHARS || m.chars().any(char::is_control))
    {
        return Err(too_big("the model name is not valid"));
    }
    Ok(())
}
