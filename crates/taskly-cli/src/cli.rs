//! The command line, as clap sees it.

use clap::{Args, Parser, Subcommand};

/// Manage your own AI provider keys for Taskly, check them, and diagnose problems.
///
/// Keys are kept in your system's credential store, never in a file and never sent to Taskly.
#[derive(Debug, Parser)]
#[command(name = "taskly", version, propagate_version = true)]
pub struct Cli {
    /// Print machine-readable JSON (errors too).
    #[arg(long, global = true)]
    pub json: bool,
    /// The Taskly account whose keys to use: a signed-in account's name or email, or a local
    /// profile (default: the active signed-in account, else the local profile). With
    /// `auth login`, the name to give the account signed in.
    #[arg(long, global = true, env = "TASKLY_ACCOUNT")]
    pub account: Option<String>,
    /// Also log to standard error (RUST_LOG sets the level).
    #[arg(long, short, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add, list, change, switch and remove your AI keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Ask a question: through your enabled key for the provider, or through Taskly.
    Chat(ChatArgs),
    /// The models a question to a provider can use now (your key's, or Taskly's).
    Models(ModelsArgs),
    /// What each key (and Taskly) was used for, counted on this machine.
    Usage(UsageArgs),
    /// Settings of this account, e.g. `taskly settings fallback-to-taskly on`.
    Settings(SettingsArgs),
    /// List the supported providers and where to get a key for each.
    Providers,
    /// Check the credential store, the data folder and the key list.
    Doctor,
    /// Sign in to Taskly, see who is signed in, switch accounts, sign out.
    #[command(subcommand)]
    Auth(AuthCommand),
}

/// `taskly auth …`
#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Sign in to Taskly in your browser (or with a code on another device: --device).
    Login(LoginArgs),
    /// Who is signed in, which account is in use, when its session renews.
    Status,
    /// Use another signed-in account (by its name or email).
    Switch(SwitchArgs),
    /// Sign out: ends the session at Taskly and deletes it from this machine.
    Logout(LogoutArgs),
}

/// `auth login`
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Sign in with a code entered on another device (automatic without a display or over SSH).
    #[arg(long)]
    pub device: bool,
    /// Bring the local profile's keys into the account without asking.
    #[arg(long, conflicts_with = "no_adopt")]
    pub adopt_local_keys: bool,
    /// Keep the local profile's keys where they are without asking.
    #[arg(long)]
    pub no_adopt: bool,
}

/// `auth switch`
#[derive(Debug, Args)]
pub struct SwitchArgs {
    /// The account's name or email (see `taskly auth status`).
    pub name: String,
}

/// `auth logout`
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Sign out of every account on this machine.
    #[arg(long)]
    pub all: bool,
}

/// `taskly keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add a key. The key is read from standard input or a hidden prompt, never from arguments.
    Add(AddArgs),
    /// List your keys (masked).
    List,
    /// Change a key's label or base URL, or replace its secret.
    Update(UpdateArgs),
    /// Use this key for its provider (switches off the provider's other key).
    /// With --backup: keep it as a backup, tried in order when the key in use fails.
    Enable(EnableArgs),
    /// Stop using this key; requests go through Taskly again.
    Disable(IdArg),
    /// Delete a key from the credential store and the list.
    Remove(RemoveArgs),
    /// Check a stored key with its provider again.
    Validate(IdArg),
    /// Set or clear a key's spending limits (estimated, in US dollars; counted on this machine).
    Budget(BudgetArgs),
    /// What the key's provider itself says about its spend (OpenRouter, DeepSeek), with its
    /// time, next to Taskly's local estimate. Read at most hourly, or now with --refresh.
    Balance(BalanceArgs),
    /// Find keys other tools left in plain text (environment, shell start-up files, .env,
    /// Continue, Goose, aider, Codex, Claude Code, LiteLLM) and move the ones you name into
    /// the credential store; optionally remove the plaintext copies.
    Import(ImportArgs),
}

/// `keys import`
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Only list what is found (masked, with where and whether Taskly holds it); change nothing.
    #[arg(long, conflicts_with_all = ["ids", "yes", "remove_plaintext", "no_verify"])]
    pub scan: bool,
    /// The finds to import, by the ids `--scan` shows (e.g. f_1a2b3c4d).
    pub ids: Vec<String>,
    /// Do it without asking. Needs the ids: nothing is imported without being named.
    #[arg(long, requires = "ids")]
    pub yes: bool,
    /// Save even if the provider cannot be reached now; the key is marked unverified.
    #[arg(long)]
    pub no_verify: bool,
    /// After importing, rewrite the lines that hold the plaintext copies: `comment` replaces
    /// each with a comment saying where the key went, `remove` deletes it. The lines are shown
    /// first; a file that changed since the scan is left alone.
    #[arg(long, value_name = "HOW", value_parser = ["comment", "remove"])]
    pub remove_plaintext: Option<String>,
}

