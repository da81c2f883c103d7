//! `taskly keys import`: find keys left in plain text, import the named ones, and (if asked)
//! rewrite the lines that hold the plaintext copies.
//!
//! `--scan` only lists. With ids, each named find is validated and stored like `keys add`; on a
//! terminal it asks first, with `--yes` it does not (and `--yes` needs the ids: nothing is
//! imported without being named). `--remove-plaintext comment|remove` then shows exactly which
//! lines change and rewrites them (asking first on a terminal). Without ids on a terminal, it
//! lists the finds and asks which to import.

use std::process::ExitCode;

use taskly_core::import::{
    FilePlan, ImportResult, Places, Scan, ScanReport, ScrubMode, ScrubOutcome,
};
use taskly_core::prompt_guard::borrow_held;
use taskly_core::{Error, Vault};

use crate::cli::ImportArgs;
use crate::{output, secret_input};

pub async fn run(vault: &Vault, args: ImportArgs, json: bool) -> Result<ExitCode, Error> {
    let held = vault.held_keys().await?;
    let places = Places::from_process().ok_or_else(|| Error::InvalidConfig {
        name: "HOME",
        reason: "it is not set, so there is no home folder to scan".into(),
    })?;
    let scan = Scan::run(&places, &borrow_held(&held));
    drop(held);
    if args.scan {
        report_scan(&scan.report, json);
        return Ok(ExitCode::SUCCESS);
    }
    let mut ids = args.ids.clone();
    if ids.is_empty() {
        report_scan(&scan.report, json);
        if json || scan.report.finds.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
        match ask_ids() {
            Some(picked) if !picked.is_empty() => ids = picked,
            Some(_) => {
                output::line("Nothing imported.");
                return Ok(ExitCode::SUCCESS);
            }
            None => {
                output::line(
                    "Name the keys to import: taskly keys import ID… (add --yes to skip the question).",
                );
                return Ok(ExitCode::SUCCESS);
            }
        }
    } else if !args.yes && !json {
        let names = ids.join(", ");
        match secret_input::confirm(&format!("Import {names} into the credential store?")) {
            Some(true) => {}
            Some(false) => {
                output::line("Nothing imported.");
                return Ok(ExitCode::from(1));
            }
            None => {
                return Err(Error::ConfirmationRequired {
                    what: "Importing keys",
                });
            }
        }
    }

    let outcomes = taskly_core::import::import(vault, &scan, &ids, !args.no_verify).await?;
    if !json {
        for outcome in &outcomes {
            report_outcome(&scan, &outcome.find, &outcome.result);
        }
    }
    let stored: Vec<String> = outcomes
        .iter()
        .filter(|o| !matches!(o.result, ImportResult::Failed { .. }))
        .map(|o| o.find.clone())
        .collect();
    let failed = outcomes.len() - stored.len();

    let mode = match args.remove_plaintext.as_deref() {
        Some("comment") => Some(ScrubMode::Comment),
        Some("remove") => Some(ScrubMode::Remove),
        _ => None,
    };
    let mut plan: Vec<FilePlan> = Vec::new();
    let mut scrubbed: Option<Vec<ScrubOutcome>> = None;
    if let Some(mode) = mode.filter(|_| !stored.is_empty()) {
        let held = vault.held_keys().await?;
        let held = borrow_held(&held);
        plan = scan.plan_scrub(&stored, mode, &held);
        if !json {
            report_plan(&plan);
        }
        let go = plan.iter().any(|p| p.refused.is_none());
        let confirmed = go
            && (args.yes
                || json
                || match secret_input::confirm("Rewrite these lines?") {
                    Some(answer) => answer,
                    None => {
                        return Err(Error::ConfirmationRequired {
                            what: "Rewriting files",
                        });
                    }
                });
        if confirmed {
            let outcomes = scan.scrub(&stored, mode, &held);
            if !json {
                report_scrubbed(&outcomes);
            }
            scrubbed = Some(outcomes);
        } else if go && !json {
            output::line("No file was changed.");
        }
    } else if !json {
        for id in &stored {
            environment_notes(&scan, id);
        }
        if !stored.is_empty() && scan_has_removable(&scan, &stored) {
            output::line(format!(
                "The plaintext copies are still there. To remove them: taskly keys import {} --remove-plaintext comment",
                stored.join(" ")
            ));
        }
    }
    if json {
        output::json(&serde_json::json!({
            "imported": outcomes,
            "plan": plan,
            "scrubbed": scrubbed,
        }));
    }
    Ok(if failed > 0 {
        ExitCode::from(4)
    } else {
        ExitCode::SUCCESS
    })
}

fn scan_has_removable(scan: &Scan, ids: &[String]) -> bool {
    ids.iter()
        .filter_map(|id| scan.find(id))
        .any(|f| f.places.iter().any(|p| p.cannot_remove.is_none()))
}

