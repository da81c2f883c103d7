//! The `key_rests` table: why a key is not used for now (failover, issue 13). A rest ends at
//! `until` (rate limits, quota until the next day) or when the key is checked again (`until`
//! NULL: quota, invalid); a successful answer or check clears it.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::Result;
use crate::time_fmt::rfc3339;

/// Why a key rests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum RestCause {
    /// The provider asked us to wait.
    RateLimited,
    /// Out of quota or credit.
    Quota,
    /// Refused as invalid or revoked (401/403).
    Invalid,
}

impl RestCause {
    fn as_str(self) -> &'static str {
        match self {
            RestCause::RateLimited => "rate_limited",
            RestCause::Quota => "quota",
            RestCause::Invalid => "invalid",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "rate_limited" => Some(RestCause::RateLimited),
            "quota" => Some(RestCause::Quota),
            "invalid" => Some(RestCause::Invalid),
            _ => None,
        }
    }
}

/// A key's rest, as front ends show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Rest {
    /// Why.
    pub cause: RestCause,
    /// Until when (RFC 3339); `None`: until the key is checked again.
    pub until: Option<String>,
    /// Seconds left, when it ends at a time.
    pub seconds_left: Option<u64>,
    /// What happened, in our words.
    pub note: Option<String>,
}

/// A rest as stored, for routing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredRest {
    pub key_id: String,
    pub cause: RestCause,
    pub until: Option<i64>,
}

/// The rest the row's columns describe, if it has not ended by `now`.
pub(crate) fn from_columns(
    cause: Option<String>,
    until: Option<i64>,
    note: Option<String>,
    now: i64,
) -> Option<Rest> {
    let cause = RestCause::parse(cause.as_deref()?)?;
    if until.is_some_and(|u| u <= now) {
        return None;
    }
    Some(Rest {
        cause,
        until: until.map(rfc3339),
        seconds_left: until.map(|u| u64::try_from(u - now).unwrap_or(0)),
        note,
    })
}

/// Rests key `id` of `account` for `cause` until `until` (NULL: until checked again).
pub(crate) fn set(
    conn: &Connection,
    account: &str,
    id: &str,
    cause: RestCause,
    until: Option<i64>,
    note: Option<&str>,
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO key_rests (key_id, account, cause, until, since, note) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (key_id) DO UPDATE SET cause = excluded.cause, until = excluded.until, \
             since = excluded.since, note = excluded.note",
        params![id, account, cause.as_str(), until, now, note],
    )?;
    Ok(())
}

/// Ends key `id`'s rest; whether it had one.
pub(crate) fn clear(conn: &Connection, account: &str, id: &str) -> Result<bool> {
    Ok(conn.execute(
        "DELETE FROM key_rests WHERE key_id = ?1 AND account = ?2",
        params![id, account],
    )? > 0)
}

/// The account's rests that have not ended by `now`.
pub(crate) fn current(conn: &Connection, account: &str, now: i64) -> Result<Vec<StoredRest>> {
    let mut stmt = conn.prepare_cached(
        "SELECT key_id, cause, until FROM key_rests \
         WHERE account = ?1 AND (until IS NULL OR until > ?2)",
    )?;
    let rows = stmt.query_map(params![account, now], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<i64>>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (key_id, cause, until) = row?;
        if let Some(cause) = RestCause::parse(&cause) {
            out.push(StoredRest {
                key_id,
                cause,
                until,
            });
        }
    }
    Ok(out)
}
