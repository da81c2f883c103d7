//! The Tauri shell of Taskly Desktop: state, plugins, and thin commands over `taskly-core`.
//!
//! Nothing here decides anything about keys or routing; every command is a call into the core
//! and its typed result or `ErrorPayload` crosses IPC as JSON. The plaintext key travels one way
//! only, from the form into `add_key` / `replace_key_secret`; no command returns a secret, and no
//! sign-in token ever crosses IPC (the account commands' answers carry none).
#![forbid(unsafe_code)]

mod commands;
mod forms;
mod logging;
mod shortcut;
mod state;
pub mod updates;

use tauri::Manager;

/// The window follows the system's light or dark theme; `TASKLY_THEME=light|dark` forces one
/// (for people who want the other, and for the real-window tests' screenshots of both).
fn apply_theme(app: &tauri::AppHandle) {
    let theme = match std::env::var("TASKLY_THEME").as_deref() {
        Ok("dark") => Some(tauri::Theme::Dark),
        Ok("light") => Some(tauri::Theme::Light),
        _ => None,
    };
    if theme.is_some()
        && let Some(window) = app.get_webview_window("main")
        && let Err(err) = window.set_theme(theme)
    {
        tracing::warn!(error = %err, "could not set the window theme");
    }
}

/// Starts the app.
#[allow(clippy::print_stderr)] // nothing else can report a failure to start the window
pub fn run() {
    let _log_guard = logging::init();
    let update_policy = updates::Policy::from_env();
    let mut context = tauri::generate_context!("../tauri.conf.json");
    // TASKLY_UPDATE_ENDPOINT replaces the configured endpoints before the updater reads them.
    update_policy.apply(&mut context.config_mut().plugins.0);
    let builder = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            // A second launch brings the running window forward instead of opening another.
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_opener::init())
        // Used from Rust only (the saved key left on the clipboard); the window has no
        // clipboard permission.
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(shortcut::plugin())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(updates::Updates::new(update_policy))
        .setup(|app| {
            let state = tauri::async_runtime::block_on(state::AppState::open());
            app.manage(state);
            shortcut::register(app.handle());
            apply_theme(app.handle());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::keys::list_providers,
            commands::keys::list_keys,
            commands::keys::add_key,
            commands::keys::update_key,
            commands::keys::replace_key_secret,
            commands::keys::set_key_enabled,
            commands::keys::remove_key,
            commands::keys::validate_key,
            commands::keys::set_backup,
            commands::keys::provider_balance,
            commands::settings::get_settings,
            commands::settings::set_fallback_to_taskly,
            commands::usage::usage_report,
            commands::usage::recent_requests,
            commands::app::app_info,
            commands::app::open_external,
            commands::chat::chat_start,
            commands::chat::chat_cancel,
            commands::account::auth_status,
            commands::account::sign_in,
            commands::account::cancel_sign_in,
            commands::account::switch_account,
            commands::account::sign_out,
            commands::account::adopt_local_keys,
            commands::import::import_scan,
            commands::import::import_keys,
            commands::import::scrub_preview,
            commands::import::scrub_apply,
            commands::import::import_forget,
            commands::clipboard::clipboard_offer,
            commands::clipboard::clipboard_clear,
            commands::updates::check_for_updates,
            commands::updates::download_update,
            commands::updates::install_update,
        ]);
    if let Err(err) = builder.run(context) {
        tracing::error!(error = %err, "the app stopped with an error");
        eprintln!("Taskly Desktop could not start: {err}");
        std::process::exit(1);
    }
}
