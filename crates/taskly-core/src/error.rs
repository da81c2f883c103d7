//! Typed errors with a stable code, a message a person can act on, and the action to offer.
//!
//! The code and action are part of the contract with the CLI's `--json` output and the UI: they
//! only ever gain variants. Messages never contain a secret, and provider messages reach them
//! only after `providers::error_body` has shortened and scrubbed them.

use std::time::Duration;

use serde::Serialize;

use crate::providers::ProviderId;
use crate::secret::KeyInputError;
use crate::vault::credentials::StoreKind;

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The pasted key breaks an input rule; nothing was stored or sent.
    #[error("{0}")]
    KeyInput(#[from] KeyInputError),
    /// A provider name not in the registry.
    #[error("Unknown provider {name:?}. Run `taskly providers` to see the supported ones.")]
    UnknownProvider {
        /// What was asked for.
        name: String,
    },
    /// A base URL we will not send a key to.
    #[error("The base URL {url:?} cannot be used: {reason}.")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// Why, in words.
        reason: String,
    },
    /// Azure and custom endpoints have no default address.
    #[error("{provider} needs a base URL, for example {example}.")]
    BaseUrlRequired {
        /// Provider name.
        provider: &'static str,
        /// An example URL.
        example: &'static str,
    },
    /// A label that is empty, too long or multi-line.
    #[error("The label {reason}.")]
    InvalidLabel {
        /// Why.
        reason: &'static str,
    },
    /// An account name that cannot be used.
    #[error("The account name {reason}.")]
    InvalidAccount {
        /// Why.
        reason: &'static str,
    },
    /// No key with that id for this account.
    #[error("There is no key {id:?} in this account. Run `taskly keys list` to see your keys.")]
    KeyNotFound {
        /// The id asked for.
        id: String,
    },
    /// The OS credential store is not there at all.
    #[error("Your system's credential store ({store}) is not available: {detail}. {advice}", advice = store.advice_unavailable())]
    CredentialStoreUnavailable {
        /// Which store.
        store: StoreKind,
        /// What the store said.
        detail: String,
    },
    /// The store is there but locked or refusing access.
    #[error("Your system's credential store ({store}) is locked or refused access: {detail}. {advice}", advice = store.advice_locked())]
    CredentialStoreLocked {
        /// Which store.
        store: StoreKind,
        /// What the store said.
        detail: String,
    },
    /// The store did not answer in time (often: an unlock prompt nobody sees).
    #[error("Your system's credential store ({store}) did not answer within {secs} s. It may be waiting for you to unlock it; unlock it and try again.", secs = after.as_secs_f32())]
    CredentialStoreTimeout {
        /// Which store.
        store: StoreKind,
        /// How long we waited.
        after: Duration,
    },
    /// Any other failure of the store.
    #[error(
        "Your system's credential store ({store}) failed: {detail}. Nothing was saved; try again, and run `taskly doctor` if it keeps failing."
    )]
    CredentialStoreFailed {
        /// Which store.
        store: StoreKind,
        /// What the store said.
        detail: String,
    },
    /// The store answered, but the secret we wrote did not read back the same.
    #[error(
        "Your system's credential store ({store}) did not keep the key (it read back differently). Nothing was saved."
    )]
    CredentialStoreMismatch {
        /// Which store.
        store: StoreKind,
    },
    /// The metadata says there is a key, the credential store has no secret for it.
    #[error(
        "The key {id} is listed but its secret is missing from your credential store (it was removed outside Taskly). Re-enter the key with `taskly keys update {id} --replace-secret`, or remove it."
    )]
    CredentialMissing {
        /// The key id.
        id: String,
    },
    /// The provider refused the key (401/403, Gemini's API_KEY_INVALID).
    #[error("{provider} refused this key{status}: {detail} Check that you copied the whole key, or create a new one.", provider = provider_name(*.provider), status = status_suffix(*.status))]
    InvalidKey {
        /// Which provider.
        provider: ProviderId,
        /// HTTP status.
        status: Option<u16>,
        /// The provider's own words, scrubbed.
        detail: String,
    },
    /// The provider could not be reached (DNS, refused connection, TLS).
    #[error("Could not reach {provider} at {host}: {detail}. Check your connection, or save without checking.", provider = provider_name(*.provider))]
    ProviderUnreachable {
        /// Which provider.
        provider: ProviderId,
        /// The host we tried.
        host: String,
        /// What failed.
        detail: String,
    },
    /// The provider did not answer in time.
    #[error("{provider} did not answer within {secs} s. Try again later, or save without checking.", provider = provider_name(*.provider), secs = after.as_secs())]
    ProviderTimeout {
        /// Which provider.
        provider: ProviderId,
        /// How long we waited.
        after: Duration,
    },
    /// The base URL answered, but not with the API we expected (404 on the models call).
    #[error("{provider} has no API at this base URL (HTTP {status} for the models list). Check the base URL.", provider = provider_name(*.provider))]
    EndpointNotFound {
        /// Which provider.
        provider: ProviderId,
        /// HTTP status.
        status: u16,
    },
    /// The provider answered with an error that is not about the key (5xx, unexpected 4xx).
    #[error("{provider} answered with an error (HTTP {status}): {detail} This is not about your key; try again later, or save without checking.", provider = provider_name(*.provider))]
    ProviderError {
        /// Which provider.
        provider: ProviderId,
        /// HTTP status.
        status: u16,
        /// The provider's own words, scrubbed.
        detail: String,
    },
    /// The data folder cannot be created or used.
    #[error(
        "The data folder {path} cannot be used: {detail}. Check its permissions or set TASKLY_DATA_DIR."
    )]
    DataDir {
        /// The folder.
        path: String,
        /// What failed.
        detail: String,
    },
    /// SQLite failed.
    #[error(
        "The key list database failed: {detail}. Try again; run `taskly doctor` if it keeps failing."
    )]
    Database {
        /// What failed.
        detail: String,
    },
    /// The database was written by a newer Taskly.
    #[error(
        "The key list database was written by a newer version of Taskly (schema {found}, this version knows {supported}). Update Taskly; the file was left as it is."
    )]
    DatabaseTooNew {
        /// Schema version found.
        found: i64,
        /// The newest this build knows.
        supported: i64,
    },
    /// The database file is not a database we can read.
    #[error(
        "The key list database at {path} is damaged or not a Taskly database ({detail}). It was left untouched; move it aside to start afresh (your keys stay in the credential store; `taskly doctor` lists them)."
    )]
    DatabaseCorrupt {
        /// The file.
        path: String,
        /// What SQLite said.
        detail: String,
    },
    /// A configuration value (environment variable) that cannot be used.
    #[error("The setting {name} is not valid: {reason}.")]
    InvalidConfig {
        /// The variable.
        name: &'static str,
        /// Why.
        reason: String,
    },
    /// A destructive action was asked for where nobody can confirm it.
    #[error("{what} needs confirmation: run it from a terminal, or pass --yes.")]
    ConfirmationRequired {
        /// What was asked.
        what: &'static str,
    },
    /// A bug or an impossible state; the message says what.
    #[error("Internal error: {0}. Please report this.")]
    Internal(String),
}

