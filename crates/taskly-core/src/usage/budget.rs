//! Per-key spending limits on the estimated cost of local usage: soft ones warn, hard ones block.
//!
//! Spend is the estimated cost (see [`super::prices`]) of the key's usage today and this month,
//! in UTC. Requests to models without a known price count as nothing, so a budget can only be
//! as good as the price table; the check says nothing about them rather than guess.
//! [`check_before`] (and [`check_request`], which counts the request first) also adds the
//! worst case of the request about to be sent ([`super::estimate`]), so a hard limit refuses a
//! request that would pass it, not only the one after.

use rusqlite::{Connection, TransactionBehavior};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::estimate::{self, Estimate};
use super::{Totals, day_of, month_start_of, rows_in};
use crate::chat::ChatRequest;
use crate::db::{self, Db};
use crate::{Error, ProviderId, Result};

/// The `period` of a daily limit.
pub const DAILY: &str = "daily";
/// The `period` of a monthly limit.
pub const MONTHLY: &str = "monthly";

/// A key's limits in USD; `None` is no limit. Soft limits warn, hard limits refuse requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Budget {
    /// Warn once today's estimated spend reaches this.
    pub daily_soft_usd: Option<f64>,
    /// Refuse requests once today's estimated spend reaches this.
    pub daily_hard_usd: Option<f64>,
    /// Warn once this month's estimated spend reaches this.
    pub monthly_soft_usd: Option<f64>,
    /// Refuse requests once this month's estimated spend reaches this.
    pub monthly_hard_usd: Option<f64>,
}

impl Budget {
    /// Whether no limit is set.
    pub fn is_unlimited(&self) -> bool {
        *self == Self::default()
    }

    /// Checks the amounts: each finite and not negative, a soft limit not above the hard one.
    pub fn validate(&self) -> Result<()> {
        let fields = [
            ("daily_soft_usd", self.daily_soft_usd),
            ("daily_hard_usd", self.daily_hard_usd),
            ("monthly_soft_usd", self.monthly_soft_usd),
            ("monthly_hard_usd", self.monthly_hard_usd),
        ];
        for (name, value) in fields {
            if let Some(v) = value
                && !(v.is_finite() && v >= 0.0)
            {
                return Err(Error::InvalidConfig {
                    name,
                    reason: format!("{v} is not an amount in USD of 0 or more"),
                });
            }
        }
        let pairs = [
            (
                "daily_soft_usd",
                DAILY,
                self.daily_soft_usd,
                self.daily_hard_usd,
            ),
            (
                "monthly_soft_usd",
                MONTHLY,
                self.monthly_soft_usd,
                self.monthly_hard_usd,
            ),
        ];
        for (name, period, soft, hard) in pairs {
            if let (Some(soft), Some(hard)) = (soft, hard)
                && soft > hard
            {
                return Err(Error::InvalidConfig {
                    name,
                    reason: format!(
                        "the {period} soft limit (${soft:.2}) is above the {period} hard limit \
                         (${hard:.2}); the soft limit warns before the hard one blocks, so it \
                         must be lower or equal"
                    ),
                });
            }
        }
        Ok(())
    }
}

/// The outcome of a budget check that does not block the request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum BudgetCheck {
    /// No limit reached (or none set).
    Within,
    /// A soft limit is reached: warn, but send the request.
    SoftExceeded {
        /// [`DAILY`] or [`MONTHLY`].
        period: &'static str,
        /// Estimated spend in that period, USD.
        spent_usd: f64,
        /// The soft limit, USD.
        limit_usd: f64,
    },
}

/// Sets a key's limits; all `None` removes them. The key must be one of the account's keys.
pub async fn set_budget(db: &Db, account: &str, key_id: &str, budget: Budget) -> Result<()> {
    budget.validate()?;
    let (account, key_id) = (account.to_owned(), key_id.to_owned());
    db.call(move |conn| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if budget.is_unlimited() {
            // Also works for a key removed since: its leftover limits can still be cleared.
            db::budgets::delete(&tx, &key_id, &account)?;
        } else {
            let exists = db::keys::exists_active(&tx, &key_id, &account)?;
            if !exists {
                return Err(Error::KeyNotFound { id: key_id });
            }
            db::budgets::upsert(&tx, &key_id, &account, &budget.into())?;
        }
        tx.commit()?;
        Ok(())
    })
    .await
}

