//! Typed errors with a stable code, a message a person can act on, and the action to offer.
//!
//! The code and action are part of the contract with the CLI's `--json` output and the UI: they
//! only ever gain variants. Messages never contain a secret, and provider messages reach them
//! only after `providers::error_body` has shortened and scrubbed them.

use std::time::Duration;

use serde::Serialize;

use crate::provider_id::ProviderId;
use crate::secret::KeyInputError;
use crate::store_kind::StoreKind;
use crate::usage::estimate::Estimate;

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
    #[error("Unknown provider {name:?}.")]
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
        /// Why, as a clause the message quotes (never a secret or a URL\'s credentials).
        reason: &'static str,
    },
    /// An account name that cannot be used.
    #[error("The account name {reason}.")]
    InvalidAccount {
        /// Why, as a clause the message quotes (never a secret or a URL\'s credentials).
        reason: &'static str,
    },
    /// No key with that id for this account.
    #[error("There is no key {id:?} in this account.")]
    KeyNotFound {
        /// The id asked for.
        id: String,
    },
    /// The OS credential store is not there at all.
    #[error("Your system's credential store ({store}) is not available: {detail}. {advice}", advice = store.advice_unavailable())]
    CredentialStoreUnavailable {
        /// The store concerned, named in the message and choosing the advice.
        store: StoreKind,
        /// What the store said.
        detail: String,
    },
    /// The store is there but locked or refusing access.
    #[error("Your system's credential store ({store}) is locked or refused access: {detail}. {advice}", advice = store.advice_locked())]
    CredentialStoreLocked {
        /// The store concerned, named in the message and choosing the advice.
        store: StoreKind,
        /// What the store said.
        detail: String,
    },
    /// The store did not answer in time (often: an unlock prompt nobody sees).
    #[error("Your system's credential store ({store}) did not answer within {secs} s. It may be waiting for you to unlock it; unlock it and try again.", secs = after.as_secs_f32())]
    CredentialStoreTimeout {
        /// The store concerned, named in the message and choosing the advice.
        store: StoreKind,
        /// How long we waited.
        after: Duration,
    },
    /// Any other failure of the store.
    #[error("Your system's credential store ({store}) failed: {detail}. Try again.")]
    CredentialStoreFailed {
        /// The store concerned, named in the message and choosing the advice.
        store: StoreKind,
        /// What the store said.
        detail: String,
    },
    /// The store answered, but the secret we wrote did not read back the same.
    #[error(
        "Your system's credential store ({store}) did not keep the key (it read back differently), so it was not saved. Try again."
    )]
    CredentialStoreMismatch {
        /// The store concerned, named in the message and choosing the advice.
        store: StoreKind,
    },
    /// The metadata says there is a key, the credential store has no secret for it.
    #[error(
        "The key {id} is listed but its secret is missing from your credential store (it was removed outside Taskly). Enter the key again (replace its secret), or remove it."
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
        /// What failed, already scrubbed of anything key-shaped.
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
    /// The base URL answered, but not with the API we expected (404 on the models call, or a
    /// 200 that is not a models list).
    #[error("{provider} has no API at this base URL (the models list answered HTTP {status} with no list of models). Check the base URL.", provider = provider_name(*.provider))]
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
        /// What failed, in the operating system's words (a key is never in a path or file).
        detail: String,
    },
    /// SQLite failed.
    #[error("The key list database failed: {detail}. Try again.")]
    Database {
        /// What failed, in SQLite's words (the database never holds a key).
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
        "The key list database at {path} is damaged or not a Taskly database ({detail}). It was left untouched; move it aside to start afresh (your keys stay in the credential store)."
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
        /// Why, as a clause the message quotes (never a secret or a URL\'s credentials).
        reason: String,
    },
    /// The upstream refused the request for its rate limit.
    #[error("{upstream} is rate limiting {whose} right now{wait}. {advice}", whose = upstream.whose(), wait = wait_text(*.retry_after), advice = rate_advice(*.retry_after))]
    RateLimited {
        /// The provider or Taskly, named in the message.
        upstream: Upstream,
        /// How long to wait, if the answer said.
        retry_after: Option<Duration>,
    },
    /// The account behind the key is out of quota or credit.
    #[error("{upstream} says {whose} is out of quota or credit: {detail} Check your plan and billing with {upstream}.", whose = upstream.whose())]
    QuotaExhausted {
        /// The provider or Taskly, named in the message.
        upstream: Upstream,
        /// The upstream's words, scrubbed.
        detail: String,
    },
    /// The model is not available to this key (or does not exist).
    #[error("The model {model:?} is not available {via}: {detail} Pick another model.", via = upstream.via())]
    ModelNotAvailable {
        /// The provider or Taskly, named in the message.
        upstream: Upstream,
        /// The model asked for.
        model: String,
        /// The upstream's words, scrubbed.
        detail: String,
    },
    /// A 5xx or overload answer.
    #[error(
        "{upstream} is having trouble (HTTP {status}): {detail} This is not about your key; try again in a moment."
    )]
    UpstreamOutage {
        /// The provider or Taskly, named in the message.
        upstream: Upstream,
        /// HTTP status.
        status: u16,
        /// The upstream's words, scrubbed.
        detail: String,
    },
    /// The request was refused for another reason (400 and the like).
    #[error("{upstream} refused the request (HTTP {status}): {detail}")]
    RequestRefused {
        /// The provider or Taskly, named in the message.
        upstream: Upstream,
        /// HTTP status.
        status: u16,
        /// The upstream's words, scrubbed.
        detail: String,
    },
    /// The network failed before an answer came.
    #[error("Could not reach {upstream} at {host}: {detail}. Check your connection and try again.")]
    NetworkError {
        /// Who we tried.
        upstream: Upstream,
        /// The host.
        host: String,
        /// What failed, already scrubbed of anything key-shaped.
        detail: String,
    },
    /// The server's TLS certificate is not trusted by this machine: the connection was
    /// closed during the handshake, before anything (the key included) was sent.
    #[error(
        "The certificate of {host} is not trusted ({detail}), so nothing was sent to {upstream}. If your company inspects HTTPS traffic, add its certificate authority to the system's certificates; otherwise someone may be intercepting the connection."
    )]
    UntrustedCertificate {
        /// Who we tried.
        upstream: Upstream,
        /// The host.
        host: String,
        /// What the TLS library said.
        detail: String,
    },
    /// No answer (or no next piece of it) in time.
    #[error("{upstream} did not answer in time (no {phase} within {secs} s). Try again.", secs = after.as_secs_f32())]
    UpstreamTimeout {
        /// Who we waited for.
        upstream: Upstream,
        /// What we waited for: "response", "first token", "next token".
        phase: &'static str,
        /// How long.
        after: Duration,
    },
    /// The answer stopped before its end.
    #[error(
        "The answer from {upstream} stopped half way ({detail}). What arrived is kept; try again for the rest."
    )]
    StreamCut {
        /// Who was answering.
        upstream: Upstream,
        /// What happened.
        detail: String,
        /// The text that arrived before the cut (the user's own conversation, never logged).
        partial: String,
    },
    /// An answer we could not read.
    #[error("{upstream} sent an answer Taskly could not read: {detail}.")]
    BadResponse {
        /// The provider or Taskly, named in the message.
        upstream: Upstream,
        /// What was wrong, in our words (never the upstream\'s body).
        detail: String,
    },
    /// The Taskly proxy refused our Taskly token.
    #[error(
        "Taskly refused the sign-in token ({detail}). Sign in again, or set TASKLY_PROXY_TOKEN."
    )]
    ProxyTokenRejected {
        /// The proxy's words, scrubbed.
        detail: String,
    },
    /// No Taskly token to call the proxy with.
    #[error(
        "There is no Taskly sign-in to send this request through Taskly. Sign in, set TASKLY_PROXY_TOKEN, or switch on a personal key for this provider."
    )]
    ProxyTokenMissing,
    /// A configuration that would send a personal key to a Taskly host.
    #[error(
        "Refused: {reason}. Your key is never sent to Taskly; fix the base URL or TASKLY_PROXY_URL."
    )]
    UnsafeRoute {
        /// Why, as a clause the message quotes (never a secret or a URL\'s credentials).
        reason: String,
    },
    /// A stored key's base URL is not the address it was checked at: changed outside the app
    /// (or by another tool). Nothing was sent.
    #[error(
        "Key {id} was checked at {bound}, but its base URL now points at {now}. It was not sent. If you made this change, confirm the new address (edit the key and save its base URL again), which checks the key there first."
    )]
    KeyOriginChanged {
        /// The key.
        id: String,
        /// The origin the key was validated on.
        bound: String,
        /// The origin its base URL has now.
        now: String,
    },
    /// A chat request that no upstream should get (no question, too long, a bad model name).
    #[error("This question cannot be sent: {reason}.")]
    InvalidChatRequest {
        /// What is wrong.
        reason: String,
    },
    /// The question holds what looks like an API key (key-shaped, or one the vault holds);
    /// nothing was sent.
    #[error(
        "This question holds what looks like an API key ({what}): remove it before sending. Nothing was sent. If you mean to send it, send anyway."
    )]
    PromptHasSecret {
        /// What was found, masked ("OpenAI key sk-proj-…a1b2").
        what: String,
    },
    /// `keys import` named a find the scan does not have.
    #[error(
        "No key with id {id} was found by this scan. Scan again to see the ids (they name the file and setting a key was found in)."
    )]
    ImportNotFound {
        /// The id asked for.
        id: String,
    },
    /// A hard budget for this key is used up, or the request about to be sent would pass it.
    #[error("{}", budget_exceeded_text(.key_id, .period, *.spent_usd, *.limit_usd, .estimate.as_deref()))]
    BudgetExceeded {
        /// The key.
        key_id: String,
        /// "daily" or "monthly".
        period: &'static str,
        /// Estimated spend in that period, before this request.
        spent_usd: f64,
        /// The hard limit.
        limit_usd: f64,
        /// The refused request's worst case, when it was checked before sending
        /// (`usage::budget::check_before`); `None` from the plain check.
        estimate: Option<Box<Estimate>>,
    },
    /// The user cancelled.
    #[error("Cancelled.")]
    Cancelled,
    /// Another process (the app or the CLI) changed the same key at the same moment.
    #[error(
        "The key {id} was changed elsewhere (by another Taskly window or command) while this ran; nothing was changed here. Try again."
    )]
    ConcurrentChange {
        /// The key.
        id: String,
    },
    /// A destructive action was asked for where nobody can confirm it.
    #[error("{what} needs confirmation: run it from a terminal, or pass --yes.")]
    ConfirmationRequired {
        /// What was asked.
        what: &'static str,
    },
    /// The Taskly route needs a sign-in: none on this account, or the issuer ended it.
    #[error(
        "{detail} To ask through Taskly, sign in: run `taskly auth login` (or use Sign in in the app). Or switch on a personal key for this provider."
    )]
    SignInRequired {
        /// What happened, as a sentence ("You are not signed in to Taskly.").
        detail: String,
    },
    /// The sign-in service refused or the person declined; nothing was stored.
    #[error("Signing in to Taskly did not finish: {detail}. Nothing was stored; try again.")]
    SignInFailed {
        /// What the issuer said, in our words.
        detail: String,
    },
    /// An answer failed a security check of the sign-in (state, issuer, audience, nonce,
    /// signature); nothing was stored.
    #[error(
        "Signing in to Taskly was stopped: {reason}. Nothing was stored. Start the sign-in again from Taskly Desktop; if this keeps happening, something on this machine or network may be interfering."
    )]
    SignInRejected {
        /// Which check failed.
        reason: String,
    },
    /// The person did not finish signing in in time.
    #[error(
        "Signing in to Taskly was not finished within {minutes} minutes, so it was ended. Nothing was stored; start it again when you are ready.",
        minutes = after.as_secs().div_ceil(60)
    )]
    SignInTimedOut {
        /// How long it waited.
        after: Duration,
    },
    /// The sign-in service cannot be reached or answered nonsense.
    #[error(
        "Taskly's sign-in service ({issuer}) cannot be used right now: {detail}. Check your connection and try again."
    )]
    AuthUnreachable {
        /// The issuer URL.
        issuer: String,
        /// What failed.
        detail: String,
    },
    /// No signed-in account by that name.
    #[error(
        "No Taskly account {name:?} is signed in on this machine. `taskly auth status` lists them."
    )]
    AccountNotFound {
        /// What was asked for.
        name: String,
    },
    /// A bug or an impossible state; the message says what.
    #[error("Internal error: {0}. Please report this.")]
    Internal(String),
}

