//! The key vault: secrets in the OS credential store, everything else in SQLite.
//!
//! Multi-step changes keep the two stores consistent through crashes:
//! - add: write a `pending` row, write the credential, read it back, mark the row `active`;
//! - replace: journal the new entry, write and read it back, swap the row to it in one
//!   transaction (journaling the old entry), delete the old entry;
//! - remove: mark the row `removing`, delete the credential, delete the row.
//!
//! `recovery` finishes or rolls back whatever a dead process left (see there).

mod balance;
pub mod credentials;
pub mod faults;
pub mod recovery;

use std::sync::Arc;

use rusqlite::TransactionBehavior;
use serde::Serialize;

use crate::core::Core;
use crate::db;
use crate::mask::mask;
use crate::providers::base_url::BaseUrl;
use crate::providers::gate::Destination;
use crate::providers::validate::{ValidationOutcome, Verification, validate_key};
use crate::time_fmt::now_unix;
use crate::{ApiKey, Config, Error, ProviderId, Result};
use credentials::{CredentialStore, Credentials};

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

pub use crate::db::keys::KeyInfo;

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
    core: Arc<Core>,
}

impl std::ops::Deref for Vault {
    type Target = Core;

    /// The vault is the core's key service: the configuration, database, HTTP clients and
    /// credential store it works with are the core's (`vault.db()`, `vault.config()`, …).
    fn deref(&self) -> &Core {
        &self.core
    }
}

