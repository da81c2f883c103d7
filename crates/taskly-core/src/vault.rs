//! The key vault: secrets in the OS credential store, everything else in SQLite.
//!
//! Multi-step changes keep the two stores consistent through crashes:
//! - add: write a `pending` row, write the credential, read it back, mark the row `active`;
//! - replace: journal the new entry, write and read it back, swap the row to it in one
//!   transaction (journaling the old entry), delete the old entry;
//! - remove: mark the row `removing`, delete the credential, delete the row.
//!
//! `recovery` finishes or rolls back whatever a dead process left (see there).

pub mod credentials;
pub mod faults;
pub mod recovery;

use std::sync::Arc;

use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};
use serde::Serialize;
use tokio::sync::OnceCell;

use crate::db::Db;
use crate::mask::mask;
use crate::providers::base_url::BaseUrl;
use crate::providers::gate::{self, Cleared, Destination};
use crate::providers::validate::{ValidationOutcome, Verification, validate_key};
use crate::time_fmt::{now_unix, rfc3339};
use crate::{AccountId, ApiKey, Config, Error, ProviderId, Result};
use credentials::{CredentialStore, Credentials, StoreKind};

/// The longest label, in characters.
pub const MAX_LABEL_CHARS: usize = 80;

/// A key to add.
#[derive(Debug)]
pub struct NewKey {
    /// Which provider it is for.
    pub provider: ProviderId,
    /// A name the user recognises; defaults to "<Provider> key".
    pub label: Option<String>,
    /// Overrides the provider's base URL (required for Azure and custom).
    pub base_url: Option<String>,
    /// The secret.
    pub secret: ApiKey,
    /// Validate with the provider before saving (off = "save without checking").
    pub verify: bool,
    /// Whether to switch it on.
    pub enable: Enable,
}

/// Whether a new key is switched on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Enable {
    /// On, switching off the provider's key that was on (the user asked for it).
    Yes,
    /// Off.
    No,
    /// On only if no key of the provider is on: the first key works at once, and adding a
    /// second never silently replaces the one in use. Decided in the same transaction that
    /// activates the key, so another process switching a key on meanwhile is respected.
    #[default]
    IfNoneEnabled,
}

/// Changes to a stored key. `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct KeyUpdate {
    /// New label.
    pub label: Option<String>,
    /// New base URL; a different host means re-validation before the key is sent there.
    pub base_url: Option<String>,
    /// A new secret replacing the stored one.
    pub secret: Option<ApiKey>,
    /// Validate with the provider (off = "save without checking").
    pub verify: bool,
}

/// What the user sees of a stored key. Never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct KeyInfo {
    /// Stable id, e.g. `k_3f9a2c1b7e`.
    pub id: String,
    /// Provider id.
    pub provider: ProviderId,
    /// Provider name.
    pub provider_name: &'static str,
    /// The user's label.
    pub label: String,
    /// Where requests with this key go.
    pub base_url: String,
    /// Whether `base_url` differs from the provider's default.
    pub custom_base_url: bool,
    /// Masked hint (`sk-proj-…a1b2`).
    pub masked: String,
    /// Whether requests to this provider use this key.
    pub enabled: bool,
    /// Last verification result.
    pub verification: Verification,
    /// A note on that result (rate limited, quota, saved without checking).
    pub verification_note: Option<String>,
    /// When it was last verified (RFC 3339).
    pub verified_at: Option<String>,
    /// Models the key can use, from the last verification.
    pub models: Vec<String>,
    /// When it was added.
    pub created_at: String,
    /// When it was last changed.
    pub updated_at: String,
    /// When a request last used it.
    pub last_used_at: Option<String>,
}

/// The result of adding or changing a key.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct KeySaved {
    /// The key as stored.
    pub key: KeyInfo,
    /// Things the user should know (unusual key shape, saved without checking).
    pub warnings: Vec<String>,
    /// The key that was switched off because this one was switched on.
    pub disabled: Option<KeyInfo>,
}