/// The stable, machine-readable form of an error's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[allow(missing_docs)]
#[cfg_attr(test, derive(ts_rs::TS))]
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
    ConcurrentChange,
    RateLimited,
    QuotaExhausted,
    ModelNotAvailable,
    UpstreamOutage,
    RequestRefused,
    NetworkError,
    UntrustedCertificate,
    UpstreamTimeout,
    StreamCut,
    BadResponse,
    ProxyTokenRejected,
    ProxyTokenMissing,
    UnsafeRoute,
    BudgetExceeded,
    Cancelled,
    Internal,
    KeyOriginChanged,
    InvalidChatRequest,
    PromptHasSecret,
    ImportNotFound,
    SignInRequired,
    SignInFailed,
    SignInRejected,
    SignInTimedOut,
    AuthUnreachable,
    AccountNotFound,
}

/// What the UI or CLI should offer next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[allow(missing_docs)]
#[cfg_attr(test, derive(ts_rs::TS))]
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
    WaitAndRetry,
    CheckBilling,
    PickModel,
    SignIn,
    RaiseBudget,
    CheckCertificates,
    None,
}

/// The JSON form of an error, as it crosses IPC and the CLI's `--json`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ErrorPayload {
    /// Stable code.
    pub code: ErrorCode,
    /// A sentence a person can act on.
    pub message: String,
    /// What to offer.
    pub action: ErrorAction,
    /// The provider concerned, if any.
    pub provider: Option<ProviderId>,
    /// A page that helps (key page, billing page).
    pub link: Option<&'static str>,
    /// Whether the error came from Taskly's proxy rather than the provider.
    pub via_taskly: bool,
    /// Seconds to wait before retrying, when known.
    pub retry_after_secs: Option<u64>,
    /// The part of an answer that arrived before a cut.
    pub partial_text: Option<String>,
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
            Error::ConcurrentChange { .. } => C::ConcurrentChange,
            Error::RateLimited { .. } => C::RateLimited,
            Error::QuotaExhausted { .. } => C::QuotaExhausted,
            Error::ModelNotAvailable { .. } => C::ModelNotAvailable,
            Error::UpstreamOutage { .. } => C::UpstreamOutage,
            Error::RequestRefused { .. } => C::RequestRefused,
            Error::NetworkError { .. } => C::NetworkError,
            Error::UntrustedCertificate { .. } => C::UntrustedCertificate,
            Error::UpstreamTimeout { .. } => C::UpstreamTimeout,
            Error::StreamCut { .. } => C::StreamCut,
            Error::BadResponse { .. } => C::BadResponse,
            Error::ProxyTokenRejected { .. } => C::ProxyTokenRejected,
            Error::ProxyTokenMissing => C::ProxyTokenMissing,
            Error::UnsafeRoute { .. } => C::UnsafeRoute,
            Error::KeyOriginChanged { .. } => C::KeyOriginChanged,
            Error::InvalidChatRequest { .. } => C::InvalidChatRequest,
            Error::PromptHasSecret { .. } => C::PromptHasSecret,
            Error::ImportNotFound { .. } => C::ImportNotFound,
            Error::BudgetExceeded { .. } => C::BudgetExceeded,
            Error::Cancelled => C::Cancelled,
            Error::SignInRequired { .. } => C::SignInRequired,
            Error::SignInFailed { .. } => C::SignInFailed,
            Error::SignInRejected { .. } => C::SignInRejected,
            Error::SignInTimedOut { .. } => C::SignInTimedOut,
            Error::AuthUnreachable { .. } => C::AuthUnreachable,
            Error::AccountNotFound { .. } => C::AccountNotFound,
            Error::Internal(_) => C::Internal,
        }
    }

    /// What to offer the user next.
    pub fn action(&self) -> ErrorAction {
        use ErrorAction as A;
        match self {
            Error::KeyInput(_)
            | Error::InvalidChatRequest { .. }
            | Error::PromptHasSecret { .. }
            | Error::ImportNotFound { .. }
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
            Error::ConcurrentChange { .. } => A::Retry,
            Error::RateLimited { .. } => A::WaitAndRetry,
            Error::QuotaExhausted { .. } => A::CheckBilling,
            Error::ModelNotAvailable { .. } => A::PickModel,
            Error::UpstreamOutage { .. }
            | Error::NetworkError { .. }
            | Error::UpstreamTimeout { .. }
            | Error::StreamCut { .. }
            | Error::BadResponse { .. } => A::Retry,
            Error::RequestRefused { .. } => A::ReportBug,
            Error::ProxyTokenRejected { .. }
            | Error::ProxyTokenMissing
            | Error::SignInRequired { .. }
            | Error::SignInFailed { .. }
            | Error::SignInRejected { .. }
            | Error::SignInTimedOut { .. }
            | Error::AccountNotFound { .. } => A::SignIn,
            Error::AuthUnreachable { .. } => A::Retry,
            Error::UnsafeRoute { .. } | Error::KeyOriginChanged { .. } => A::CheckBaseUrl,
            Error::BudgetExceeded { .. } => A::RaiseBudget,
            Error::UntrustedCertificate { .. } => A::CheckCertificates,
            Error::Cancelled => A::None,
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
            _ => self.upstream().and_then(Upstream::provider),
        }
    }

    /// Who answered, for errors of a chat request.
    pub fn upstream(&self) -> Option<Upstream> {
        match self {
            Error::RateLimited { upstream, .. }
            | Error::QuotaExhausted { upstream, .. }
            | Error::ModelNotAvailable { upstream, .. }
            | Error::UpstreamOutage { upstream, .. }
            | Error::RequestRefused { upstream, .. }
            | Error::NetworkError { upstream, .. }
            | Error::UntrustedCertificate { upstream, .. }
            | Error::UpstreamTimeout { upstream, .. }
            | Error::StreamCut { upstream, .. }
            | Error::BadResponse { upstream, .. } => Some(*upstream),
            _ => None,
        }
    }

    /// The serializable form.
    pub fn payload(&self) -> ErrorPayload {
        let provider = self.provider();
        let link = match self {
            Error::InvalidKey { provider, .. } => provider.spec().key_page,
            Error::QuotaExhausted {
                upstream: Upstream::Provider(p),
                ..
            } => p.spec().billing_page,
            _ => None,
        };
        let retry_after_secs = match self {
            Error::RateLimited { retry_after, .. } => {
                retry_after.map(|d| d.as_secs_f64().ceil() as u64)
            }
            _ => None,
        };
        let partial_text = match self {
            Error::StreamCut { partial, .. } if !partial.is_empty() => Some(partial.clone()),
            _ => None,
        };
        ErrorPayload {
            code: self.code(),
            message: self.to_string(),
            action: self.action(),
            provider,
            link,
            via_taskly: self.upstream() == Some(Upstream::Taskly),
            retry_after_secs,
            partial_text,
        }
    }

    /// Whether retrying the same request may succeed (rate limits, outages, timeouts, network).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::RateLimited { .. }
                | Error::UpstreamOutage { .. }
                | Error::NetworkError { .. }
                | Error::UpstreamTimeout { .. }
        )
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

