//! Finishing or rolling back multi-step changes that a dead process left half done.
//!
//! A row or cleanup entry is stale when the process that owns it is gone (Linux: no
//! `/proc/<pid>`) or, anywhere, when it is older than [`STALE_AFTER`]. Stale `pending` adds are
//! rolled back (the user never saw "saved"), stale `removing` rows are finished, and stale
//! cleanup entries (credentials of a replace) are deleted. A credential without any row is
//! never deleted here; `doctor` reports it.

use std::time::Duration;

use crate::Result;
use crate::db::{self, Db};
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
            for row in db::keys::unfinished(conn)? {
                if is_stale(row.owner_pid, row.updated_at, now) {
                    let entry = super::entry_name(&row.account, &row.id, row.generation);
                    work.push(Work::DropKey {
                        id: row.id,
                        entry,
                        was_pending: row.state == "pending",
                    });
                }
            }
            for row in db::journal::all(conn)? {
                if is_stale(Some(row.owner_pid), row.created_at, now) {
                    work.push(Work::DropEntry { entry: row.entry });
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
                db.call(move |conn| db::keys::delete_unfinished(conn, &id))
                    .await?;
                if was_pending {
                    repairs.rolled_back += 1;
                } else {
                    repairs.finished += 1;
                }
            }
            Work::DropEntry { entry } => {
                creds.delete(entry.clone()).await?;
                db.call(move |conn| db::journal::remove(conn, &entry))
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