/// The stable, machine-readable form of an error's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum ErrorCode {
    InvalidKeyInput,
    UnknownProvider,
    InvalidBaseUrl,
    BaseUrlRequired,
    InvalidLabel,
    InvalidAccount,
    KeyNotFound,
    CredentialStoreUnavailable,
    CredentialStoreLocked,
    CredentialStoreTimeout,
    CredentialStoreFailed,
    CredentialMissing,
    InvalidKey,
    ProviderUnreachable,
    ProviderTimeout,
    EndpointNotFound,
    ProviderError,
    DataDirUnusable,
    DatabaseError,
    DatabaseTooNew,
    DatabaseCorrupt,
    InvalidConfig,
    ConfirmationRequired,
    Internal,
}

/// What the UI or CLI should offer next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum ErrorAction {
    FixInput,
    SetupCredentialStore,
    UnlockCredentialStore,
    Retry,
    RetryOrSaveWithoutChecking,
    UpdateKey,
    ReEnterKey,
    CheckBaseUrl,
    ListKeys,
    UpdateApp,
    CheckDataDir,
    ReportBug,
}

/// The JSON form of an error, as it crosses IPC and the CLI's `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorPayload {
    /// Stable code.
    pub code: ErrorCode,
    /// A sentence a person can act on.
    pub message: String,
    /// What to offer.
    pub action: ErrorAction,
    /// The provider concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderId>,
    /// A page that helps (key page, billing page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<&'static str>,
}

