//! What front ends ask the core for beyond keys and chat, scoped to the vault's account: the
//! account's settings, its usage and its keys' budgets. The CLI and the app call these; they
//! never take the database or the account out of the vault to hand them back in.

use crate::usage::budget::{self, Budget};
use crate::usage::{self, UsageRow};
use crate::{Result, Vault, settings};

/// The most days a usage report covers.
pub const MAX_REPORT_DAYS: u32 = 366;

/// The account's settings.
#[derive(Debug, Clone, Copy)]
pub struct AccountSettings<'a> {
    vault: &'a Vault,
}

impl AccountSettings<'_> {
    /// Whether Taskly may answer when a personal key fails (off unless the user said so).
    pub async fn fallback_to_taskly(&self) -> Result<bool> {
        settings::fallback_to_taskly(self.vault.db(), self.vault.account().as_str()).await
    }

    /// Switches that fallback on or off.
    pub async fn set_fallback_to_taskly(&self, on: bool) -> Result<()> {
        settings::set_fallback_to_taskly(self.vault.db(), self.vault.account().as_str(), on).await
    }
}

/// A usage report: requests and tokens per key and day since `since`.
#[derive(Debug, Clone)]
pub struct UsageReport {
    /// The first day covered (`YYYY-MM-DD`).
    pub since: String,
    /// Newest day first.
    pub rows: Vec<UsageRow>,
}

/// What the account's keys spent, and their budgets.
#[derive(Debug, Clone, Copy)]
pub struct AccountUsage<'a> {
    vault: &'a Vault,
}

impl AccountUsage<'_> {
    /// The last `days` days, today included (1 to [`MAX_REPORT_DAYS`]; 0 counts as 1).
    pub async fn report(&self, days: u32) -> Result<UsageReport> {
        let since = usage::days_ago(days.clamp(1, MAX_REPORT_DAYS) - 1);
        let rows = usage::report(self.vault.db(), self.vault.account().as_str(), &since).await?;
        Ok(UsageReport { since, rows })
    }

    /// The newest `count` receipts (what each request cost and why it took its route), newest
    /// first; at most [`crate::db::receipts::KEEP`] are kept.
    pub async fn requests(&self, count: u32) -> Result<Vec<crate::chat::receipt::Receipt>> {
        let account = self.vault.account().as_str().to_owned();
        let count = count.clamp(1, crate::db::receipts::KEEP as u32);
        let stored = self
            .vault
            .db()
            .call(move |conn| crate::db::receipts::recent(conn, &account, count))
            .await?;
        // A receipt this build cannot read (written by a newer one) is left out, not an error.
        Ok(stored
            .iter()
            .filter_map(|json| serde_json::from_str(json).ok())
            .collect())
    }

    /// Key `key_id`'s budget (no limits when none was set).
    pub async fn budget(&self, key_id: &str) -> Result<Budget> {
        budget::get_budget(self.vault.db(), self.vault.account().as_str(), key_id).await
    }

    /// Sets key `key_id`'s budget (`Budget::default()` clears it).
    pub async fn set_budget(&self, key_id: &str, budget: Budget) -> Result<()> {
        budget::set_budget(
            self.vault.db(),
            self.vault.account().as_str(),
            key_id,
            budget,
        )
        .await
    }
}

impl Vault {
    /// The account's settings.
    pub fn settings(&self) -> AccountSettings<'_> {
        AccountSettings { vault: self }
    }

    /// The account's usage and budgets.
    pub fn usage(&self) -> AccountUsage<'_> {
        AccountUsage { vault: self }
    }
}
