//! Runs a parsed command against the core.

mod auth;
mod balance;
mod chat;
mod doctor;
mod import;
mod keys;
mod providers;
mod usage;

use std::process::ExitCode;

use taskly_core::{Config, Error, Vault};

use crate::cli::{Cli, Command};

/// Runs the command; the exit code on success (doctor reports problems with a non-zero code).
pub async fn run(args: Cli) -> Result<ExitCode, Error> {
    match args.command {
        Command::Providers => providers::run(args.json),
        Command::Chat(chat_args) => {
            let vault = open_vault(args.account.as_deref()).await?;
            chat::run(vault, chat_args, args.json).await
        }
        Command::Keys(cmd) => {
            let vault = open_vault(args.account.as_deref()).await?;
            keys::run(&vault, cmd, args.json).await
        }
        Command::Models(models_args) => {
            let vault = open_vault(args.account.as_deref()).await?;
            chat::models(vault, &models_args.provider, args.json).await
        }
        Command::Usage(usage_args) => {
            let vault = open_vault(args.account.as_deref()).await?;
            match usage_args.requests {
                Some(count) => usage::requests(&vault, count, args.json).await,
                None => usage::run(&vault, usage_args.days, args.json).await,
            }
        }
        Command::Settings(settings_args) => {
            let vault = open_vault(args.account.as_deref()).await?;
            usage::settings(&vault, settings_args, args.json).await
        }
        Command::Auth(cmd) => {
            // Accounts are machine-wide: the vault opens for the active account, and with
            // `login` the --account value names the account signed in.
            let vault = open_vault(None).await?;
            auth::run(&vault, cmd, args.account, args.json).await
        }
        Command::Doctor => {
            let vault = open_vault(args.account.as_deref()).await?;
            Ok(doctor::run(&vault, args.json).await)
        }
    }
}

async fn open_vault(account: Option<&str>) -> Result<Vault, Error> {
    Vault::open(Config::from_env(account)?).await
}