/// The vault for one account.
#[derive(Debug)]
pub struct Vault {
    config: Config,
    db: Db,
    usage_db: OnceCell<Db>,
    http: crate::http::HttpClients,
    creds: OnceCell<Credentials>,
    /// Bumped after every change this process makes to keys, so cached routing decisions can
    /// tell (with SQLite's `data_version` for other processes) when they are stale.
    key_changes: std::sync::Arc<std::sync::atomic::AtomicU64>,
    injected_store: Option<Arc<dyn CredentialStore>>,
}

/// The credential entry user name of a key's secret.
pub(crate) fn entry_name(account: &str, id: &str, generation: i64) -> String {
    format!("{account}:{id}:{generation}")
}

impl Vault {
    /// Opens the vault described by `config`. The credential store is opened on first use, so
    /// listing keys works even while it is locked.
    pub async fn open(config: Config) -> Result<Self> {
        Self::open_inner(config, None).await
    }

    /// Opens the vault with a given credential store instead of the OS one (tests).
    pub async fn open_with_store(config: Config, store: Arc<dyn CredentialStore>) -> Result<Self> {
        Self::open_inner(config, Some(store)).await
    }

    async fn open_inner(
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
    fn change_guard(&self) -> ChangeGuard {
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

    /// Adds a key: checks it with the provider (unless told not to), then stores it.
    pub async fn add(&self, new: NewKey) -> Result<KeySaved> {
        let _changed = self.change_guard();
        let spec = new.provider.spec();
        let label = clean_label(new.label.as_deref(), spec.name)?;
        let base = BaseUrl::resolve(
            spec,
            new.base_url.as_deref(),
            self.override_for(new.provider),
        )?;
        // The store is opened first: without one nothing can be saved, so the key need not travel.
        // (A store that opens but is locked is only found out at the write, after validation.)
        let creds = self.credentials().await?;
        creds.kind().check_fits(&new.secret, &base.origin())?;
        let mut warnings = shape_warnings(new.provider, &new.secret);
        warnings.extend(persistence_warning(creds));
        let outcome = self
            .check(new.provider, &base, &new.secret, new.verify)
            .await?;

        let id = new_key_id();
        let account = self.config.account.as_str().to_owned();
        let entry = entry_name(&account, &id, 0);
        let hint = mask(spec, &new.secret);
        let now = now_unix();
        let row = Pending {
            id: id.clone(),
            account,
            provider: new.provider,
            label,
            base_url: base.as_str().to_owned(),
            hint,
            outcome,
            now,
        };
        self.db.call(move |conn| insert_pending(conn, &row)).await?;
        faults::checkpoint("add:after-pending-row").await;

        let secret = Arc::new(new.secret);
        if let Err(err) = self
            .write_checked(creds, &entry, secret.clone(), &base.origin(), spec.name)
            .await
        {
            self.abandon_add(&id, &entry).await;
            return Err(err);
        }
        faults::checkpoint("add:after-credential-write").await;

        let enable = new.enable;
        let id_for_db = id.clone();
        let activated = self
            .db
            .call(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let changed = tx.execute(
                    "UPDATE keys SET state = 'active', owner_pid = NULL WHERE id = ?1 AND state = 'pending'",
                    params![id_for_db],
                )?;
                if changed != 1 {
                    // Another process's recovery took this add for abandoned (it can misjudge a
                    // process in another PID namespace, or after a long suspend).
                    return Err(Error::ConcurrentChange { id: id_for_db });
                }
                let switch_on = match enable {
                    Enable::Yes => true,
                    Enable::No => false,
                    Enable::IfNoneEnabled => !provider_has_enabled_key(&tx, &id_for_db)?,
                };
                let disabled = if switch_on {
                    enable_in(&tx, &id_for_db)?
                } else {
                    None
                };
                tx.commit()?;
                Ok(disabled)
            })
            .await;
        let disabled = match activated {
            Ok(disabled) => disabled,
            Err(err) => {
                self.abandon_add(&id, &entry).await;
                return Err(err);
            }
        };
        tracing::info!(key = %id, provider = %new.provider, "key added");
        let key = self.get(&id).await?;
        Ok(KeySaved {
            key,
            warnings,
            disabled,
        })
    }

    /// The account's keys, by provider then age.
    pub async fn list(&self) -> Result<Vec<KeyInfo>> {
        let account = self.config.account.as_str().to_owned();
        self.db
            .call(move |conn| {
                let mut stmt = conn.prepare(&format!(
                    "SELECT {COLUMNS} FROM keys WHERE account = ?1 AND state = 'active' ORDER BY provider, created_at, id"
                ))?;
                let rows = stmt.query_map(params![account], read_row)?;
                rows.map(|r| r.map_err(Error::from).and_then(|raw| raw)).collect()
            })
            .await
    }

    /// One key.
    pub async fn get(&self, id: &str) -> Result<KeyInfo> {
        let account = self.config.account.as_str().to_owned();
        let id = id.to_owned();
        self.db.call(move |conn| get_in(conn, &account, &id)).await
    }

    /// Changes a key's label, base URL or secret.
    pub async fn update(&self, id: &str, update: KeyUpdate) -> Result<KeySaved> {
        let _changed = self.change_guard();
        let current = self.get(id).await?;
        let spec = current.provider.spec();
        let label = match update.label.as_deref() {
            Some(label) => Some(clean_label(Some(label), spec.name)?),
            None => None,
        };
        let old_base = BaseUrl::parse(&current.base_url)?;
        let base = match update.base_url.as_deref() {
            Some(url) => BaseUrl::parse(url)?,
            None => old_base.clone(),
        };
        let moved = base.origin() != old_base.origin();
        let mut warnings = Vec::new();

        if let Some(secret) = update.secret {
            warnings.extend(shape_warnings(current.provider, &secret));
            let creds = self.credentials().await?;
            creds.kind().check_fits(&secret, &base.origin())?;
            let outcome = self
                .check(current.provider, &base, &secret, update.verify)
                .await?;
            let more = self
                .replace_secret(
                    creds,
                    &current,
                    Arc::new(secret),
                    &base,
                    label,
                    outcome,
                    None,
                )
                .await?;
            warnings.extend(more);
            warnings.extend(persistence_warning(creds));
        } else if moved || update.verify && update.base_url.is_some() {
            // A stored key goes to a new host only after it has been checked there (or the user
            // chose to save without checking, which sends nothing now). Either way the user has
            // confirmed this address: the secret is written again, bound to it, under a new
            // generation (the replace steps), so a crash leaves it bound to one or the other.
            let creds = self.credentials().await?;
            let (secret, _, generation) = self.read_secret_with(creds, &current).await?;
            creds.kind().check_fits(&secret, &base.origin())?;
            let outcome = self
                .check(current.provider, &base, &secret, update.verify)
                .await?;
            let more = self
                .replace_secret(
                    creds,
                    &current,
                    secret,
                    &base,
                    label,
                    outcome,
                    Some(generation),
                )
                .await?;
            warnings.extend(more);
        } else {
            let (id, base_text) = (current.id.clone(), base.as_str().to_owned());
            self.db
                .call(move |conn| {
                    conn.execute(
                        "UPDATE keys SET label = coalesce(?2, label), base_url = ?3, updated_at = ?4 WHERE id = ?1 AND state = 'active'",
                        params![id, label, base_text, now_unix()],
                    )?;
                    Ok(())
                })
                .await?;
        }
        tracing::info!(key = %current.id, "key updated");
        Ok(KeySaved {
            key: self.get(&current.id).await?,
            warnings,
            disabled: None,
        })
    }

    /// Turns a key on (turning off the provider's other key) or off.
    pub async fn set_enabled(&self, id: &str, enabled: bool) -> Result<KeySaved> {
        let _changed = self.change_guard();
        let account = self.config.account.as_str().to_owned();
        let id = id.to_owned();
        let disabled = self
            .db
            .call(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                get_in(&tx, &account, &id)?;
                let disabled = if enabled {
                    enable_in(&tx, &id)?
                } else {
                    tx.execute(
                        "UPDATE keys SET enabled = 0, updated_at = ?2 WHERE id = ?1",
                        params![id, now_unix()],
                    )?;
                    None
                };
                tx.commit()?;
                Ok((id, disabled))
            })
            .await?;
        let (id, disabled) = disabled;
        tracing::info!(key = %id, enabled, "key switched");
        Ok(KeySaved {
            key: self.get(&id).await?,
            warnings: Vec::new(),
            disabled,
        })
    }

