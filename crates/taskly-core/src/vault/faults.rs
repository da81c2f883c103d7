//! Test-only pause points inside multi-step vault operations.
//!
//! In debug builds, `TASKLY_FAULT_PAUSE=<point>` makes the process announce
//! `TASKLY_FAULT_PAUSED <point>` on stderr and stop there forever, so a test can kill it between
//! the two stores and check that the next start repairs the state. Release builds compile this
//! to nothing.

/// Stops here forever if the environment asks for it (debug builds only).
pub async fn checkpoint(point: &'static str) {
    #[cfg(debug_assertions)]
    if std::env::var("TASKLY_FAULT_PAUSE").is_ok_and(|wanted| wanted == point) {
        use std::io::Write;
        let mut stderr = std::io::stderr();
        let _ = writeln!(stderr, "TASKLY_FAULT_PAUSED {point}");
        let _ = stderr.flush();
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = point;
}
