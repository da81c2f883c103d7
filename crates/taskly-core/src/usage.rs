//! Local usage accounting: requests, failures and tokens per key, model and UTC day.
//!
//! Counts live in the local SQLite database (`usage_daily`) and nothing about usage ever leaves
//! the machine: not to providers, not to Taskly. Costs are estimates worked out when read, from
//! the price table in [`prices`], so correcting a price also corrects past estimates. Requests
//! sent through the Taskly proxy are counted with no key id.

pub mod budget;
pub mod estimate;
pub mod prices;

use rusqlite::{Connection, TransactionBehavior};
use serde::Serialize;
use time::OffsetDateTime;

use crate::db::{self, Db};
use crate::{Error, ProviderId, Result};

/// The `key_id` stored for requests that went through Taskly rather than a personal key.
const THROUGH_TASKLY: &str = "";

/// The longest model id kept, in characters: model ids come from user input and must not
/// bloat a table that has one row per model and day.
const MAX_MODEL_CHARS: usize = 200;

/// The most tokens counted for one request. No real request comes near it; a larger figure is
/// a bug upstream and must not push a day's sum past SQLite's 64-bit integers.
const MAX_TOKENS_PER_REQUEST: u64 = 1 << 32;

/// One finished chat request (successful or not), as the chat layer reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageEvent {
    /// The Taskly account.
    pub account: String,
    /// The personal key used; `None` when the request went through Taskly.
    pub key_id: Option<String>,
    /// The provider that served (or refused) the request.
    pub provider: ProviderId,
    /// The model asked for.
    pub model: String,
    /// Prompt tokens, as the provider counted them (0 when unknown).
    pub input_tokens: u64,
    /// Answer tokens, as the provider counted them (0 when unknown).
    pub output_tokens: u64,
    /// Whether the request succeeded.
    pub succeeded: bool,
}

/// Usage of one key and model on one UTC day.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct UsageRow {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    /// The personal key; `None` for requests through Taskly. The key may since have been removed.
    pub key_id: Option<String>,
    /// The provider.
    pub provider: ProviderId,
    /// The model.
    pub model: String,
    /// Requests, failed ones included.
    pub requests: u64,
    /// Requests that failed.
    pub failures: u64,
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Answer tokens.
    pub output_tokens: u64,
    /// Estimated cost in USD from list prices; `None` when the model's price is unknown.
    pub estimated_cost_usd: Option<f64>,
}

/// Sums over usage rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Requests, failed ones included.
    pub requests: u64,
    /// Requests that failed.
    pub failures: u64,
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Answer tokens.
    pub output_tokens: u64,
    /// Estimated cost in USD of the requests whose model has a known price.
    pub estimated_cost_usd: f64,
    /// Requests whose model has no known price (not in `estimated_cost_usd`).
    pub unpriced_requests: u64,
}

impl Totals {
    /// The sums of `rows`.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a UsageRow>) -> Self {
        rows.into_iter().fold(Self::default(), |mut t, row| {
            t.requests = t.requests.saturating_add(row.requests);
            t.failures = t.failures.saturating_add(row.failures);
            t.input_tokens = t.input_tokens.saturating_add(row.input_tokens);
            t.output_tokens = t.output_tokens.saturating_add(row.output_tokens);
            match row.estimated_cost_usd {
                Some(cost) => t.estimated_cost_usd += cost,
                None => t.unpriced_requests = t.unpriced_requests.saturating_add(row.requests),
            }
            t
        })
    }
}

/// Counts one request for today (UTC) and, for a personal key, marks the key as just used.
///
/// One IMMEDIATE transaction, so several processes recording at once each wait for the write
/// lock (the connection's busy timeout) instead of losing counts. A failed request still used
/// the key, so it updates `last_used_at` too.
pub async fn record(db: &Db, event: UsageEvent) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    let day = day_of(now);
    db.call(move |conn| record_in(conn, &event, &day, now.unix_timestamp()))
        .await
}

