//! What each key spent: requests and tokens per key and day, counted on this machine.

use taskly_core::ErrorPayload;
use taskly_core::usage::UsageRow;
use tauri::State;

use super::args::Arg;
use crate::state::AppState;

type Answer<T> = Result<T, ErrorPayload>;

#[tauri::command]
pub async fn usage_report(state: State<'_, AppState>, days: Arg<u32>) -> Answer<Vec<UsageRow>> {
    let days = days.take()?;
    let services = state.services()?;
    let report = services
        .vault
        .usage()
        .report(days)
        .await
        .map_err(|e| e.payload())?;
    Ok(report.rows)
}
