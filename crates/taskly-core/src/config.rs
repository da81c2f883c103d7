//! Configuration from the environment, for development, tests and managed machines.
//!
//! `TASKLY_DATA_DIR`, `TASKLY_ACCOUNT`, `TASKLY_CREDENTIAL_STORE`, `TASKLY_<PROVIDER>_BASE_URL`,
//! `TASKLY_CREDENTIAL_TIMEOUT_MS`, `TASKLY_HTTP_TIMEOUT_MS`, and for chat `TASKLY_PROXY_URL`,
//! `TASKLY_PROXY_TOKEN`, `TASKLY_FIRST_BYTE_TIMEOUT_MS`, `TASKLY_IDLE_TIMEOUT_MS`,
//! `TASKLY_ANSWER_TIMEOUT_MS`, `TASKLY_RETRY_BASE_MS` and `TASKLY_RETRY_MAX_WAIT_MS`, and for
//! sign-in `TASKLY_AUTH_URL`, `TASKLY_AUTH_CLIENT_ID` and `TASKLY_SIGN_IN_TIMEOUT_MS`, and for the
//! app's clipboard `TASKLY_CLIPBOARD_CLEAR_MS`. Everything has a sensible default, so a user never has to set any of them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use serde::Serialize;

use crate::http::HttpTimeouts;
use crate::{AccountId, Error, ProviderId, Result};

/// Which credential store to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StoreChoice {
    /// The OS default: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows.
    Default,
    /// Linux Secret Service (GNOME Keyring, KWallet) over D-Bus.
    SecretService,
    /// Linux kernel keyutils: survives no reboot; for headless machines that ask for it.
    Keyutils,
    /// macOS Keychain.
    Keychain,
    /// Windows Credential Manager.
    Windows,
}

impl FromStr for StoreChoice {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "default" => Ok(StoreChoice::Default),
            "secret-service" | "secret_service" | "secretservice" => Ok(StoreChoice::SecretService),
            "keyutils" => Ok(StoreChoice::Keyutils),
            "keychain" => Ok(StoreChoice::Keychain),
            "windows" => Ok(StoreChoice::Windows),
            other => Err(Error::InvalidConfig {
                name: "TASKLY_CREDENTIAL_STORE",
                reason: format!(
                    "{other:?} is not one of secret-service, keyutils, keychain, windows"
                ),
            }),
        }
    }
}

/// Taskly's production proxy, used when `TASKLY_PROXY_URL` is not set.
pub const DEFAULT_PROXY_URL: &str = "https://proxy.taskly.chat/v1";

/// How chat requests are sent, retried and timed out.
#[derive(Debug, Clone)]
pub struct ChatSettings {
    /// The Taskly proxy's base URL (OpenAI-compatible).
    pub proxy_url: String,
    /// The Taskly token for the proxy (a secret: redacted in `Debug`).
    pub proxy_token: Option<std::sync::Arc<crate::ApiKey>>,
    /// How long to wait for an answer's headers.
    pub first_byte_timeout: Duration,
    /// How long to wait for the next piece of a streamed answer.
    pub idle_timeout: Duration,
    /// The longest one attempt's answer may take from request to end, however steadily it
    /// trickles in: an upstream that drips tokens (or usage chunks) forever ends here.
    pub answer_timeout: Duration,
    /// Retries of rate limits and transient failures (at most 3).
    pub max_retries: u32,
    /// First backoff step; doubled each retry, with jitter.
    pub retry_base: Duration,
    /// The longest wait we sit through; a longer `Retry-After` returns the error at once.
    pub retry_max_wait: Duration,
}

impl Default for ChatSettings {
    fn default() -> Self {
        Self {
            proxy_url: DEFAULT_PROXY_URL.to_owned(),
            proxy_token: None,
            first_byte_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(60),
            answer_timeout: Duration::from_secs(600),
            max_retries: 3,
            retry_base: Duration::from_millis(500),
            retry_max_wait: Duration::from_secs(30),
        }
    }
}

/// Taskly's sign-in service (an OpenID Provider), used when `TASKLY_AUTH_URL` is not set.
pub const DEFAULT_AUTH_URL: &str = "https://auth.taskly.chat";

/// Taskly Desktop's public OAuth client id, used when `TASKLY_AUTH_CLIENT_ID` is not set.
pub const DEFAULT_CLIENT_ID: &str = "taskly-desktop";

/// Where and how a person signs in to Taskly.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// The OpenID Provider's issuer URL (discovery is at `/.well-known/openid-configuration`).
    pub issuer: String,
    /// The public client id.
    pub client_id: String,
    /// How long a browser or device sign-in may wait for the person before it ends.
    pub sign_in_timeout: Duration,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            issuer: DEFAULT_AUTH_URL.to_owned(),
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            sign_in_timeout: Duration::from_secs(300),
        }
    }
}