    /// Removes a key: its credential, then its row.
    pub async fn remove(&self, id: &str) -> Result<KeyInfo> {
        let _changed = self.change_guard();
        let current = self.get(id).await?;
        let creds = self.credentials().await?;
        let account = self.config.account.as_str().to_owned();
        let key_id = current.id.clone();
        let generation = self
            .db
            .call(move |conn| {
                let pid = i64::from(std::process::id());
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let generation: Option<i64> = tx
                    .query_row(
                        "SELECT secret_generation FROM keys WHERE id = ?1 AND account = ?2 AND state = 'active'",
                        params![key_id, account],
                        |r| r.get(0),
                    )
                    .optional()?;
                let generation = generation.ok_or_else(|| Error::KeyNotFound { id: key_id.clone() })?;
                tx.execute(
                    "UPDATE keys SET state = 'removing', enabled = 0, owner_pid = ?2, updated_at = ?3 WHERE id = ?1",
                    params![key_id, pid, now_unix()],
                )?;
                tx.commit()?;
                Ok(generation)
            })
            .await?;
        faults::checkpoint("remove:after-mark").await;
        let entry = entry_name(self.config.account.as_str(), &current.id, generation);
        if let Err(err) = creds.delete(entry).await {
            // Nothing was removed: put the row back as it was (off if another key took over
            // meanwhile; the unique index decides).
            let (key_id, was_enabled) = (current.id.clone(), current.enabled);
            let restored = self
                .db
                .call(move |conn| {
                    conn.execute("UPDATE keys SET state = 'active', owner_pid = NULL WHERE id = ?1 AND state = 'removing'", params![key_id])?;
                    if was_enabled
                        && let Err(e) = conn.execute("UPDATE keys SET enabled = 1 WHERE id = ?1", params![key_id])
                    {
                        tracing::info!(error = %e, "another key was switched on meanwhile; this one stays off");
                    }
                    Ok(())
                })
                .await;
            if let Err(restore) = restored {
                tracing::warn!(code = ?restore.code(), "could not restore a key after a failed remove; recovery will finish the removal");
            }
            return Err(err);
        }
        faults::checkpoint("remove:after-credential-delete").await;
        let key_id = current.id.clone();
        self.db
            .call(move |conn| Ok(conn.execute("DELETE FROM keys WHERE id = ?1", params![key_id])?))
            .await?;
        tracing::info!(key = %current.id, "key removed");
        Ok(current)
    }

