//! Logging to a daily file in the data folder's `logs/`, readable by the user only (RUST_LOG
//! sets the level, default `info`). Tauri's and the web view's own crates are capped at `info`
//! whatever RUST_LOG says: at lower levels they may log IPC payloads, and one of those carries
//! the key being added.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Keeps the log writer flushing until the app ends.
pub type Guard = Option<tracing_appender::non_blocking::WorkerGuard>;

/// Sets up logging; a failure to log never stops the app.
pub fn init() -> Guard {
    let Ok(config) = taskly_core::Config::from_env(None) else {
        return None;
    };
    // Our own daily writer rather than tracing-appender's rolling one: it creates each file
    // `0600` (and the folder `0700`) whatever the umask, so other local users cannot read it.
    let appender =
        taskly_core::vault::log_file::PrivateLogFile::new(&config.log_dir(), "taskly-desktop", 7)
            .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let base = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned());
    let filter = EnvFilter::try_new(format!("{base},tauri=info,wry=info,tao=info,tauri_runtime_wry=info,tauri_plugin_global_shortcut=info"))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(false);
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .try_init();
    Some(guard)
}

use tracing_subscriber::Layer as _;
