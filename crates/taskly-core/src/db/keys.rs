//! The `keys` table: every query on the key rows (states, the one-enabled-per-provider rule,
//! secret generations, verification results, last use).
//!
//! A row is `pending` (an add under way), `active` (what the user sees) or `removing` (a remove
//! under way); `owner_pid` names the process doing the change, so recovery can tell a dead
//! one's leftovers. Callers decide the transaction boundaries: functions taking a
//! [`Transaction`] must run inside the caller's `BEGIN IMMEDIATE`.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde::Serialize;

use crate::providers::validate::{ValidationOutcome, Verification};
use crate::time_fmt::{now_unix, rfc3339};
use crate::{Error, ProviderId, Result};

/// The columns [`read_row`] reads, in its order.
const COLUMNS: &str = "id, provider, label, base_url, masked_hint, enabled, verification, verification_note, \
                       verified_at, models, created_at, updated_at, last_used_at, backup_rank, \
                       (SELECT cause FROM key_rests WHERE key_rests.key_id = keys.id), \
                       (SELECT until FROM key_rests WHERE key_rests.key_id = keys.id), \
                       (SELECT note FROM key_rests WHERE key_rests.key_id = keys.id)";

/// What the user sees of a stored key (one active row). Never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct KeyInfo {
    /// Stable id, e.g. `k_3f9a2c1b7e`.
    pub id: String,
    /// Provider id.
    pub provider: ProviderId,
    /// Provider name.
    pub provider_name: &'static str,
    /// The user's label.
    pub label: String,
    /// Where requests with this key go.
    pub base_url: String,
    /// Whether `base_url` differs from the provider's default.
    pub custom_base_url: bool,
    /// Masked hint (`sk-proj-…a1b2`).
    pub masked: String,
    /// Whether requests to this provider use this key.
    pub enabled: bool,
    /// Last verification result.
    pub verification: Verification,
    /// A note on that result (rate limited, quota, saved without checking).
    pub verification_note: Option<String>,
    /// When it was last verified (RFC 3339).
    pub verified_at: Option<String>,
    /// Models the key can use, from the last verification.
    pub models: Vec<String>,
    /// When it was added.
    pub created_at: String,
    /// When it was last changed.
    pub updated_at: String,
    /// When a request last used it.
    pub last_used_at: Option<String>,
    /// Its place among the provider's backups (1 is tried first after the primary); `None`
    /// for the primary and for a key that is off.
    pub backup_rank: Option<u32>,
    /// Why it is not used for now (rate limited, out of quota, invalid), if it is resting.
    pub rest: Option<crate::db::rests::Rest>,
}

/// A key about to be added: written `pending` before its credential exists.
pub(crate) struct Pending {
    pub(crate) id: String,
    pub(crate) account: String,
    pub(crate) provider: ProviderId,
    pub(crate) label: String,
    pub(crate) base_url: String,
    pub(crate) hint: String,
    pub(crate) outcome: ValidationOutcome,
    pub(crate) now: i64,
}

/// An enabled key, as SQLite has it (what routing needs to pick and read it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EnabledKey {
    pub(crate) provider: String,
    pub(crate) id: String,
    pub(crate) label: String,
    pub(crate) masked: String,
    pub(crate) base_url: String,
    pub(crate) generation: i64,
}

/// A row left in a state other than `active` (an add or remove under way, or abandoned).
#[derive(Debug)]
pub(crate) struct Unfinished {
    pub(crate) id: String,
    pub(crate) account: String,
    pub(crate) generation: i64,
    pub(crate) state: String,
    pub(crate) owner_pid: Option<i64>,
    pub(crate) updated_at: i64,
}

