//! `taskly keys …`: each subcommand is one vault call and its output.

use std::process::ExitCode;

use taskly_core::usage::budget::Budget;
use taskly_core::vault::{KeySaved, KeyUpdate};
use taskly_core::{Enable, Error, NewKey, ProviderId, Vault};

use crate::cli::KeysCommand;
use crate::{output, secret_input};

pub async fn run(vault: &Vault, cmd: KeysCommand, json: bool) -> Result<ExitCode, Error> {
    match cmd {
        KeysCommand::Add(args) => {
            let provider: ProviderId =
                args.provider.parse().map_err(|_| Error::UnknownProvider {
                    name: args.provider.clone(),
                })?;
            let secret = secret_input::read_key(&format!("your {} key", provider.spec().name))?;
            let saved = vault
                .add(NewKey {
                    provider,
                    label: args.label,
                    base_url: args.base_url,
                    secret,
                    verify: !args.no_verify,
                    enable: match (args.enable, args.disable) {
                        (true, _) => Enable::Yes,
                        (_, true) => Enable::No,
                        _ => Enable::IfNoneEnabled,
                    },
                })
                .await?;
            report_saved(&saved, json, "Saved");
            if !json && !saved.key.enabled {
                let in_use = vault.list().await?.into_iter().find(|k| {
                    k.provider == saved.key.provider && k.enabled && k.id != saved.key.id
                });
                let why = match in_use {
                    Some(other) => format!(
                        " ({} requests keep using “{}”, {})",
                        provider.spec().name,
                        other.label,
                        other.masked
                    ),
                    None => String::new(),
                };
                output::line(format!(
                    "It is switched off{why}. Turn it on with: taskly keys enable {}",
                    saved.key.id
                ));
            }
        }
        KeysCommand::List => {
            let keys = vault.list().await?;
            if json {
                output::json(&serde_json::json!({ "account": vault.account(), "keys": keys }));
            } else if keys.is_empty() {
                output::line("No keys yet. Add one with: taskly keys add --provider openai");
            } else {
                output::line(output::key_table(&keys));
            }
        }
        KeysCommand::Update(args) => {
            let current = vault.get(&args.id).await?;
            let secret = if args.replace_secret {
                Some(secret_input::read_key(&format!(
                    "the new {} key",
                    current.provider_name
                ))?)
            } else {
                None
            };
            let update = KeyUpdate {
                label: args.label,
                base_url: args.base_url,
                secret,
                verify: !args.no_verify,
            };
            let saved = vault.update(&args.id, update).await?;
            report_saved(&saved, json, "Updated");
        }
        KeysCommand::Enable(args) if args.backup => {
            let saved = vault.set_backup(&args.id).await?;
            report_switch(&saved, json, "Kept as a backup");
            if !json {
                output::line(format!(
                    "When the {} key in use is rate-limited, out of quota, refused or down, this key (backup {}) answers.",
                    saved.key.provider_name,
                    saved.key.backup_rank.unwrap_or(1)
                ));
            }
        }
        KeysCommand::Enable(args) => {
            let saved = vault.set_enabled(&args.id, true).await?;
            report_switch(&saved, json, "Switched on");
            if !json {
                output::line(format!(
                    "Requests to {} now use this key.",
                    saved.key.provider_name
                ));
            }
        }
        KeysCommand::Disable(args) => {
            let saved = vault.set_enabled(&args.id, false).await?;
            report_switch(&saved, json, "Switched off");
            if !json {
                output::line(format!(
                    "Requests to {} now go through Taskly.",
                    saved.key.provider_name
                ));
            }
        }
        KeysCommand::Remove(args) => {
            let current = vault.get(&args.id).await?;
            if !args.yes {
                match secret_input::confirm(&format!(
                    "Remove {}? This deletes it from your credential store.",
                    output::describe(&current)
                )) {
                    Some(true) => {}
                    Some(false) => {
                        output::line("Nothing removed.");
                        return Ok(ExitCode::from(1));
                    }
                    None => {
                        return Err(Error::ConfirmationRequired {
                            what: "Removing a key",
                        });
                    }
                }
            }
            let removed = vault.remove(&args.id).await?;
            if json {
                output::json(&serde_json::json!({ "removed": removed }));
            } else {
                output::line(format!(
                    "Removed {} ({}).",
                    output::describe(&removed),
                    removed.id
                ));
            }
        }
        KeysCommand::Budget(args) => {
            let key = vault.get(&args.id).await?;
            let budget = if args.clear {
                Budget::default()
            } else {
                let mut budget = vault.usage().budget(&key.id).await?;
                budget.daily_soft_usd = args.daily_soft.or(budget.daily_soft_usd);
                budget.daily_hard_usd = args.daily_hard.or(budget.daily_hard_usd);
                budget.monthly_soft_usd = args.monthly_soft.or(budget.monthly_soft_usd);
                budget.monthly_hard_usd = args.monthly_hard.or(budget.monthly_hard_usd);
                budget
            };
            vault.usage().set_budget(&key.id, budget).await?;
            if json {
                output::json(&serde_json::json!({ "key": key.id, "budget": budget }));
            } else {
                let show =
                    |v: Option<f64>| v.map_or_else(|| "none".to_owned(), |v| format!("${v:.2}"));
                output::line(format!(
                    "Budget of {}: daily soft {}, hard {}; monthly soft {}, hard {}.",
                    output::describe(&key),
                    show(budget.daily_soft_usd),
                    show(budget.daily_hard_usd),
                    show(budget.monthly_soft_usd),
                    show(budget.monthly_hard_usd)
                ));
            }
        }
        KeysCommand::Import(args) => {
            return super::import::run(vault, args, json).await;
        }
        KeysCommand::Balance(args) => {
            return super::balance::run(vault, &args.id, args.refresh, json).await;
        }
        KeysCommand::Validate(args) => {
            let key = vault.validate(&args.id).await?;
            if json {
                output::json(&key);
            } else {
                output::line(format!(
                    "{}: {}{}",
                    output::describe(&key),
                    key.verification.as_str().replace('_', " "),
                    models_suffix(&key.models)
                ));
                if let Some(note) = &key.verification_note {
                    output::line(note);
                }
                super::balance::after_check(vault, &key).await;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn report_saved(saved: &KeySaved, json: bool, verb: &str) {
    if json {
        output::json(saved);
        return;
    }
    for warning in &saved.warnings {
        output::warning(warning);
    }
    let key = &saved.key;
    output::line(format!(
        "{verb} {} as {}: {}{}.",
        output::describe(key),
        key.id,
        key.verification.as_str().replace('_', " "),
        models_suffix(&key.models)
    ));
    if let Some(note) = key
        .verification_note
        .as_deref()
        .filter(|_| key.verification.as_str() != "verified")
    {
        output::line(note);
    }
    if let Some(other) = &saved.disabled {
        output::line(format!(
            "Switched off {} ({}): one key per provider is on at a time.",
            output::describe(other),
            other.id
        ));
    }
}

fn report_switch(saved: &KeySaved, json: bool, verb: &str) {
    if json {
        output::json(saved);
        return;
    }
    output::line(format!(
        "{verb} {} ({}).",
        output::describe(&saved.key),
        saved.key.id
    ));
    if let Some(other) = &saved.disabled {
        output::line(format!(
            "Switched off {} ({}): one key per provider is on at a time.",
            output::describe(other),
            other.id
        ));
    }
}

fn models_suffix(models: &[String]) -> String {
    match models.len() {
        0 => String::new(),
        1 => ", 1 model available".into(),
        n => format!(", {n} models available"),
    }
}
