//! "Import keys from this computer": scan, import the picked finds, preview and apply the
//! removal of their plaintext copies. The scan (with its secrets) stays in the app's state; the
//! window gets only the masked report and names finds by id.

use taskly_core::import::{
    FilePlan, ImportOutcome, Places, Scan, ScanReport, ScrubMode, ScrubOutcome,
};
use taskly_core::prompt_guard::borrow_held;
use taskly_core::{Error, ErrorPayload};
use tauri::State;

use super::args::{Arg, MAX_ID_CHARS};
use crate::state::AppState;

type Answer<T> = Result<T, ErrorPayload>;

/// The most finds one call may name.
const MAX_IDS: usize = 200;

fn find_ids(ids: Arg<Vec<String>>) -> Answer<Vec<String>> {
    let ids = ids.take()?;
    if ids.len() > MAX_IDS {
        return Err(Error::ImportNotFound { id: "…".into() }.payload());
    }
    // A find id is short and printable; anything else is not one, and is not echoed.
    if ids
        .iter()
        .any(|id| id.chars().count() > MAX_ID_CHARS || id.chars().any(char::is_control))
    {
        return Err(Error::ImportNotFound { id: "…".into() }.payload());
    }
    Ok(ids)
}

async fn fresh_scan(state: &AppState) -> Answer<Scan> {
    let services = state.services()?;
    let held = services.vault.held_keys().await.map_err(|e| e.payload())?;
    let places = Places::from_process().ok_or_else(|| {
        Error::InvalidConfig {
            name: "HOME",
            reason: "it is not set, so there is no home folder to scan".into(),
        }
        .payload()
    })?;
    tauri::async_runtime::spawn_blocking(move || Scan::run(&places, &borrow_held(&held)))
        .await
        .map_err(|_| Error::Internal("the scan stopped unexpectedly".into()).payload())
}

/// Scans this computer, read-only, and keeps the scan for the import and removal that follow.
#[tauri::command]
pub async fn import_scan(state: State<'_, AppState>) -> Answer<ScanReport> {
    let scan = fresh_scan(&state).await?;
    let report = scan.report.clone();
    *state.import.lock().await = Some(scan);
    Ok(report)
}

/// The scan the window is acting on, or "not found" for its first id (no scan is kept: the
/// dialog was closed, or the app restarted since).
fn kept<'g>(scan: &'g Option<Scan>, ids: &[String]) -> Answer<&'g Scan> {
    scan.as_ref().ok_or_else(|| {
        Error::ImportNotFound {
            id: ids.first().cloned().unwrap_or_default(),
        }
        .payload()
    })
}

/// Imports the picked finds (validated unless `verify` is off).
#[tauri::command]
pub async fn import_keys(
    state: State<'_, AppState>,
    ids: Arg<Vec<String>>,
    verify: Arg<bool>,
) -> Answer<Vec<ImportOutcome>> {
    let (ids, verify) = (find_ids(ids)?, verify.take()?);
    let services = state.services()?;
    let scan = state.import.lock().await;
    let scan = kept(&scan, &ids)?;
    taskly_core::import::import(&services.vault, scan, &ids, verify)
        .await
        .map_err(|e| e.payload())
}

async fn scrub_with<T>(
    state: &AppState,
    ids: Arg<Vec<String>>,
    mode: Arg<ScrubMode>,
    act: impl FnOnce(&Scan, &[String], ScrubMode, &[taskly_core::prompt_guard::HeldKey<'_>]) -> T,
) -> Answer<T> {
    let (ids, mode) = (find_ids(ids)?, mode.take()?);
    let services = state.services()?;
    let held = services.vault.held_keys().await.map_err(|e| e.payload())?;
    let scan = state.import.lock().await;
    let scan = kept(&scan, &ids)?;
    Ok(act(scan, &ids, mode, &borrow_held(&held)))
}

/// Exactly which lines removing the finds' plaintext copies would change.
#[tauri::command]
pub async fn scrub_preview(
    state: State<'_, AppState>,
    ids: Arg<Vec<String>>,
    mode: Arg<ScrubMode>,
) -> Answer<Vec<FilePlan>> {
    scrub_with(&state, ids, mode, |scan, ids, mode, held| {
        scan.plan_scrub(ids, mode, held)
    })
    .await
}

/// Rewrites those lines, then scans again (the old scan's files changed).
#[tauri::command]
pub async fn scrub_apply(
    state: State<'_, AppState>,
    ids: Arg<Vec<String>>,
    mode: Arg<ScrubMode>,
) -> Answer<Vec<ScrubOutcome>> {
    let outcomes = scrub_with(&state, ids, mode, |scan, ids, mode, held| {
        scan.scrub(ids, mode, held)
    })
    .await?;
    let scan = fresh_scan(&state).await?;
    *state.import.lock().await = Some(scan);
    Ok(outcomes)
}

/// Forgets the scan and its secrets (the dialog closed).
#[tauri::command]
pub async fn import_forget(state: State<'_, AppState>) -> Answer<()> {
    *state.import.lock().await = None;
    Ok(())
}
