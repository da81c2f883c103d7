//! Moving the picked finds into the vault, each validated like a typed key.

use serde::Serialize;

use super::Scan;
use crate::vault::{Enable, KeySaved, NewKey, Vault};
use crate::{Error, ErrorPayload, Result};

/// What happened to one picked find.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ImportOutcome {
    /// The find's id.
    pub find: String,
    /// Saved, already held, or failed (and why).
    pub result: ImportResult,
}

/// The result of importing one find.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum ImportResult {
    /// Stored in the credential store (validated, unless saved without checking).
    Saved {
        /// The key as stored.
        saved: Box<KeySaved>,
    },
    /// Taskly already holds this key; nothing was added.
    AlreadyHeld {
        /// The vault key it is.
        key: String,
    },
    /// Not stored: the same typed error adding it by hand would give.
    Failed {
        /// Why.
        error: ErrorPayload,
    },
}

/// Imports the finds `ids` of `scan` into `vault`: each is checked with its provider (unless
/// `verify` is off: "save without checking") and stored with the find's label and base URL,
/// switched on only if its provider has no key on. An id the scan does not have is refused
/// before anything is stored.
pub async fn import(
    vault: &Vault,
    scan: &Scan,
    ids: &[String],
    verify: bool,
) -> Result<Vec<ImportOutcome>> {
    if let Some(unknown) = ids.iter().find(|id| scan.find(id).is_none()) {
        return Err(Error::ImportNotFound {
            id: unknown.clone(),
        });
    }
    // The vault's keys are read once; a key stored by this import is compared from memory.
    let held = vault.held_keys().await?;
    let mut stored: Vec<(String, &crate::ApiKey)> = Vec::new();
    let mut outcomes = Vec::new();
    for id in ids {
        let (Some(find), Some(secret)) = (scan.find(id), scan.secret(id)) else {
            continue;
        };
        if outcomes.iter().any(|o: &ImportOutcome| &o.find == id) {
            continue;
        }
        let already = held
            .iter()
            .find(|(_, s)| s.same_as(secret))
            .map(|(key, _)| key.id.clone())
            .or_else(|| {
                stored
                    .iter()
                    .find(|(_, s)| s.same_as(secret))
                    .map(|(k, _)| k.clone())
            });
        let result = if let Some(key) = already {
            ImportResult::AlreadyHeld { key }
        } else {
            let new = NewKey {
                provider: find.provider,
                label: Some(find.label.clone()),
                base_url: find.base_url.clone(),
                secret: secret.duplicate(),
                verify,
                enable: Enable::IfNoneEnabled,
            };
            match vault.add(new).await {
                Ok(saved) => {
                    stored.push((saved.key.id.clone(), secret));
                    tracing::info!(find = %id, key = %saved.key.id, "key imported");
                    ImportResult::Saved {
                        saved: Box::new(saved),
                    }
                }
                Err(err) => ImportResult::Failed {
                    error: err.payload(),
                },
            }
        };
        outcomes.push(ImportOutcome {
            find: id.clone(),
            result,
        });
    }
    Ok(outcomes)
}