    /// Checks a stored key with its provider again and records the result.
    pub async fn validate(&self, id: &str) -> Result<KeyInfo> {
        let _changed = self.change_guard();
        let current = self.get(id).await?;
        let creds = self.credentials().await?;
        let (secret, bound_origin, generation) = self.read_secret_with(creds, &current).await?;
        let base = BaseUrl::parse(&current.base_url)?;
        // A stored key is checked only where it was bound, and never at a Taskly host.
        let cleared = gate::clear(
            Destination::Stored {
                base: &base,
                bound_origin: &bound_origin,
                key_id: &current.id,
            },
            &self.config.chat.proxy_url,
        )?;
        let result = validate_key(
            &self.http,
            self.config.http.request,
            current.provider.spec(),
            &cleared,
            &secret,
        )
        .await;
        let (outcome, failure) = match result {
            Ok(outcome) => (outcome, None),
            Err(err @ Error::InvalidKey { .. }) => {
                let note = Some(err.to_string());
                (
                    ValidationOutcome {
                        status: Verification::Invalid,
                        models: current.models.clone(),
                        note,
                    },
                    Some(err),
                )
            }
            Err(err) => return Err(err),
        };
        let id = current.id.clone();
        self.db
            .call(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                // The verdict belongs to the secret that was checked, not one that replaced it.
                let still: Option<i64> = tx
                    .query_row(
                        "SELECT secret_generation FROM keys WHERE id = ?1 AND state = 'active'",
                        params![id],
                        |r| r.get(0),
                    )
                    .optional()?;
                if still != Some(generation) {
                    return Err(Error::ConcurrentChange { id });
                }
                set_outcome(&tx, &id, &outcome)?;
                tx.commit()?;
                Ok(())
            })
            .await?;
        match failure {
            Some(err) => Err(err),
            None => self.get(&current.id).await,
        }
    }

    /// The secret of a stored key, for the request that uses it.
    pub async fn read_secret(&self, id: &str) -> Result<Arc<ApiKey>> {
        let current = self.get(id).await?;
        let creds = self.credentials().await?;
        Ok(self.read_secret_with(creds, &current).await?.0)
    }

    /// Reads a key's secret, the origin it is bound to and the generation it was read at, so a
    /// later write can make sure nothing replaced it meanwhile.
    async fn read_secret_with(
        &self,
        creds: &Credentials,
        key: &KeyInfo,
    ) -> Result<(Arc<ApiKey>, String, i64)> {
        let account = self.config.account.as_str().to_owned();
        let id = key.id.clone();
        let generation: i64 = self
            .db
            .call(move |conn| {
                conn.query_row(
                    "SELECT secret_generation FROM keys WHERE id = ?1 AND account = ?2 AND state = 'active'",
                    params![id, account],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or(Error::KeyNotFound { id })
            })
            .await?;
        let base = BaseUrl::parse(&key.base_url)?;
        let (secret, origin) = self
            .read_bound(creds, key.provider, &key.id, generation, &base)
            .await?;
        Ok((secret, origin, generation))
    }

    /// Reads the secret of key `id` at `generation` and the origin it is bound to. An entry
    /// written before keys were bound to an origin (0.1) is bound now to the origin of `base`,
    /// the key's base URL as SQLite has it: trust on first use, once.
    pub(crate) async fn read_bound(
        &self,
        creds: &Credentials,
        provider: ProviderId,
        id: &str,
        generation: i64,
        base: &BaseUrl,
    ) -> Result<(Arc<ApiKey>, String)> {
        let entry = entry_name(self.config.account.as_str(), id, generation);
        let stored = creds
            .read(entry.clone())
            .await?
            .ok_or_else(|| Error::CredentialMissing { id: id.to_owned() })?;
        if let Some(origin) = stored.origin {
            return Ok((Arc::new(stored.key), origin));
        }
        let origin = base.origin();
        let key = Arc::new(stored.key);
        let label = format!("Taskly Desktop: {} API key", provider.spec().name);
        match creds.write(entry, key.clone(), origin.clone(), label).await {
            Ok(()) => tracing::info!(key = %id, "bound a key of an earlier version to its origin"),
            Err(err) => {
                tracing::warn!(key = %id, code = ?err.code(), "could not bind a key to its origin yet");
            }
        }
        Ok((key, origin))
    }

    async fn check(
        &self,
        provider: ProviderId,
        base: &BaseUrl,
        secret: &ApiKey,
        verify: bool,
    ) -> Result<ValidationOutcome> {
        // Before anything is sent or stored: a key is never sent to Taskly, not even to check it.
        let cleared: Cleared =
            gate::clear(Destination::Confirmed(base), &self.config.chat.proxy_url)?;
        if !verify {
            return Ok(ValidationOutcome {
                status: Verification::Unverified,
                models: Vec::new(),
                note: Some(
                    "Saved without checking: it is marked unverified until you validate it.".into(),
                ),
            });
        }
        validate_key(
            &self.http,
            self.config.http.request,
            provider.spec(),
            &cleared,
            secret,
        )
        .await
    }

    async fn write_checked(
        &self,
        creds: &Credentials,
        entry: &str,
        secret: Arc<ApiKey>,
        origin: &str,
        provider_name: &str,
    ) -> Result<()> {
        let label = format!("Taskly Desktop: {provider_name} API key");
        creds
            .write(entry.to_owned(), secret.clone(), origin.to_owned(), label)
            .await?;
        match creds.read(entry.to_owned()).await? {
            Some(back) if back.key.same_as(&secret) && back.origin.as_deref() == Some(origin) => {
                Ok(())
            }
            _ => Err(Error::CredentialStoreMismatch {
                store: creds.kind(),
            }),
        }
    }

    /// Rolls back an add that failed after its pending row was written. The row goes only once
    /// the credential is confirmed gone; otherwise it stays `pending` and recovery finishes the
    /// rollback after this process has exited (a timed-out write may still land later).
    async fn abandon_add(&self, id: &str, entry: &str) {
        let deleted = match self.credentials().await {
            Ok(creds) => creds.delete(entry.to_owned()).await.is_ok(),
            Err(_) => false,
        };
        if !deleted {
            tracing::warn!(key = %id, "could not undo a failed add now; recovery will");
            return;
        }
        let id = id.to_owned();
        if let Err(err) = self
            .db
            .call(move |conn| {
                Ok(conn.execute(
                    "DELETE FROM keys WHERE id = ?1 AND state = 'pending'",
                    params![id],
                )?)
            })
            .await
        {
            tracing::warn!(code = ?err.code(), "could not remove the pending row; recovery will");
        }
    }

    /// Replaces a key's secret (or writes the same one again, bound to a new origin); returns
    /// warnings for the user. See the module docs for the steps. With `expected`, the key must
    /// still be at that generation (the secret was read from it).
    #[allow(clippy::too_many_arguments)]
    async fn replace_secret(
        &self,
        creds: &Credentials,
        current: &KeyInfo,
        secret: Arc<ApiKey>,
        base: &BaseUrl,
        label: Option<String>,
        outcome: ValidationOutcome,
        expected: Option<i64>,
    ) -> Result<Vec<String>> {
        let account = self.config.account.as_str().to_owned();
        let id = current.id.clone();
        let pid = i64::from(std::process::id());
        // Reserve the new generation with a plain INSERT into the journal, so two replaces of
        // one key (the CLI and the app at once) never write the same entry.
        let (acc, kid) = (account.clone(), id.clone());
        let (old_generation, new_generation) = self
            .db
            .call(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let old: i64 = tx
                    .query_row(
                        "SELECT secret_generation FROM keys WHERE id = ?1 AND account = ?2 AND state = 'active'",
                        params![kid, acc],
                        |r| r.get(0),
                    )
                    .optional()?
                    .ok_or_else(|| Error::KeyNotFound { id: kid.clone() })?;
                if expected.is_some_and(|generation| generation != old) {
                    return Err(Error::ConcurrentChange { id: kid });
                }
                let mut next = old + 1;
                while tx.execute(
                    "INSERT OR IGNORE INTO credential_cleanup (entry, key_id, reason, owner_pid, created_at) VALUES (?1, ?2, 'replace-new', ?3, ?4)",
                    params![entry_name(&acc, &kid, next), kid, pid, now_unix()],
                )? == 0
                {
                    next += 1;
                }
                tx.commit()?;
                Ok((old, next))
            })
            .await?;
        let old_entry = entry_name(&account, &id, old_generation);
        let new_entry = entry_name(&account, &id, new_generation);
        let hint = mask(current.provider.spec(), &secret);
        let written = self
            .write_checked(
                creds,
                &new_entry,
                secret,
                &base.origin(),
                current.provider.spec().name,
            )
            .await;
        if let Err(err) = written {
            self.drop_journaled_entry(creds, &new_entry).await;
            return Err(err);
        }
        faults::checkpoint("replace:after-credential-write").await;

        let (new_e, old_e, kid, base_text) = (
            new_entry.clone(),
            old_entry.clone(),
            id.clone(),
            base.as_str().to_owned(),
        );
        let swapped = self
            .db
            .call(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let changed = tx.execute(
                    "UPDATE keys SET secret_generation = ?2, masked_hint = ?3, base_url = ?4, label = coalesce(?5, label), updated_at = ?6 \
                     WHERE id = ?1 AND state = 'active' AND secret_generation = ?7",
                    params![kid, new_generation, hint, base_text, label, now_unix(), old_generation],
                )?;
                if changed != 1 {
                    return Err(Error::ConcurrentChange { id: kid });
                }
                set_outcome(&tx, &kid, &outcome)?;
                tx.execute("DELETE FROM credential_cleanup WHERE entry = ?1", params![new_e])?;
                tx.execute(
                    "INSERT OR REPLACE INTO credential_cleanup (entry, key_id, reason, owner_pid, created_at) VALUES (?1, ?2, 'replace-old', ?3, ?4)",
                    params![old_e, kid, pid, now_unix()],
                )?;
                tx.commit()?;
                Ok(())
            })
            .await;
        if let Err(err) = swapped {
            self.drop_journaled_entry(creds, &new_entry).await;
            return Err(err);
        }
        faults::checkpoint("replace:after-swap").await;
        // The new secret is live now. Failing to delete the old one is not a failed replace:
        // the journal keeps it, and recovery deletes it once this process has exited.
        let mut warnings = Vec::new();
        match creds.delete(old_entry.clone()).await {
            Ok(_) => {
                self.db
                    .call(move |conn| {
                        Ok(conn.execute(
                            "DELETE FROM credential_cleanup WHERE entry = ?1",
                            params![old_entry],
                        )?)
                    })
                    .await?;
            }
            Err(err) => {
                tracing::warn!(code = ?err.code(), "old secret not deleted yet; recovery will");
                warnings.push("The new key is saved; the old one could not be deleted from the credential store yet and will be removed later.".into());
            }
        }
        Ok(warnings)
    }

    /// Deletes a journaled credential entry and, once that is confirmed, its journal row.
    async fn drop_journaled_entry(&self, creds: &Credentials, entry: &str) {
        if creds.delete(entry.to_owned()).await.is_err() {
            tracing::warn!("could not delete an unused new secret now; recovery will");
            return;
        }
        let entry = entry.to_owned();
        if let Err(err) = self
            .db
            .call(move |conn| {
                Ok(conn.execute(
                    "DELETE FROM credential_cleanup WHERE entry = ?1",
                    params![entry],
                )?)
            })
            .await
        {
            tracing::warn!(code = ?err.code(), "could not clear the journal; recovery will");
        }
    }

    fn override_for(&self, provider: ProviderId) -> Option<&str> {
        self.config
            .base_url_overrides
            .get(&provider)
            .map(String::as_str)
    }

    /// The kind of store the vault uses, once opened.
    pub fn store_kind(&self) -> Option<StoreKind> {
        self.creds.get().map(Credentials::kind)
    }
}

