//! The `request_receipts` table: the newest receipts of an account (what each request cost and
//! why it took its route), as JSON. Never a question or an answer.

use rusqlite::{Connection, params};

use crate::Result;

/// How many receipts an account keeps; older ones are deleted as new ones arrive.
pub const KEEP: i64 = 500;

/// Stores a receipt and trims the account's oldest beyond [`KEEP`].
pub(crate) fn insert(conn: &Connection, account: &str, at: i64, receipt: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO request_receipts (account, at, receipt) VALUES (?1, ?2, ?3)",
        params![account, at, receipt],
    )?;
    conn.execute(
        "DELETE FROM request_receipts WHERE account = ?1 AND id <= \
             (SELECT id FROM request_receipts WHERE account = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
        params![account, KEEP],
    )?;
    Ok(())
}

/// The account's newest `limit` receipts, newest first.
pub(crate) fn recent(conn: &Connection, account: &str, limit: u32) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT receipt FROM request_receipts WHERE account = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![account, limit], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
}