/// Who answered a chat request: a provider (through the user's key) or Taskly's proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Upstream {
    /// A provider, called directly with the user's key.
    Provider(ProviderId),
    /// The Taskly proxy, called with the Taskly token.
    Taskly,
}

impl Upstream {
    /// The provider, when it is one.
    pub fn provider(self) -> Option<ProviderId> {
        match self {
            Upstream::Provider(p) => Some(p),
            Upstream::Taskly => None,
        }
    }

    fn whose(self) -> &'static str {
        match self {
            Upstream::Provider(_) => "your key",
            Upstream::Taskly => "your Taskly account",
        }
    }

    fn via(self) -> String {
        match self {
            Upstream::Provider(p) => format!("to your {} key", p.spec().name),
            Upstream::Taskly => "through Taskly".to_owned(),
        }
    }
}

impl std::fmt::Display for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Upstream::Provider(p) => f.write_str(p.spec().name),
            Upstream::Taskly => f.write_str("Taskly"),
        }
    }
}

fn wait_text(wait: Option<Duration>) -> String {
    wait.map(|w| {
        format!(
            " (try again in {} s)",
            (w.as_secs_f64().ceil() as u64).max(1)
        )
    })
    .unwrap_or_default()
}

fn rate_advice(wait: Option<Duration>) -> &'static str {
    if wait.is_some() {
        "Wait and retry."
    } else {
        "Wait a moment and retry."
    }
}

