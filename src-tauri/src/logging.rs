//! Logging to a daily file in the data folder's `logs/`, readable by the user only (RUST_LOG
//! sets the level, default `info`). The set-up is the core's, shared with the CLI
//! (`taskly_core::logging`): whatever RUST_LOG says, Tauri's and the web view's own crates
//! (every `tauri_plugin_*` too) stay at `info`, since below that they may log IPC payloads and
//! one of those carries the key being added, and `async_openai` is silenced.

/// Keeps the log writer flushing until the app ends.
pub type Guard = taskly_core::logging::Guard;

/// Sets up logging; a failure to log never stops the app.
pub fn init() -> Guard {
    let config = taskly_core::Config::from_env(None).ok()?;
    taskly_core::logging::init(&config.log_dir(), "taskly-desktop", false)
}