fn record_in(conn: &mut Connection, event: &UsageEvent, day: &str, now: i64) -> Result<()> {
    let key_id = match event.key_id.as_deref() {
        None => THROUGH_TASKLY,
        // "" is how Taskly requests are stored; a key with that id would be counted as Taskly's.
        Some("") => return Err(Error::Internal("usage recorded for an empty key id".into())),
        Some(id) => id,
    };
    let model: String = event.model.trim().chars().take(MAX_MODEL_CHARS).collect();
    let tokens = |n: u64| i64::try_from(n.min(MAX_TOKENS_PER_REQUEST)).unwrap_or(0);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    db::usage::count(
        &tx,
        &db::usage::Request {
            account: &event.account,
            key_id,
            provider: event.provider.as_str(),
            model: &model,
            day,
            failed: i64::from(!event.succeeded),
            input_tokens: tokens(event.input_tokens),
            output_tokens: tokens(event.output_tokens),
        },
    )?;
    if key_id != THROUGH_TASKLY {
        db::keys::mark_used(&tx, key_id, &event.account, now)?;
    }
    tx.commit()?;
    Ok(())
}

/// The account's usage from `since_day` (`YYYY-MM-DD`, inclusive) on, newest day first, then by
/// key (Taskly first), provider and model.
pub async fn report(db: &Db, account: &str, since_day: &str) -> Result<Vec<UsageRow>> {
    check_day(since_day)?;
    let (account, since) = (account.to_owned(), since_day.to_owned());
    db.call(move |conn| rows_in(conn, &account, None, &since))
        .await
}

/// Sums for one key (`None`: requests through Taskly) from `since_day` (inclusive) on.
pub async fn totals_for_key(
    db: &Db,
    account: &str,
    key_id: Option<&str>,
    since_day: &str,
) -> Result<Totals> {
    check_day(since_day)?;
    let key = key_id.unwrap_or(THROUGH_TASKLY).to_owned();
    let (account, since) = (account.to_owned(), since_day.to_owned());
    let rows = db
        .call(move |conn| rows_in(conn, &account, Some(&key), &since))
        .await?;
    Ok(Totals::of(&rows))
}

/// Usage rows of `account` from `since` on, for one stored key id (`""` = Taskly) or all.
pub(crate) fn rows_in(
    conn: &Connection,
    account: &str,
    key_id: Option<&str>,
    since: &str,
) -> Result<Vec<UsageRow>> {
    Ok(db::usage::rows(conn, account, key_id, since)?
        .into_iter()
        .map(|row| UsageRow {
            estimated_cost_usd: prices::estimate(
                row.provider,
                &row.model,
                row.input_tokens,
                row.output_tokens,
            ),
            day: row.day,
            key_id: (row.key_id != THROUGH_TASKLY).then_some(row.key_id),
            provider: row.provider,
            model: row.model,
            requests: row.requests,
            failures: row.failures,
            input_tokens: row.input_tokens,
            output_tokens: row.output_tokens,
        })
        .collect())
}

/// Today's date in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    day_of(OffsetDateTime::now_utc())
}

/// The first day of the current UTC month, `YYYY-MM-01`.
pub fn month_start() -> String {
    month_start_of(OffsetDateTime::now_utc())
}

/// The UTC date `days` days ago, `YYYY-MM-DD` (for "the last 30 days").
pub fn days_ago(days: u32) -> String {
    let now = OffsetDateTime::now_utc();
    day_of(
        now.checked_sub(time::Duration::days(i64::from(days)))
            .unwrap_or(now),
    )
}