fn usd(amount: f64) -> String {
    format!("${amount:.2}")
}

fn budget_exceeded_text(
    key_id: &str,
    period: &str,
    spent_usd: f64,
    limit_usd: f64,
    estimate: Option<&Estimate>,
) -> String {
    let (unit, so_far) = if period == "daily" {
        ("day", "today")
    } else {
        ("month", "this month")
    };
    let (limit, spent) = (usd(limit_usd), usd(spent_usd));
    match estimate {
        // A budget already used up is the reason, whatever this request would cost.
        Some(estimate) if spent_usd < limit_usd => format!(
            "{}, which would pass the {period} hard budget of {limit} for key {key_id} (about \
             {spent} spent {so_far}); nothing was sent. Raise the budget, shorten the \
             conversation or ask for a shorter answer, or wait for the next {unit}.",
            estimate.describe()
        ),
        _ => format!(
            "The {period} budget of {limit} for key {key_id} is used up (spent about {spent}). \
             Raise it, or wait for the next {unit}."
        ),
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
          "link": "https://platform.openai.com/api-keys",
          "via_taskly": false,
          "retry_after_secs": null,
          "partial_text": null
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
          "action": "unlock_credential_store",
          "provider": null,
          "link": null,
          "via_taskly": false,
          "retry_after_secs": null,
          "partial_text": null
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
