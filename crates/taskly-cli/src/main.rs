//! `taskly`: manage AI provider keys, chat, see usage and diagnose, from a terminal.
//!
//! A thin caller of `taskly-core`: parse, call, print. Errors leave as the core's typed errors,
//! with their stable code, as text or (with `--json`) as JSON, and a non-zero exit code.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod logging;
mod output;
mod secret_input;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let _log_guard = logging::init(args.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            output::print_error(
                &taskly_core::Error::Internal(format!("cannot start the runtime: {err}")),
                args.json,
            );
            return ExitCode::FAILURE;
        }
    };
    let json = args.json;
    let result = runtime.block_on(commands::run(args));
    // A credential-store call abandoned after its timeout may still be blocked on its thread;
    // waiting for it would turn the timeout back into a hang.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    match result {
        Ok(code) => code,
        Err(err) => {
            tracing::warn!(code = ?err.code(), "command failed");
            output::print_error(&err, json);
            output::exit_code(&err)
        }
    }
}
