//! Signed updates over tauri-plugin-updater: where to look, check, verified download, install.
//!
//! The plugin does the HTTP and the minisign verification against the public key in
//! `tauri.conf.json`; this module decides where it may look (`TASKLY_UPDATE_CHECK`,
//! `TASKLY_UPDATE_ENDPOINT`), refuses older releases, keeps a verified download until the user
//! says "install", and turns the plugin's errors into [`UpdateError`]s with a stable code, a
//! message a person can act on and an action, like the core's errors (but kept here: the core
//! has no Tauri types). Install is only ever reachable with bytes whose signature verified.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use taskly_core::providers::base_url::is_loopback_url;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_updater::{Update, UpdaterExt};
use url::Url;

/// `off` switches every update check off (tests, the demo, managed machines).
pub const CHECK_ENV: &str = "TASKLY_UPDATE_CHECK";
/// Replaces the configured endpoints: `https://…`, or `http://` to a loopback address only.
pub const ENDPOINT_ENV: &str = "TASKLY_UPDATE_ENDPOINT";

/// Where update checks may go, decided once at start from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Policy {
    /// The endpoints of `tauri.conf.json` (https only).
    Configured,
    /// `TASKLY_UPDATE_ENDPOINT`: one endpoint; `loopback_http` when it is plain http to this
    /// machine (a local test server), which the plugin must be told to accept.
    Override {
        /// The endpoint, with the plugin's `{{target}}`-style variables left in.
        endpoint: Url,
        /// Plain http to a loopback address.
        loopback_http: bool,
    },
    /// `TASKLY_UPDATE_CHECK=off`.
    Off,
    /// `TASKLY_UPDATE_ENDPOINT` is set but cannot be used; nothing is checked.
    Invalid {
        /// Why, in words.
        reason: String,
    },
}

impl Policy {
    /// Reads [`CHECK_ENV`] and [`ENDPOINT_ENV`].
    pub fn from_env() -> Self {
        Self::from_values(
            std::env::var(CHECK_ENV).ok().as_deref(),
            std::env::var(ENDPOINT_ENV).ok().as_deref(),
        )
    }

    /// The policy for these values of [`CHECK_ENV`] and [`ENDPOINT_ENV`].
    pub fn from_values(check: Option<&str>, endpoint: Option<&str>) -> Self {
        if let Some(check) = check
            && matches!(
                check.trim().to_ascii_lowercase().as_str(),
                "off" | "0" | "false" | "no"
            )
        {
            return Policy::Off;
        }
        let Some(endpoint) = endpoint.map(str::trim).filter(|e| !e.is_empty()) else {
            return Policy::Configured;
        };
        let Ok(url) = Url::parse(endpoint) else {
            return Policy::Invalid {
                reason: "it is not a URL".into(),
            };
        };
        match url.scheme() {
            "https" => Policy::Override {
                endpoint: url,
                loopback_http: false,
            },
            "http" if is_loopback_url(&url) => Policy::Override {
                endpoint: url,
                loopback_http: true,
            },
            "http" => Policy::Invalid {
                reason: "plain http is only accepted for a loopback address (127.0.0.1, ::1, localhost); use https".into(),
            },
            _ => Policy::Invalid {
                reason: "only https URLs are accepted".into(),
            },
        }
    }

    /// Whether any check may be made.
    pub fn enabled(&self) -> bool {
        matches!(self, Policy::Configured | Policy::Override { .. })
    }

    /// Writes an override into the app's plugin configuration (`plugins.updater`) before the
    /// plugin reads it, so the plugin's own https rule stays on for everything else.
    pub fn apply(&self, plugins: &mut HashMap<String, serde_json::Value>) {
        let Policy::Override {
            endpoint,
            loopback_http,
        } = self
        else {
            return;
        };
        let updater = plugins
            .entry("updater".to_owned())
            .or_insert_with(|| serde_json::json!({}));
        if let Some(updater) = updater.as_object_mut() {
            updater.insert("endpoints".into(), serde_json::json!([endpoint.as_str()]));
            if *loopback_http {
                updater.insert(
                    "dangerousInsecureTransportProtocol".into(),
                    serde_json::Value::Bool(true),
                );
            }
        }
    }
}

