//! Chat commands: start a request whose events stream to the window over a channel, cancel it.

use std::sync::atomic::{AtomicU64, Ordering};

use futures::StreamExt;
use taskly_core::ErrorPayload;
use taskly_core::chat::ChatRequest;
use taskly_core::chat::run::ChatEvent;
use tauri::State;
use tauri::ipc::Channel;

use super::args::{Arg, MAX_ID_CHARS};
use crate::state::AppState;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

#[tauri::command]
pub async fn chat_start(
    state: State<'_, AppState>,
    request: Arg<ChatRequest>,
    on_event: Arg<Channel<ChatEvent>>,
) -> Result<String, ErrorPayload> {
    let request = request.take()?;
    let on_event = on_event.take()?;
    // Bounds on what the web view may ask for, the core's own (the CLI gets the same): a typed
    // error at once, never a panic or unbounded memory.
    request.check().map_err(|e| e.payload())?;
    let services = state.services()?;
    let id = format!("chat-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
    let task = tauri::async_runtime::spawn(async move {
        let mut events = services.chat.start(request);
        while let Some(item) = events.next().await {
            if on_event.send(ChatEvent::from_item(item)).is_err() {
                // The window went away: stop the request.
                break;
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
