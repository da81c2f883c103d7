//! Finishing or rolling back multi-step changes that a dead process left half done.
//!
//! A row or cleanup entry is stale when the process that owns it is gone (Linux: no
//! `/proc/<pid>`) or, anywhere, when it is older than [`STALE_AFTER`]. Stale `pending` adds are
//! rolled back (the user never saw "saved"), stale `removing` rows are finished, and stale
//! cleanup entries (credentials of a replace) are deleted. A credential without any row is
//! never deleted here; `doctor` reports it.

use std::time::Duration;

use rusqlite::params;

use crate::Result;
use crate::db::Db;
use crate::time_fmt::now_unix;
use crate::vault::credentials::Credentials;

/// Age after which an unfinished change is stale even if its process cannot be checked.
pub const STALE_AFTER: Duration = Duration::from_secs(300);

/// What a recovery pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Repairs {
    /// Adds rolled back.
    pub rolled_back: usize,
    /// Removals finished.
    pub finished: usize,
    /// Leftover credentials of replaces deleted.
    pub cleaned: usize,
}

/// A unit of unfinished work.
#[derive(Debug)]
enum Work {
    /// Delete `entry` from the credential store, then the key row `id`.
    DropKey {
        id: String,
        entry: String,
        was_pending: bool,
    },
    /// Delete `entry` from the credential store, then its cleanup row.
    DropEntry { entry: String },
}

/// Repairs what dead processes left behind.
pub async fn recover(db: &Db, creds: &Credentials) -> Result<Repairs> {
    let work = db
        .call(|conn| {
            let now = now_unix();
            let mut work = Vec::new();
            let mut stmt = conn.prepare(
                "SELECT id, account, secret_generation, state, owner_pid, updated_at FROM keys WHERE state != 'active'",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?, r.get::<_, Option<i64>>(4)?, r.get::<_, i64>(5)?))
            })?;
            for row in rows {
                let (id, account, generation, state, pid, updated) = row?;
                if is_stale(pid, updated, now) {
                    let entry = super::entry_name(&account, &id, generation);
                    work.push(Work::DropKey { id, entry, was_pending: state == "pending" });
                }
            }
            let mut stmt = conn.prepare("SELECT entry, owner_pid, created_at FROM credential_cleanup")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))?;
            for row in rows {
                let (entry, pid, created) = row?;
                if is_stale(Some(pid), created, now) {
                    work.push(Work::DropEntry { entry });
                }
            }
            Ok(work)
        })
        .await?;

    let mut repairs = Repairs::default();
    for item in work {
        match item {
            Work::DropKey {
                id,
                entry,
                was_pending,
            } => {
                creds.delete(entry).await?;
                db.call(move |conn| {
                    Ok(conn.execute(
                        "DELETE FROM keys WHERE id = ?1 AND state != 'active'",
                        params![id],
                    )?)
                })
                .await?;
                if was_pending {
                    repairs.rolled_back += 1;
                } else {
                    repairs.finished += 1;
                }
            }
            Work::DropEntry { entry } => {
                creds.delete(entry.clone()).await?;
                db.call(move |conn| {
                    Ok(conn.execute(
                        "DELETE FROM credential_cleanup WHERE entry = ?1",
                        params![entry],
                    )?)
                })
                .await?;
                repairs.cleaned += 1;
            }
        }
    }
    if repairs != Repairs::default() {
        tracing::warn!(
            ?repairs,
            "repaired changes left unfinished by a process that stopped"
        );
    }
    Ok(repairs)
}

fn is_stale(pid: Option<i64>, since: i64, now: i64) -> bool {
    let old = now.saturating_sub(since) > STALE_AFTER.as_secs() as i64;
    old || pid.is_none_or(|pid| !process_alive(pid))
}

#[cfg(target_os = "linux")]
fn process_alive(pid: i64) -> bool {
    pid == i64::from(std::process::id()) || std::path::Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(not(target_os = "linux"))]
fn process_alive(_pid: i64) -> bool {
    // Without a cheap, safe liveness check, only age decides.
    true
}
