//! `taskly usage` and `taskly settings`: local accounting and the per-account switches.

use std::process::ExitCode;

use taskly_core::{Error, Vault, usage};

use crate::cli::SettingsArgs;
use crate::output;

/// `taskly usage --requests N`: the newest receipts.
pub async fn requests(vault: &Vault, count: u32, json: bool) -> Result<ExitCode, Error> {
    let receipts = vault.usage().requests(count).await?;
    if json {
        output::json(&serde_json::json!({ "account": vault.account(), "requests": receipts }));
        return Ok(ExitCode::SUCCESS);
    }
    if receipts.is_empty() {
        output::line("No requests yet.");
        return Ok(ExitCode::SUCCESS);
    }
    for receipt in &receipts {
        let outcome = match receipt.error {
            Some(code) => format!(
                " · failed: {}",
                serde_json::to_value(code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            ),
            None => String::new(),
        };
        output::line(format!("{}  {}{outcome}", receipt.at, receipt.summary()));
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn run(vault: &Vault, days: u32, json: bool) -> Result<ExitCode, Error> {
    let report = vault.usage().report(days).await?;
    let (since, rows) = (report.since, report.rows);
    if json {
        output::json(
            &serde_json::json!({ "account": vault.account(), "since": since, "rows": rows }),
        );
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        output::line(format!("No requests since {since}."));
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = vec![
        [
            "DAY",
            "ROUTE",
            "PROVIDER",
            "MODEL",
            "REQUESTS",
            "FAILED",
            "TOKENS IN",
            "TOKENS OUT",
            "EST. COST",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for row in &rows {
        table.push(vec![
            row.day.clone(),
            row.key_id.clone().unwrap_or_else(|| "Taskly".into()),
            row.provider.as_str().to_owned(),
            row.model.clone(),
            row.requests.to_string(),
            row.failures.to_string(),
            row.input_tokens.to_string(),
            row.output_tokens.to_string(),
            row.estimated_cost_usd
                .map_or_else(|| "-".into(), |c| format!("${c:.4}")),
        ]);
    }
    output::line(output::table(&table));
    output::line(format!(
        "Costs are estimates from list prices as of {} ({}).",
        usage::prices::as_of().unwrap_or("an unknown date"),
        usage::prices::source().unwrap_or("source unknown")
    ));
    Ok(ExitCode::SUCCESS)
}

pub async fn settings(vault: &Vault, args: SettingsArgs, json: bool) -> Result<ExitCode, Error> {
    // One setting so far (Setting::FallbackToTaskly); the match keeps the door open for more.
    match args.name.as_deref() {
        None | Some("fallback-to-taskly") | Some("fallback_to_taskly") => {}
        Some(other) => {
            return Err(Error::InvalidConfig {
                name: "setting",
                reason: format!("{other:?} is not a setting; try fallback-to-taskly"),
            });
        }
    };
    if let Some(value) = args.value.as_deref() {
        let on = match value.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" => true,
            "off" | "false" | "no" => false,
            _ => {
                return Err(Error::InvalidConfig {
                    name: "value",
                    reason: "use on or off".into(),
                });
            }
        };
        vault.settings().set_fallback_to_taskly(on).await?;
    }
    let on = vault.settings().fallback_to_taskly().await?;
    if json {
        output::json(&serde_json::json!({ "fallback_to_taskly": on }));
    } else {
        output::line(format!(
            "fallback-to-taskly: {} ({})",
            if on { "on" } else { "off" },
            if on {
                "when your key fails, Taskly answers instead, and your question goes through Taskly"
            } else {
                "when your key fails you get the error; nothing goes through Taskly"
            }
        ));
    }
    Ok(ExitCode::SUCCESS)
}
