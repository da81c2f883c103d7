//! Test-only pause and panic points inside multi-step vault operations.
//!
//! In debug builds, `TASKLY_FAULT_PAUSE=<point>` makes the process announce
//! `TASKLY_FAULT_PAUSED <point>` on stderr and stop there forever, so a test can kill it between
//! the two stores and check that the next start repairs the state; `TASKLY_FAULT_PANIC=<point>`
//! makes it panic there, while the key being added or replaced is still held, so a test can
//! search what a panic prints and logs for that key. Release builds compile both to nothing.
//!
//! Every point also writes a `trace` line (in every build): the leak tests run at `trace` and
//! look for it to prove that trace-level lines of our own crates really reached the log.

/// The `trace` line each point writes; the leak tests search the logs for it.
pub const TRACE_MESSAGE: &str = "vault step reached";

/// Stops here forever, or panics, if the environment asks for it (debug builds only).
pub async fn checkpoint(point: &'static str) {
    tracing::trace!(point, "{TRACE_MESSAGE}");
    #[cfg(debug_assertions)]
    {
        if std::env::var("TASKLY_FAULT_PANIC").is_ok_and(|wanted| wanted == point) {
            // A plain panic: what a real bug here would print (message, location, backtrace).
            panic!("TASKLY_FAULT_PANIC at {point}");
        }
        if std::env::var("TASKLY_FAULT_PAUSE").is_ok_and(|wanted| wanted == point) {
            use std::io::Write;
            let mut stderr = std::io::stderr();
            let _ = writeln!(stderr, "TASKLY_FAULT_PAUSED {point}");
            let _ = stderr.flush();
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
            }
        }
    }
}
