//! Key commands: list, add, change, switch (primary, backup, off), remove, validate, and the
//! provider's own spend figures for a key.

use taskly_core::providers::ProviderSpec;
use taskly_core::providers::balance::ProviderBalance;
use taskly_core::vault::{KeySaved, KeyUpdate};
use taskly_core::{Enable, ErrorPayload, KeyInfo, NewKey, ProviderId};
use tauri::{AppHandle, State};

use super::args::{self, Arg, key_id};
use super::clipboard::{SystemClipboard, watch_clipboard};
use crate::forms::{KeyChange, NewKeyForm, take_secret};
use crate::state::AppState;

type Answer<T> = Result<T, ErrorPayload>;

#[tauri::command]
pub fn list_providers() -> Vec<&'static ProviderSpec> {
    ProviderId::all().map(ProviderId::spec).collect()
}

#[tauri::command]
pub async fn list_keys(state: State<'_, AppState>) -> Answer<Vec<KeyInfo>> {
    state
        .services()?
        .vault
        .list()
        .await
        .map_err(|e| e.payload())
}

#[tauri::command]
pub async fn add_key(
    app: AppHandle,
    state: State<'_, AppState>,
    form: Arg<NewKeyForm>,
) -> Answer<KeySaved> {
    let form = form.take()?;
    // The secret is checked (and wiped) first, so nothing else ever sees a malformed one.
    let secret = take_secret(form.secret)?;
    let base_url = args::base_url(form.base_url)?;
    let services = state.services()?;
    let on_clipboard = state.clipboard.check(&SystemClipboard(&app), &secret);
    let new = NewKey {
        provider: form.provider,
        label: form.label,
        base_url,
        secret,
        verify: form.verify,
        // The form shows the choice (on for a provider's first key) and sends it explicitly.
        enable: if form.enable { Enable::Yes } else { Enable::No },
    };
    let saved = services.vault.add(new).await.map_err(|e| e.payload())?;
    watch_clipboard(&app, &state, on_clipboard);
    Ok(saved)
}

#[tauri::command]
pub async fn update_key(
    state: State<'_, AppState>,
    id: Arg<String>,
    change: Arg<KeyChange>,
) -> Answer<KeySaved> {
    let id = key_id(id)?;
    let change = change.take()?;
    let update = KeyUpdate {
        label: change.label,
        base_url: args::base_url(change.base_url)?,
        secret: None,
        verify: change.verify,
    };
    state
        .services()?
        .vault
        .update(&id, update)
        .await
        .map_err(|e| e.payload())
}

#[tauri::command]
pub async fn replace_key_secret(
    app: AppHandle,
    state: State<'_, AppState>,
    id: Arg<String>,
    secret: Arg<String>,
    verify: Arg<bool>,
) -> Answer<KeySaved> {
    let secret = take_secret(secret.take()?)?;
    let id = key_id(id)?;
    let verify = verify.take()?;
    let services = state.services()?;
    let on_clipboard = state.clipboard.check(&SystemClipboard(&app), &secret);
    let update = KeyUpdate {
        secret: Some(secret),
        verify,
        ..KeyUpdate::default()
    };
    let saved = services
        .vault
        .update(&id, update)
        .await
        .map_err(|e| e.payload())?;
    watch_clipboard(&app, &state, on_clipboard);
    Ok(saved)
}

#[tauri::command]
pub async fn set_key_enabled(
    state: State<'_, AppState>,
    id: Arg<String>,
    enabled: Arg<bool>,
) -> Answer<KeySaved> {
    let (id, enabled) = (key_id(id)?, enabled.take()?);
    state
        .services()?
        .vault
        .set_enabled(&id, enabled)
        .await
        .map_err(|e| e.payload())
}

/// Makes a key its provider's last backup (tried in order after the primary fails).
#[tauri::command]
pub async fn set_backup(state: State<'_, AppState>, id: Arg<String>) -> Answer<KeySaved> {
    let id = key_id(id)?;
    state
        .services()?
        .vault
        .set_backup(&id)
        .await
        .map_err(|e| e.payload())
}

#[tauri::command]
pub async fn remove_key(state: State<'_, AppState>, id: Arg<String>) -> Answer<KeyInfo> {
    let id = key_id(id)?;
    let services = state.services()?;
    let removed = services.vault.remove(&id).await.map_err(|e| e.payload())?;
    // The removed key's secret may still sit in the router's cache; drop it now.
    services.chat.router().forget_secrets();
    Ok(removed)
}

#[tauri::command]
pub async fn validate_key(state: State<'_, AppState>, id: Arg<String>) -> Answer<KeyInfo> {
    let id = key_id(id)?;
    state
        .services()?
        .vault
        .validate(&id)
        .await
        .map_err(|e| e.payload())
}

/// What the key's provider itself says about its spend: the stored reading while it is less
/// than an hour old (unless `refresh`), else a fresh one. `null` when the provider has no call a
/// normal key may use for it.
#[tauri::command]
pub async fn provider_balance(
    state: State<'_, AppState>,
    id: Arg<String>,
    refresh: Arg<bool>,
) -> Answer<Option<ProviderBalance>> {
    let (id, refresh) = (key_id(id)?, refresh.take()?);
    state
        .services()?
        .vault
        .provider_balance(&id, refresh)
        .await
        .map_err(|e| e.payload())
}