impl Error {
    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        use ErrorCode as C;
        match self {
            Error::KeyInput(_) => C::InvalidKeyInput,
            Error::UnknownProvider { .. } => C::UnknownProvider,
            Error::InvalidBaseUrl { .. } => C::InvalidBaseUrl,
            Error::BaseUrlRequired { .. } => C::BaseUrlRequired,
            Error::InvalidLabel { .. } => C::InvalidLabel,
            Error::InvalidAccount { .. } => C::InvalidAccount,
            Error::KeyNotFound { .. } => C::KeyNotFound,
            Error::CredentialStoreUnavailable { .. } => C::CredentialStoreUnavailable,
            Error::CredentialStoreLocked { .. } => C::CredentialStoreLocked,
            Error::CredentialStoreTimeout { .. } => C::CredentialStoreTimeout,
            Error::CredentialStoreFailed { .. } | Error::CredentialStoreMismatch { .. } => {
                C::CredentialStoreFailed
            }
            Error::CredentialMissing { .. } => C::CredentialMissing,
            Error::InvalidKey { .. } => C::InvalidKey,
            Error::ProviderUnreachable { .. } => C::ProviderUnreachable,
            Error::ProviderTimeout { .. } => C::ProviderTimeout,
            Error::EndpointNotFound { .. } => C::EndpointNotFound,
            Error::ProviderError { .. } => C::ProviderError,
            Error::DataDir { .. } => C::DataDirUnusable,
            Error::Database { .. } => C::DatabaseError,
            Error::DatabaseTooNew { .. } => C::DatabaseTooNew,
            Error::DatabaseCorrupt { .. } => C::DatabaseCorrupt,
            Error::InvalidConfig { .. } => C::InvalidConfig,
            Error::ConfirmationRequired { .. } => C::ConfirmationRequired,
            Error::Internal(_) => C::Internal,
        }
    }

    /// What to offer the user next.
    pub fn action(&self) -> ErrorAction {
        use ErrorAction as A;
        match self {
            Error::KeyInput(_)
            | Error::UnknownProvider { .. }
            | Error::InvalidLabel { .. }
            | Error::InvalidAccount { .. }
            | Error::InvalidConfig { .. }
            | Error::ConfirmationRequired { .. } => A::FixInput,
            Error::InvalidBaseUrl { .. }
            | Error::BaseUrlRequired { .. }
            | Error::EndpointNotFound { .. } => A::CheckBaseUrl,
            Error::KeyNotFound { .. } => A::ListKeys,
            Error::CredentialStoreUnavailable { .. } => A::SetupCredentialStore,
            Error::CredentialStoreLocked { .. } | Error::CredentialStoreTimeout { .. } => {
                A::UnlockCredentialStore
            }
            Error::CredentialStoreFailed { .. }
            | Error::CredentialStoreMismatch { .. }
            | Error::Database { .. } => A::Retry,
            Error::CredentialMissing { .. } => A::ReEnterKey,
            Error::InvalidKey { .. } => A::UpdateKey,
            Error::ProviderUnreachable { .. }
            | Error::ProviderTimeout { .. }
            | Error::ProviderError { .. } => A::RetryOrSaveWithoutChecking,
            Error::DataDir { .. } | Error::DatabaseCorrupt { .. } => A::CheckDataDir,
            Error::DatabaseTooNew { .. } => A::UpdateApp,
            Error::Internal(_) => A::ReportBug,
        }
    }

    /// The provider this error is about, if any.
    pub fn provider(&self) -> Option<ProviderId> {
        match self {
            Error::InvalidKey { provider, .. }
            | Error::ProviderUnreachable { provider, .. }
            | Error::ProviderTimeout { provider, .. }
            | Error::EndpointNotFound { provider, .. }
            | Error::ProviderError { provider, .. } => Some(*provider),
            _ => None,
        }
    }

    /// The serializable form.
    pub fn payload(&self) -> ErrorPayload {
        let provider = self.provider();
        let link = match self {
            Error::InvalidKey { provider, .. } => provider.spec().key_page,
            _ => None,
        };
        ErrorPayload {
            code: self.code(),
            message: self.to_string(),
            action: self.action(),
            provider,
            link,
        }
    }

    /// Whether the error is the credential store's, not the key's or the provider's.
    pub fn is_credential_store(&self) -> bool {
        matches!(
            self.code(),
            ErrorCode::CredentialStoreUnavailable
                | ErrorCode::CredentialStoreLocked
                | ErrorCode::CredentialStoreTimeout
                | ErrorCode::CredentialStoreFailed
        )
    }
}

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        // rusqlite errors carry SQL and messages, never bound parameter values, and the vault
        // binds no secret anyway.
        Error::Database {
            detail: err.to_string(),
        }
    }
}

fn provider_name(id: ProviderId) -> &'static str {
    id.spec().name
}

fn status_suffix(status: Option<u16>) -> String {
    status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_shape_is_stable() {
        let err = Error::InvalidKey {
            provider: ProviderId::Openai,
            status: Some(401),
            detail: "Incorrect API key provided.".into(),
        };
        insta::assert_json_snapshot!(err.payload(), @r#"
        {
          "code": "invalid_key",
          "message": "OpenAI refused this key (HTTP 401): Incorrect API key provided. Check that you copied the whole key, or create a new one.",
          "action": "update_key",
          "provider": "openai",
          "link": "https://platform.openai.com/api-keys"
        }
        "#);
        let err = Error::CredentialStoreTimeout {
            store: StoreKind::SecretService,
            after: Duration::from_secs(20),
        };
        insta::assert_json_snapshot!(err.payload(), @r#"
        {
          "code": "credential_store_timeout",
          "message": "Your system's credential store (Secret Service) did not answer within 20 s. It may be waiting for you to unlock it; unlock it and try again.",
          "action": "unlock_credential_store"
        }
        "#);
    }

    #[test]
    fn credential_store_failures_are_never_reported_as_invalid_keys() {
        let store = StoreKind::SecretService;
        let errs = [
            Error::CredentialStoreUnavailable {
                store,
                detail: "x".into(),
            },
            Error::CredentialStoreLocked {
                store,
                detail: "x".into(),
            },
            Error::CredentialStoreTimeout {
                store,
                after: Duration::from_secs(1),
            },
            Error::CredentialStoreFailed {
                store,
                detail: "x".into(),
            },
        ];
        for err in errs {
            assert!(err.is_credential_store());
            assert_ne!(err.code(), ErrorCode::InvalidKey);
            assert_ne!(err.action(), ErrorAction::UpdateKey);
        }
    }
}
