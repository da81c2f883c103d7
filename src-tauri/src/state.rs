//! What the app holds while it runs: the vault and chat service of the account in use (replaced
//! when the account changes), the browser sign-in under way (so it can be cancelled), and the
//! chat requests in flight (so they can be cancelled).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use taskly_core::chat::run::ChatService;
use taskly_core::{Config, ErrorPayload, Vault};
use tokio::sync::Notify;

/// The core, opened at start for the active account. If it cannot open (say, a damaged
/// database), every command answers with that error, so the window can show it instead of
/// refusing to start.
///
/// A vault opens for one account (the active signed-in one, else the local profile), so signing
/// in, switching and signing out reopen the services ([`AppState::reopen`]); commands take a
/// clone of the current ones, and a chat already running finishes on the services it started
/// with.
#[derive(Debug)]
pub struct AppState {
    /// The configuration read at start, kept to reopen the services with.
    config: Result<Config, ErrorPayload>,
    services: RwLock<Result<Services, ErrorPayload>>,
    /// Held while the services are reopened, so two reopenings cannot finish out of order.
    reopening: tokio::sync::Mutex<()>,
    /// The browser sign-in under way: its number and what cancels it.
    sign_in: Mutex<Option<(u64, Arc<Notify>)>>,
    next_sign_in: AtomicU64,
    /// Chat requests in flight, by request id; aborting a task drops its stream, which closes
    /// the upstream connection.
    pub running: Mutex<HashMap<String, tauri::async_runtime::JoinHandle<()>>>,
    /// Whether the Taskly service is the loopback demo started by the run script.
    pub demo: bool,
    /// The last "Import keys from this computer" scan, with its secrets (zeroized when it is
    /// replaced or forgotten); import and scrub act on it.
    pub import: tokio::sync::Mutex<Option<taskly_core::import::Scan>>,
    /// The key just saved, while it is still on the clipboard (`taskly_core::clipboard`).
    pub clipboard: Arc<taskly_core::clipboard::ClipboardWatch>,
}

/// The opened core.
#[derive(Debug, Clone)]
pub struct Services {
    /// Keys and settings of the account.
    pub vault: Arc<Vault>,
    /// Chat requests.
    pub chat: Arc<ChatService>,
}

async fn open_services(config: Result<Config, ErrorPayload>) -> Result<Services, ErrorPayload> {
    let vault = Arc::new(Vault::open(config?).await.map_err(|e| e.payload())?);
    Ok(Services {
        chat: Arc::new(ChatService::new(vault.clone())),
        vault,
    })
}

impl AppState {
    /// Opens the core from the environment (see the README's configuration table).
    pub async fn open() -> Self {
        let config = Config::from_env(None).map_err(|e| e.payload());
        let services = open_services(config.clone()).await;
        if let Err(err) = &services {
            tracing::error!(code = ?err.code, "the core could not open");
        }
        let demo = std::env::var("TASKLY_DEMO").is_ok_and(|v| v == "1");
        let clipboard_clear = config
            .as_ref()
            .map_or(taskly_core::clipboard::AUTO_CLEAR, |c| c.clipboard_clear);
        Self {
            config,
            services: RwLock::new(services),
            reopening: tokio::sync::Mutex::new(()),
            sign_in: Mutex::new(None),
            next_sign_in: AtomicU64::new(1),
            running: Mutex::new(HashMap::new()),
            demo,
            import: tokio::sync::Mutex::new(None),
            clipboard: Arc::new(taskly_core::clipboard::ClipboardWatch::new(clipboard_clear)),
        }
    }

    /// The core, or the error that kept it from opening.
    pub fn services(&self) -> Result<Services, ErrorPayload> {
        match self.services.read() {
            Ok(services) => services.clone(),
            // A panic while the lock was held cannot leave a half-written `Result`.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Opens the services again, for the account that is active now (after a sign-in, a
    /// switch or a sign-out), and puts them in place of the old ones.
    pub async fn reopen(&self) -> Result<(), ErrorPayload> {
        let _one_at_a_time = self.reopening.lock().await;
        let opened = open_services(self.config.clone()).await;
        let answer = opened.as_ref().map(|_| ()).map_err(Clone::clone);
        if let Err(err) = &answer {
            tracing::error!(code = ?err.code, "the core could not reopen for the account");
        }
        match self.services.write() {
            Ok(mut services) => *services = opened,
            Err(poisoned) => *poisoned.into_inner() = opened,
        }
        answer
    }

    /// Registers a new browser sign-in and returns its number and what cancels it. An earlier
    /// one still waiting is cancelled: only one loopback sign-in is useful at a time.
    pub fn begin_sign_in(&self) -> (u64, Arc<Notify>) {
        let id = self.next_sign_in.fetch_add(1, Ordering::Relaxed);
        let cancel = Arc::new(Notify::new());
        if let Ok(mut current) = self.sign_in.lock()
            && let Some((_, earlier)) = current.replace((id, cancel.clone()))
        {
            earlier.notify_one();
        }
        (id, cancel)
    }

    /// Forgets sign-in `id` once it ended (a newer one may have taken its place).
    pub fn end_sign_in(&self, id: u64) {
        if let Ok(mut current) = self.sign_in.lock()
            && current.as_ref().is_some_and(|(current, _)| *current == id)
        {
            *current = None;
        }
    }

    /// Cancels the browser sign-in under way, if any. `notify_one` keeps the wake-up for a
    /// sign-in that has not started waiting yet.
    pub fn cancel_sign_in(&self) -> bool {
        match self.sign_in.lock() {
            Ok(mut current) => current
                .take()
                .map(|(_, cancel)| cancel.notify_one())
                .is_some(),
            Err(_) => false,
        }
    }
}