pub(crate) fn day_of(t: OffsetDateTime) -> String {
    let d = t.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

pub(crate) fn month_start_of(t: OffsetDateTime) -> String {
    let d = t.date();
    format!("{:04}-{:02}-01", d.year(), u8::from(d.month()))
}

/// Refuses anything but `YYYY-MM-DD`: days are compared as text, so another shape would
/// silently select the wrong rows.
fn check_day(day: &str) -> Result<()> {
    let b = day.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && digits(0..4)
        && digits(5..7)
        && digits(8..10);
    let in_range = shaped && {
        let month = (b[5] - b'0') * 10 + (b[6] - b'0');
        let mday = (b[8] - b'0') * 10 + (b[9] - b'0');
        (1..=12).contains(&month) && (1..=31).contains(&mday)
    };
    if in_range {
        Ok(())
    } else {
        Err(Error::InvalidConfig {
            name: "since",
            reason: format!("{day:?} is not a date written YYYY-MM-DD"),
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) async fn temp_db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(dir.path().join("taskly.db")).await.expect("open");
        (dir, db)
    }

    pub(crate) fn event(key_id: Option<&str>, model: &str, input: u64, output: u64) -> UsageEvent {
        UsageEvent {
            account: "local".into(),
            key_id: key_id.map(str::to_owned),
            provider: ProviderId::Openai,
            model: model.into(),
            input_tokens: input,
            output_tokens: output,
            succeeded: true,
        }
    }

    /// Records `event` as if on `day`.
    pub(crate) async fn record_on(db: &Db, event: UsageEvent, day: &str) {
        let day = day.to_owned();
        db.call(move |conn| record_in(conn, &event, &day, 1_700_000_000))
            .await
            .expect("record");
    }

    pub(crate) async fn insert_key(db: &Db, account: &str, id: &str) {
        let (account, id) = (account.to_owned(), id.to_owned());
        db.call(move |conn| db::keys::insert_bare_for_test(conn, &account, &id))
            .await
            .expect("insert key");
    }

    async fn last_used(db: &Db, id: &str) -> Option<i64> {
        let id = id.to_owned();
        db.call(move |conn| db::keys::last_used_at(conn, &id))
            .await
            .expect("query")
    }

    #[tokio::test]
    async fn record_counts_requests_failures_and_tokens_per_day() {
        let (_dir, db) = temp_db().await;
        insert_key(&db, "local", "k_1").await;
        assert_eq!(last_used(&db, "k_1").await, None);

        record(&db, event(Some("k_1"), "gpt-4o-mini", 1000, 200))
            .await
            .expect("record");
        let failed = UsageEvent {
            succeeded: false,
            ..event(Some("k_1"), "gpt-4o-mini", 10, 0)
        };
        record(&db, failed).await.expect("record");
        record(&db, event(None, "gpt-4o-mini", 5, 5))
            .await
            .expect("record");

        let rows = report(&db, "local", &today()).await.expect("report");
        assert_eq!(rows.len(), 2);
        // Taskly ("" key) sorts first.
        assert_eq!(rows[0].key_id, None);
        assert_eq!(rows[0].requests, 1);
        let mine = &rows[1];
        assert_eq!(mine.key_id.as_deref(), Some("k_1"));
        assert_eq!(mine.day, today());
        assert_eq!(
            (
                mine.requests,
                mine.failures,
                mine.input_tokens,
                mine.output_tokens
            ),
            (2, 1, 1010, 200)
        );
        let cost = mine.estimated_cost_usd.expect("priced");
        assert!((cost - (1010.0 * 0.15 + 200.0 * 0.6) / 1e6).abs() < 1e-12);

        let used = last_used(&db, "k_1").await.expect("marked as used");
        assert!((used - crate::time_fmt::now_unix()).abs() < 60);

        // Another account sees nothing.
        assert!(
            report(&db, "other", "2000-01-01")
                .await
                .expect("report")
                .is_empty()
        );
    }

    #[tokio::test]
    async fn usage_outlives_its_key_and_unknown_models_are_unpriced() {
        let (_dir, db) = temp_db().await;
        // No such key in `keys`: the count is kept all the same.
        record(&db, event(Some("k_gone"), "my-finetune", 100, 100))
            .await
            .expect("record");
        record(&db, event(Some("k_gone"), "gpt-4o", 1_000_000, 0))
            .await
            .expect("record");
        let rows = report(&db, "local", &days_ago(1)).await.expect("report");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].model, "my-finetune");
        assert_eq!(rows[1].estimated_cost_usd, None);
        let totals = totals_for_key(&db, "local", Some("k_gone"), &month_start())
            .await
            .expect("totals");
        assert_eq!(totals.requests, 2);
        assert_eq!(totals.unpriced_requests, 1);
        assert!((totals.estimated_cost_usd - 2.5).abs() < 1e-9);
        let none = totals_for_key(&db, "local", None, &month_start())
            .await
            .expect("totals");
        assert_eq!(none, Totals::default());
    }

    #[tokio::test]
    async fn report_orders_by_day_desc_then_key_then_model_and_starts_at_since() {
        let (_dir, db) = temp_db().await;
        record_on(&db, event(Some("k_b"), "gpt-4o", 1, 1), "2026-03-01").await;
        record_on(&db, event(Some("k_a"), "gpt-4o-mini", 1, 1), "2026-03-02").await;
        record_on(&db, event(Some("k_a"), "gpt-4o", 1, 1), "2026-03-02").await;
        record_on(&db, event(Some("k_b"), "gpt-4o", 1, 1), "2026-03-02").await;
        record_on(&db, event(Some("k_a"), "gpt-4o", 1, 1), "2026-02-28").await;
        let rows = report(&db, "local", "2026-03-01").await.expect("report");
        let seen: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.day.as_str(),
                    r.key_id.as_deref().unwrap_or(""),
                    r.model.as_str(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("2026-03-02", "k_a", "gpt-4o"),
                ("2026-03-02", "k_a", "gpt-4o-mini"),
                ("2026-03-02", "k_b", "gpt-4o"),
                ("2026-03-01", "k_b", "gpt-4o"),
            ]
        );
        assert!(matches!(
            report(&db, "local", "2026-3-1").await,
            Err(Error::InvalidConfig { .. })
        ));
    }

    #[tokio::test]
    async fn absurd_inputs_are_bounded_or_refused() {
        let (_dir, db) = temp_db().await;
        let long = "m".repeat(1000);
        record(&db, event(Some("k_1"), &long, u64::MAX, u64::MAX))
            .await
            .expect("record");
        record(&db, event(Some("k_1"), &long, u64::MAX, u64::MAX))
            .await
            .expect("record");
        let rows = report(&db, "local", &today()).await.expect("report");
        assert_eq!(rows[0].model.chars().count(), MAX_MODEL_CHARS);
        assert_eq!(rows[0].input_tokens, 2 * MAX_TOKENS_PER_REQUEST);
        assert!(matches!(
            record(&db, event(Some(""), "gpt-4o", 1, 1)).await,
            Err(Error::Internal(_))
        ));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_records_from_two_connections_lose_nothing() {
        let (dir, db) = temp_db().await;
        insert_key(&db, "local", "k_1").await;
        // A second handle has its own connection, like a second process.
        let other = Db::open(dir.path().join("taskly.db")).await.expect("open");
        let mut tasks = Vec::new();
        for task in 0..8 {
            let db = if task % 2 == 0 {
                db.clone()
            } else {
                other.clone()
            };
            tasks.push(tokio::spawn(async move {
                for i in 0..25 {
                    let model = if i % 2 == 0 { "gpt-4o" } else { "gpt-4o-mini" };
                    record(&db, event(Some("k_1"), model, 10, 1))
                        .await
                        .expect("record");
                }
            }));
        }
        for task in tasks {
            task.await.expect("task");
        }
        let totals = totals_for_key(&db, "local", Some("k_1"), &today())
            .await
            .expect("totals");
        assert_eq!(totals.requests, 200);
        assert_eq!(totals.input_tokens, 2000);
        assert_eq!(totals.output_tokens, 200);
    }

    #[test]
    fn days_are_utc_dates() {
        let t = time::macros::datetime!(2026-03-09 23:59:59 UTC);
        assert_eq!(day_of(t), "2026-03-09");
        assert_eq!(month_start_of(t), "2026-03-01");
        assert!(check_day(&today()).is_ok());
        assert!(check_day(&month_start()).is_ok());
        assert!(days_ago(40) < today());
        for bad in [
            "",
            "2026-3-1",
            "2026-13-01",
            "2026-01-00",
            "2026/01/01",
            "2026-01-01x",
        ] {
            assert!(check_day(bad).is_err(), "{bad}");
        }
    }
}
