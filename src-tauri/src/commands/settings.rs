//! The account's settings: whether Taskly may answer when a personal key fails.

use taskly_core::ErrorPayload;
use tauri::State;

use super::args::Arg;
use crate::forms::Settings;
use crate::state::AppState;

type Answer<T> = Result<T, ErrorPayload>;

#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> Answer<Settings> {
    let services = state.services()?;
    let on = services
        .vault
        .settings()
        .fallback_to_taskly()
        .await
        .map_err(|e| e.payload())?;
    Ok(Settings {
        fallback_to_taskly: on,
    })
}

#[tauri::command]
pub async fn set_fallback_to_taskly(
    state: State<'_, AppState>,
    enabled: Arg<bool>,
) -> Answer<Settings> {
    let enabled = enabled.take()?;
    let services = state.services()?;
    services
        .vault
        .settings()
        .set_fallback_to_taskly(enabled)
        .await
        .map_err(|e| e.payload())?;
    Ok(Settings {
        fallback_to_taskly: enabled,
    })
}
