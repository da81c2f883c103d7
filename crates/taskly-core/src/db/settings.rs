//! The `settings` table: per-account values by name. Checking names and values is
//! `crate::settings`'s job; this stores what it is given.

use rusqlite::{Connection, OptionalExtension, params};

use crate::Result;

/// The stored value of `name`, or `None` when the account never set it.
pub(crate) fn get(conn: &Connection, account: &str, name: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT value FROM settings WHERE account = ?1 AND name = ?2",
            params![account, name],
            |r| r.get(0),
        )
        .optional()?)
}

/// Stores `value` under `name`, replacing any.
pub(crate) fn set(conn: &Connection, account: &str, name: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO settings (account, name, value) VALUES (?1, ?2, ?3) \
         ON CONFLICT (account, name) DO UPDATE SET value = excluded.value",
        params![account, name, value],
    )?;
    Ok(())
}

/// Forgets the value of `name`.
pub(crate) fn delete(conn: &Connection, account: &str, name: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM settings WHERE account = ?1 AND name = ?2",
        params![account, name],
    )?;
    Ok(())
}
