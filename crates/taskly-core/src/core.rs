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
    /// The sign-in service, discovered on first use.
    issuer: OnceCell<crate::signin::issuer::Issuer>,
    /// This account's access token, by token generation (`signin::refresh`).
    session: std::sync::Mutex<crate::signin::refresh::Cached>,
}

impl Core {
    /// Opens the database and HTTP clients for `config`; the credential store (`injected_store`
    /// in tests, else the OS's) is opened on first use.
    pub(crate) async fn open(
        mut config: Config,
        injected_store: Option<Arc<dyn CredentialStore>>,
    ) -> Result<Self> {
        let db = Db::open(config.database_path()).await?;
        config.account = resolve_account(&db, &config).await?;
        let http = crate::http::HttpClients::new(config.http)?;
        Ok(Self {
            config,
            db,
            usage_db: OnceCell::new(),
            http,
            creds: OnceCell::new(),
            injected_store,
            key_changes: Default::default(),
            issuer: OnceCell::new(),
            session: std::sync::Mutex::new(None),
        })
    }

    /// The sign-in service's metadata and client, discovered once per process.
    pub(crate) async fn issuer(&self) -> Result<crate::signin::issuer::Issuer> {
        self.issuer
            .get_or_try_init(|| {
                crate::signin::issuer::Issuer::discover(
                    &self.config.auth,
                    &self.http,
                    self.config.http.request,
                )
            })
            .await
            .cloned()
    }

    /// The cached access token, if it is of `generation`.
    pub(crate) fn cached_session(&self, generation: i64) -> Option<crate::signin::token::Token> {
        let cache = self.session.lock().ok()?;
        cache
            .as_ref()
            .filter(|(g, _)| *g == generation)
            .map(|(_, t)| t.clone())
    }

    /// Caches the access token of `generation`.
    pub(crate) fn cache_session(&self, generation: i64, token: crate::signin::token::Token) {
        if let Ok(mut cache) = self.session.lock() {
            *cache = Some((generation, token));
        }
    }

    /// Drops the cached access token.
    pub(crate) fn forget_session_cache(&self) {
        if let Ok(mut cache) = self.session.lock() {
            *cache = None;
        }
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

/// The account a core opens for: one named by the caller (a signed-in account's name, email
/// or id, else a local profile of that name), or the active signed-in account, or the local
/// profile.
async fn resolve_account(db: &Db, config: &Config) -> Result<AccountId> {
    let named = config.account_named.then(|| config.account.to_string());
    let found = db
        .call(move |conn| match named {
            Some(name) => Ok(crate::db::accounts::find_by_name(conn, &name)?.map(|r| r.account)),
            None => crate::db::accounts::active(conn),
        })
        .await?;
    match found {
        Some(account) => AccountId::new(&account),
        None => Ok(config.account.clone()),
    }
}