/// What a check found, for the window.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename_all = "camelCase"))]
pub struct UpdateCheck {
    /// The running version.
    pub current_version: String,
    /// A newer release, or null when this one is the newest.
    pub available: Option<AvailableUpdate>,
}

/// A newer release the server offers (not yet downloaded or verified).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename_all = "camelCase"))]
pub struct AvailableUpdate {
    /// Its version.
    pub version: String,
    /// Its release notes (Markdown), if any.
    pub notes: Option<String>,
    /// When it was published (RFC 3339), if known.
    pub date: Option<String>,
}

/// How far a download is.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename_all = "camelCase"))]
pub struct DownloadProgress {
    /// Bytes received so far.
    pub downloaded: u64,
    /// The size the server announced, if it did.
    pub total: Option<u64>,
}

/// Everything that can go wrong with an update. Each is a refusal or a failure in which nothing
/// was installed and the running app is untouched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpdateError {
    /// `TASKLY_UPDATE_CHECK=off`.
    #[error("Update checks are switched off on this computer (TASKLY_UPDATE_CHECK=off).")]
    ChecksOff,
    /// `TASKLY_UPDATE_ENDPOINT` cannot be used.
    #[error(
        "The update address in TASKLY_UPDATE_ENDPOINT cannot be used: {reason}. No update check was made."
    )]
    BadEndpoint {
        /// Why.
        reason: String,
    },
    /// The update server could not be reached (offline, DNS, TLS, timeout).
    #[error(
        "Could not reach the update server: {detail}. Check your connection and try again later."
    )]
    Unreachable {
        /// What failed.
        detail: String,
    },
    /// The server answered, but not with a usable answer.
    #[error("The update server answered with an error ({detail}). Try again later.")]
    ServerError {
        /// What it answered.
        detail: String,
    },
    /// The manifest could not be read.
    #[error("The update server's answer could not be read ({detail}). Try again later.")]
    BadManifest {
        /// What was wrong.
        detail: String,
    },
    /// The release has no build for this system.
    #[error(
        "The new version has no build for this system yet ({detail}). Nothing was installed; try again later."
    )]
    NoBuildForPlatform {
        /// The plugin's words.
        detail: String,
    },
    /// The download's signature does not verify with Taskly's public key.
    #[error(
        "The update was refused: its signature does not match Taskly's signing key ({detail}). It may have been damaged or tampered with. Nothing was installed; your current version keeps working."
    )]
    BadSignature {
        /// What the verification said.
        detail: String,
    },
    /// The manifest carries no signature for the download.
    #[error(
        "The update was refused: it is not signed. Nothing was downloaded or installed; your current version keeps working."
    )]
    MissingSignature,
    /// The signature is genuine but for another version than the one announced.
    #[error(
        "The update was refused: it announces version {announced} but its signature is for version {signed}. Nothing was installed; your current version keeps working."
    )]
    VersionMismatch {
        /// The signed version.
        signed: String,
        /// The announced version.
        announced: String,
    },
    /// The server offers a version older than the running one.
    #[error(
        "The update server offers version {offered}, which is older than the version you have ({current}). Taskly never installs an older version; nothing was changed."
    )]
    Downgrade {
        /// The version offered.
        offered: String,
        /// The running version.
        current: String,
    },
    /// Download or install asked for before a check found an update.
    #[error("There is no update to {what}: check for updates first.")]
    NothingPending {
        /// "download" or "install".
        what: &'static str,
    },
    /// Another check or download is running.
    #[error("An update check or download is already running; wait for it to finish.")]
    Busy,
    /// The verified update could not be installed.
    #[error(
        "The update was downloaded and verified but could not be installed: {detail}. Your current version keeps working; download the new version from taskly.chat instead."
    )]
    InstallFailed {
        /// What failed.
        detail: String,
    },
    /// Anything else.
    #[error("The update failed: {detail}. Try again later.")]
    Internal {
        /// What failed.
        detail: String,
    },
}

