//! Bringing the local profile's keys into a signed-in account (asked once, at the machine's
//! first sign-in).
//!
//! A key's secret entry carries its account (`local:<id>:<generation>`), so each key is moved
//! the way a replace is: the new entry is reserved in the cleanup journal and written, the row
//! moves to the account in one transaction that also journals the old entry, and the old entry
//! is deleted. A crash at any step leaves the journal to finish it (`vault::recovery`).

use crate::core::Core;
use crate::time_fmt::now_unix;
use crate::vault::entry_name;
use crate::{AccountId, Result};

/// Moves every local-profile key to `target`; returns how many moved. A moved key that would
/// be a second enabled key for its provider in `target` arrives switched off.
pub(crate) async fn move_local_keys(core: &Core, target: &AccountId) -> Result<usize> {
    let local = crate::account::DEFAULT_ACCOUNT;
    if target.as_str() == local {
        return Ok(0);
    }
    let keys = core
        .db()
        .call(move |conn| {
            let providers = crate::db::keys::list_active(conn, local)?;
            let generations = crate::db::keys::generations(conn, local)?;
            Ok(generations
                .into_iter()
                .filter_map(|(id, generation)| {
                    let provider = providers.iter().find(|k| k.id == id)?.provider;
                    Some((id, generation, provider))
                })
                .collect::<Vec<_>>())
        })
        .await?;
    let creds = core.credentials().await?;
    let pid = i64::from(std::process::id());
    let mut moved = 0;
    for (id, generation, provider) in keys {
        let old = entry_name(local, &id, generation);
        let new = entry_name(target.as_str(), &id, generation);
        let Some(stored) = creds.read(old.clone()).await? else {
            tracing::warn!(key = %id, "a local key has no secret; left in the local profile");
            continue;
        };
        let Some(origin) = stored.origin.clone() else {
            tracing::warn!(key = %id, "a local key is not yet bound to its address; left in the local profile");
            continue;
        };
        let (reserve_id, reserve_new) = (id.clone(), new.clone());
        core.db()
            .call(move |conn| {
                let tx = conn.transaction()?;
                crate::db::journal::reserve_new(&tx, &reserve_new, &reserve_id, pid, now_unix())?;
                tx.commit()?;
                Ok(())
            })
            .await?;
        creds
            .write(
                new.clone(),
                std::sync::Arc::new(stored.key),
                origin,
                crate::vault::entry_label(provider.spec().name),
            )
            .await?;
        let (tx_id, tx_old, tx_new, to) =
            (id.clone(), old.clone(), new.clone(), target.to_string());
        let done = core
            .db()
            .call(move |conn| {
                let tx = conn.transaction()?;
                let changed = crate::db::accounts::move_key(&tx, local, &to, &tx_id)?;
                crate::db::journal::remove(&tx, &tx_new)?;
                if changed {
                    crate::db::journal::record_old(&tx, &tx_old, &tx_id, pid, now_unix())?;
                } else {
                    crate::db::journal::record_old(&tx, &tx_new, &tx_id, pid, now_unix())?;
                }
                tx.commit()?;
                Ok(changed)
            })
            .await?;
        let spent = if done { old } else { new };
        creds.delete(spent.clone()).await?;
        core.db()
            .call(move |conn| crate::db::journal::remove(conn, &spent).map(|_| ()))
            .await?;
        if done {
            moved += 1;
        }
    }
    let _ = core.change_guard();
    if moved > 0 {
        tracing::info!(count = moved, "local keys brought into the account");
    }
    Ok(moved)
}
