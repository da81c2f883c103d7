//! The `key_budgets` table: each key's spending limits, one row per key, scoped by account.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::Result;

/// A key's limits in USD as stored; `None` is no limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Limits {
    pub(crate) daily_soft_usd: Option<f64>,
    pub(crate) daily_hard_usd: Option<f64>,
    pub(crate) monthly_soft_usd: Option<f64>,
    pub(crate) monthly_hard_usd: Option<f64>,
}

/// Deletes the key's limits (also those of a key removed since).
pub(crate) fn delete(tx: &Transaction<'_>, key_id: &str, account: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM key_budgets WHERE key_id = ?1 AND account = ?2",
        params![key_id, account],
    )?;
    Ok(())
}

/// Stores the key's limits, replacing any. The WHERE keeps another account's row (same id)
/// untouched, whatever happens.
pub(crate) fn upsert(
    tx: &Transaction<'_>,
    key_id: &str,
    account: &str,
    limits: &Limits,
) -> Result<()> {
    tx.execute(
        "INSERT INTO key_budgets (key_id, account, daily_soft_usd, daily_hard_usd, \
             monthly_soft_usd, monthly_hard_usd) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (key_id) DO UPDATE SET \
             daily_soft_usd = excluded.daily_soft_usd, \
             daily_hard_usd = excluded.daily_hard_usd, \
             monthly_soft_usd = excluded.monthly_soft_usd, \
             monthly_hard_usd = excluded.monthly_hard_usd \
         WHERE key_budgets.account = excluded.account",
        params![
            key_id,
            account,
            limits.daily_soft_usd,
            limits.daily_hard_usd,
            limits.monthly_soft_usd,
            limits.monthly_hard_usd,
        ],
    )?;
    Ok(())
}

/// The key's limits, or `None` when none are stored.
pub(crate) fn get(conn: &Connection, account: &str, key_id: &str) -> Result<Option<Limits>> {
    Ok(conn
        .query_row(
            "SELECT daily_soft_usd, daily_hard_usd, monthly_soft_usd, monthly_hard_usd \
             FROM key_budgets WHERE key_id = ?1 AND account = ?2",
            params![key_id, account],
            |r| {
                Ok(Limits {
                    daily_soft_usd: r.get(0)?,
                    daily_hard_usd: r.get(1)?,
                    monthly_soft_usd: r.get(2)?,
                    monthly_hard_usd: r.get(3)?,
                })
            },
        )
        .optional()?)
}