/// Stable codes of [`UpdateError`]; they only ever gain variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[allow(missing_docs)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum UpdateErrorCode {
    UpdateChecksOff,
    UpdateEndpointInvalid,
    UpdateServerUnreachable,
    UpdateServerError,
    UpdateManifestInvalid,
    UpdateNotForThisPlatform,
    UpdateSignatureInvalid,
    UpdateSignatureMissing,
    UpdateVersionMismatch,
    UpdateDowngradeRefused,
    UpdateNothingPending,
    UpdateBusy,
    UpdateInstallFailed,
    UpdateInternal,
}

/// What the window should offer next; only ever gains variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[allow(missing_docs)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum UpdateAction {
    Retry,
    CheckForUpdates,
    DownloadManually,
    None,
}

/// The JSON form of an [`UpdateError`], shaped like the core's `ErrorPayload` (code, message,
/// action) so the window shows it the same way.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct UpdateErrorPayload {
    /// Stable code.
    pub code: UpdateErrorCode,
    /// A sentence a person can act on.
    pub message: String,
    /// What to offer.
    pub action: UpdateAction,
}

impl UpdateError {
    /// The stable code.
    pub fn code(&self) -> UpdateErrorCode {
        use UpdateErrorCode as C;
        match self {
            UpdateError::ChecksOff => C::UpdateChecksOff,
            UpdateError::BadEndpoint { .. } => C::UpdateEndpointInvalid,
            UpdateError::Unreachable { .. } => C::UpdateServerUnreachable,
            UpdateError::ServerError { .. } => C::UpdateServerError,
            UpdateError::BadManifest { .. } => C::UpdateManifestInvalid,
            UpdateError::NoBuildForPlatform { .. } => C::UpdateNotForThisPlatform,
            UpdateError::BadSignature { .. } => C::UpdateSignatureInvalid,
            UpdateError::MissingSignature => C::UpdateSignatureMissing,
            UpdateError::VersionMismatch { .. } => C::UpdateVersionMismatch,
            UpdateError::Downgrade { .. } => C::UpdateDowngradeRefused,
            UpdateError::NothingPending { .. } => C::UpdateNothingPending,
            UpdateError::Busy => C::UpdateBusy,
            UpdateError::InstallFailed { .. } => C::UpdateInstallFailed,
            UpdateError::Internal { .. } => C::UpdateInternal,
        }
    }

    /// What to offer.
    pub fn action(&self) -> UpdateAction {
        match self {
            UpdateError::Unreachable { .. }
            | UpdateError::ServerError { .. }
            | UpdateError::BadManifest { .. }
            | UpdateError::Busy
            | UpdateError::Internal { .. } => UpdateAction::Retry,
            UpdateError::NothingPending { .. } => UpdateAction::CheckForUpdates,
            UpdateError::InstallFailed { .. } => UpdateAction::DownloadManually,
            UpdateError::ChecksOff
            | UpdateError::BadEndpoint { .. }
            | UpdateError::NoBuildForPlatform { .. }
            | UpdateError::BadSignature { .. }
            | UpdateError::MissingSignature
            | UpdateError::VersionMismatch { .. }
            | UpdateError::Downgrade { .. } => UpdateAction::None,
        }
    }

    /// Whether the update itself was refused (signature, version), as opposed to a failure to
    /// reach or read the server.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            UpdateError::BadSignature { .. }
                | UpdateError::MissingSignature
                | UpdateError::VersionMismatch { .. }
                | UpdateError::Downgrade { .. }
        )
    }

    /// The form that crosses IPC.
    pub fn payload(&self) -> UpdateErrorPayload {
        UpdateErrorPayload {
            code: self.code(),
            message: self.to_string(),
            action: self.action(),
        }
    }
}

