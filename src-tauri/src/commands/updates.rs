//! Update commands: check, download (verified, with progress), install. Thin calls into
//! `crate::updates`; errors cross as `UpdateErrorPayload`.

use tauri::AppHandle;
use tauri::ipc::Channel;

use super::args::Arg;
use crate::updates::{self, DownloadProgress, UpdateCheck, UpdateError, UpdateErrorPayload};

type Answer<T> = Result<T, UpdateErrorPayload>;

/// An argument read by the app (see `args.rs`), answered in the update commands' own error
/// shape when it is missing or malformed.
fn read<T>(arg: Arg<T>, command: &str, argument: &str) -> Answer<T> {
    arg.take().map_err(|_| {
        UpdateError::Internal {
            detail: format!(
                "the window sent `{argument}` to `{command}` missing or in a form the app does not read"
            ),
        }
        .payload()
    })
}

/// Checks for a newer release. `background` is the quiet check the window makes at start: a
/// failure is the same error, but logged at `info` (offline is normal), and the window shows
/// nothing for it.
#[tauri::command]
pub async fn check_for_updates(app: AppHandle, background: Arg<bool>) -> Answer<UpdateCheck> {
    let background = read(background, "check_for_updates", "background")?;
    updates::check(&app).await.map_err(|err| {
        if background && !err.is_refusal() {
            tracing::info!(code = ?err.code(), error = %err, "the update check at start failed");
        } else {
            tracing::warn!(code = ?err.code(), error = %err, "an update check failed or was refused");
        }
        err.payload()
    })
}

/// Downloads the update the last check found and verifies its signature; answers its version.
#[tauri::command]
pub async fn download_update(
    app: AppHandle,
    on_progress: Arg<Channel<DownloadProgress>>,
) -> Answer<String> {
    let on_progress = read(on_progress, "download_update", "onProgress")?;
    // At most about a hundred progress messages, whatever the chunk size.
    let mut last_percent = None;
    updates::download(&app, move |p| {
        let percent = p.total.filter(|t| *t > 0).map(|t| p.downloaded * 100 / t);
        if percent.is_none() || percent != last_percent {
            last_percent = percent;
            let _ = on_progress.send(p);
        }
    })
    .await
    .map_err(|e| e.payload())
}

/// Installs the verified download, then restarts into the new version.
#[tauri::command]
pub fn install_update(app: AppHandle) -> Answer<()> {
    updates::install(&app).map_err(|err| {
        tracing::error!(code = ?err.code(), error = %err, "installing an update failed");
        err.payload()
    })?;
    tracing::info!("update installed; restarting");
    app.restart()
}