/// Bumps the key-change counter when dropped.
struct ChangeGuard(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl Drop for ChangeGuard {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Release);
    }
}

struct Pending {
    id: String,
    account: String,
    provider: ProviderId,
    label: String,
    base_url: String,
    hint: String,
    outcome: ValidationOutcome,
    now: i64,
}

fn insert_pending(conn: &mut rusqlite::Connection, row: &Pending) -> Result<()> {
    let models =
        serde_json::to_string(&row.outcome.models).map_err(|e| Error::Internal(e.to_string()))?;
    let verified_at = (row.outcome.status != Verification::Unverified).then_some(row.now);
    conn.execute(
        "INSERT INTO keys (id, account, provider, label, base_url, masked_hint, enabled, state, secret_generation, \
         verification, verification_note, verified_at, models, owner_pid, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 'pending', 0, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
        params![
            row.id,
            row.account,
            row.provider.as_str(),
            row.label,
            row.base_url,
            row.hint,
            row.outcome.status.as_str(),
            row.outcome.note,
            verified_at,
            models,
            i64::from(std::process::id()),
            row.now,
        ],
    )?;
    Ok(())
}

fn set_outcome(conn: &rusqlite::Connection, id: &str, outcome: &ValidationOutcome) -> Result<()> {
    let models =
        serde_json::to_string(&outcome.models).map_err(|e| Error::Internal(e.to_string()))?;
    let now = now_unix();
    let verified_at = (outcome.status != Verification::Unverified).then_some(now);
    // A check that returned no model list (rate limited, quota) keeps the models we knew.
    conn.execute(
        "UPDATE keys SET verification = ?2, verification_note = ?3, verified_at = coalesce(?4, verified_at), \
         models = CASE WHEN ?5 = '[]' THEN models ELSE ?5 END, updated_at = ?6 WHERE id = ?1",
        params![id, outcome.status.as_str(), outcome.note, verified_at, models, now],
    )?;
    Ok(())
}

