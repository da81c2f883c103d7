//! `taskly doctor`: what a support person needs to know, without a secret in sight.
//!
//! Which credential store, whether it answers and keeps keys across reboots, where the data
//! lives, the schema version, and any mismatch between the two stores: credentials without a
//! key row (orphans, never deleted automatically) and key rows whose credential is gone.

use serde::Serialize;

use crate::db::{self, SCHEMA_VERSION};
use crate::vault::credentials::{SERVICE, StoreKind};
use crate::vault::entry_name;
use crate::{ApiKey, Error, ErrorPayload, Vault};

/// The report.
#[derive(Debug, Serialize)]
pub struct DoctorReport {
    /// The account checked.
    pub account: String,
    /// The credential store.
    pub credential_store: StoreReport,
    /// The data folder.
    pub data_dir: String,
    /// The SQLite file.
    pub database: String,
    /// Its schema version.
    pub schema_version: i64,
    /// The newest schema this build knows.
    pub supported_schema_version: i64,
    /// Keys in this account.
    pub keys: usize,
    /// Key ids whose secret is missing from the credential store.
    pub missing_secrets: Vec<String>,
    /// Credential entries of this account with no key row (left alone; remove them by hand).
    pub orphaned_credentials: Vec<String>,
    /// Whether the orphan check ran: `done`, `not_supported` (the store cannot list its
    /// entries) or `skipped` (the key list could not be read).
    pub orphan_check: &'static str,
    /// Whether everything is in order.
    pub healthy: bool,
}

/// The credential-store part of the report.
#[derive(Debug, Serialize)]
pub struct StoreReport {
    /// Which store, if it could be opened.
    pub kind: Option<StoreKind>,
    /// The service name our entries use.
    pub service: &'static str,
    /// Whether a write, read and delete round trip worked.
    pub working: bool,
    /// Whether keys survive a reboot.
    pub survives_reboot: Option<bool>,
    /// The error, if it did not work.
    pub error: Option<ErrorPayload>,
    /// A warning to show even when it works.
    pub warning: Option<String>,
}

/// Runs every check. Never fails: a failing part is reported.
pub async fn run(vault: &Vault) -> DoctorReport {
    let account = vault.account().as_str().to_owned();
    let config = vault.config();
    let mut report = DoctorReport {
        account: account.clone(),
        credential_store: StoreReport {
            kind: None,
            service: SERVICE,
            working: false,
            survives_reboot: None,
            error: None,
            warning: None,
        },
        data_dir: config.data_dir.display().to_string(),
        database: vault.db().path().display().to_string(),
        schema_version: 0,
        supported_schema_version: SCHEMA_VERSION,
        keys: 0,
        missing_secrets: Vec::new(),
        orphaned_credentials: Vec::new(),
        orphan_check: "skipped",
        healthy: false,
    };
    report.schema_version = vault
        .db()
        .call(|conn| db::schema_version(conn))
        .await
        .unwrap_or(0);
    let keys = match vault.list().await {
        Ok(keys) => keys,
        Err(err) => {
            // Without the key list every credential would look orphaned: report and stop.
            report.credential_store.error = Some(err.payload());
            return report;
        }
    };
    report.keys = keys.len();

    let creds = match vault.credentials().await {
        Ok(creds) => creds,
        Err(err) => {
            report.credential_store.error = Some(err.payload());
            return report;
        }
    };
    let store = &mut report.credential_store;
    store.kind = Some(creds.kind());
    store.survives_reboot = Some(creds.survives_reboot());
    if !creds.survives_reboot() {
        store.warning = Some(format!(
            "The {} keeps keys only until the machine restarts.",
            creds.kind()
        ));
    }
    if let Err(err) = round_trip(vault, &account).await {
        store.error = Some(err.payload());
        return report;
    }
    store.working = true;

    for key in &keys {
        match vault.read_secret(&key.id).await {
            Ok(_) => {}
            Err(Error::CredentialMissing { id }) => report.missing_secrets.push(id),
            Err(err) => {
                report.credential_store.error = Some(err.payload());
                return report;
            }
        }
    }
    // Every entry a row or the journal accounts for, in any state: a change under way in
    // another process is not an orphan.
    let Ok(expected) = known_entries(vault, &account).await else {
        return report;
    };
    let prefix = format!("{account}:");
    match creds.list_entries().await {
        Ok(Some(entries)) => {
            report.orphaned_credentials = entries
                .into_iter()
                .filter(|e| {
                    e.starts_with(&prefix) && !e.ends_with(":doctor-probe") && !expected.contains(e)
                })
                .collect();
            report.orphaned_credentials.sort();
            report.orphan_check = "done";
        }
        Ok(None) => report.orphan_check = "not_supported",
        Err(err) => {
            report.credential_store.error = Some(err.payload());
            return report;
        }
    }
    report.healthy = report.missing_secrets.is_empty() && report.orphaned_credentials.is_empty();
    report
}

async fn round_trip(vault: &Vault, account: &str) -> Result<(), Error> {
    let creds = vault.credentials().await?;
    let entry = format!("{account}:doctor-probe");
    let probe = std::sync::Arc::new(ApiKey::parse(&format!(
        "probe-{}",
        uuid::Uuid::new_v4().simple()
    ))?);
    creds
        .write(
            entry.clone(),
            probe.clone(),
            "https://doctor.invalid".into(),
            "Taskly Desktop: doctor probe (safe to delete)".into(),
        )
        .await?;
    let back = creds.read(entry.clone()).await?;
    creds.delete(entry).await?;
    match back {
        Some(back) if back.key.same_as(&probe) => Ok(()),
        _ => Err(Error::CredentialStoreMismatch {
            store: creds.kind(),
        }),
    }
}

async fn known_entries(vault: &Vault, account: &str) -> Result<Vec<String>, Error> {
    let account = account.to_owned();
    vault
        .db()
        .call(move |conn| {
            let mut entries: Vec<String> = db::keys::generations(conn, &account)?
                .into_iter()
                .map(|(id, generation)| entry_name(&account, &id, generation))
                .collect();
            entries.extend(db::journal::entries(conn)?);
            Ok(entries)
        })
        .await
}
