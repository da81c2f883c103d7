//! The global shortcut (Ctrl+Shift+Space; Cmd+Shift+Space on macOS) that brings the window up
//! with the command palette open. `TASKLY_PALETTE_SHORTCUT` changes it. Where the desktop does
//! not allow global shortcuts (some Wayland sessions), the app works without it and Ctrl/Cmd+K
//! inside the window still opens the palette.

use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, ShortcutState};

const DEFAULT: &str = "CommandOrControl+Shift+Space";

/// The plugin, with the handler that opens the palette.
pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_global_shortcut::Builder::new()
        .with_handler(|app, _shortcut, event| {
            if event.state() == ShortcutState::Pressed {
                if let Some(window) = app.get_webview_window("main") {
                    let _ = window.unminimize();
                    let _ = window.show();
                    let _ = window.set_focus();
                }
                let _ = app.emit("palette://open", ());
            }
        })
        .build()
}

/// Registers the configured shortcut; failure is logged, not fatal.
pub fn register<R: Runtime>(app: &AppHandle<R>) {
    let wanted = std::env::var("TASKLY_PALETTE_SHORTCUT").unwrap_or_else(|_| DEFAULT.to_owned());
    if let Err(err) = app.global_shortcut().register(wanted.as_str()) {
        tracing::warn!(shortcut = %wanted, error = %err, "global shortcut not available; Ctrl/Cmd+K still works in the window");
    }
}
