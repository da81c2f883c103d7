//! The `usage_daily` table: request, failure and token counters per account, key, provider,
//! model and UTC day (`key_id` `""` for requests through Taskly).

use rusqlite::{Connection, Row, Transaction, params};

use crate::{ProviderId, Result};

/// One request to count, as stored.
pub(crate) struct Request<'a> {
    pub(crate) account: &'a str,
    /// `""` for a request through Taskly.
    pub(crate) key_id: &'a str,
    pub(crate) provider: &'a str,
    pub(crate) model: &'a str,
    /// `YYYY-MM-DD`, UTC.
    pub(crate) day: &'a str,
    /// 1 if the request failed, else 0.
    pub(crate) failed: i64,
    pub(crate) input_tokens: i64,
    pub(crate) output_tokens: i64,
}

/// One row of counters, as read.
#[derive(Debug)]
pub(crate) struct Daily {
    pub(crate) day: String,
    /// `""` for requests through Taskly.
    pub(crate) key_id: String,
    pub(crate) provider: ProviderId,
    pub(crate) model: String,
    pub(crate) requests: u64,
    pub(crate) failures: u64,
    pub(crate) input_tokens: u64,
    pub(crate) output_tokens: u64,
}

/// Adds one request to its day's row (creating it). Runs inside the caller's `BEGIN IMMEDIATE`,
/// so several processes counting at once wait for each other instead of losing counts.
pub(crate) fn count(tx: &Transaction<'_>, request: &Request<'_>) -> Result<()> {
    tx.execute(
        "INSERT INTO usage_daily \
             (account, key_id, provider, model, day, requests, failures, input_tokens, output_tokens) \
         VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?8) \
         ON CONFLICT (account, key_id, provider, model, day) DO UPDATE SET \
             requests = requests + 1, \
             failures = failures + excluded.failures, \
             input_tokens = input_tokens + excluded.input_tokens, \
             output_tokens = output_tokens + excluded.output_tokens",
        params![
            request.account,
            request.key_id,
            request.provider,
            request.model,
            request.day,
            request.failed,
            request.input_tokens,
            request.output_tokens,
        ],
    )?;
    Ok(())
}

/// Rows of `account` from `since` (`YYYY-MM-DD`, inclusive) on, for one stored key id (`""` =
/// Taskly) or all; newest day first, then by key, provider and model.
pub(crate) fn rows(
    conn: &Connection,
    account: &str,
    key_id: Option<&str>,
    since: &str,
) -> Result<Vec<Daily>> {
    const COLUMNS: &str =
        "day, key_id, provider, model, requests, failures, input_tokens, output_tokens";
    const ORDER: &str = "ORDER BY day DESC, key_id, provider, model";
    let mut rows = Vec::new();
    let mut push = |row: &Row<'_>| -> rusqlite::Result<()> {
        if let Some(row) = read_row(row)? {
            rows.push(row);
        }
        Ok(())
    };
    match key_id {
        None => {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM usage_daily WHERE account = ?1 AND day >= ?2 {ORDER}"
            ))?;
            let mut found = stmt.query(params![account, since])?;
            while let Some(row) = found.next()? {
                push(row)?;
            }
        }
        Some(key) => {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM usage_daily \
                 WHERE account = ?1 AND key_id = ?2 AND day >= ?3 {ORDER}"
            ))?;
            let mut found = stmt.query(params![account, key, since])?;
            while let Some(row) = found.next()? {
                push(row)?;
            }
        }
    }
    Ok(rows)
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<Option<Daily>> {
    let provider: String = row.get(2)?;
    let Ok(provider) = provider.parse::<ProviderId>() else {
        // Only a newer Taskly with more providers writes such a row; its cost is unknown anyway.
        tracing::warn!(%provider, "usage row for an unknown provider skipped");
        return Ok(None);
    };
    let count = |i: usize| -> rusqlite::Result<u64> {
        Ok(u64::try_from(row.get::<_, i64>(i)?).unwrap_or(0))
    };
    let key_id: String = row.get(1)?;
    let model: String = row.get(3)?;
    let (input_tokens, output_tokens) = (count(6)?, count(7)?);
    Ok(Some(Daily {
        day: row.get(0)?,
        key_id,
        provider,
        model,
        requests: count(4)?,
        failures: count(5)?,
        input_tokens,
        output_tokens,
    }))
}
