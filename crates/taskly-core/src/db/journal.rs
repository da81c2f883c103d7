//! The `credential_cleanup` table: the journal of credential entries a replace has written or
//! left behind, so a crash never leaves a secret nobody will delete.
//!
//! `replace-new` reserves (and owns) the entry a replace is about to write; `replace-old` marks
//! the entry a finished replace no longer uses. Recovery deletes a stale entry's credential,
//! then its row; doctor counts every entry here as accounted for.

use rusqlite::{Connection, Transaction, params};

use crate::Result;

/// A journal row, as recovery reads it.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) entry: String,
    pub(crate) owner_pid: i64,
    pub(crate) created_at: i64,
}

/// Reserves `entry` for the new secret of a replace of key `key_id`; returns 0 when the entry
/// is already taken (another replace of the same key), 1 when it is now ours.
pub(crate) fn reserve_new(
    tx: &Transaction<'_>,
    entry: &str,
    key_id: &str,
    pid: i64,
    now: i64,
) -> Result<usize> {
    Ok(tx.execute(
        "INSERT OR IGNORE INTO credential_cleanup (entry, key_id, reason, owner_pid, created_at) VALUES (?1, ?2, 'replace-new', ?3, ?4)",
        params![entry, key_id, pid, now],
    )?)
}

/// Journals `entry`, the secret a replace of key `key_id` just stopped using, for deletion.
pub(crate) fn record_old(
    tx: &Transaction<'_>,
    entry: &str,
    key_id: &str,
    pid: i64,
    now: i64,
) -> Result<()> {
    tx.execute(
        "INSERT OR REPLACE INTO credential_cleanup (entry, key_id, reason, owner_pid, created_at) VALUES (?1, ?2, 'replace-old', ?3, ?4)",
        params![entry, key_id, pid, now],
    )?;
    Ok(())
}

/// Forgets `entry` (its credential is deleted, or in use by a key row); returns how many rows went.
pub(crate) fn remove(conn: &Connection, entry: &str) -> Result<usize> {
    Ok(conn.execute(
        "DELETE FROM credential_cleanup WHERE entry = ?1",
        params![entry],
    )?)
}

/// Every journal row (for recovery).
pub(crate) fn all(conn: &Connection) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare("SELECT entry, owner_pid, created_at FROM credential_cleanup")?;
    let rows = stmt.query_map([], |r| {
        Ok(Entry {
            entry: r.get::<_, String>(0)?,
            owner_pid: r.get::<_, i64>(1)?,
            created_at: r.get::<_, i64>(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Every journaled entry name (for doctor).
pub(crate) fn entries(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT entry FROM credential_cleanup")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