/// Writes the `pending` row of an add, owned by this process, switched off, at generation 0.
pub(crate) fn insert_pending(conn: &Connection, row: &Pending) -> Result<()> {
    let models =
        serde_json::to_string(&row.outcome.models).map_err(|e| Error::Internal(e.to_string()))?;
    let verified_at = (row.outcome.status != Verification::Unverified).then_some(row.now);
    conn.execute(
        "INSERT INTO keys (id, account, provider, label, base_url, masked_hint, enabled, state, secret_generation, \
         verification, verification_note, verified_at, models, owner_pid, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 'pending', 0, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
        params![
            row.id,
            row.account,
            row.provider.as_str(),
            row.label,
            row.base_url,
            row.hint,
            row.outcome.status.as_str(),
            row.outcome.note,
            verified_at,
            models,
            i64::from(std::process::id()),
            row.now,
        ],
    )?;
    Ok(())
}

/// Marks a `pending` row `active`; returns how many rows changed (0: recovery took it).
pub(crate) fn activate_pending(tx: &Transaction<'_>, id: &str) -> Result<usize> {
    Ok(tx.execute(
        "UPDATE keys SET state = 'active', owner_pid = NULL WHERE id = ?1 AND state = 'pending'",
        params![id],
    )?)
}

/// Deletes a `pending` row (an add rolled back); returns how many rows went.
pub(crate) fn delete_pending(conn: &Connection, id: &str) -> Result<usize> {
    Ok(conn.execute(
        "DELETE FROM keys WHERE id = ?1 AND state = 'pending'",
        params![id],
    )?)
}

/// The account's active keys, by provider then age.
pub(crate) fn list_active(conn: &Connection, account: &str) -> Result<Vec<KeyInfo>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM keys WHERE account = ?1 AND state = 'active' ORDER BY provider, created_at, id"
    ))?;
    let rows = stmt.query_map(params![account], read_row)?;
    rows.map(|r| r.map_err(Error::from).and_then(|raw| raw))
        .collect()
}

/// One active key of the account, or [`Error::KeyNotFound`].
pub(crate) fn get_active(conn: &Connection, account: &str, id: &str) -> Result<KeyInfo> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM keys WHERE account = ?1 AND id = ?2 AND state = 'active'"),
        params![account, id],
        read_row,
    )
    .optional()?
    .ok_or_else(|| Error::KeyNotFound { id: id.to_owned() })?
}

/// Changes an active key's label (`None` keeps it) and base URL.
pub(crate) fn update_label_and_base_url(
    conn: &Connection,
    id: &str,
    label: Option<&str>,
    base_url: &str,
) -> Result<()> {
    conn.execute(
        "UPDATE keys SET label = coalesce(?2, label), base_url = ?3, updated_at = ?4 WHERE id = ?1 AND state = 'active'",
        params![id, label, base_url, now_unix()],
    )?;
    Ok(())
}

/// Whether the account and provider of key `id` already have a key switched on.
pub(crate) fn provider_has_enabled_key(tx: &Transaction<'_>, id: &str) -> Result<bool> {
    Ok(tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM keys AS other JOIN keys AS me \
           ON other.account = me.account AND other.provider = me.provider \
         WHERE me.id = ?1 AND other.id != ?1 AND other.enabled = 1)",
        params![id],
        |r| r.get(0),
    )?)
}

