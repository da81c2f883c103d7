//! Where the scan looks: the whole list. Nothing outside it is read.

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::Tool;
use super::candidate::Format;
use super::names;

/// The folders and environment a scan reads.
pub struct Places {
    /// The user's home folder.
    pub home: PathBuf,
    /// The current folder (its `.env`, `.aider.conf.yml` and LiteLLM config).
    pub cwd: Option<PathBuf>,
    /// The environment variables of [`names::VARIABLES`] (plus the Azure endpoint and the
    /// folders below) that are set, with their values.
    pub env: Vec<(String, Zeroizing<String>)>,
}

impl std::fmt::Debug for Places {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Places")
            .field("home", &self.home)
            .field("cwd", &self.cwd)
            .field("env", &self.env.iter().map(|(n, _)| n).collect::<Vec<_>>())
            .finish()
    }
}

/// Variables that move a tool's folder, read to find its file (never reported).
const FOLDER_VARIABLES: [&str; 3] = ["XDG_CONFIG_HOME", "CODEX_HOME", "CLAUDE_CONFIG_DIR"];

impl Places {
    /// This process's home folder, current folder and environment. `None` without a home
    /// folder.
    pub fn from_process() -> Option<Places> {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()))?;
        let wanted = names::VARIABLES
            .iter()
            .map(|(n, _)| *n)
            .chain([names::AZURE_ENDPOINT])
            .chain(FOLDER_VARIABLES);
        let env = wanted
            .filter_map(|name| {
                let value = std::env::var(name).ok()?;
                Some((name.to_owned(), Zeroizing::new(value)))
            })
            .collect();
        Some(Places {
            home,
            cwd: std::env::current_dir().ok(),
            env,
        })
    }

    /// A variable's value, if set and not empty.
    pub(crate) fn var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// Every file the scan reads, in order, with its tool and format.
    pub(crate) fn files(&self) -> Vec<(PathBuf, Tool, Format)> {
        let home = &self.home;
        let config = self
            .var("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .unwrap_or_else(|| home.join(".config"));
        let codex = self
            .var("CODEX_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .unwrap_or_else(|| home.join(".codex"));
        let claude = self
            .var("CLAUDE_CONFIG_DIR")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .unwrap_or_else(|| home.join(".claude"));
        use Format as F;
        use Tool as T;
        let listed: [(&PathBuf, &str, Tool, Format); 18] = [
            (home, ".bashrc", T::Shell, F::Shell),
            (home, ".bash_profile", T::Shell, F::Shell),
            (home, ".zshrc", T::Shell, F::Shell),
            (home, ".zshenv", T::Shell, F::Shell),
            (home, ".zprofile", T::Shell, F::Shell),
            (home, ".profile", T::Shell, F::Shell),
            (&config, "fish/config.fish", T::Shell, F::Fish),
            (&config, "fish/fish_variables", T::Shell, F::FishVariables),
            (home, ".env", T::Dotenv, F::Dotenv),
            (home, ".continue/config.yaml", T::Continue, F::ContinueYaml),
            (home, ".continue/config.json", T::Continue, F::ContinueJson),
            (home, ".continue/.env", T::Continue, F::Dotenv),
            (&config, "goose/secrets.yaml", T::Goose, F::GooseSecrets),
            (home, ".aider.conf.yml", T::Aider, F::Aider),
            (home, ".aider/oauth-keys.env", T::Aider, F::Dotenv),
            (&codex, "auth.json", T::Codex, F::CodexAuth),
            (home, ".claude.json", T::ClaudeCode, F::ClaudeJson),
            (&claude, "settings.json", T::ClaudeCode, F::ClaudeSettings),
        ];
        let mut files: Vec<(PathBuf, Tool, Format)> = listed
            .into_iter()
            .map(|(dir, rel, tool, format)| (dir.join(rel), tool, format))
            .collect();
        if let Some(cwd) = self.cwd.as_deref().filter(|cwd| !same_dir(cwd, home)) {
            files.push((cwd.join(".env"), Tool::Dotenv, Format::Dotenv));
            files.push((cwd.join(".aider.conf.yml"), Tool::Aider, Format::Aider));
            for rel in [".claude/settings.json", ".claude/settings.local.json"] {
                files.push((cwd.join(rel), Tool::ClaudeCode, Format::ClaudeSettings));
            }
        }
        if let Some(cwd) = self.cwd.as_deref() {
            for name in [
                "litellm_config.yaml",
                "litellm.yaml",
                "proxy_config.yaml",
                "config.yaml",
            ] {
                files.push((cwd.join(name), Tool::Litellm, Format::Litellm));
            }
        }
        files
    }

    /// `path` as a person reads it: `~/…` under the home folder.
    pub(crate) fn display(&self, path: &Path) -> String {
        match path.strip_prefix(&self.home) {
            Ok(rest) => format!("~/{}", rest.display()),
            Err(_) => path.display().to_string(),
        }
    }
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}