/// A key's limits ([`Budget::default`], no limit, when none are set).
pub async fn get_budget(db: &Db, account: &str, key_id: &str) -> Result<Budget> {
    let (account, key_id) = (account.to_owned(), key_id.to_owned());
    db.call(move |conn| budget_in(conn, &account, &key_id))
        .await
}

/// Checks a key's limits before a request: `Err(Error::BudgetExceeded)` when a hard limit is
/// reached, [`BudgetCheck::SoftExceeded`] when a soft one is.
///
/// When several limits are reached the monthly one is reported first: it is the one that
/// outlasts tomorrow, so "wait for the next day" would be wrong advice.
pub async fn check(db: &Db, account: &str, key_id: &str) -> Result<BudgetCheck> {
    let (account, key_id) = (account.to_owned(), key_id.to_owned());
    let now = OffsetDateTime::now_utc();
    db.call(move |conn| check_in(conn, &account, &key_id, now, None))
        .await
}

/// Checks a key's limits against the request about to be sent through it, before anything is
/// sent: `Err(Error::BudgetExceeded)`, its message carrying the estimate, when a hard limit is
/// reached or the spend so far plus the request's worst case (`estimate.worst_case_usd`) would
/// pass it; [`BudgetCheck::SoftExceeded`] (with the spend so far) the same way for a soft limit,
/// to be worded with [`BudgetCheck::warning`]. A request to an unpriced model adds nothing, so
/// only limits already reached apply to it.
pub async fn check_before(
    db: &Db,
    account: &str,
    key_id: &str,
    estimate: &Estimate,
) -> Result<BudgetCheck> {
    let (account, key_id, estimate) = (account.to_owned(), key_id.to_owned(), *estimate);
    let now = OffsetDateTime::now_utc();
    db.call(move |conn| check_in(conn, &account, &key_id, now, Some(&estimate)))
        .await
}

/// What [`check_request`] found: the check, and the estimate it was made with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preflight {
    /// Within the limits, or a soft one that the request reaches or would pass.
    pub check: BudgetCheck,
    /// The request's estimate; `None` when the key has no limits, as nothing is counted then.
    pub estimate: Option<Estimate>,
}

impl Preflight {
    /// The warnings to show before the answer (none, or the soft budget's).
    pub fn warnings(&self) -> Vec<String> {
        self.check
            .warning(self.estimate.as_ref())
            .into_iter()
            .collect()
    }
}

/// [`check_before`] for `request`, sent to `model` (resolved) at `provider` through `key_id`:
/// counts the request (off the async runtime) only when the key has limits, so a key without
/// them never loads a tokenizer.
pub async fn check_request(
    db: &Db,
    account: &str,
    key_id: &str,
    provider: ProviderId,
    model: &str,
    request: &ChatRequest,
) -> Result<Preflight> {
    if get_budget(db, account, key_id).await?.is_unlimited() {
        return Ok(Preflight {
            check: BudgetCheck::Within,
            estimate: None,
        });
    }
    let estimate = estimate::estimate_blocking(provider, model.to_owned(), request.clone()).await;
    let check = check_before(db, account, key_id, &estimate).await?;
    Ok(Preflight {
        check,
        estimate: Some(estimate),
    })
}

impl BudgetCheck {
    /// The warning to show for this outcome: `None` within the limits; for a soft limit, what
    /// was spent and, when the request is what would pass it, the request's estimate.
    pub fn warning(&self, estimate: Option<&Estimate>) -> Option<String> {
        let BudgetCheck::SoftExceeded {
            period,
            spent_usd,
            limit_usd,
        } = self
        else {
            return None;
        };
        let so_far = if *period == DAILY {
            "today"
        } else {
            "this month"
        };
        Some(match estimate {
            Some(estimate) if spent_usd < limit_usd => format!(
                "{}, which would pass this key's {period} soft budget of ${limit_usd:.2} (about \
                 ${spent_usd:.2} spent {so_far}). It is sent anyway: a soft budget only warns.",
                estimate.describe()
            ),
            _ => format!(
                "This key has spent about ${spent_usd:.2} of its {period} soft budget of \
                 ${limit_usd:.2}."
            ),
        })
    }
}

