//! What each key spent: requests and tokens per key and day, and the receipts of the newest
//! requests, counted on this machine.

use taskly_core::ErrorPayload;
use taskly_core::chat::receipt::Receipt;
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

/// The receipts of the newest `count` requests, newest first (the core keeps a bounded number).
#[tauri::command]
pub async fn recent_requests(state: State<'_, AppState>, count: Arg<u32>) -> Answer<Vec<Receipt>> {
    let count = count.take()?;
    state
        .services()?
        .vault
        .usage()
        .requests(count)
        .await
        .map_err(|e| e.payload())
}
