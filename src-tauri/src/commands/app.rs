//! Facts about the app (version, credential store, demo mode) and opening links in the system
//! browser.

use taskly_core::{Error, ErrorPayload, doctor};
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use super::args::{Arg, MAX_URL_BYTES};
use crate::forms::AppInfo;
use crate::state::AppState;

type Answer<T> = Result<T, ErrorPayload>;

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> Answer<AppInfo> {
    let services = state.services()?;
    let report = doctor::run(&services.vault).await;
    let store = report.credential_store;
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        credential_store: store
            .kind
            .map_or_else(|| "not available".to_owned(), |k| k.to_string()),
        credential_store_working: store.working,
        credential_store_error: store.error,
        demo: state.demo,
    })
}

/// Opens a web page in the system browser; the web view itself never navigates away.
#[tauri::command]
pub fn open_external(app: AppHandle, url: Arg<String>) -> Answer<()> {
    let url = url.take()?;
    if url.len() > MAX_URL_BYTES {
        return Err(bad_link());
    }
    let parsed = url::Url::parse(&url).map_err(|_| bad_link())?;
    if !matches!(parsed.scheme(), "https" | "http" | "mailto") {
        return Err(bad_link());
    }
    app.opener()
        .open_url(parsed.as_str(), None::<&str>)
        .map_err(|e| Error::Internal(format!("cannot open the browser: {e}")).payload())
}

fn bad_link() -> ErrorPayload {
    Error::InvalidConfig {
        name: "url",
        reason: "only web and mail links can be opened".into(),
    }
    .payload()
}