fn check_in(
    conn: &mut Connection,
    account: &str,
    key_id: &str,
    now: OffsetDateTime,
    estimate: Option<&Estimate>,
) -> Result<BudgetCheck> {
    // One read transaction: the limits and the spend come from the same snapshot.
    let tx = conn.transaction()?;
    let budget = budget_in(&tx, account, key_id)?;
    if budget.is_unlimited() {
        return Ok(BudgetCheck::Within);
    }
    // Today and the month start from the same instant, so midnight cannot fall between them.
    let (today, month_start) = (day_of(now), month_start_of(now));
    let rows = rows_in(&tx, account, Some(key_id), &month_start)?;
    let month = Totals::of(&rows).estimated_cost_usd;
    let day = Totals::of(rows.iter().filter(|r| r.day == today)).estimated_cost_usd;
    tx.finish()?;
    evaluate(key_id, &budget, day, month, estimate)
}

/// The key's limits, [`Budget::default`] (no limit) when none are stored.
fn budget_in(conn: &Connection, account: &str, key_id: &str) -> Result<Budget> {
    Ok(db::budgets::get(conn, account, key_id)?
        .map(Budget::from)
        .unwrap_or_default())
}

impl From<db::budgets::Limits> for Budget {
    fn from(l: db::budgets::Limits) -> Self {
        Self {
            daily_soft_usd: l.daily_soft_usd,
            daily_hard_usd: l.daily_hard_usd,
            monthly_soft_usd: l.monthly_soft_usd,
            monthly_hard_usd: l.monthly_hard_usd,
        }
    }
}

impl From<Budget> for db::budgets::Limits {
    fn from(b: Budget) -> Self {
        Self {
            daily_soft_usd: b.daily_soft_usd,
            daily_hard_usd: b.daily_hard_usd,
            monthly_soft_usd: b.monthly_soft_usd,
            monthly_hard_usd: b.monthly_hard_usd,
        }
    }
}

