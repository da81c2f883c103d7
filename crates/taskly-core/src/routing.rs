//! The routing decision: whose account pays for a request, and where its bytes go.
//!
//! For provider P on account A: if A has an enabled key for P, the request goes straight to P
//! with that key; otherwise it goes to the Taskly proxy with the Taskly token. A key is read
//! from the credential store once per process and generation (a replace changes the
//! generation), and the decision is made afresh for every request from SQLite, so a key
//! switched off or replaced by another process is honoured on the very next request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::Serialize;

use crate::core::Core;
use crate::db::{self, keys::EnabledKey};
use crate::providers::base_url::BaseUrl;
use crate::providers::gate::Destination;
use crate::providers::{ProviderId, WireFormat, auth};
use crate::{ApiKey, Error, Result, Upstream, Vault};

/// Which way a request went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum RouteKind {
    /// Straight to the provider with the user's key.
    Personal,
    /// Through the Taskly proxy with the Taskly token.
    Taskly,
}

/// What the user is told about the route: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct RouteInfo {
    /// Personal key or Taskly.
    pub kind: RouteKind,
    /// The provider whose model answers.
    pub provider: ProviderId,
    /// The key's id, for a personal route.
    pub key_id: Option<String>,
    /// The key's label, for a personal route.
    pub label: Option<String>,
    /// The key's masked hint, for a personal route.
    pub masked: Option<String>,
    /// Taskly answered because the personal key failed and the user allowed that.
    pub fallback: bool,
    /// For the Taskly route: the signed-in account that pays (its email), if the token is a
    /// session's (not `TASKLY_PROXY_TOKEN`).
    pub account: Option<String>,
}

impl RouteInfo {
    /// "your OpenAI key sk-…a1b2" or "Taskly".
    pub fn describe(&self) -> String {
        match self.kind {
            RouteKind::Personal => format!(
                "your {} key {}",
                self.provider.spec().name,
                self.masked.as_deref().unwrap_or_default()
            ),
            RouteKind::Taskly => {
                let mut text = "Taskly".to_owned();
                if let Some(account) = &self.account {
                    text.push_str(&format!(" ({account})"));
                }
                if self.fallback {
                    text.push_str(" (your key failed; fallback is on)");
                }
                text
            }
        }
    }
}

/// Where a request goes and how it authenticates.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Who answers.
    pub upstream: Upstream,
    /// Its dialect.
    pub wire: WireFormat,
    /// Its base URL (checked by `BaseUrl`).
    pub base: BaseUrl,
    /// Auth headers, values marked sensitive.
    pub headers: HeaderMap,
    /// The secret sent (the user's key or the Taskly token), to scrub from error bodies.
    pub presented: Arc<ApiKey>,
    /// The pooled client for this base URL.
    pub client: reqwest::Client,
    /// How long to wait for the answer's headers.
    pub first_byte: Duration,
    /// Whether `max_tokens` must be sent as OpenAI's newer `max_completion_tokens`.
    pub max_completion_tokens: bool,
}

/// A decision: what to tell the user, and where to send the request.
#[derive(Debug, Clone)]
pub struct Decision {
    /// The route as the user is told it (never the secret).
    pub info: RouteInfo,
    /// Where the request goes and the headers it carries.
    pub endpoint: Endpoint,
    /// The Taskly route's token is a session's: after a 401 it can be refreshed once.
    pub session_token: bool,
}

/// What a cached decision was made from: SQLite's `data_version` (which moves when another
/// process commits) and this process's own key-change count.
type Stamp = (i64, u64);

/// A secret read from the store: its generation, the key, and the origin it is bound to.
type CachedSecret = (i64, Arc<ApiKey>, String);

/// Makes routing decisions for one account.
#[derive(Debug)]
pub struct Router {
    /// For the key list and the secrets (the vault reads and binds them).
    vault: Arc<Vault>,
    /// The configuration, database and HTTP clients decisions are made with.
    core: Arc<Core>,
    /// Per key id: the generation read, its secret and the origin the secret is bound to.
    secrets: Mutex<HashMap<String, CachedSecret>>,
    decisions: Mutex<HashMap<ProviderId, (Stamp, Arc<Decision>)>>,
}

impl Router {
    /// A router over `vault`'s account and configuration.
    pub fn new(vault: Arc<Vault>) -> Self {
        Self {
            core: vault.core().clone(),
            vault,
            secrets: Mutex::new(HashMap::new()),
            decisions: Mutex::new(HashMap::new()),
        }
    }

    /// Decides where a request to `provider` goes. A decision is reused while nothing has
    /// changed in the key list, in this process or another; any change is seen on the next call.
    pub async fn decide(&self, provider: ProviderId) -> Result<Arc<Decision>> {
        self.decide_with(provider, true).await
    }

