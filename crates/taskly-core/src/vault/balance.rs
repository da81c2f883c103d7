//! The provider's own figures for a stored key: read at most hourly (or when the user checks
//! the key again), kept in SQLite so the CLI and the app show the same reading and its time.

use crate::providers::balance::{self, BalanceCall, MAX_AGE_SECS, ProviderBalance};
use crate::providers::base_url::BaseUrl;
use crate::providers::gate::{Cleared, Destination};
use crate::time_fmt::now_unix;
use crate::vault::{KeyInfo, Vault};
use crate::{ApiKey, Error, Result, db};

impl Vault {
    /// What key `id`'s provider itself says about its spend: the stored reading when it is less
    /// than an hour old (unless `force`), else a fresh one, stored. `None` when the provider has
    /// no call a normal key may use for it (`balance::no_call_sentence` says so).
    pub async fn provider_balance(&self, id: &str, force: bool) -> Result<Option<ProviderBalance>> {
        let key = self.get(id).await?;
        let Some(call) = key.provider.spec().balance_call else {
            return Ok(None);
        };
        if !force && let Some(fresh) = self.stored_balance(&key.id).await? {
            return Ok(Some(fresh));
        }
        let creds = self.credentials().await?;
        let (secret, bound_origin, _) = self.read_secret_with(creds, &key).await?;
        let base = BaseUrl::parse(&key.base_url)?;
        // Like every send of a stored key: only to the origin it is bound to, never to Taskly.
        let cleared = self.clear(Destination::Stored {
            base: &base,
            bound_origin: &bound_origin,
            key_id: &key.id,
        })?;
        self.fetch_and_store(&key, call, &cleared, &secret)
            .await
            .map(Some)
    }

    /// The stored readings of the account's keys, by key id (no network).
    pub async fn balances(&self) -> Result<Vec<(String, ProviderBalance)>> {
        let account = self.config().account.as_str().to_owned();
        let rows = self
            .db()
            .call(move |conn| db::balances::list(conn, &account))
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| Some((row.key_id, parse(&row.balance)?)))
            .collect())
    }

    /// After a successful check of `key` ("Check again"): a fresh reading of its provider's
    /// figures, with the secret and destination the check used, if the provider has the call.
    /// A failure is logged (its code) and leaves the check's outcome as it is.
    pub(crate) async fn refresh_balance_after_check(
        &self,
        key: &KeyInfo,
        cleared: &Cleared,
        secret: &ApiKey,
    ) {
        let Some(call) = key.provider.spec().balance_call else {
            return;
        };
        if let Err(err) = self.fetch_and_store(key, call, cleared, secret).await {
            tracing::info!(key = %key.id, code = ?err.code(), "the provider's figures could not be read");
        }
    }

    async fn fetch_and_store(
        &self,
        key: &KeyInfo,
        call: BalanceCall,
        cleared: &Cleared,
        secret: &ApiKey,
    ) -> Result<ProviderBalance> {
        let spec = key.provider.spec();
        let reading = balance::fetch(
            self.http(),
            self.config().http.request,
            spec,
            call,
            cleared,
            secret,
        )
        .await?;
        let json = serde_json::to_string(&reading)
            .map_err(|e| Error::Internal(format!("cannot store the provider's figures: {e}")))?;
        let (id, account, now) = (
            key.id.clone(),
            self.config().account.as_str().to_owned(),
            now_unix(),
        );
        self.db()
            .call(move |conn| db::balances::upsert(conn, &id, &account, now, &json))
            .await?;
        tracing::debug!(key = %key.id, "stored the provider's figures");
        Ok(reading)
    }

    /// The stored reading of key `id` if it is less than [`MAX_AGE_SECS`] old (a reading from
    /// the future, the clock having been set back, counts as old).
    async fn stored_balance(&self, id: &str) -> Result<Option<ProviderBalance>> {
        let (account, id) = (self.config().account.as_str().to_owned(), id.to_owned());
        let stored = self
            .db()
            .call(move |conn| db::balances::get(conn, &account, &id))
            .await?;
        let now = now_unix();
        Ok(stored
            .filter(|row| (0..MAX_AGE_SECS).contains(&(now - row.fetched_at)))
            .and_then(|row| parse(&row.balance)))
    }
}

/// A stored reading; one this version cannot read is as good as none (it is read again).
fn parse(json: &str) -> Option<ProviderBalance> {
    serde_json::from_str(json).ok()
}