/// `keys add`
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Provider id (see `taskly providers`), e.g. openai, anthropic, gemini.
    #[arg(long, short)]
    pub provider: String,
    /// A name you will recognise, e.g. "Work".
    #[arg(long, short)]
    pub label: Option<String>,
    /// The API's base URL (required for azure-openai and custom).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Save even if the provider cannot be reached now; the key is marked unverified.
    #[arg(long)]
    pub no_verify: bool,
    /// Switch the key on, switching off the provider's key that is on. Without this flag
    /// the key is switched on only if no key of its provider is.
    #[arg(long, conflicts_with = "disable")]
    pub enable: bool,
    /// Keep the key switched off, even if it is the provider's first.
    #[arg(long)]
    pub disable: bool,
}

/// `keys update`
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The key's id (see `taskly keys list`).
    pub id: String,
    /// New label.
    #[arg(long, short)]
    pub label: Option<String>,
    /// New base URL; another host means the key is checked there first.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Replace the secret (read from standard input or a hidden prompt).
    #[arg(long)]
    pub replace_secret: bool,
    /// Do not check with the provider; the key is marked unverified.
    #[arg(long)]
    pub no_verify: bool,
}

/// A command that takes a key id.
#[derive(Debug, Args)]
pub struct IdArg {
    /// The key's id (see `taskly keys list`).
    pub id: String,
}

/// `keys enable`
#[derive(Debug, Args)]
pub struct EnableArgs {
    /// The key's id (see `taskly keys list`).
    pub id: String,
    /// Make it a backup: used, in order, when the provider's key in use is rate-limited, out of
    /// quota, refused or down.
    #[arg(long)]
    pub backup: bool,
}

/// `keys remove`
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The key's id (see `taskly keys list`).
    pub id: String,
    /// Do not ask for confirmation (required when not run from a terminal).
    #[arg(long, short)]
    pub yes: bool,
}

/// `chat`
#[derive(Debug, Args)]
pub struct ChatArgs {
    /// Provider whose model answers (see `taskly providers`).
    #[arg(long, short, default_value = "openai")]
    pub provider: String,
    /// Model (default: the provider's usual small model).
    #[arg(long, short)]
    pub model: Option<String>,
    /// Instructions for the model.
    #[arg(long, short)]
    pub system: Option<String>,
    /// Print the answer once complete instead of as it arrives.
    #[arg(long)]
    pub no_stream: bool,
    /// Upper bound on the answer's length, in tokens.
    #[arg(long)]
    pub max_tokens: Option<u32>,
    /// Send the question even if it looks like it holds an API key (the prompt guard stops
    /// it otherwise, before anything is sent).
    #[arg(long)]
    pub allow_secrets: bool,
    /// The question (read from standard input when absent).
    pub prompt: Vec<String>,
}

/// `usage`
#[derive(Debug, Args)]
pub struct UsageArgs {
    /// How many days back, today included.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Instead of the daily totals, the receipts of the last N requests (route, key, model,
    /// tokens, cost, timings, and why that route).
    #[arg(long, value_name = "N")]
    pub requests: Option<u32>,
}

/// `settings`
#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// The setting (`fallback-to-taskly`); all are shown when absent.
    pub name: Option<String>,
    /// The new value (`on` / `off`); the current one is shown when absent.
    pub value: Option<String>,
}

/// `models`
#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// Provider (see `taskly providers`).
    #[arg(long, short, default_value = "openai")]
    pub provider: String,
}

/// `keys budget`
#[derive(Debug, Args)]
pub struct BudgetArgs {
    /// The key's id (see `taskly keys list`).
    pub id: String,
    /// Warn past this much per day.
    #[arg(long)]
    pub daily_soft: Option<f64>,
    /// Refuse requests past this much per day.
    #[arg(long)]
    pub daily_hard: Option<f64>,
    /// Warn past this much per month.
    #[arg(long)]
    pub monthly_soft: Option<f64>,
    /// Refuse requests past this much per month.
    #[arg(long)]
    pub monthly_hard: Option<f64>,
    /// Remove every limit of this key.
    #[arg(long)]
    pub clear: bool,
}

/// `keys balance`
#[derive(Debug, Args)]
pub struct BalanceArgs {
    /// The key's id (see `taskly keys list`).
    pub id: String,
    /// Ask the provider now, even if its figures are less than an hour old.
    #[arg(long)]
    pub refresh: bool,
}