    async fn decide_with(&self, provider: ProviderId, may_retry: bool) -> Result<Arc<Decision>> {
        let quick = self.stamp_inline();
        if let Some(stamp) = quick
            && let Ok(cache) = self.decisions.lock()
            && let Some((cached, decision)) = cache.get(&provider)
            && *cached == stamp
        {
            return Ok(decision.clone());
        }
        // The stamp is read before the key list, so a change in between makes the next call
        // look again rather than trust a decision made from older data.
        let stamp = match quick {
            Some(stamp) => stamp,
            None => self.stamp_blocking().await?,
        };
        let enabled = self.enabled_keys().await?;
        self.keep_only(&stamp, &enabled);
        let mine = |keys: &[EnabledKey]| {
            keys.iter()
                .find(|k| k.provider == provider.as_str())
                .cloned()
        };
        let decision = match mine(&enabled) {
            Some(key) => match self.personal(provider, key.clone()).await {
                // The key was removed or replaced by another process between reading the list
                // and reading the store: decide once more from the list as it is now, rather
                // than ask the user to re-enter a key that is simply gone or newer.
                Err(Error::CredentialMissing { .. })
                    if may_retry && mine(&self.enabled_keys().await?).as_ref() != Some(&key) =>
                {
                    return Box::pin(self.decide_with(provider, false)).await;
                }
                other => other?,
            },
            None => self.taskly(provider, false).await?,
        };
        let decision = Arc::new(decision);
        // Only a personal route is reused: the Taskly route's token may be refreshed any time
        // (here or in another process), so it is asked for afresh (from memory, while fresh).
        if decision.info.kind == RouteKind::Personal
            && let Ok(mut cache) = self.decisions.lock()
        {
            cache.insert(provider, (stamp, decision.clone()));
        }
        Ok(decision)
    }

    /// After a change to the key list: drops every decision made before it and every cached
    /// secret that is no longer the enabled generation of a key, so a key removed, switched off
    /// or replaced (here or by another process) does not linger in memory until its provider
    /// is asked again.
    fn keep_only(&self, stamp: &Stamp, enabled: &[EnabledKey]) {
        if let Ok(mut cache) = self.decisions.lock() {
            cache.retain(|_, (made, _)| made == stamp);
        }
        if let Ok(mut cache) = self.secrets.lock() {
            cache.retain(|id, (generation, _, _)| {
                enabled
                    .iter()
                    .any(|k| k.id == *id && k.generation == *generation)
            });
        }
    }

    fn stamp_inline(&self) -> Option<Stamp> {
        let changes = self.core.key_changes();
        let version = self.core.db().try_inline(db::data_version)?;
        Some((version, changes))
    }

    async fn stamp_blocking(&self) -> Result<Stamp> {
        let changes = self.core.key_changes();
        let version = self
            .vault
            .db()
            .call(|conn| Ok(db::data_version(conn)?))
            .await?;
        Ok((version, changes))
    }

    /// The Taskly route for `provider` (`fallback`: because the personal key failed), with
    /// `TASKLY_PROXY_TOKEN` or the signed-in account's token, refreshed when due.
    pub async fn taskly(&self, provider: ProviderId, fallback: bool) -> Result<Decision> {
        let token = crate::signin::refresh::taskly_token(&self.core).await?;
        self.taskly_with(provider, fallback, token)
    }

    /// The Taskly route again after the proxy refused `rejected`: with a newer or refreshed
    /// session token. `None` when the token is not a session's (nothing to refresh).
    pub async fn taskly_after_rejection(&self, rejected: &Decision) -> Result<Option<Decision>> {
        if !rejected.session_token {
            return Ok(None);
        }
        let token =
            crate::signin::refresh::after_rejection(&self.core, &rejected.endpoint.presented)
                .await?;
        self.taskly_with(rejected.info.provider, rejected.info.fallback, token)
            .map(Some)
    }

    fn taskly_with(
        &self,
        provider: ProviderId,
        fallback: bool,
        taskly: crate::signin::refresh::TasklyToken,
    ) -> Result<Decision> {
        let settings = &self.core.config().chat;
        let token = taskly.token;
        let base = BaseUrl::parse(&settings.proxy_url).map_err(|_| Error::InvalidConfig {
            name: "TASKLY_PROXY_URL",
            reason: "it must be an https:// URL (or http:// to this machine)".into(),
        })?;
        let headers = auth::taskly_headers(&token)?;
        let endpoint = Endpoint {
            upstream: Upstream::Taskly,
            wire: WireFormat::OpenaiCompatible,
            client: self.core.http().client(base.is_loopback()).clone(),
            base,
            headers,
            presented: token,
            first_byte: settings.first_byte_timeout,
            max_completion_tokens: false,
        };
        let info = RouteInfo {
            kind: RouteKind::Taskly,
            provider,
            key_id: None,
            label: None,
            masked: None,
            fallback,
            account: taskly.email,
        };
        Ok(Decision {
            info,
            endpoint,
            session_token: taskly.from_session,
        })
    }

