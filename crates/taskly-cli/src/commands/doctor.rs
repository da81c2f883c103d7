//! `taskly doctor`: a health report; exits 1 when something needs attention.

use std::process::ExitCode;

use taskly_core::{Vault, doctor};

use crate::output;

pub async fn run(vault: &Vault, json: bool) -> ExitCode {
    let report = doctor::run(vault).await;
    if json {
        output::json(&report);
    } else {
        let store = &report.credential_store;
        let kind = store
            .kind
            .map_or_else(|| "unavailable".to_owned(), |k| k.to_string());
        let state = if store.working {
            "working"
        } else {
            "NOT working"
        };
        output::line(format!("Account:            {}", report.account));
        output::line(format!(
            "Credential store:   {kind} ({state}), entries under service \"{}\"",
            store.service
        ));
        if let Some(false) = store.survives_reboot {
            output::line("                    keys do NOT survive a reboot");
        }
        if let Some(warning) = &store.warning {
            output::line(format!("                    {warning}"));
        }
        if let Some(err) = &store.error {
            output::line(format!("                    {}", err.message));
        }
        output::line(format!("Data folder:        {}", report.data_dir));
        output::line(format!(
            "Database:           {} (schema {} of {})",
            report.database, report.schema_version, report.supported_schema_version
        ));
        output::line(format!("Keys:               {}", report.keys));
        for id in &report.missing_secrets {
            output::line(format!(
                "Missing secret:     {id} (re-enter it with `taskly keys update {id} --replace-secret`, or remove it)"
            ));
        }
        for entry in &report.orphaned_credentials {
            output::line(format!(
                "Orphaned secret:    {entry} (in the credential store with no key in Taskly; delete it there if unused)"
            ));
        }
        output::line(if report.healthy {
            "All good."
        } else {
            "Something needs attention (see above)."
        });
    }
    if report.healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
