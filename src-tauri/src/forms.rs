//! What the web view sends: form data, checked and turned into core types at once.
//!
//! The secret arrives as a plain string (JSON has nothing else); it is wrapped in `Zeroizing`
//! and parsed into an `ApiKey` immediately, and these types print it as `[redacted]`.

use serde::Deserialize;
use taskly_core::{ApiKey, ErrorPayload, ProviderId};
use zeroize::Zeroizing;

/// The "add a key" form.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename_all = "camelCase"))]
pub struct NewKeyForm {
    /// Provider id.
    #[cfg_attr(test, ts(type = "ProviderId"))]
    pub provider: ProviderId,
    /// Label, or null for the default.
    pub label: Option<String>,
    /// Base URL, or null for the provider's.
    pub base_url: Option<String>,
    /// The pasted key.
    pub secret: String,
    /// Validate before saving.
    pub verify: bool,
    /// Switch it on at once.
    pub enable: bool,
}

impl std::fmt::Debug for NewKeyForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKeyForm")
            .field("provider", &self.provider)
            .field("label", &self.label)
            .field("base_url", &self.base_url)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// Changes to a key's label or base URL.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename_all = "camelCase"))]
pub struct KeyChange {
    /// New label, or null to keep it.
    pub label: Option<String>,
    /// New base URL, or null to keep it.
    pub base_url: Option<String>,
    /// Validate with the provider (required to move a key to another host, unless false).
    pub verify: bool,
}

/// The account's switches.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename_all = "camelCase"))]
pub struct Settings {
    /// Let Taskly answer when the personal key fails.
    pub fallback_to_taskly: bool,
}

/// Facts the settings page shows.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename_all = "camelCase"))]
pub struct AppInfo {
    /// The app's version.
    pub version: String,
    /// The credential store's name for people ("Secret Service").
    pub credential_store: String,
    /// Whether a write-read-delete round trip worked.
    pub credential_store_working: bool,
    /// Why not, if it did not.
    #[cfg_attr(test, ts(type = "ErrorPayload | null"))]
    pub credential_store_error: Option<ErrorPayload>,
    /// Whether "Taskly" is the loopback demo service of the run script.
    pub demo: bool,
}

/// How a browser sign-in should go: "Sign in to Taskly", or "Add another account".
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename_all = "camelCase"))]
pub struct SignInForm {
    /// Ask the sign-in service for a fresh login (another person's account) instead of
    /// reusing the browser's session.
    pub fresh_login: bool,
}

/// What the window learns while a browser sign-in waits: the sign-in page's address, to show
/// with a copy button in case the system browser did not open. It carries no secret (the PKCE
/// verifier stays in the app; only its hash is in the address).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename_all = "camelCase"))]
pub struct SignInProgress {
    /// The sign-in page, as opened in the system browser.
    pub url: String,
    /// Whether the system browser could be asked to open it.
    pub browser_opened: bool,
}

/// Takes the secret out of a form field: wiped from the string, checked, wrapped.
pub fn take_secret(secret: String) -> Result<ApiKey, ErrorPayload> {
    let secret = Zeroizing::new(secret);
    ApiKey::parse(&secret).map_err(|e| taskly_core::Error::from(e).payload())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ts_rs::{Config, TS};

    #[test]
    fn forms_never_print_the_secret() {
        let form: NewKeyForm = serde_json::from_str(
            r#"{"provider":"openai","label":null,"baseUrl":null,"secret":"sk-proj-canary-0123456789","verify":true,"enable":false}"#,
        )
        .expect("form");
        assert!(!format!("{form:?}").contains("canary"));
    }

    /// `ui/src/bindings/commands.ts` is generated from these types and checked for drift, like
    /// the core's bindings: `TASKLY_UPDATE_BINDINGS=1 cargo test -p taskly-desktop bindings`.
    #[test]
    fn bindings_are_up_to_date() {
        let cfg = Config::new().with_large_int("number");
        let mut text = String::from(
            "// Generated from src-tauri's IPC types by `cargo test -p taskly-desktop bindings`.\n\
             // Do not edit: change the Rust type, then run with TASKLY_UPDATE_BINDINGS=1.\n\
             import type { ProviderId, ErrorPayload } from \"./core\";\n\n",
        );
        for decl in [
            NewKeyForm::decl(&cfg),
            KeyChange::decl(&cfg),
            Settings::decl(&cfg),
            AppInfo::decl(&cfg),
            SignInForm::decl(&cfg),
            SignInProgress::decl(&cfg),
        ] {
            text.push_str("export ");
            text.push_str(&decl);
            text.push_str("\n\n");
        }
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings/commands.ts");
        if std::env::var_os("TASKLY_UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &text).expect("write bindings");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == text,
            "ui/src/bindings/commands.ts is out of date: run TASKLY_UPDATE_BINDINGS=1 cargo test -p taskly-desktop bindings"
        );
    }
}