    /// The provider's backup keys, in the order they are tried after the primary.
    pub(crate) async fn backups(&self, provider: ProviderId) -> Result<Vec<EnabledKey>> {
        let account = self.core.account().to_string();
        self.core
            .db()
            .call(move |conn| db::keys::backups(conn, &account, provider.as_str()))
            .await
    }

    /// The route with one particular key of the provider (a backup, in failover).
    pub(crate) async fn with_key(&self, provider: ProviderId, key: EnabledKey) -> Result<Decision> {
        self.personal(provider, key).await
    }

    async fn personal(&self, provider: ProviderId, key: EnabledKey) -> Result<Decision> {
        let base = BaseUrl::parse(&key.base_url)?;
        // Refused before the store is even asked, for a Taskly host; then only to the origin
        // the secret is bound to (a base URL changed in SQLite behind our back is not trusted).
        base.refuse_taskly_host(&self.core.config().chat.proxy_url)?;
        let (secret, bound_origin) = self.secret(provider, &key, &base).await?;
        let cleared = self.core.clear(Destination::Stored {
            base: &base,
            bound_origin: &bound_origin,
            key_id: &key.id,
        })?;
        let spec = provider.spec();
        let endpoint = Endpoint {
            upstream: Upstream::Provider(provider),
            wire: spec.wire,
            client: self
                .core
                .http()
                .client(cleared.base().is_loopback())
                .clone(),
            headers: auth::key_headers(spec, &secret, &cleared)?,
            base: cleared.base().clone(),
            presented: secret,
            first_byte: self.core.config().chat.first_byte_timeout,
            max_completion_tokens: spec.max_completion_tokens,
        };
        let info = RouteInfo {
            kind: RouteKind::Personal,
            provider,
            key_id: Some(key.id),
            label: Some(key.label),
            masked: Some(key.masked),
            fallback: false,
            account: None,
        };
        Ok(Decision {
            info,
            endpoint,
            session_token: false,
        })
    }

    /// The account's enabled keys, one per provider at most (one small indexed read).
    async fn enabled_keys(&self) -> Result<Vec<EnabledKey>> {
        let account = self.core.account().as_str().to_owned();
        self.vault
            .db()
            .call(move |conn| db::keys::enabled(conn, &account))
            .await
    }

    /// The key's secret and the origin it is bound to: from memory if this generation was read
    /// before, else from the store.
    async fn secret(
        &self,
        provider: ProviderId,
        key: &EnabledKey,
        base: &BaseUrl,
    ) -> Result<(Arc<ApiKey>, String)> {
        if let Some(found) = self.cached(key) {
            return Ok(found);
        }
        let creds = self.vault.credentials().await?;
        let (secret, origin) = self
            .vault
            .read_bound(creds, provider, &key.id, key.generation, base)
            .await?;
        if let Ok(mut cache) = self.secrets.lock() {
            // Replaces (and so drops and zeroizes) any older generation of this key.
            cache.insert(
                key.id.clone(),
                (key.generation, secret.clone(), origin.clone()),
            );
        }
        Ok((secret, origin))
    }

    fn cached(&self, key: &EnabledKey) -> Option<(Arc<ApiKey>, String)> {
        let cache = self.secrets.lock().ok()?;
        cache
            .get(&key.id)
            .filter(|(generation, _, _)| *generation == key.generation)
            .map(|(_, secret, origin)| (secret.clone(), origin.clone()))
    }

    /// Every key of the account with its secret, for the prompt guard: a key in use is read
    /// from the route's own cache (so a question costs no extra store read); one switched off
    /// is read from the store and kept only until the key list next changes, as a route's.
    pub(crate) async fn held_secrets(&self) -> Result<Vec<(String, ProviderId, Arc<ApiKey>)>> {
        let account = self.core.account().as_str().to_owned();
        let keys = self
            .vault
            .db()
            .call(move |conn| db::keys::active_rows(conn, &account))
            .await?;
        let mut held = Vec::with_capacity(keys.len());
        for key in keys {
            let Ok(provider) = key.provider.parse::<ProviderId>() else {
                continue;
            };
            // A key that cannot be read now (gone from the store, a damaged row) is passed over:
            // the shape check and the other keys still apply.
            let Ok(base) = BaseUrl::parse(&key.base_url) else {
                continue;
            };
            match self.secret(provider, &key, &base).await {
                Ok((secret, _)) => held.push((key.id, provider, secret)),
                Err(err) => {
                    tracing::warn!(key = %key.id, code = ?err.code(), "a key could not be read for the prompt guard");
                }
            }
        }
        Ok(held)
    }

    /// How many secrets this router holds in memory (for diagnostics and the leak tests).
    pub fn cached_secrets(&self) -> usize {
        self.secrets.lock().map(|cache| cache.len()).unwrap_or(0)
    }

    /// Forgets every cached secret and decision (secrets are zeroized once no request holds
    /// them).
    pub fn forget_secrets(&self) {
        if let Ok(mut cache) = self.decisions.lock() {
            cache.clear();
        }
        if let Ok(mut cache) = self.secrets.lock() {
            cache.clear();
        }
    }
}
