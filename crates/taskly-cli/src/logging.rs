//! Logging: to a daily file in the data folder's `logs/`, and to stderr with `--verbose`.
//!
//! The set-up (level from `RUST_LOG`, the cap on third-party crates, private files) is the
//! core's, shared with the app: `taskly_core::logging`. Our code never logs a secret; the leak
//! tests run every flow at `trace` and search the files for a canary key.

/// Keeps the file writer flushing until the process ends.
pub type Guard = taskly_core::logging::Guard;

/// Sets up logging. Failing to log is not a reason to fail the command.
pub fn init(verbose: bool) -> Guard {
    match taskly_core::Config::from_env(None) {
        Ok(config) => taskly_core::logging::init(&config.log_dir(), "taskly-cli", verbose),
        Err(_) => None,
    }
}
