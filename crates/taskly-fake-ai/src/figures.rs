//! The spend figures a provider itself reports for a key, in the real shapes: OpenRouter's
//! `GET /api/v1/key` (usage and limit) and DeepSeek's `GET /user/balance` (balance).

use serde_json::{Value, json};

/// What OpenRouter's `GET /api/v1/key` says about every key the fake accepts. Amounts are
/// OpenRouter credits, which are US dollars.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenRouterKey {
    /// Credits used, all time.
    pub usage: f64,
    /// Credits used in the current UTC day.
    pub usage_daily: f64,
    /// Credits used in the current UTC week (from Monday).
    pub usage_weekly: f64,
    /// Credits used in the current UTC month.
    pub usage_monthly: f64,
    /// The key's credit limit; `None`: unlimited (`"limit": null`).
    pub limit: Option<f64>,
    /// How the limit resets: `"daily"`, `"weekly"`, `"monthly"`, or `None` (never).
    pub limit_reset: Option<String>,
    /// Whether the account has never paid for credits.
    pub is_free_tier: bool,
}

impl Default for OpenRouterKey {
    /// A paid key with a $10 limit of which $3.21 is spent, 12 cents of it today.
    fn default() -> Self {
        Self {
            usage: 3.21,
            usage_daily: 0.12,
            usage_weekly: 1.05,
            usage_monthly: 3.21,
            limit: Some(10.0),
            limit_reset: None,
            is_free_tier: false,
        }
    }
}

impl OpenRouterKey {
    /// What is left of the limit: the limit less what was used in its period (all time when it
    /// never resets), never below zero; `None` when there is no limit.
    pub fn limit_remaining(&self) -> Option<f64> {
        let used = match self.limit_reset.as_deref() {
            Some("daily") => self.usage_daily,
            Some("weekly") => self.usage_weekly,
            Some("monthly") => self.usage_monthly,
            _ => self.usage,
        };
        self.limit.map(|limit| (limit - used).max(0.0))
    }
}

/// What DeepSeek's `GET /user/balance` says for every key the fake accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeepSeekBalance {
    /// Whether the balance can pay for API calls.
    pub is_available: bool,
    /// One entry per currency.
    pub balance_infos: Vec<BalanceInfo>,
}

/// One currency's balance, as DeepSeek writes it: decimal strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceInfo {
    /// `"CNY"` or `"USD"`.
    pub currency: String,
    /// Granted plus topped up, e.g. `"110.00"`.
    pub total_balance: String,
    /// Given by DeepSeek (e.g. a promotion).
    pub granted_balance: String,
    /// Paid for.
    pub topped_up_balance: String,
}

impl BalanceInfo {
    /// An entry from its four strings.
    pub fn new(currency: &str, total: &str, granted: &str, topped_up: &str) -> Self {
        Self {
            currency: currency.to_owned(),
            total_balance: total.to_owned(),
            granted_balance: granted.to_owned(),
            topped_up_balance: topped_up.to_owned(),
        }
    }
}

impl Default for DeepSeekBalance {
    /// DeepSeek's documented example: 110.00 CNY, 10.00 of it granted.
    fn default() -> Self {
        Self {
            is_available: true,
            balance_infos: vec![BalanceInfo::new("CNY", "110.00", "10.00", "100.00")],
        }
    }
}

/// OpenRouter's answer for a key shown as `label` (the masked key, as OpenRouter shows it).
pub(crate) fn openrouter_key(figures: &OpenRouterKey, label: &str) -> Value {
    json!({"data": {
        "label": label,
        "limit": figures.limit,
        "limit_reset": figures.limit_reset,
        "limit_remaining": figures.limit_remaining(),
        "include_byok_in_limit": false,
        "usage": figures.usage,
        "usage_daily": figures.usage_daily,
        "usage_weekly": figures.usage_weekly,
        "usage_monthly": figures.usage_monthly,
        "byok_usage": 0,
        "byok_usage_daily": 0,
        "byok_usage_weekly": 0,
        "byok_usage_monthly": 0,
        "is_free_tier": figures.is_free_tier,
        "is_management_key": false,
        "is_provisioning_key": false,
        "creator_user_id": "user_fake0000000000000000000",
        "expires_at": null,
        "rate_limit": {
            "requests": 20,
            "interval": "10s",
            "note": "This field is deprecated and safe to ignore.",
        },
    }})
}

/// DeepSeek's answer.
pub(crate) fn deepseek_balance(figures: &DeepSeekBalance) -> Value {
    let infos: Vec<Value> = figures
        .balance_infos
        .iter()
        .map(|info| {
            json!({
                "currency": info.currency,
                "total_balance": info.total_balance,
                "granted_balance": info.granted_balance,
                "topped_up_balance": info.topped_up_balance,
            })
        })
        .collect();
    json!({"is_available": figures.is_available, "balance_infos": infos})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remaining_limit_counts_the_period_it_resets_in() {
        let mut key = OpenRouterKey::default();
        assert_eq!(key.limit_remaining(), Some(10.0 - 3.21));
        key.limit_reset = Some("daily".into());
        assert_eq!(key.limit_remaining(), Some(10.0 - 0.12));
        key.usage_daily = 12.0;
        assert_eq!(key.limit_remaining(), Some(0.0));
        key.limit = None;
        assert_eq!(key.limit_remaining(), None);
    }
}