/// A limit is reached when the spend is at or above it; with an estimate, also when the spend
/// plus the request's worst case would pass it (an unpriced request adds nothing, as its usage
/// will not either).
fn evaluate(
    key_id: &str,
    budget: &Budget,
    day: f64,
    month: f64,
    estimate: Option<&Estimate>,
) -> Result<BudgetCheck> {
    let worst = estimate.and_then(|e| e.worst_case_usd).unwrap_or(0.0);
    let reached =
        |limit: Option<f64>, spent: f64| limit.filter(|l| spent >= *l || spent + worst > *l);
    let hard = [
        (MONTHLY, budget.monthly_hard_usd, month),
        (DAILY, budget.daily_hard_usd, day),
    ];
    for (period, limit, spent) in hard {
        if let Some(limit_usd) = reached(limit, spent) {
            return Err(Error::BudgetExceeded {
                key_id: key_id.to_owned(),
                period,
                spent_usd: spent,
                limit_usd,
                estimate: estimate.map(|e| Box::new(*e)),
            });
        }
    }
    let soft = [
        (MONTHLY, budget.monthly_soft_usd, month),
        (DAILY, budget.daily_soft_usd, day),
    ];
    for (period, limit, spent) in soft {
        if let Some(limit_usd) = reached(limit, spent) {
            return Ok(BudgetCheck::SoftExceeded {
                period,
                spent_usd: spent,
                limit_usd,
            });
        }
    }
    Ok(BudgetCheck::Within)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::prices::estimate;
    use crate::usage::tests::{event, insert_key, record_on, temp_db};
    use crate::{ErrorCode, ProviderId};

    fn budget(ds: Option<f64>, dh: Option<f64>, ms: Option<f64>, mh: Option<f64>) -> Budget {
        Budget {
            daily_soft_usd: ds,
            daily_hard_usd: dh,
            monthly_soft_usd: ms,
            monthly_hard_usd: mh,
        }
    }

    #[tokio::test]
    async fn set_get_and_remove() {
        let (_dir, db) = temp_db().await;
        insert_key(&db, "local", "k_1").await;
        assert_eq!(
            get_budget(&db, "local", "k_1").await.expect("get"),
            Budget::default()
        );
        let b = budget(Some(1.0), Some(2.0), None, Some(20.0));
        set_budget(&db, "local", "k_1", b).await.expect("set");
        assert_eq!(get_budget(&db, "local", "k_1").await.expect("get"), b);
        // Another account does not see it, nor can it set limits on a key it does not have.
        assert_eq!(
            get_budget(&db, "other", "k_1").await.expect("get"),
            Budget::default()
        );
        assert!(matches!(
            set_budget(&db, "other", "k_1", b).await,
            Err(Error::KeyNotFound { .. })
        ));
        assert!(matches!(
            set_budget(&db, "local", "k_nope", b).await,
            Err(Error::KeyNotFound { .. })
        ));
        set_budget(&db, "local", "k_1", Budget::default())
            .await
            .expect("remove");
        assert_eq!(
            get_budget(&db, "local", "k_1").await.expect("get"),
            Budget::default()
        );
        assert_eq!(
            check(&db, "local", "k_1").await.expect("check"),
            BudgetCheck::Within
        );
    }

    #[tokio::test]
    async fn invalid_budgets_are_refused_with_a_reason() {
        let (_dir, db) = temp_db().await;
        insert_key(&db, "local", "k_1").await;
        let bad = [
            budget(Some(-1.0), None, None, None),
            budget(None, Some(f64::NAN), None, None),
            budget(None, None, Some(f64::INFINITY), None),
            budget(Some(3.0), Some(2.0), None, None),
            budget(None, None, Some(30.0), Some(20.0)),
        ];
        for b in bad {
            let err = set_budget(&db, "local", "k_1", b)
                .await
                .expect_err("refused");
            assert_eq!(err.code(), ErrorCode::InvalidConfig, "{b:?}");
            assert!(err.to_string().contains("_usd"), "{err}");
        }
        // Equal soft and hard, zero, and a soft limit alone are fine.
        for ok in [
            budget(Some(2.0), Some(2.0), None, None),
            budget(None, Some(0.0), None, None),
            budget(None, None, Some(5.0), None),
        ] {
            set_budget(&db, "local", "k_1", ok).await.expect("accepted");
        }
        let json = r#"{"daily_hard_usd": 5, "monthly_soft_usd": null}"#;
        let parsed: Budget = serde_json::from_str(json).expect("partial JSON");
        assert_eq!(parsed, budget(None, Some(5.0), None, None));
        assert!(serde_json::from_str::<Budget>(r#"{"daily_hard": 5}"#).is_err());
    }

    #[test]
    fn limits_are_reached_at_equality() {
        let b = budget(Some(1.0), Some(2.0), Some(10.0), Some(20.0));
        assert_eq!(
            evaluate("k", &b, 0.99, 9.99, None).expect("ok"),
            BudgetCheck::Within
        );
        assert_eq!(
            evaluate("k", &b, 1.0, 5.0, None).expect("ok"),
            BudgetCheck::SoftExceeded {
                period: DAILY,
                spent_usd: 1.0,
                limit_usd: 1.0
            }
        );
        // Both soft limits reached: the monthly one is reported.
        assert!(matches!(
            evaluate("k", &b, 1.5, 10.0, None),
            Ok(BudgetCheck::SoftExceeded {
                period: MONTHLY,
                ..
            })
        ));
        assert!(matches!(
            evaluate("k", &b, 2.0, 10.0, None),
            Err(Error::BudgetExceeded { period: DAILY, .. })
        ));
        // Both hard limits reached: the monthly one, which tomorrow does not lift.
        match evaluate("k", &b, 3.0, 20.0, None) {
            Err(Error::BudgetExceeded {
                key_id,
                period,
                spent_usd,
                limit_usd,
                estimate: None,
            }) => {
                assert_eq!((key_id.as_str(), period), ("k", MONTHLY));
                assert_eq!((spent_usd, limit_usd), (20.0, 20.0));
            }
            other => panic!("expected the monthly hard limit, got {other:?}"),
        }
        // A hard limit of 0 blocks the key outright.
        assert!(evaluate("k", &budget(None, Some(0.0), None, None), 0.0, 0.0, None).is_err());
        assert_eq!(
            evaluate("k", &Budget::default(), 1e9, 1e9, None).expect("ok"),
            BudgetCheck::Within
        );
    }

    #[tokio::test]
    async fn spend_is_today_and_this_month_of_that_key_only() {
        let (_dir, db) = temp_db().await;
        insert_key(&db, "local", "k_1").await;
        let now = time::macros::datetime!(2020-03-15 12:00 UTC);
        let big = |key| event(Some(key), "gpt-4o", 1_000_000, 0); // $2.50 each
        let one = estimate(ProviderId::Openai, "gpt-4o", 1_000_000, 0).expect("priced");
        record_on(&db, big("k_1"), "2020-03-15").await;
        record_on(&db, big("k_1"), "2020-03-02").await;
        record_on(&db, big("k_1"), "2020-02-28").await; // last month: not counted
        record_on(&db, big("k_2"), "2020-03-15").await; // another key: not counted
        record_on(
            &db,
            event(Some("k_1"), "unknown-model", 9_000_000, 9_000_000),
            "2020-03-15",
        )
        .await;

        let checked = |b: Budget| {
            let db = db.clone();
            async move {
                set_budget(&db, "local", "k_1", b).await.expect("set");
                db.call(move |conn| check_in(conn, "local", "k_1", now, None))
                    .await
            }
        };
        // Daily spend is one request, monthly two; the unknown model counts as nothing.
        assert_eq!(
            checked(budget(Some(one * 1.01), None, Some(2.0 * one * 1.01), None))
                .await
                .expect("ok"),
            BudgetCheck::Within
        );
        assert_eq!(
            checked(budget(Some(one), None, None, None))
                .await
                .expect("ok"),
            BudgetCheck::SoftExceeded {
                period: DAILY,
                spent_usd: one,
                limit_usd: one
            }
        );
        match checked(budget(None, None, None, Some(2.0 * one))).await {
            Err(Error::BudgetExceeded {
                period, spent_usd, ..
            }) => {
                assert_eq!(period, MONTHLY);
                assert!((spent_usd - 2.0 * one).abs() < 1e-9);
            }
            other => panic!("expected the monthly hard limit, got {other:?}"),
        }
        assert!(
            checked(budget(None, Some(one * 1.01), None, Some(100.0)))
                .await
                .is_ok()
        );
        // The public check runs on the real clock: today's usage there is nothing.
        set_budget(&db, "local", "k_1", budget(None, Some(1.0), None, None))
            .await
            .expect("set");
        assert_eq!(
            check(&db, "local", "k_1").await.expect("ok"),
            BudgetCheck::Within
        );
    }

    fn worst(usd: Option<f64>) -> Estimate {
        Estimate {
            input_tokens: 55_012,
            max_output_tokens: 4096,
            exact_input: true,
            worst_case_usd: usd,
        }
    }

    #[test]
    fn a_request_that_would_pass_a_hard_limit_is_refused_with_its_estimate() {
        let b = budget(None, Some(0.01), None, None);
        let e = worst(Some(0.0107));
        let err = evaluate("k_test", &b, 0.0, 0.0, Some(&e)).expect_err("refused");
        assert_eq!(err.code(), ErrorCode::BudgetExceeded);
        let message = err.to_string();
        for part in [
            "This request could cost up to $0.0107 (55,012 tokens in, up to 4,096 out)",
            "would pass the daily hard budget of $0.01 for key k_test",
            "about $0.00 spent today",
            "nothing was sent",
        ] {
            assert!(message.contains(part), "{part:?} in {message}");
        }
        assert_eq!(err.payload().message, message);
        match err {
            Error::BudgetExceeded {
                estimate: Some(carried),
                spent_usd,
                ..
            } => {
                assert_eq!(*carried, e);
                assert_eq!(spent_usd, 0.0, "the spend before this request");
            }
            other => panic!("expected the estimate, got {other:?}"),
        }
        // Spend so far and the request add up.
        assert!(evaluate("k", &b, 0.005, 0.005, Some(&worst(Some(0.006)))).is_err());
        // A request that only reaches the limit may go; the next one is refused.
        assert_eq!(
            evaluate("k", &b, 0.0, 0.0, Some(&worst(Some(0.01)))).expect("ok"),
            BudgetCheck::Within
        );
        assert!(evaluate("k", &b, 0.01, 0.01, Some(&worst(Some(0.0)))).is_err());
        // An estimated input reads "about".
        let estimated = Estimate {
            exact_input: false,
            ..e
        };
        let err = evaluate("k", &b, 0.0, 0.0, Some(&estimated)).expect_err("refused");
        assert!(err.to_string().contains("(about 55,012 tokens in"), "{err}");
    }

    #[test]
    fn the_monthly_limit_and_a_used_up_budget_keep_their_reasons() {
        let b = budget(None, Some(1.0), None, Some(10.0));
        let e = worst(Some(0.5));
        // Both would be passed: the monthly one is reported, as in the plain check.
        let err = evaluate("k", &b, 0.6, 9.6, Some(&e)).expect_err("refused");
        assert!(matches!(
            err,
            Error::BudgetExceeded {
                period: MONTHLY,
                ..
            }
        ));
        let message = err.to_string();
        assert!(
            message.contains("monthly hard budget of $10.00"),
            "{message}"
        );
        assert!(
            message.contains("about $9.60 spent this month"),
            "{message}"
        );
        assert!(message.contains("next month"), "{message}");
        // Already used up: that is the reason given, whatever the request costs.
        let err = evaluate("k", &b, 1.0, 1.0, Some(&e)).expect_err("refused");
        let message = err.to_string();
        assert!(message.contains("is used up"), "{message}");
        assert!(!message.contains("could cost"), "{message}");
    }

    #[test]
    fn an_unpriced_request_meets_only_limits_already_reached() {
        let b = budget(Some(0.005), Some(0.01), None, None);
        let unpriced = worst(None);
        assert_eq!(
            evaluate("k", &b, 0.004, 0.004, Some(&unpriced)).expect("ok"),
            BudgetCheck::Within
        );
        assert!(evaluate("k", &b, 0.01, 0.01, Some(&unpriced)).is_err());
        // Without an estimate the check is the plain one.
        assert_eq!(
            evaluate("k", &b, 0.004, 0.004, None).expect("ok"),
            evaluate("k", &b, 0.004, 0.004, Some(&worst(Some(0.0)))).expect("ok"),
        );
    }

    #[test]
    fn a_soft_limit_warns_before_sending_with_the_estimate() {
        let b = budget(Some(1.0), None, None, None);
        let e = worst(Some(0.04));
        let check = evaluate("k", &b, 0.98, 0.98, Some(&e)).expect("sent");
        assert_eq!(
            check,
            BudgetCheck::SoftExceeded {
                period: DAILY,
                spent_usd: 0.98,
                limit_usd: 1.0
            }
        );
        let warning = check.warning(Some(&e)).expect("a warning");
        for part in [
            "This request could cost up to $0.04 (55,012 tokens in, up to 4,096 out)",
            "would pass this key's daily soft budget of $1.00",
            "about $0.98 spent today",
        ] {
            assert!(warning.contains(part), "{part:?} in {warning}");
        }
        // Without the estimate, or once reached, the plain warning.
        assert_eq!(
            check.warning(None).as_deref(),
            Some("This key has spent about $0.98 of its daily soft budget of $1.00.")
        );
        let reached = evaluate("k", &b, 1.2, 1.2, Some(&e)).expect("sent");
        assert!(
            reached
                .warning(Some(&e))
                .is_some_and(|w| w.starts_with("This key has spent about $1.20")),
            "{reached:?}"
        );
        assert_eq!(
            evaluate("k", &b, 0.5, 0.5, Some(&e))
                .expect("sent")
                .warning(Some(&e)),
            None
        );
        assert_eq!(
            Preflight {
                check,
                estimate: Some(e)
            }
            .warnings()
            .len(),
            1
        );
    }

    #[tokio::test]
    async fn check_before_adds_the_request_to_the_spend_in_the_database() {
        let (_dir, db) = temp_db().await;
        insert_key(&db, "local", "k_1").await;
        let now = time::macros::datetime!(2020-03-15 12:00 UTC);
        let one = estimate(ProviderId::Openai, "gpt-4o", 1_000_000, 0).expect("priced");
        record_on(
            &db,
            event(Some("k_1"), "gpt-4o", 1_000_000, 0),
            "2020-03-15",
        )
        .await;
        set_budget(
            &db,
            "local",
            "k_1",
            budget(None, Some(one + 0.1), None, None),
        )
        .await
        .expect("set");
        let checked = |usd: f64| {
            let db = db.clone();
            async move {
                db.call(move |conn| check_in(conn, "local", "k_1", now, Some(&worst(Some(usd)))))
                    .await
            }
        };
        assert_eq!(checked(0.05).await.expect("ok"), BudgetCheck::Within);
        match checked(0.2).await {
            Err(Error::BudgetExceeded {
                spent_usd,
                estimate: Some(_),
                ..
            }) => assert!((spent_usd - one).abs() < 1e-9),
            other => panic!("expected a refusal, got {other:?}"),
        }

        // The public forms, on the real clock (nothing spent today there).
        set_budget(&db, "local", "k_1", budget(None, Some(0.01), None, None))
            .await
            .expect("set");
        assert!(
            check_before(&db, "local", "k_1", &worst(Some(0.02)))
                .await
                .is_err()
        );
        assert_eq!(
            check_before(&db, "local", "k_1", &worst(Some(0.001)))
                .await
                .expect("ok"),
            BudgetCheck::Within
        );
    }

    #[tokio::test]
    async fn check_request_counts_only_for_a_key_with_limits() {
        use crate::chat::{Message, Role};
        let (_dir, db) = temp_db().await;
        insert_key(&db, "local", "k_1").await;
        let long = ChatRequest {
            provider: ProviderId::Openai,
            model: None,
            messages: vec![Message {
                role: Role::User,
                content: "All work and no play makes Jack a dull boy. ".repeat(10_000),
            }],
            max_tokens: None,
            allow_secrets: false,
        };
        let short = ChatRequest::ask(ProviderId::Openai, "Hello?");
        let run = |request: &ChatRequest| {
            let (db, request) = (db.clone(), request.clone());
            async move {
                check_request(
                    &db,
                    "local",
                    "k_1",
                    ProviderId::Openai,
                    "gpt-4o-mini",
                    &request,
                )
                .await
            }
        };
        // No limits: nothing is counted.
        assert_eq!(
            run(&long).await.expect("ok"),
            Preflight {
                check: BudgetCheck::Within,
                estimate: None
            }
        );
        // The issue's "done when": a hard budget of $0.01 refuses a long request before
        // anything is sent, with the estimate.
        set_budget(&db, "local", "k_1", budget(None, Some(0.01), None, None))
            .await
            .expect("set");
        let err = run(&long).await.expect_err("refused");
        let message = err.to_string();
        assert!(
            message.contains("This request could cost up to $0.0"),
            "{message}"
        );
        assert!(message.contains("nothing was sent"), "{message}");
        let fine = run(&short).await.expect("sent");
        assert_eq!(fine.check, BudgetCheck::Within);
        let e = fine.estimate.expect("counted");
        assert!(e.exact_input && e.worst_case_usd.is_some(), "{e:?}");
        assert!(fine.warnings().is_empty());
    }
}