/// Whether the account and provider of key `id` already have a key switched on.
fn provider_has_enabled_key(tx: &rusqlite::Transaction<'_>, id: &str) -> Result<bool> {
    Ok(tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM keys AS other JOIN keys AS me \
           ON other.account = me.account AND other.provider = me.provider \
         WHERE me.id = ?1 AND other.id != ?1 AND other.enabled = 1)",
        params![id],
        |r| r.get(0),
    )?)
}

/// Enables `id`, disabling the provider's other enabled key; returns that key if there was one.
fn enable_in(tx: &rusqlite::Transaction<'_>, id: &str) -> Result<Option<KeyInfo>> {
    let (account, provider): (String, String) = tx.query_row(
        "SELECT account, provider FROM keys WHERE id = ?1 AND state = 'active'",
        params![id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let other: Option<String> = tx
        .query_row(
            "SELECT id FROM keys WHERE account = ?1 AND provider = ?2 AND enabled = 1 AND id != ?3",
            params![account, provider, id],
            |r| r.get(0),
        )
        .optional()?;
    let now = now_unix();
    tx.execute("UPDATE keys SET enabled = 0, updated_at = ?4 WHERE account = ?1 AND provider = ?2 AND enabled = 1 AND id != ?3", params![account, provider, id, now])?;
    tx.execute(
        "UPDATE keys SET enabled = 1, updated_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    other.map(|other| get_in(tx, &account, &other)).transpose()
}

const COLUMNS: &str = "id, provider, label, base_url, masked_hint, enabled, verification, verification_note, \
                       verified_at, models, created_at, updated_at, last_used_at";

fn get_in(conn: &rusqlite::Connection, account: &str, id: &str) -> Result<KeyInfo> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM keys WHERE account = ?1 AND id = ?2 AND state = 'active'"),
        params![account, id],
        read_row,
    )
    .optional()?
    .ok_or_else(|| Error::KeyNotFound { id: id.to_owned() })?
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<Result<KeyInfo>> {
    let provider: String = row.get(1)?;
    let verification: String = row.get(6)?;
    let models: String = row.get(9)?;
    let base_url: String = row.get(3)?;
    let Ok(provider) = provider.parse::<ProviderId>() else {
        return Ok(Err(Error::Database {
            detail: format!("unknown provider {provider:?} in the key list"),
        }));
    };
    let spec = provider.spec();
    Ok(Ok(KeyInfo {
        id: row.get(0)?,
        provider,
        provider_name: spec.name,
        label: row.get(2)?,
        custom_base_url: spec.default_base_url != Some(base_url.as_str()),
        base_url,
        masked: row.get(4)?,
        enabled: row.get::<_, i64>(5)? == 1,
        verification: Verification::from_stored(&verification).unwrap_or(Verification::Unverified),
        verification_note: row.get(7)?,
        verified_at: row.get::<_, Option<i64>>(8)?.map(rfc3339),
        models: serde_json::from_str(&models).unwrap_or_default(),
        created_at: rfc3339(row.get(10)?),
        updated_at: rfc3339(row.get(11)?),
        last_used_at: row.get::<_, Option<i64>>(12)?.map(rfc3339),
    }))
}

fn clean_label(label: Option<&str>, provider_name: &str) -> Result<String> {
    let Some(label) = label.map(str::trim).filter(|l| !l.is_empty()) else {
        return Ok(format!("{provider_name} key"));
    };
    if label.chars().count() > MAX_LABEL_CHARS {
        return Err(Error::InvalidLabel {
            reason: "is longer than 80 characters",
        });
    }
    if label.chars().any(char::is_control) {
        return Err(Error::InvalidLabel {
            reason: "must be a single line without control characters",
        });
    }
    Ok(label.to_owned())
}

/// The warning for a store that forgets keys at reboot, if this is one.
fn persistence_warning(creds: &Credentials) -> Option<String> {
    (!creds.survives_reboot()).then(|| creds.kind().not_persistent_warning())
}

fn shape_warnings(provider: ProviderId, secret: &ApiKey) -> Vec<String> {
    let spec = provider.spec();
    if spec.key_looks_right(secret) {
        return Vec::new();
    }
    vec![format!(
        "{} keys usually start with {}; this one does not. Check that you picked the right provider.",
        spec.name,
        spec.key_prefixes
            .iter()
            .map(|p| format!("\"{p}\""))
            .collect::<Vec<_>>()
            .join(" or ")
    )]
}

fn new_key_id() -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("k_{}", &hex[..10])
}
