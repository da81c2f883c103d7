//! The saved key left on the clipboard: the system clipboard (the official Tauri clipboard
//! plugin, from Rust only: the window has no clipboard permission and never reads it) behind
//! the core's `Clipboard` trait, and the two commands the window calls after a save.

use std::sync::Arc;

use taskly_core::clipboard::{Clipboard, ClipboardOffer, ClipboardWatch, Pending};
use tauri::{AppHandle, Manager, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use zeroize::Zeroizing;

use crate::state::AppState;

/// The system clipboard.
pub struct SystemClipboard<'a>(pub &'a AppHandle);

impl Clipboard for SystemClipboard<'_> {
    fn read_text(&self) -> Option<Zeroizing<String>> {
        self.0.clipboard().read_text().ok().map(Zeroizing::new)
    }

    fn clear(&self) -> bool {
        self.0.clipboard().clear().is_ok()
    }
}

/// After a save: watches the key if it was on the clipboard, and clears it after
/// the watch's delay (60 s) unless the clipboard changed or a newer save took over.
pub fn watch_clipboard(app: &AppHandle, state: &AppState, pending: Option<Pending>) {
    let Some(pending) = pending else { return };
    let watch: Arc<ClipboardWatch> = state.clipboard.clone();
    let generation = watch.arm(pending);
    let after = watch.after();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(after).await;
        if let Some(state) = app.try_state::<AppState>() {
            state.clipboard.expire(&SystemClipboard(&app), generation);
        }
    });
}

/// Whether the clipboard still holds the key just saved, and when it is cleared by itself.
#[tauri::command]
pub fn clipboard_offer(app: AppHandle, state: State<'_, AppState>) -> ClipboardOffer {
    state.clipboard.offer(&SystemClipboard(&app))
}

/// Clears the clipboard now if it still holds the key just saved; whether it did.
#[tauri::command]
pub fn clipboard_clear(app: AppHandle, state: State<'_, AppState>) -> bool {
    state.clipboard.clear_now(&SystemClipboard(&app))
}
