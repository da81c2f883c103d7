//! Logging: to a daily file in the data folder's `logs/`, and to stderr with `--verbose`.
//!
//! `RUST_LOG` sets the level (default `info`). Our code never logs a secret; the leak tests run
//! every flow at `trace` and search the files for a canary key.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Keeps the file writer flushing until the process ends.
pub type Guard = Option<tracing_appender::non_blocking::WorkerGuard>;

/// Sets up logging. Failing to log is not a reason to fail the command.
pub fn init(verbose: bool) -> Guard {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let (file_layer, guard) = match log_dir() {
        // Our own daily writer, as in the app: each file `0600` and the folder `0700` whatever
        // the umask, the newest 7 kept.
        Some(dir) => match taskly_core::vault::log_file::PrivateLogFile::new(&dir, "taskly-cli", 7)
        {
            Ok(appender) => {
                let (writer, guard) = tracing_appender::non_blocking(appender);
                let layer = tracing_subscriber::fmt::layer()
                    .with_writer(writer)
                    .with_ansi(false)
                    .with_filter_boxed(filter());
                (Some(layer), Some(guard))
            }
            Err(_) => (None, None),
        },
        _ => (None, None),
    };
    let stderr_layer = verbose.then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter_boxed(filter())
    });
    let _ = tracing_subscriber::registry()
        .with(file_layer)
        .with(stderr_layer)
        .try_init();
    guard
}

fn log_dir() -> Option<std::path::PathBuf> {
    taskly_core::Config::from_env(None)
        .ok()
        .map(|c| c.log_dir())
}

trait BoxedFilter<S> {
    fn with_filter_boxed(
        self,
        filter: EnvFilter,
    ) -> Box<dyn tracing_subscriber::Layer<S> + Send + Sync>;
}

impl<S, L> BoxedFilter<S> for L
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    L: tracing_subscriber::Layer<S> + Send + Sync + 'static,
{
    fn with_filter_boxed(
        self,
        filter: EnvFilter,
    ) -> Box<dyn tracing_subscriber::Layer<S> + Send + Sync> {
        Box::new(self.with_filter(filter))
    }
}
