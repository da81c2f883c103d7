//! Account commands: who is signed in, signing in through the system browser (and cancelling
//! it), switching, signing out, and the answer to "bring the local keys into the account?".
//!
//! A vault is opened for one account, so each command that changes the active account ends by
//! reopening the services for the account active now. No token crosses IPC: the core's
//! answers carry none, and the sign-in page's address carries only the PKCE challenge.

use taskly_core::signin::BrowserSignIn;
use taskly_core::{
    AccountView, AuthStatus, ErrorPayload, SignIn, SignInOptions, SignedIn, SignedOut,
};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use super::args::{self, Arg, MAX_ID_CHARS};
use crate::forms::{SignInForm, SignInProgress};
use crate::state::AppState;

type Answer<T> = Result<T, ErrorPayload>;

/// The sign-in service, over the core in use (accounts are machine-wide, so any core will do).
fn service(state: &AppState) -> Answer<SignIn> {
    Ok(SignIn::new(state.services()?.vault.core().clone()))
}

#[tauri::command]
pub async fn auth_status(state: State<'_, AppState>) -> Answer<AuthStatus> {
    service(&state)?.status().await.map_err(|e| e.payload())
}

/// Starts a browser sign-in, opens its page in the system browser, tells the window the
/// address (to show and copy), waits for the browser to come back (or `cancel_sign_in`, or the
/// core's time limit), then reopens the services for the account now signed in.
#[tauri::command]
pub async fn sign_in(
    app: AppHandle,
    state: State<'_, AppState>,
    form: Arg<SignInForm>,
    on_progress: Arg<Channel<SignInProgress>>,
) -> Answer<SignedIn> {
    let form = form.take()?;
    let on_progress = on_progress.take()?;
    let service = service(&state)?;
    let (ticket, cancel) = state.begin_sign_in();
    let options = SignInOptions {
        name: None,
        fresh_login: form.fresh_login,
    };
    let finished = async {
        let browser = service
            .start_browser(options)
            .await
            .map_err(|e| e.payload())?;
        let progress = SignInProgress {
            url: browser.url().to_owned(),
            browser_opened: open_in_browser(&app, &browser),
        };
        // A window that went away cannot show the address; the sign-in can still finish.
        let _ = on_progress.send(progress);
        browser
            .finish(cancel.notified())
            .await
            .map_err(|e| e.payload())
    }
    .await;
    state.end_sign_in(ticket);
    let signed_in = finished?;
    state.reopen().await?;
    Ok(signed_in)
}

/// Asks the system browser to open the sign-in page; false when it could not be started (no
/// desktop opener), in which case the window's copy of the address is the way in.
fn open_in_browser(app: &AppHandle, browser: &BrowserSignIn) -> bool {
    match app.opener().open_url(browser.url(), None::<&str>) {
        Ok(()) => true,
        Err(err) => {
            tracing::warn!(error = %err, "could not open the system browser for the sign-in");
            false
        }
    }
}

/// Cancels the browser sign-in under way (its `sign_in` answers `cancelled`); nothing to do
/// when there is none.
#[tauri::command]
pub fn cancel_sign_in(state: State<'_, AppState>) -> Answer<()> {
    state.cancel_sign_in();
    Ok(())
}

#[tauri::command]
pub async fn switch_account(state: State<'_, AppState>, name: Arg<String>) -> Answer<AccountView> {
    let name = args::account_name(name)?;
    let account = service(&state)?
        .switch(&name)
        .await
        .map_err(|e| e.payload())?;
    state.reopen().await?;
    Ok(account)
}

/// Signs out the active account (or every account), revoking at the issuer when it can be
/// reached; the local session is gone either way (`revoked` says which).
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>, all: Arg<bool>) -> Answer<SignedOut> {
    let all = all.take()?;
    let signed_out = service(&state)?
        .sign_out(None, all)
        .await
        .map_err(|e| e.payload())?;
    state.reopen().await?;
    Ok(signed_out)
}

/// The answer to the first sign-in's question: bring the local profile's keys into
/// `account_id` (`adopt`), or keep them there. Returns how many keys moved.
#[tauri::command]
pub async fn adopt_local_keys(
    state: State<'_, AppState>,
    account_id: Arg<String>,
    adopt: Arg<bool>,
) -> Answer<usize> {
    let account_id = account_id.take()?;
    let adopt = adopt.take()?;
    if account_id.chars().count() > MAX_ID_CHARS {
        return Err(taskly_core::Error::AccountNotFound { name: "…".into() }.payload());
    }
    let moved = service(&state)?
        .adopt_local_keys(&account_id, adopt)
        .await
        .map_err(|e| e.payload())?;
    // The moved keys' secrets may sit in the old services' caches under the local profile.
    state.reopen().await?;
    Ok(moved)
}
