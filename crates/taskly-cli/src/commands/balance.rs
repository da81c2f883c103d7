//! `taskly keys balance`: what a key's provider itself says about its spend (where a normal key
//! may ask), with its time, next to Taskly's local estimate.

use std::process::ExitCode;

use taskly_core::providers::balance::{ProviderBalance, no_call_sentence};
use taskly_core::usage::Totals;
use taskly_core::{Error, KeyInfo, Vault};

use crate::output;

/// Prints key `id`'s provider figures: the stored reading when under an hour old, else (or with
/// `refresh`) a fresh one.
pub async fn run(vault: &Vault, id: &str, refresh: bool, json: bool) -> Result<ExitCode, Error> {
    let key = vault.get(id).await?;
    let reading = vault.provider_balance(&key.id, refresh).await?;
    let (today, month) = local_estimate(vault, &key).await?;
    let spec = key.provider.spec();
    if json {
        output::json(&serde_json::json!({
            "key": key.id,
            "provider": key.provider,
            "balance": reading,
            "no_call": reading.is_none().then(|| no_call_sentence(spec)),
            "local_estimate": {
                "today_usd": today.estimated_cost_usd,
                "this_month_usd": month.estimated_cost_usd,
                "unpriced_requests_this_month": month.unpriced_requests,
            },
        }));
        return Ok(ExitCode::SUCCESS);
    }
    match &reading {
        Some(reading) => print_reading(reading, spec.name, &today, &month),
        None => output::line(format!(
            "{}; see `taskly usage` for Taskly's local estimate.",
            no_call_sentence(spec)
        )),
    }
    Ok(ExitCode::SUCCESS)
}

/// After `keys validate` ("Check again"): the figures the check read too, if the provider has
/// the call. No request of its own: a reading the check could not renew shows with its old time.
pub async fn after_check(vault: &Vault, key: &KeyInfo) {
    match vault.balances().await {
        Ok(readings) => {
            if let Some((_, reading)) = readings.iter().find(|(id, _)| *id == key.id) {
                output::line(reading.summary(key.provider_name));
            }
        }
        Err(err) => tracing::debug!(code = ?err.code(), "stored provider figures not read"),
    }
}

fn print_reading(reading: &ProviderBalance, provider_name: &str, today: &Totals, month: &Totals) {
    output::line(reading.summary(provider_name));
    if let Some(note) = &reading.note {
        output::line(note);
    }
    let unpriced = match month.unpriced_requests {
        0 => String::new(),
        n => format!(" ({n} requests to models without a price are not in it)"),
    };
    output::line(format!(
        "Taskly's local estimate: ${:.2} today, ${:.2} this month{unpriced}.",
        today.estimated_cost_usd, month.estimated_cost_usd
    ));
}

/// What Taskly counted for the key on this machine: today and this month (UTC), estimated from
/// list prices.
async fn local_estimate(vault: &Vault, key: &KeyInfo) -> Result<(Totals, Totals), Error> {
    // `usage::today()` is `YYYY-MM-DD`: the day of the month is how many days this month has had.
    let day_of_month = taskly_core::usage::today()
        .get(8..10)
        .and_then(|d| d.parse::<u32>().ok())
        .unwrap_or(1);
    let month = vault.usage().report(day_of_month).await?;
    let today_day = taskly_core::usage::today();
    let of_key = |row: &&taskly_core::usage::UsageRow| row.key_id.as_deref() == Some(&key.id);
    let month_rows: Vec<_> = month.rows.iter().filter(of_key).collect();
    let today = Totals::of(
        month_rows
            .iter()
            .copied()
            .filter(|row| row.day == today_day),
    );
    Ok((today, Totals::of(month_rows.iter().copied())))
}
