//! What the app holds while it runs: the vault and chat service of the account, and the chat
//! requests in flight (so they can be cancelled).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use taskly_core::chat::run::ChatService;
use taskly_core::{Config, ErrorPayload, Vault};

/// The core, opened once at start. If it cannot open (say, a damaged database), every command
/// answers with that error, so the window can show it instead of refusing to start.
#[derive(Debug)]
pub struct AppState {
    services: Result<Services, ErrorPayload>,
    /// Chat requests in flight, by request id; aborting a task drops its stream, which closes
    /// the upstream connection.
    pub running: Mutex<HashMap<String, tauri::async_runtime::JoinHandle<()>>>,
    /// Whether the Taskly service is the loopback demo started by the run script.
    pub demo: bool,
}

/// The opened core.
#[derive(Debug, Clone)]
pub struct Services {
    /// Keys and settings of the account.
    pub vault: Arc<Vault>,
    /// Chat requests.
    pub chat: Arc<ChatService>,
}

impl AppState {
    /// Opens the core from the environment (see the README's configuration table).
    pub async fn open() -> Self {
        let services = match Config::from_env(None) {
            Ok(config) => match Vault::open(config).await {
                Ok(vault) => {
                    let vault = Arc::new(vault);
                    Ok(Services {
                        chat: Arc::new(ChatService::new(vault.clone())),
                        vault,
                    })
                }
                Err(err) => Err(err.payload()),
            },
            Err(err) => Err(err.payload()),
        };
        if let Err(err) = &services {
            tracing::error!(code = ?err.code, "the core could not open");
        }
        let demo = std::env::var("TASKLY_DEMO").is_ok_and(|v| v == "1");
        Self {
            services,
            running: Mutex::new(HashMap::new()),
            demo,
        }
    }

    /// The core, or the error that kept it from opening.
    pub fn services(&self) -> Result<Services, ErrorPayload> {
        self.services.clone()
    }
}
