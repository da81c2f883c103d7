//! The one logging set-up of the CLI and the app: a private daily file in the data folder's
//! `logs/` (and stderr for `taskly --verbose`), at the level `RUST_LOG` sets (default `info`).
//!
//! Some third-party crates log what must never reach a file, so they are capped here whatever
//! `RUST_LOG` says (`RUST_LOG=tauri::ipc=trace` cannot lift it: the cap is a second filter, not
//! a directive a more specific one outranks):
//! - `async_openai` is silenced: at `error` it logs the raw text of any stream chunk it cannot
//!   parse, which can hold the conversation or a key a gateway echoed;
//! - Tauri's crates (`tauri`, `tauri_*`, including every `tauri_plugin_*`), `wry` and `tao` stop
//!   at `info`: below that they may log IPC payloads, and one of those carries the key being
//!   added.

pub mod file;

use tracing::{Level, Metadata};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{EnvFilter, FilterExt, filter_fn};
use tracing_subscriber::layer::Filter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

use file::PrivateLogFile;

/// Keeps the file writer flushing until the process ends.
pub type Guard = Option<tracing_appender::non_blocking::WorkerGuard>;

/// How many daily files are kept.
const KEEP_FILES: usize = 7;

/// Targets never logged, at any level.
const SILENCED: &[&str] = &["async_openai"];

/// Targets logged at `info` and above only.
const CAPPED_AT_INFO: &[&str] = &["wry", "tao"];

/// Whether the cap lets an event or span through.
pub fn allowed_by_cap(meta: &Metadata<'_>) -> bool {
    let target = meta.target();
    if SILENCED.iter().any(|t| is_under(target, t)) {
        return false;
    }
    let tauri = target.starts_with("tauri");
    if tauri || CAPPED_AT_INFO.iter().any(|t| is_under(target, t)) {
        return *meta.level() <= Level::INFO;
    }
    true
}

/// `target` is `parent` or a module below it.
fn is_under(target: &str, parent: &str) -> bool {
    target
        .strip_prefix(parent)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
}

/// The level filter from `RUST_LOG` (default `info`), with the cap on top.
fn filter<S>() -> impl Filter<S> + Send + Sync + use<S>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    let directives = std::env::var("RUST_LOG").unwrap_or_default();
    filter_from(&directives)
}

fn filter_from<S>(directives: &str) -> impl Filter<S> + Send + Sync + use<S>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    let level = match EnvFilter::try_new(directives) {
        Ok(level) if !directives.trim().is_empty() => level,
        _ => EnvFilter::new("info"),
    };
    level.and(filter_fn(allowed_by_cap))
}

/// Sets up logging for the program `name` (the log file's prefix), writing to `log_dir` and,
/// with `stderr`, to standard error too. Failing to log is never a reason to fail.
pub fn init(log_dir: &std::path::Path, name: &str, stderr: bool) -> Guard {
    let (file_layer, guard) = match PrivateLogFile::new(log_dir, name, KEEP_FILES) {
        // Our own daily writer: each file `0600` and the folder `0700` whatever the umask.
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(false)
                .with_filter(filter());
            (Some(layer), Some(guard))
        }
        Err(_) => (None, None),
    };
    let stderr_layer = stderr.then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(filter())
    });
    let _ = tracing_subscriber::registry()
        .with(file_layer)
        .with(stderr_layer)
        .try_init();
    guard
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Collects what reaches a layer filtered like the real one, with `directives` as RUST_LOG.
    fn logged(directives: &str, emit: impl FnOnce()) -> String {
        let out = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = out.clone();
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .with_filter(filter_from(directives));
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), emit);
        let bytes = out.lock().expect("lock").clone();
        String::from_utf8(bytes).expect("utf-8")
    }

    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn rust_log_cannot_lift_the_cap() {
        let text = logged(
            "trace,tauri::ipc=trace,tauri_plugin_opener=trace,async_openai=trace",
            || {
                tracing::trace!(target: "taskly_core::routing", "ours-trace");
                tracing::trace!(target: "tauri::ipc", "ipc-trace");
                tracing::debug!(target: "tauri::ipc::protocol", "ipc-debug");
                tracing::info!(target: "tauri::ipc", "ipc-info");
                tracing::trace!(target: "tauri_plugin_opener", "plugin-trace");
                tracing::warn!(target: "tauri_plugin_updater", "plugin-warn");
                tracing::debug!(target: "wry::webview", "wry-debug");
                tracing::trace!(target: "tao", "tao-trace");
                tracing::error!(target: "async_openai::error", "openai-error");
                tracing::trace!(target: "wryly", "not-wry-trace");
            },
        );
        for seen in ["ours-trace", "ipc-info", "plugin-warn", "not-wry-trace"] {
            assert!(text.contains(seen), "{seen} missing from:\n{text}");
        }
        for unseen in [
            "ipc-trace",
            "ipc-debug",
            "plugin-trace",
            "wry-debug",
            "tao-trace",
            "openai-error",
        ] {
            assert!(!text.contains(unseen), "{unseen} logged:\n{text}");
        }
    }

    #[test]
    fn the_level_comes_from_rust_log_and_defaults_to_info() {
        let emit = || {
            tracing::debug!(target: "taskly_core", "ours-debug");
            tracing::info!(target: "taskly_core", "ours-info");
        };
        let default = logged("", emit);
        assert!(
            default.contains("ours-info") && !default.contains("ours-debug"),
            "{default}"
        );
        let debug = logged("debug", emit);
        assert!(debug.contains("ours-debug"), "{debug}");
        let garbage = logged("=not a directive=", emit);
        assert!(
            garbage.contains("ours-info") && !garbage.contains("ours-debug"),
            "{garbage}"
        );
    }
}
