//! The core handle: what every service of the core works with, opened once per account and
//! process: the configuration, the database (and a relaxed connection for usage counters), the
//! HTTP clients, the credential store (opened, and unfinished work repaired, on first use) and
//! the count of key changes this process made. The vault, the router and chat hold it; front
//! ends reach it through them.

use std::sync::Arc;

use tokio::sync::OnceCell;

use crate::db::Db;
use crate::vault::credentials::{CredentialStore, Credentials};
use crate::vault::recovery;
use crate::{AccountId, Config, Result};

/// See the module docs.
#[derive(Debug)]
pub struct Core {
    config: Config,
    db: Db,
    usage_db: OnceCell<Db>,
    http: crate::http::HttpClients,
    creds: OnceCell<Credentials>,
    /// Bumped after every change this process makes to keys, so cached routing decisions can
    /// tell (with SQLite's `data_version` for other processes) when they are stale.
    key_changes: Arc<std::sync::atomic::AtomicU64>,
    injected_store: Option<Arc<dyn CredentialStore>>,
}

impl Core {
    /// Opens the database and HTTP clients for `config`; the credential store (`injected_store`
    /// in tests, else the OS's) is opened on first use.
    pub(crate) async fn open(
        config: Config,
        injected_store: Option<Arc<dyn CredentialStore>>,
    ) -> Result<Self> {
        let db = Db::open(config.database_path()).await?;
        let http = crate::http::HttpClients::new(config.http)?;
        Ok(Self {
            config,
            db,
            usage_db: OnceCell::new(),
            http,
            creds: OnceCell::new(),
            injected_store,
            key_changes: Default::default(),
        })
    }

    /// How many key changes this process has made (see the field's docs).
    pub fn key_changes(&self) -> u64 {
        self.key_changes.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Counts a key change when dropped, so early returns and errors count too.
    pub(crate) fn change_guard(&self) -> ChangeGuard {
        ChangeGuard(self.key_changes.clone())
    }

    /// The account whose keys this vault holds.
    pub fn account(&self) -> &AccountId {
        &self.config.account
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A connection for usage counters: relaxed durability, and no queueing behind key changes.
    /// Opened on first use; falls back to the main connection if it cannot open.
    pub async fn usage_db(&self) -> &Db {
        let opened = self
            .usage_db
            .get_or_try_init(|| Db::open_relaxed(self.config.database_path()))
            .await;
        opened.unwrap_or(&self.db)
    }

    /// The database (for doctor, usage reports and settings).
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The shared HTTP clients.
    pub fn http(&self) -> &crate::http::HttpClients {
        &self.http
    }

    /// The credential store, opened (and unfinished work repaired) on first use.
    pub async fn credentials(&self) -> Result<&Credentials> {
        self.creds
            .get_or_try_init(|| async {
                let creds = match &self.injected_store {
                    Some(store) => Credentials::new(store.clone(), self.config.credential_timeout),
                    None => {
                        Credentials::open(self.config.store, self.config.credential_timeout).await?
                    }
                };
                recovery::recover(&self.db, &creds).await?;
                Ok(creds)
            })
            .await
    }

    /// The kind of store in use, once opened.
    pub fn store_kind(&self) -> Option<crate::vault::credentials::StoreKind> {
        self.creds.get().map(Credentials::kind)
    }

    /// Clears `destination` for a personal key against this configuration's Taskly proxy: the
    /// one gate (`providers::gate`) every send of a key passes.
    pub(crate) fn clear(
        &self,
        destination: crate::providers::gate::Destination<'_>,
    ) -> Result<crate::providers::gate::Cleared> {
        crate::providers::gate::clear(destination, &self.config.chat.proxy_url)
    }
}

/// Counts a key change when dropped, so early returns and errors count too.
pub(crate) struct ChangeGuard(Arc<std::sync::atomic::AtomicU64>);

impl Drop for ChangeGuard {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Release);
    }
}