impl From<tauri_plugin_updater::Error> for UpdateError {
    fn from(err: tauri_plugin_updater::Error) -> Self {
        use tauri_plugin_updater::Error as E;
        match err {
            E::Minisign(minisign_verify::Error::UnexpectedKeyId) => UpdateError::BadSignature {
                detail: "it was signed with a different key".into(),
            },
            E::Minisign(minisign_verify::Error::InvalidSignature) => UpdateError::BadSignature {
                detail: "the downloaded file does not match its signature".into(),
            },
            E::Minisign(other) => UpdateError::BadSignature {
                detail: format!("the signature cannot be used: {other}"),
            },
            E::Base64(_) | E::SignatureUtf8(_) => UpdateError::BadSignature {
                detail: "the signature is not in the expected format".into(),
            },
            E::SignedVersionMismatch { signed, announced } => {
                UpdateError::VersionMismatch { signed, announced }
            }
            E::MissingSignedVersion => UpdateError::BadSignature {
                detail: "the signature does not say which version it is for".into(),
            },
            E::Serialization(e) if e.to_string().contains("`signature`") => {
                UpdateError::MissingSignature
            }
            E::Serialization(e) => UpdateError::BadManifest {
                detail: e.to_string(),
            },
            E::Semver(e) => UpdateError::BadManifest {
                detail: format!("bad version number: {e}"),
            },
            E::UrlParse(e) => UpdateError::BadManifest {
                detail: format!("bad address: {e}"),
            },
            E::TargetNotFound(_) | E::TargetsNotFound(_) => UpdateError::NoBuildForPlatform {
                detail: "no download for this system in the release".into(),
            },
            E::ReleaseNotFound => UpdateError::ServerError {
                detail: "no release information".into(),
            },
            E::Network(detail) => UpdateError::ServerError { detail },
            E::Reqwest(e) if e.is_decode() => UpdateError::BadManifest {
                detail: "not valid JSON".into(),
            },
            E::Reqwest(e) if e.is_status() => UpdateError::ServerError {
                detail: e
                    .status()
                    .map_or_else(|| "HTTP error".into(), |s| format!("HTTP {s}")),
            },
            E::Reqwest(e) => UpdateError::Unreachable {
                detail: if e.is_timeout() {
                    "it did not answer in time".into()
                } else if e.is_connect() {
                    "no connection".into()
                } else {
                    "the request failed".into()
                },
            },
            E::InsecureTransportProtocol => UpdateError::BadEndpoint {
                reason: "it does not use https".into(),
            },
            E::AuthenticationFailed => UpdateError::InstallFailed {
                detail: "the administrator password prompt was cancelled or failed".into(),
            },
            E::DebInstallFailed | E::PackageInstallFailed | E::InvalidUpdaterFormat => {
                UpdateError::InstallFailed {
                    detail: err.to_string(),
                }
            }
            other => UpdateError::Internal {
                detail: other.to_string(),
            },
        }
    }
}

/// The updater's state in the app: the policy, the release the last check found, the verified
/// download waiting for "install", and whether a check or download is running.
#[derive(Default)]
pub struct Updates {
    policy: Option<Policy>,
    executable_path: Option<PathBuf>,
    found: Mutex<Option<Update>>,
    verified: Mutex<Option<(Update, Vec<u8>)>>,
    busy: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Updates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Updates")
            .field("policy", &self.policy)
            .field("executable_path", &self.executable_path)
            .finish_non_exhaustive()
    }
}

impl Updates {
    /// The updater state for this policy.
    pub fn new(policy: Policy) -> Self {
        Self {
            policy: Some(policy),
            ..Self::default()
        }
    }

    /// Installs over this file instead of the running executable (tests point it at a stand-in).
    pub fn with_executable_path(mut self, path: PathBuf) -> Self {
        self.executable_path = Some(path);
        self
    }

    fn policy(&self) -> &Policy {
        self.policy.as_ref().unwrap_or(&Policy::Configured)
    }