/// Everything the core needs to know about its surroundings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where SQLite and logs live.
    pub data_dir: PathBuf,
    /// The account whose keys we see: the one named (`--account`, `TASKLY_ACCOUNT`), else the
    /// active signed-in account, else the local profile (resolved when the core opens).
    pub account: AccountId,
    /// Whether `account` was named by the caller rather than left to the default.
    pub account_named: bool,
    /// Which credential store.
    pub store: StoreChoice,
    /// Per-provider base URLs replacing the registry default for keys added from now on.
    pub base_url_overrides: BTreeMap<ProviderId, String>,
    /// How long a credential-store call may take before it is abandoned with a typed error.
    pub credential_timeout: Duration,
    /// Timeouts for provider calls.
    pub http: HttpTimeouts,
    /// Chat routing, retries and timeouts.
    pub chat: ChatSettings,
    /// Sign-in to Taskly.
    pub auth: AuthSettings,
    /// How long a key just saved may stay on the clipboard before the app clears it (60 s;
    /// `TASKLY_CLIPBOARD_CLEAR_MS`, for tests).
    pub clipboard_clear: Duration,
}

impl Config {
    /// A configuration with defaults for everything but the data folder.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            account: AccountId::local(),
            account_named: false,
            store: StoreChoice::Default,
            base_url_overrides: BTreeMap::new(),
            credential_timeout: Duration::from_secs(20),
            http: HttpTimeouts::default(),
            chat: ChatSettings::default(),
            auth: AuthSettings::default(),
            clipboard_clear: crate::clipboard::AUTO_CLEAR,
        }
    }

    /// Reads the environment. `account` (from `--account`) wins over `TASKLY_ACCOUNT`.
    pub fn from_env(account: Option<&str>) -> Result<Self> {
        let data_dir = match env("TASKLY_DATA_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => default_data_dir()?,
        };
        let mut config = Config::new(data_dir);
        if let Some(name) = account.map(str::to_owned).or_else(|| env("TASKLY_ACCOUNT")) {
            config.account = AccountId::new(&name)?;
            config.account_named = true;
        }
        if let Some(store) = env("TASKLY_CREDENTIAL_STORE") {
            config.store = store.parse()?;
        }
        for id in ProviderId::all() {
            let var = format!("TASKLY_{}_BASE_URL", id.spec().env_name);
            if let Some(url) = env(&var) {
                config.base_url_overrides.insert(id, url);
            }
        }
        if let Some(ms) = millis("TASKLY_CREDENTIAL_TIMEOUT_MS")? {
            config.credential_timeout = ms;
        }
        if let Some(ms) = millis("TASKLY_HTTP_TIMEOUT_MS")? {
            config.http.request = ms;
        }
        if let Some(url) = env("TASKLY_PROXY_URL") {
            config.chat.proxy_url = url;
        }
        if let Some(token) = env("TASKLY_PROXY_TOKEN") {
            let token = crate::ApiKey::parse(&token).map_err(|e| Error::InvalidConfig {
                name: "TASKLY_PROXY_TOKEN",
                reason: e.to_string(),
            })?;
            config.chat.proxy_token = Some(std::sync::Arc::new(token));
        }
        if let Some(url) = env("TASKLY_AUTH_URL") {
            config.auth.issuer = url.trim().trim_end_matches('/').to_owned();
        }
        if let Some(id) = env("TASKLY_AUTH_CLIENT_ID") {
            config.auth.client_id = id.trim().to_owned();
        }
        if let Some(ms) = millis("TASKLY_SIGN_IN_TIMEOUT_MS")? {
            config.auth.sign_in_timeout = ms;
        }
        if let Some(ms) = millis("TASKLY_FIRST_BYTE_TIMEOUT_MS")? {
            config.chat.first_byte_timeout = ms;
        }
        if let Some(ms) = millis("TASKLY_IDLE_TIMEOUT_MS")? {
            config.chat.idle_timeout = ms;
        }
        if let Some(ms) = millis("TASKLY_ANSWER_TIMEOUT_MS")? {
            config.chat.answer_timeout = ms;
        }
        if let Some(ms) = millis("TASKLY_RETRY_BASE_MS")? {
            config.chat.retry_base = ms;
        }
        if let Some(ms) = millis("TASKLY_RETRY_MAX_WAIT_MS")? {
            config.chat.retry_max_wait = ms;
        }
        if let Some(ms) = millis("TASKLY_CLIPBOARD_CLEAR_MS")? {
            config.clipboard_clear = ms;
        }
        Ok(config)
    }

    /// The SQLite file.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("taskly.db")
    }

    /// The logs folder.
    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn millis(name: &'static str) -> Result<Option<Duration>> {
    env(name)
        .map(|v| {
            v.trim()
                .parse::<u64>()
                .map(Duration::from_millis)
                .map_err(|_| Error::InvalidConfig {
                    name,
                    reason: format!("{v:?} is not a whole number of milliseconds"),
                })
        })
        .transpose()
}

fn default_data_dir() -> Result<PathBuf> {
    directories::ProjectDirs::from("chat", "taskly", "Taskly Desktop")
        .map(|dirs| dirs.data_local_dir().to_path_buf())
        .ok_or_else(|| Error::DataDir {
            path: "(none)".into(),
            detail: "this system reports no home folder".into(),
        })
}
