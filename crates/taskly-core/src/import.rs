//! Keys out of plaintext: find the API keys other tools leave in files and the environment, move
//! the ones the person picks into the credential store, and remove the plaintext copies they ask
//! to remove.
//!
//! The scan is read-only and reads nothing beyond [`places`]' list (the environment variables,
//! shell start-up files, `.env` files and the documented config files of Continue, Goose, aider,
//! Codex, Claude Code and LiteLLM; `docs/import-sources.md`). A file that is a symlink, not
//! readable, over [`read::MAX_FILE_BYTES`] or not parsable is skipped with a note. Each find is
//! masked, names its provider and where it was found, and says whether the vault already holds
//! the same key (compared in memory with the stored secrets, never through a stored hash).
//!
//! The plaintext values live only in a [`Scan`] (zeroized when it is dropped), which
//! [`import`](apply::import) and [`scrub`] take: the serializable [`ScanReport`] holds none.

mod apply;
mod candidate;
mod names;
mod parse;
pub mod places;
pub mod read;
pub mod scrub;

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Serialize;

pub use apply::{ImportOutcome, ImportResult, import};
pub use places::Places;
pub use scrub::{FilePlan, LineChange, ScrubMode, ScrubOutcome};

use crate::ApiKey;
use crate::providers::ProviderId;
use read::Snapshot;

/// Which tool (or part of the system) a find comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Tool {
    /// This process's environment variables.
    Environment,
    /// A shell start-up file (`~/.bashrc`, `~/.zshrc`, `~/.profile`, fish's `config.fish`).
    Shell,
    /// A `.env` file.
    Dotenv,
    /// Continue's `~/.continue/config.yaml` or `config.json`.
    Continue,
    /// Goose's `~/.config/goose/secrets.yaml`.
    Goose,
    /// aider's `.aider.conf.yml`.
    Aider,
    /// OpenAI's Codex CLI (`~/.codex/auth.json`).
    Codex,
    /// Anthropic's Claude Code (`~/.claude.json`, `~/.claude/settings.json`).
    ClaudeCode,
    /// A LiteLLM proxy config (`model_list[].litellm_params.api_key`).
    Litellm,
}

impl Tool {
    /// The name shown to people.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Environment => "Environment",
            Tool::Shell => "Shell start-up file",
            Tool::Dotenv => ".env file",
            Tool::Continue => "Continue",
            Tool::Goose => "Goose",
            Tool::Aider => "aider",
            Tool::Codex => "Codex CLI",
            Tool::ClaudeCode => "Claude Code",
            Tool::Litellm => "LiteLLM",
        }
    }
}

/// One place a key was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Place {
    /// The tool the file belongs to.
    pub tool: Tool,
    /// The file, `~/`-relative under the home folder; `None` for an environment variable.
    pub path: Option<String>,
    /// The 1-based line the key is on.
    pub line: Option<u32>,
    /// The variable or setting that holds it (`OPENAI_API_KEY`, `models[0].apiKey`).
    pub name: String,
    /// Why this copy cannot be removed by Taskly, when it cannot (`None`: it can).
    pub cannot_remove: Option<String>,
}

/// A key found in plaintext, with every place it was found.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Find {
    /// Stable for the same place across scans (`f_` and 8 hex digits, from the first place's
    /// file and setting name, never from the key): what `taskly keys import ID` names.
    pub id: String,
    /// The provider it belongs to (by the variable or setting, the tool's provider field, or
    /// the key's shape).
    pub provider: ProviderId,
    /// The masked key (`sk-proj-…a1b2`).
    pub masked: String,
    /// Where it was found, the first place first.
    pub places: Vec<Place>,
    /// The vault key that is the same secret, when Taskly already holds it.
    pub already_held: Option<String>,
    /// The label the imported key gets ("From ~/.bashrc").
    pub label: String,
    /// The base URL that comes with it (an Azure endpoint, a config's API base), if any.
    pub base_url: Option<String>,
    /// Something the person should know (an environment variable no start-up file sets).
    pub note: Option<String>,
}

/// A file the scan passed over, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Skipped {
    /// The file (`~/`-relative under home).
    pub path: String,
    /// Why (too large, a symbolic link, not readable, not parsable, a value of no known
    /// provider).
    pub reason: String,
}

/// What a scan found, without any secret: what the UI and `--json` show.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ScanReport {
    /// The keys found, in the order of [`places`]' list.
    pub finds: Vec<Find>,
    /// Files that exist but were not read, or read but not understood.
    pub skipped: Vec<Skipped>,
    /// Every file and variable the scan looked at (whether or not it exists).
    pub looked_in: Vec<String>,
}

/// A scan with its secrets: the report, each find's plaintext key and the files as they were
/// read (to refuse a scrub of a file that changed since). Zeroized on drop; never serialized.
pub struct Scan {
    /// What is shown.
    pub report: ScanReport,
    secrets: HashMap<String, ApiKey>,
    /// The files the finds came from, by path, as read.
    files: HashMap<PathBuf, (candidate::Format, Snapshot)>,
    /// Each find's places with their real paths, for the scrub.
    origins: HashMap<String, Vec<Option<PathBuf>>>,
}

impl std::fmt::Debug for Scan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scan")
            .field("report", &self.report)
            .finish_non_exhaustive()
    }
}

impl Scan {
    /// Scans `places`, read-only. `held` are the vault's keys, compared in memory to mark finds
    /// Taskly already holds.
    pub fn run(places: &Places, held: &[crate::prompt_guard::HeldKey<'_>]) -> Scan {
        candidate::scan(places, held)
    }

    /// The find with this id.
    pub fn find(&self, id: &str) -> Option<&Find> {
        self.report.finds.iter().find(|f| f.id == id)
    }

    /// The plaintext of a find (for the import).
    pub(crate) fn secret(&self, id: &str) -> Option<&ApiKey> {
        self.secrets.get(id)
    }
}