    fn gate(&self) -> Result<(), UpdateError> {
        match self.policy() {
            Policy::Off => Err(UpdateError::ChecksOff),
            Policy::Invalid { reason } => Err(UpdateError::BadEndpoint {
                reason: reason.clone(),
            }),
            Policy::Configured | Policy::Override { .. } => Ok(()),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Asks the update server whether there is a newer release. A newer release is remembered for
/// [`download`]; an older one is refused ([`UpdateError::Downgrade`]); the same one is "up to
/// date".
pub async fn check<R: Runtime>(app: &AppHandle<R>) -> Result<UpdateCheck, UpdateError> {
    let state = app.state::<Updates>();
    state.gate()?;
    let _busy = state.busy.try_lock().map_err(|_| UpdateError::Busy)?;
    let current = app.package_info().version.clone();
    // The plugin answers "no update" for both an older and the same release; remember what was
    // offered so an older one can be told apart and refused in words.
    let offered: Arc<Mutex<Option<semver::Version>>> = Arc::default();
    let seen = offered.clone();
    let mut builder = app
        .updater_builder()
        .version_comparator(move |current, release| {
            *lock(&seen) = Some(release.version.clone());
            release.version > current
        });
    if let Some(path) = &state.executable_path {
        builder = builder.executable_path(path);
    }
    let updater = builder.build()?;
    let found = updater.check().await?;
    let offered = lock(&offered).clone();
    *lock(&state.verified) = None;
    match found {
        Some(update) => {
            let available = AvailableUpdate {
                version: update.version.clone(),
                notes: update.body.clone(),
                date: update.date.and_then(|d| {
                    d.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                }),
            };
            *lock(&state.found) = Some(update);
            Ok(UpdateCheck {
                current_version: current.to_string(),
                available: Some(available),
            })
        }
        None => {
            *lock(&state.found) = None;
            match offered {
                Some(offered) if offered < current => Err(UpdateError::Downgrade {
                    offered: offered.to_string(),
                    current: current.to_string(),
                }),
                _ => Ok(UpdateCheck {
                    current_version: current.to_string(),
                    available: None,
                }),
            }
        }
    }
}

/// Downloads the release the last check found and verifies its signature; only verified bytes
/// are kept for [`install`]. `progress` is called as bytes arrive.
pub async fn download<R: Runtime>(
    app: &AppHandle<R>,
    mut progress: impl FnMut(DownloadProgress) + Send,
) -> Result<String, UpdateError> {
    let state = app.state::<Updates>();
    state.gate()?;
    let _busy = state.busy.try_lock().map_err(|_| UpdateError::Busy)?;
    let update = lock(&state.found)
        .clone()
        .ok_or(UpdateError::NothingPending { what: "download" })?;
    if update.signature.trim().is_empty() {
        return Err(UpdateError::MissingSignature);
    }
    let mut downloaded = 0u64;
    let bytes = update
        .download(
            |chunk, total| {
                downloaded += chunk as u64;
                progress(DownloadProgress { downloaded, total });
            },
            || {},
        )
        .await
        .map_err(|err| {
            let err = UpdateError::from(err);
            tracing::warn!(code = ?err.code(), error = %err, "an update download was refused or failed");
            err
        })?;
    let version = update.version.clone();
    *lock(&state.verified) = Some((update, bytes));
    Ok(version)
}

/// Installs the verified download. On Linux and macOS the new version runs after a restart;
/// Windows' installer closes the app itself.
pub fn install<R: Runtime>(app: &AppHandle<R>) -> Result<(), UpdateError> {
    let state = app.state::<Updates>();
    state.gate()?;
    let (update, bytes) = lock(&state.verified)
        .take()
        .ok_or(UpdateError::NothingPending { what: "install" })?;
    update
        .install(bytes)
        .map_err(|err| match UpdateError::from(err) {
            UpdateError::Internal { detail } => UpdateError::InstallFailed { detail },
            other => other,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ts_rs::{Config, TS};

    #[test]
    fn only_https_or_loopback_http_endpoints_are_accepted() {
        let p = |e: &str| Policy::from_values(None, Some(e));
        assert!(matches!(
            p("https://updates.example.test/{{target}}"),
            Policy::Override {
                loopback_http: false,
                ..
            }
        ));
        for ok in [
            "http://127.0.0.1:9/latest.json",
            "http://[::1]:9/x",
            "http://localhost:9/x",
        ] {
            assert!(
                matches!(
                    p(ok),
                    Policy::Override {
                        loopback_http: true,
                        ..
                    }
                ),
                "{ok}"
            );
        }
        for bad in [
            "http://releases.taskly.chat/x",
            "http://10.0.0.1/x",
            "ftp://127.0.0.1/x",
            "file:///tmp/x",
            "not a url",
        ] {
            assert!(matches!(p(bad), Policy::Invalid { .. }), "{bad}");
        }
        assert_eq!(Policy::from_values(None, None), Policy::Configured);
        assert_eq!(Policy::from_values(None, Some("  ")), Policy::Configured);
    }

    #[test]
    fn off_wins_over_an_endpoint() {
        for off in ["off", "OFF", "0", "false"] {
            let p = Policy::from_values(Some(off), Some("http://127.0.0.1:9/x"));
            assert_eq!(p, Policy::Off);
            assert!(!p.enabled());
        }
        assert_eq!(Policy::from_values(Some("on"), None), Policy::Configured);
    }

    #[test]
    fn an_override_replaces_the_endpoints_and_allows_http_only_for_loopback() {
        let mut plugins = HashMap::new();
        plugins.insert(
            "updater".to_owned(),
            serde_json::json!({"pubkey": "k", "endpoints": ["https://releases.taskly.chat/x"]}),
        );
        let mut https = plugins.clone();
        Policy::from_values(None, Some("https://staging.example.test/u")).apply(&mut https);
        assert_eq!(
            https["updater"]["endpoints"],
            serde_json::json!(["https://staging.example.test/u"])
        );
        assert!(
            https["updater"]
                .get("dangerousInsecureTransportProtocol")
                .is_none()
        );
        assert_eq!(https["updater"]["pubkey"], "k");

        Policy::from_values(None, Some("http://127.0.0.1:4000/u")).apply(&mut plugins);
        assert_eq!(
            plugins["updater"]["endpoints"],
            serde_json::json!(["http://127.0.0.1:4000/u"])
        );
        assert_eq!(
            plugins["updater"]["dangerousInsecureTransportProtocol"],
            true
        );

        let mut off = HashMap::new();
        Policy::Off.apply(&mut off);
        assert!(off.is_empty());
    }

    #[test]
    fn refusals_have_stable_codes_and_say_nothing_was_installed() {
        let errs = [
            UpdateError::from(tauri_plugin_updater::Error::Minisign(
                minisign_verify::Error::InvalidSignature,
            )),
            UpdateError::from(tauri_plugin_updater::Error::Minisign(
                minisign_verify::Error::UnexpectedKeyId,
            )),
            UpdateError::MissingSignature,
            UpdateError::VersionMismatch {
                signed: "0.0.1".into(),
                announced: "9.0.0".into(),
            },
        ];
        for err in &errs {
            assert!(err.is_refusal());
            assert!(err.to_string().contains("Nothing was"), "{err}");
            assert_eq!(err.action(), UpdateAction::None);
        }
        let json = serde_json::to_value(errs[1].payload()).expect("json");
        assert_eq!(json["code"], "update_signature_invalid");
        assert_eq!(json["action"], "none");
        assert!(
            json["message"]
                .as_str()
                .is_some_and(|m| m.contains("different key"))
        );
    }

    /// `ui/src/bindings/updates.ts` is generated from these types and checked for drift:
    /// `TASKLY_UPDATE_BINDINGS=1 cargo test -p taskly-desktop bindings`.
    #[test]
    fn update_bindings_are_up_to_date() {
        let cfg = Config::new().with_large_int("number");
        let mut text = String::from(
            "// Generated from src-tauri/src/updates.rs by `cargo test -p taskly-desktop bindings`.\n\
             // Do not edit: change the Rust type, then run with TASKLY_UPDATE_BINDINGS=1.\n\n",
        );
        for decl in [
            UpdateCheck::decl(&cfg),
            AvailableUpdate::decl(&cfg),
            DownloadProgress::decl(&cfg),
            UpdateErrorCode::decl(&cfg),
            UpdateAction::decl(&cfg),
            UpdateErrorPayload::decl(&cfg),
        ] {
            text.push_str("export ");
            text.push_str(&decl);
            text.push_str("\n\n");
        }
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings/updates.ts");
        if std::env::var_os("TASKLY_UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &text).expect("write bindings");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == text,
            "ui/src/bindings/updates.ts is out of date: run TASKLY_UPDATE_BINDINGS=1 cargo test -p taskly-desktop bindings"
        );
    }
}
