//! The router's `SELECT` for the enabled key, run directly on a read-only connection of its own:
//! SQLite's share of a route decision, without the blocking-pool hop.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::BenchResult;
use crate::scenarios::decide::DECIDE_ITERATIONS;

/// The router's SELECT on a connection of our own, without the hop: SQLite's share of a decision.
pub(crate) fn time_select(db: &Path, account: &str) -> BenchResult<Vec<Duration>> {
    let conn = rusqlite::Connection::open_with_flags(
        db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let mut times = Vec::with_capacity(DECIDE_ITERATIONS);
    for _ in 0..DECIDE_ITERATIONS {
        let start = Instant::now();
        let mut stmt = conn.prepare_cached(
            "SELECT id, label, masked_hint, base_url, secret_generation FROM keys \
             WHERE account = ?1 AND provider = ?2 AND enabled = 1 AND state = 'active'",
        )?;
        let row: (String, String, String, String, i64) = stmt
            .query_row(rusqlite::params![account, "openai"], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
        times.push(start.elapsed());
        black_box(row);
    }
    Ok(times)
}