/// The label a person sees on a key's entry in the OS's password manager.
pub(crate) fn entry_label(provider_name: &str) -> String {
    format!("Taskly Desktop: {provider_name} API key")
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
        Ok(Self {
            core: Arc::new(Core::open(config, injected_store).await?),
        })
    }

    /// The core this vault works in (shared with the router and chat).
    pub fn core(&self) -> &Arc<Core> {
        &self.core
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
        let account = self.config().account.as_str().to_owned();
        let entry = entry_name(&account, &id, 0);
        let hint = mask(spec, &new.secret);
        let now = now_unix();
        let row = db::keys::Pending {
            id: id.clone(),
            account,
            provider: new.provider,
            label,
            base_url: base.as_str().to_owned(),
            hint,
            outcome,
            now,
        };
        self.db()
            .call(move |conn| db::keys::insert_pending(conn, &row))
            .await?;
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
            .db()
            .call(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let changed = db::keys::activate_pending(&tx, &id_for_db)?;
                if changed != 1 {
                    // Another process's recovery took this add for abandoned (it can misjudge a
                    // process in another PID namespace, or after a long suspend).
                    return Err(Error::ConcurrentChange { id: id_for_db });
                }
                let switch_on = match enable {
                    Enable::Yes => true,
                    Enable::No => false,
                    Enable::IfNoneEnabled => !db::keys::provider_has_enabled_key(&tx, &id_for_db)?,
                };
                let disabled = if switch_on {
                    db::keys::enable(&tx, &id_for_db)?
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
        let account = self.config().account.as_str().to_owned();
        self.db()
            .call(move |conn| db::keys::list_active(conn, &account))
            .await
    }

    /// One key.
    pub async fn get(&self, id: &str) -> Result<KeyInfo> {
        let account = self.config().account.as_str().to_owned();
        let id = id.to_owned();
        self.db()
            .call(move |conn| db::keys::get_active(conn, &account, &id))
            .await
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
            self.db()
                .call(move |conn| {
                    db::keys::update_label_and_base_url(conn, &id, label.as_deref(), &base_text)
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
        let account = self.config().account.as_str().to_owned();
        let id = id.to_owned();
        let disabled = self
            .db()
            .call(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                db::keys::get_active(&tx, &account, &id)?;
                let disabled = if enabled {
                    db::keys::enable(&tx, &id)?
                } else {
                    db::keys::disable(&tx, &id)?;
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

    /// Makes a key one of its provider's backups, tried in order after the primary fails
    /// (switching it off as primary if it was one). Returns the key with its rank.
    pub async fn set_backup(&self, id: &str) -> Result<KeySaved> {
        let _changed = self.change_guard();
        let account = self.config().account.as_str().to_owned();
        let id = id.to_owned();
        let (id, rank) = self
            .db()
            .call(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                db::keys::get_active(&tx, &account, &id)?;
                let rank = db::keys::make_backup(&tx, &id)?;
                tx.commit()?;
                Ok((id, rank))
            })
            .await?;
        tracing::info!(key = %id, rank, "key made a backup");
        Ok(KeySaved {
            key: self.get(&id).await?,
            warnings: Vec::new(),
            disabled: None,
        })
    }

    /// Removes a key: its credential, then its row.
    pub async fn remove(&self, id: &str) -> Result<KeyInfo> {
        let _changed = self.change_guard();
        let current = self.get(id).await?;
        let creds = self.credentials().await?;
        let account = self.config().account.as_str().to_owned();
        let key_id = current.id.clone();
        let generation = self
            .db()
            .call(move |conn| {
                let pid = i64::from(std::process::id());
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let generation = db::keys::active_generation(&tx, &key_id, &account)?;
                let generation =
                    generation.ok_or_else(|| Error::KeyNotFound { id: key_id.clone() })?;
                db::keys::mark_removing(&tx, &key_id, pid)?;
                tx.commit()?;
                Ok(generation)
            })
            .await?;
        faults::checkpoint("remove:after-mark").await;
        let entry = entry_name(self.config().account.as_str(), &current.id, generation);
        if let Err(err) = creds.delete(entry).await {
            // Nothing was removed: put the row back as it was (off if another key took over
            // meanwhile; the unique index decides).
            let (key_id, was_enabled) = (current.id.clone(), current.enabled);
            let restored = self
                .db()
                .call(move |conn| {
                    db::keys::restore_removing(conn, &key_id)?;
                    if was_enabled
                        && let Err(e) = db::keys::re_enable(conn, &key_id)
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
        self.db()
            .call(move |conn| db::keys::delete(conn, &key_id))
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
        let cleared = self.clear(Destination::Stored {
            base: &base,
            bound_origin: &bound_origin,
            key_id: &current.id,
        })?;
        let result = validate_key(
            self.http(),
            self.config().http.request,
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
        let account = self.config().account.as_str().to_owned();
        self.db()
            .call(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                // The verdict belongs to the secret that was checked, not one that replaced it.
                let still = db::keys::active_generation_by_id(&tx, &id)?;
                if still != Some(generation) {
                    return Err(Error::ConcurrentChange { id });
                }
                db::keys::set_outcome(&tx, &id, &outcome)?;
                // Checking again is what ends a rest (issue 13's failover): a key that passes
                // is usable at once; one still refused or out of quota keeps resting.
                let now = crate::time_fmt::now_unix();
                match outcome.status {
                    Verification::Verified => {
                        db::rests::clear(&tx, &account, &id)?;
                    }
                    Verification::Invalid => db::rests::set(
                        &tx,
                        &account,
                        &id,
                        db::rests::RestCause::Invalid,
                        None,
                        outcome.note.as_deref(),
                        now,
                    )?,
                    Verification::QuotaExhausted => db::rests::set(
                        &tx,
                        &account,
                        &id,
                        db::rests::RestCause::Quota,
                        Some(crate::chat::failover::next_utc_day(now)),
                        outcome.note.as_deref(),
                        now,
                    )?,
                    Verification::RateLimited | Verification::Unverified => {}
                }
                tx.commit()?;
                Ok(())
            })
            .await?;
        match failure {
            Some(err) => Err(err),
            None => {
                // "Check again" also reads the provider's own figures, where it has the call.
                self.refresh_balance_after_check(&current, &cleared, &secret)
                    .await;
                self.get(&current.id).await
            }
        }
    }

    /// Every key of the account with its secret, for comparisons in memory (the import scan's
    /// "already held", the prompt guard); never through a stored hash. A key whose secret
    /// cannot be read is left out (and logged, without the secret).
    pub async fn held_keys(&self) -> Result<Vec<(KeyInfo, Arc<ApiKey>)>> {
        let keys = self.list().await?;
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let creds = self.credentials().await?;
        let mut held = Vec::with_capacity(keys.len());
        for key in keys {
            match self.read_secret_with(creds, &key).await {
                Ok((secret, _, _)) => held.push((key, secret)),
                Err(err) => {
                    tracing::warn!(key = %key.id, code = ?err.code(), "a key's secret could not be read to compare");
                }
            }
        }
        Ok(held)
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
        let account = self.config().account.as_str().to_owned();
        let id = key.id.clone();
        let generation: i64 = self
            .db()
            .call(move |conn| {
                db::keys::active_generation(conn, &id, &account)?.ok_or(Error::KeyNotFound { id })
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
        let entry = entry_name(self.config().account.as_str(), id, generation);
        let stored = creds
            .read(entry.clone())
            .await?
            .ok_or_else(|| Error::CredentialMissing { id: id.to_owned() })?;
        if let Some(origin) = stored.origin {
            return Ok((Arc::new(stored.key), origin));
        }
        let origin = base.origin();
        let key = Arc::new(stored.key);
        let label = entry_label(provider.spec().name);
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
        let cleared = self.clear(Destination::Confirmed(base))?;
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
            self.http(),
            self.config().http.request,
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
        let label = entry_label(provider_name);
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
            .db()
            .call(move |conn| db::keys::delete_pending(conn, &id))
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
        let account = self.config().account.as_str().to_owned();
        let id = current.id.clone();
        let pid = i64::from(std::process::id());
        // Reserve the new generation with a plain INSERT into the journal, so two replaces of
        // one key (the CLI and the app at once) never write the same entry.
        let (acc, kid) = (account.clone(), id.clone());
        let (old_generation, new_generation) = self
            .db()
            .call(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let old: i64 = db::keys::active_generation(&tx, &kid, &acc)?
                    .ok_or_else(|| Error::KeyNotFound { id: kid.clone() })?;
                if expected.is_some_and(|generation| generation != old) {
                    return Err(Error::ConcurrentChange { id: kid });
                }
                let mut next = old + 1;
                while db::journal::reserve_new(
                    &tx,
                    &entry_name(&acc, &kid, next),
                    &kid,
                    pid,
                    now_unix(),
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
        let rest_account = account.clone();
        let swapped = self
            .db()
            .call(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let changed = db::keys::swap_generation(
                    &tx,
                    &kid,
                    new_generation,
                    &hint,
                    &base_text,
                    label.as_deref(),
                    old_generation,
                )?;
                if changed != 1 {
                    return Err(Error::ConcurrentChange { id: kid });
                }
                db::keys::set_outcome(&tx, &kid, &outcome)?;
                // A new secret starts afresh: the old one's rest (refused, out of quota, rate
                // limited) was about the old secret.
                db::rests::clear(&tx, &rest_account, &kid)?;
                db::journal::remove(&tx, &new_e)?;
                db::journal::record_old(&tx, &old_e, &kid, pid, now_unix())?;
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
                self.db()
                    .call(move |conn| db::journal::remove(conn, &old_entry))
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
            .db()
            .call(move |conn| db::journal::remove(conn, &entry))
            .await
        {
            tracing::warn!(code = ?err.code(), "could not clear the journal; recovery will");
        }
    }

    fn override_for(&self, provider: ProviderId) -> Option<&str> {
        self.config()
            .base_url_overrides
            .get(&provider)
            .map(String::as_str)
    }
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
