//! The `key_balances` table: the provider's own figures for a key (JSON of
//! `providers::balance::ProviderBalance`) and when they were read, one row per key, scoped by
//! account.

use rusqlite::{Connection, OptionalExtension, params};

use crate::Result;

/// A stored reading: when (Unix seconds) and the figures' JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stored {
    pub(crate) key_id: String,
    pub(crate) fetched_at: i64,
    pub(crate) balance: String,
}

/// Stores the key's latest reading, replacing any. The WHERE keeps another account's row (same
/// id) untouched, whatever happens.
pub(crate) fn upsert(
    conn: &Connection,
    key_id: &str,
    account: &str,
    fetched_at: i64,
    balance: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO key_balances (key_id, account, fetched_at, balance) \
         VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (key_id) DO UPDATE SET \
             fetched_at = excluded.fetched_at, \
             balance = excluded.balance \
         WHERE key_balances.account = excluded.account",
        params![key_id, account, fetched_at, balance],
    )?;
    Ok(())
}

/// The key's latest reading, if any.
pub(crate) fn get(conn: &Connection, account: &str, key_id: &str) -> Result<Option<Stored>> {
    Ok(conn
        .query_row(
            "SELECT key_id, fetched_at, balance FROM key_balances \
             WHERE key_id = ?1 AND account = ?2",
            params![key_id, account],
            stored,
        )
        .optional()?)
}

/// The account's readings of keys still in use (not being added or removed), by key id.
pub(crate) fn list(conn: &Connection, account: &str) -> Result<Vec<Stored>> {
    let mut statement = conn.prepare_cached(
        "SELECT b.key_id, b.fetched_at, b.balance FROM key_balances b \
         JOIN keys k ON k.id = b.key_id AND k.account = b.account \
         WHERE b.account = ?1 AND k.state = 'active' ORDER BY b.key_id",
    )?;
    let rows = statement.query_map(params![account], stored)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn stored(row: &rusqlite::Row<'_>) -> rusqlite::Result<Stored> {
    Ok(Stored {
        key_id: row.get(0)?,
        fetched_at: row.get(1)?,
        balance: row.get(2)?,
    })
}
