//! The `signed_in_accounts`, `active_account` and `machine_flags` tables: who is signed in on
//! this machine, which of them is active, and machine-wide answers. Never a token.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::Result;

/// A signed-in account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AccountRow {
    /// The derived account id keys and usage carry.
    pub account: String,
    /// The OpenID Provider.
    pub issuer: String,
    /// The provider's `sub`.
    pub subject: String,
    /// What the person calls it.
    pub name: String,
    /// The email the provider gave, if any.
    pub email: Option<String>,
    /// The person's name the provider gave, if any.
    pub display_name: Option<String>,
    /// When the stored access token expires (Unix seconds).
    pub access_expires_at: Option<i64>,
    /// Whether tokens are stored.
    pub has_session: bool,
    /// Bumped on every token change.
    pub token_generation: i64,
    /// When it was signed in.
    pub signed_in_at: i64,
}

const COLUMNS: &str = "account, issuer, subject, name, email, display_name, access_expires_at, \
     has_session, token_generation, signed_in_at";

fn row(r: &Row<'_>) -> rusqlite::Result<AccountRow> {
    Ok(AccountRow {
        account: r.get(0)?,
        issuer: r.get(1)?,
        subject: r.get(2)?,
        name: r.get(3)?,
        email: r.get(4)?,
        display_name: r.get(5)?,
        access_expires_at: r.get(6)?,
        has_session: r.get(7)?,
        token_generation: r.get(8)?,
        signed_in_at: r.get(9)?,
    })
}

/// Every signed-in account, oldest first.
pub(crate) fn list(conn: &Connection) -> Result<Vec<AccountRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM signed_in_accounts ORDER BY signed_in_at, account"
    ))?;
    let rows = stmt.query_map([], row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The account with this id.
pub(crate) fn get(conn: &Connection, account: &str) -> Result<Option<AccountRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM signed_in_accounts WHERE account = ?1"),
            params![account],
            row,
        )
        .optional()?)
}

/// The account a person named: by its name, its email or its id.
pub(crate) fn find_by_name(conn: &Connection, name: &str) -> Result<Option<AccountRow>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM signed_in_accounts \
                 WHERE name = ?1 OR account = ?1 OR email = ?1 \
                 ORDER BY (name = ?1) DESC, (account = ?1) DESC, signed_in_at LIMIT 1"
            ),
            params![name],
            row,
        )
        .optional()?)
}

/// Whether another account than `account` already uses `name`.
pub(crate) fn name_taken(conn: &Connection, name: &str, account: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM signed_in_accounts WHERE name = ?1 AND account <> ?2",
            params![name, account],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Creates or refreshes the row after a sign-in (tokens are already stored), and bumps its
/// token generation.
pub(crate) fn upsert_signed_in(conn: &Connection, a: &AccountRow) -> Result<()> {
    conn.execute(
        "INSERT INTO signed_in_accounts (account, issuer, subject, name, email, display_name, \
             access_expires_at, has_session, token_generation, signed_in_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, 1, ?8) \
         ON CONFLICT (account) DO UPDATE SET name = excluded.name, email = excluded.email, \
             display_name = excluded.display_name, access_expires_at = excluded.access_expires_at, \
             has_session = 1, token_generation = token_generation + 1",
        params![
            a.account,
            a.issuer,
            a.subject,
            a.name,
            a.email,
            a.display_name,
            a.access_expires_at,
            a.signed_in_at
        ],
    )?;
    Ok(())
}

/// Records refreshed tokens: their expiry and a new generation.
pub(crate) fn record_refresh(
    conn: &Connection,
    account: &str,
    access_expires_at: Option<i64>,
    email: Option<&str>,
    display_name: Option<&str>,
) -> Result<()> {
    conn.execute(
        "UPDATE signed_in_accounts SET access_expires_at = ?2, \
             email = COALESCE(?3, email), display_name = COALESCE(?4, display_name), \
             has_session = 1, token_generation = token_generation + 1 WHERE account = ?1",
        params![account, access_expires_at, email, display_name],
    )?;
    Ok(())
}

/// Marks the session ended (the issuer refused the refresh token): the account and its keys
/// stay, its tokens are gone.
pub(crate) fn end_session(conn: &Connection, account: &str) -> Result<()> {
    conn.execute(
        "UPDATE signed_in_accounts SET access_expires_at = NULL, has_session = 0, \
             token_generation = token_generation + 1 WHERE account = ?1",
        params![account],
    )?;
    Ok(())
}

/// Forgets the account (signed out); the active choice goes with it.
pub(crate) fn delete(conn: &Connection, account: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM signed_in_accounts WHERE account = ?1",
        params![account],
    )?;
    Ok(())
}

/// The active account's id, if any.
pub(crate) fn active(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT account FROM active_account WHERE only = 1",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

/// Makes `account` the active one.
pub(crate) fn set_active(conn: &Connection, account: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO active_account (only, account) VALUES (1, ?1) \
         ON CONFLICT (only) DO UPDATE SET account = excluded.account",
        params![account],
    )?;
    Ok(())
}

/// A machine-wide flag's value.
pub(crate) fn flag(conn: &Connection, name: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT value FROM machine_flags WHERE name = ?1",
            params![name],
            |r| r.get(0),
        )
        .optional()?)
}

/// Sets a machine-wide flag.
pub(crate) fn set_flag(conn: &Connection, name: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO machine_flags (name, value) VALUES (?1, ?2) \
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        params![name, value],
    )?;
    Ok(())
}

/// Moves one of `from`'s keys (and what hangs off it: usage, budget) to `to`; `false` if it was
/// not `from`'s. Arriving as a second enabled key for its provider, it is switched off.
/// Credential entries are the caller's job.
pub(crate) fn move_key(conn: &Connection, from: &str, to: &str, id: &str) -> Result<bool> {
    conn.execute(
        "UPDATE keys SET enabled = 0 WHERE id = ?1 AND account = ?2 AND EXISTS \
             (SELECT 1 FROM keys AS other WHERE other.account = ?3 \
                  AND other.provider = keys.provider AND other.enabled = 1)",
        params![id, from, to],
    )?;
    let changed = conn.execute(
        "UPDATE keys SET account = ?3 WHERE id = ?1 AND account = ?2",
        params![id, from, to],
    )?;
    if changed == 0 {
        return Ok(false);
    }
    for table in ["key_budgets", "key_rests", "key_balances"] {
        conn.execute(
            &format!("UPDATE {table} SET account = ?3 WHERE key_id = ?1 AND account = ?2"),
            params![id, from, to],
        )?;
    }
    conn.execute(
        "INSERT INTO usage_daily (account, key_id, provider, model, day, requests, failures, \
             input_tokens, output_tokens) \
         SELECT ?3, key_id, provider, model, day, requests, failures, input_tokens, \
             output_tokens FROM usage_daily WHERE account = ?2 AND key_id = ?1 \
         ON CONFLICT (account, key_id, provider, model, day) DO UPDATE SET \
             requests = requests + excluded.requests, \
             failures = failures + excluded.failures, \
             input_tokens = input_tokens + excluded.input_tokens, \
             output_tokens = output_tokens + excluded.output_tokens",
        params![id, from, to],
    )?;
    conn.execute(
        "DELETE FROM usage_daily WHERE account = ?2 AND key_id = ?1",
        params![id, from],
    )?;
    Ok(true)
}
