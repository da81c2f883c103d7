//! A one-row SQLite write transaction with the vault's settings (WAL, `synchronous = FULL`) on the
//! same disk, timed alone: what recording usage costs.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::BenchResult;

const SQLITE_WRITES: usize = 200;

/// A one-row write transaction with the vault's settings (WAL, `synchronous = FULL`), on a
/// scratch file next to the vault: what recording usage costs before `Finished` is sent.
pub(crate) fn time_sqlite_write(dir: &Path) -> BenchResult<Vec<Duration>> {
    let conn = rusqlite::Connection::open(dir.join("scratch.db"))?;
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute(
        "CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, n INTEGER NOT NULL)",
        [],
    )?;
    let mut conn = conn;
    let mut times = Vec::with_capacity(SQLITE_WRITES);
    for _ in 0..SQLITE_WRITES {
        let start = Instant::now();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO t (k, n) VALUES ('day', 1) ON CONFLICT (k) DO UPDATE SET n = n + 1",
            [],
        )?;
        tx.commit()?;
        times.push(start.elapsed());
    }
    Ok(times)
}