/// Reads ids (or the list's numbers) from the terminal; `None` without one.
fn ask_ids() -> Option<Vec<String>> {
    use std::io::{IsTerminal, Write};
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return None;
    }
    let mut stderr = std::io::stderr();
    let _ = write!(
        stderr,
        "Import which? (ids separated by spaces, Enter for none) "
    );
    let _ = stderr.flush();
    let mut answer = String::new();
    stdin.read_line(&mut answer).ok()?;
    Some(
        answer
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

/// The scan as people read it (or its report as JSON).
fn report_scan(report: &ScanReport, json: bool) {
    if json {
        output::json(report);
        return;
    }
    if report.finds.is_empty() {
        output::line(format!(
            "No keys found in plain text. Looked in {} places: {}.",
            report.looked_in.len(),
            report.looked_in.join(", ")
        ));
    } else {
        output::line(format!(
            "Found {} key{} in plain text (looked in {} places):",
            report.finds.len(),
            if report.finds.len() == 1 { "" } else { "s" },
            report.looked_in.len()
        ));
        let mut rows = vec![
            ["ID", "PROVIDER", "KEY", "WHERE", "IN TASKLY"]
                .map(String::from)
                .to_vec(),
        ];
        for find in &report.finds {
            for (i, place) in find.places.iter().enumerate() {
                let held = match (&find.already_held, i) {
                    (Some(id), 0) => format!("already held ({id})"),
                    (None, 0) => "no".into(),
                    _ => String::new(),
                };
                let first = i == 0;
                rows.push(vec![
                    if first {
                        find.id.clone()
                    } else {
                        String::new()
                    },
                    if first {
                        find.provider.spec().name.to_owned()
                    } else {
                        String::new()
                    },
                    if first {
                        find.masked.clone()
                    } else {
                        String::new()
                    },
                    place_text(place),
                    held,
                ]);
            }
        }
        output::line(output::table(&rows));
        for find in &report.finds {
            if let Some(note) = &find.note {
                output::line(format!("{}: {note}", find.id));
            }
        }
    }
    if !report.skipped.is_empty() {
        output::line("Passed over:");
        for skipped in &report.skipped {
            output::line(format!("  {}: {}", skipped.path, skipped.reason));
        }
    }
    let new: Vec<&str> = report
        .finds
        .iter()
        .filter(|f| f.already_held.is_none())
        .map(|f| f.id.as_str())
        .collect();
    if !new.is_empty() {
        output::line(format!("Import with: taskly keys import {}", new.join(" ")));
    }
}

fn place_text(place: &taskly_core::import::Place) -> String {
    match (&place.path, place.line) {
        (Some(path), Some(line)) => format!("{path} line {line} ({})", place.name),
        (Some(path), None) => format!("{path} ({})", place.name),
        (None, _) => format!("environment ({})", place.name),
    }
}

fn report_outcome(scan: &Scan, id: &str, result: &ImportResult) {
    let what = scan
        .find(id)
        .map(|f| format!("{} {}", f.provider.spec().name, f.masked))
        .unwrap_or_default();
    match result {
        ImportResult::Saved { saved } => {
            super::keys::report_saved(saved, false, &format!("Imported {id}:"))
        }
        ImportResult::AlreadyHeld { key } => {
            output::line(format!(
                "{id}: Taskly already holds this {what} key ({key}); nothing added."
            ));
        }
        ImportResult::Failed { error } => {
            output::line(format!("{id}: not imported ({what}): {}", error.message));
        }
    }
}

fn environment_notes(scan: &Scan, id: &str) {
    if let Some(note) = scan.find(id).and_then(|f| f.note.as_deref()) {
        output::line(format!("{id}: {note}"));
    }
}

fn report_plan(plan: &[FilePlan]) {
    if plan.is_empty() {
        output::line(
            "There is no plaintext copy in a file to remove (environment variables are set by your shell).",
        );
        return;
    }
    for file in plan {
        match &file.refused {
            Some(reason) => output::line(format!("{}: left alone: {reason}.", file.path)),
            None => {
                output::line(format!("{}:", file.path));
                for change in &file.changes {
                    output::line(format!("  line {}: - {}", change.line, change.before));
                    match &change.after {
                        Some(after) => output::line(format!("  line {}: + {after}", change.line)),
                        None => output::line(format!("  line {}:   (removed)", change.line)),
                    }
                }
            }
        }
    }
}

fn report_scrubbed(outcomes: &[ScrubOutcome]) {
    for outcome in outcomes {
        match outcome {
            ScrubOutcome::Rewritten { path, lines } => output::line(format!(
                "Rewrote {path}: {lines} line{} changed; the key is no longer in it.",
                if *lines == 1 { "" } else { "s" }
            )),
            ScrubOutcome::NotTouched { path, reason } => {
                output::line(format!("Left {path} alone: {reason}."));
            }
        }
    }
}