/// Enables `id`, disabling the provider's other enabled key; returns that key if there was one.
pub(crate) fn enable(tx: &Transaction<'_>, id: &str) -> Result<Option<KeyInfo>> {
    let (account, provider): (String, String) = tx.query_row(
        "SELECT account, provider FROM keys WHERE id = ?1 AND state = 'active'",
        params![id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let other: Option<String> = tx
        .query_row(
            "SELECT id FROM keys WHERE account = ?1 AND provider = ?2 AND enabled = 1 AND id != ?3",
            params![account, provider, id],
            |r| r.get(0),
        )
        .optional()?;
    let now = now_unix();
    tx.execute("UPDATE keys SET enabled = 0, updated_at = ?4 WHERE account = ?1 AND provider = ?2 AND enabled = 1 AND id != ?3", params![account, provider, id, now])?;
    tx.execute(
        "UPDATE keys SET enabled = 1, backup_rank = NULL, updated_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    other
        .map(|other| get_active(tx, &account, &other))
        .transpose()
}

/// Switches key `id` off (as primary and as backup).
pub(crate) fn disable(tx: &Transaction<'_>, id: &str) -> Result<()> {
    tx.execute(
        "UPDATE keys SET enabled = 0, backup_rank = NULL, updated_at = ?2 WHERE id = ?1",
        params![id, now_unix()],
    )?;
    Ok(())
}

/// Makes key `id` its provider's last backup (switching it off as primary if it was); returns
/// its rank. A key already a backup keeps its place.
pub(crate) fn make_backup(tx: &Transaction<'_>, id: &str) -> Result<u32> {
    let (account, provider, rank): (String, String, Option<i64>) = tx.query_row(
        "SELECT account, provider, backup_rank FROM keys WHERE id = ?1 AND state = 'active'",
        params![id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if let Some(rank) = rank {
        return Ok(u32::try_from(rank).unwrap_or(u32::MAX));
    }
    let next: i64 = tx.query_row(
        "SELECT coalesce(max(backup_rank), 0) + 1 FROM keys WHERE account = ?1 AND provider = ?2",
        params![account, provider],
        |r| r.get(0),
    )?;
    tx.execute(
        "UPDATE keys SET enabled = 0, backup_rank = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, next, now_unix()],
    )?;
    Ok(u32::try_from(next).unwrap_or(u32::MAX))
}

/// The account's backups for `provider`, in the order they are tried.
pub(crate) fn backups(conn: &Connection, account: &str, provider: &str) -> Result<Vec<EnabledKey>> {
    let mut stmt = conn.prepare_cached(
        "SELECT provider, id, label, masked_hint, base_url, secret_generation \
         FROM keys WHERE account = ?1 AND provider = ?2 AND backup_rank IS NOT NULL \
           AND state = 'active' ORDER BY backup_rank",
    )?;
    let rows = stmt.query_map(params![account, provider], enabled_key)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The secret generation of the account's active key `id`, if there is one.
pub(crate) fn active_generation(conn: &Connection, id: &str, account: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT secret_generation FROM keys WHERE id = ?1 AND account = ?2 AND state = 'active'",
            params![id, account],
            |r| r.get(0),
        )
        .optional()?)
}

/// The secret generation of active key `id` in any account (the id alone is unique).
pub(crate) fn active_generation_by_id(conn: &Connection, id: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT secret_generation FROM keys WHERE id = ?1 AND state = 'active'",
            params![id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Records the result of a check. A check that returned no model list (rate limited, quota)
/// keeps the models we knew.
pub(crate) fn set_outcome(conn: &Connection, id: &str, outcome: &ValidationOutcome) -> Result<()> {
    let models =
        serde_json::to_string(&outcome.models).map_err(|e| Error::Internal(e.to_string()))?;
    let now = now_unix();
    let verified_at = (outcome.status != Verification::Unverified).then_some(now);
    conn.execute(
        "UPDATE keys SET verification = ?2, verification_note = ?3, verified_at = coalesce(?4, verified_at), \
         models = CASE WHEN ?5 = '[]' THEN models ELSE ?5 END, updated_at = ?6 WHERE id = ?1",
        params![id, outcome.status.as_str(), outcome.note, verified_at, models, now],
    )?;
    Ok(())
}

/// Points an active key at its new secret generation (and hint, base URL, label), only if it is
/// still at `old_generation`; returns how many rows changed (0: something replaced it meanwhile).
#[allow(clippy::too_many_arguments)]
pub(crate) fn swap_generation(
    tx: &Transaction<'_>,
    id: &str,
    new_generation: i64,
    hint: &str,
    base_url: &str,
    label: Option<&str>,
    old_generation: i64,
) -> Result<usize> {
    Ok(tx.execute(
        "UPDATE keys SET secret_generation = ?2, masked_hint = ?3, base_url = ?4, label = coalesce(?5, label), updated_at = ?6 \
         WHERE id = ?1 AND state = 'active' AND secret_generation = ?7",
        params![id, new_generation, hint, base_url, label, now_unix(), old_generation],
    )?)
}

/// Marks key `id` `removing`, switched off and owned by process `pid`.
pub(crate) fn mark_removing(tx: &Transaction<'_>, id: &str, pid: i64) -> Result<()> {
    tx.execute(
        "UPDATE keys SET state = 'removing', enabled = 0, backup_rank = NULL, owner_pid = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, pid, now_unix()],
    )?;
    Ok(())
}

/// Puts a `removing` row back to `active` (its credential could not be deleted).
pub(crate) fn restore_removing(conn: &Connection, id: &str) -> Result<()> {
    conn.execute(
        "UPDATE keys SET state = 'active', owner_pid = NULL WHERE id = ?1 AND state = 'removing'",
        params![id],
    )?;
    Ok(())
}

/// Switches key `id` back on after a failed remove. Returns SQLite's own error: the unique
/// index refusing it (another key was switched on meanwhile) is expected, and the caller logs it.
pub(crate) fn re_enable(conn: &Connection, id: &str) -> rusqlite::Result<usize> {
    conn.execute("UPDATE keys SET enabled = 1 WHERE id = ?1", params![id])
}

/// Deletes key row `id`, whatever its state; returns how many rows went.
pub(crate) fn delete(conn: &Connection, id: &str) -> Result<usize> {
    Ok(conn.execute("DELETE FROM keys WHERE id = ?1", params![id])?)
}

/// The columns [`enabled_key`] reads, for the account's active keys (a macro, so each query
/// below is one literal, built at compile time).
macro_rules! key_rows {
    ($and:literal) => {
        concat!(
            "SELECT provider, id, label, masked_hint, base_url, secret_generation \
             FROM keys WHERE account = ?1 AND state = 'active'",
            $and
        )
    };
}

/// The account's enabled keys, one per provider at most (one small indexed read).
pub(crate) fn enabled(conn: &Connection, account: &str) -> Result<Vec<EnabledKey>> {
    read_key_rows(conn, account, key_rows!(" AND enabled = 1"))
}

/// Every active key of the account, switched on or not, as [`enabled`] reads them (the prompt
/// guard compares a question with each).
pub(crate) fn active_rows(conn: &Connection, account: &str) -> Result<Vec<EnabledKey>> {
    read_key_rows(conn, account, key_rows!(""))
}

fn read_key_rows(conn: &Connection, account: &str, sql: &'static str) -> Result<Vec<EnabledKey>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![account], enabled_key)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Reads `provider, id, label, masked_hint, base_url, secret_generation`.
fn enabled_key(r: &Row<'_>) -> rusqlite::Result<EnabledKey> {
    Ok(EnabledKey {
        provider: r.get(0)?,
        id: r.get(1)?,
        label: r.get(2)?,
        masked: r.get(3)?,
        base_url: r.get(4)?,
        generation: r.get(5)?,
    })
}

/// Marks the account's key `id` as used at `now`. max(): two processes finishing out of order
/// never move the time backwards.
pub(crate) fn mark_used(tx: &Transaction<'_>, id: &str, account: &str, now: i64) -> Result<()> {
    tx.execute(
        "UPDATE keys SET last_used_at = max(coalesce(last_used_at, 0), ?1) \
         WHERE id = ?2 AND account = ?3",
        params![now, id, account],
    )?;
    Ok(())
}

/// Whether the account has an active key `id`.
pub(crate) fn exists_active(conn: &Connection, id: &str, account: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM keys WHERE id = ?1 AND account = ?2 AND state = 'active'",
            params![id, account],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Every row not `active`, in any account (for recovery).
pub(crate) fn unfinished(conn: &Connection) -> Result<Vec<Unfinished>> {
    let mut stmt = conn.prepare(
        "SELECT id, account, secret_generation, state, owner_pid, updated_at FROM keys WHERE state != 'active'",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Unfinished {
            id: r.get::<_, String>(0)?,
            account: r.get::<_, String>(1)?,
            generation: r.get::<_, i64>(2)?,
            state: r.get::<_, String>(3)?,
            owner_pid: r.get::<_, Option<i64>>(4)?,
            updated_at: r.get::<_, i64>(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Deletes row `id` unless it is `active` (recovery finishing or rolling back a change).
pub(crate) fn delete_unfinished(conn: &Connection, id: &str) -> Result<usize> {
    Ok(conn.execute(
        "DELETE FROM keys WHERE id = ?1 AND state != 'active'",
        params![id],
    )?)
}

/// The id and secret generation of every row of the account, in any state (for doctor).
pub(crate) fn generations(conn: &Connection, account: &str) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare("SELECT id, secret_generation FROM keys WHERE account = ?1")?;
    let rows = stmt.query_map([account], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Reads one row of [`COLUMNS`]. The outer error is SQLite's; the inner one a row this build
/// cannot show (a provider it does not know).
fn read_row(row: &Row<'_>) -> rusqlite::Result<Result<KeyInfo>> {
    let provider: String = row.get(1)?;
    let verification: String = row.get(6)?;
    let models: String = row.get(9)?;
    let base_url: String = row.get(3)?;
    let Ok(provider) = provider.parse::<ProviderId>() else {
        return Ok(Err(Error::Database {
            detail: format!("unknown provider {provider:?} in the key list"),
        }));
    };
    let spec = provider.spec();
    Ok(Ok(KeyInfo {
        id: row.get(0)?,
        provider,
        provider_name: spec.name,
        label: row.get(2)?,
        custom_base_url: spec.default_base_url != Some(base_url.as_str()),
        base_url,
        masked: row.get(4)?,
        enabled: row.get::<_, i64>(5)? == 1,
        verification: Verification::from_stored(&verification).unwrap_or(Verification::Unverified),
        verification_note: row.get(7)?,
        verified_at: row.get::<_, Option<i64>>(8)?.map(rfc3339),
        models: serde_json::from_str(&models).unwrap_or_default(),
        created_at: rfc3339(row.get(10)?),
        updated_at: rfc3339(row.get(11)?),
        last_used_at: row.get::<_, Option<i64>>(12)?.map(rfc3339),
        backup_rank: row
            .get::<_, Option<i64>>(13)?
            .and_then(|r| u32::try_from(r).ok()),
        rest: crate::db::rests::from_columns(
            row.get::<_, Option<String>>(14)?,
            row.get::<_, Option<i64>>(15)?,
            row.get::<_, Option<String>>(16)?,
            now_unix(),
        ),
    }))
}

/// Test support: an active, switched-off OpenAI key row `id` of `account`, with no credential.
#[cfg(test)]
pub(crate) fn insert_bare_for_test(conn: &Connection, account: &str, id: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO keys (id, account, provider, label, base_url, masked_hint, state, \
             verification, created_at, updated_at) \
         VALUES (?1, ?2, 'openai', 'k', 'https://api.openai.com/v1', 'sk-…abcd', \
             'active', 'unverified', 1, 1)",
        params![id, account],
    )?;
    Ok(())
}

/// Test support: when key `id` was last used.
#[cfg(test)]
pub(crate) fn last_used_at(conn: &Connection, id: &str) -> Result<Option<i64>> {
    Ok(conn.query_row(
        "SELECT last_used_at FROM keys WHERE id = ?1",
        params![id],
        |r| r.get(0),
    )?)
}
