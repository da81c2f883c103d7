//! From values to finds: what counts as a key, whose it is, where else it is, and whether the
//! vault holds it already.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::parse::{self, Raw};
use super::read::{self, Unread};
use super::{Find, Place, Places, Scan, ScanReport, Skipped, Tool, names, scrub};
use crate::prompt_guard::HeldKey;
use crate::providers::ProviderId;
use crate::{ApiKey, mask};

/// How a file is written, which decides its parser and how a line of it is rewritten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `sh`, `bash`, `zsh` start-up files.
    Shell,
    /// fish's `config.fish`.
    Fish,
    /// fish's universal variables (`fish_variables`, written by `set -U`; fish rewrites it
    /// itself, so Taskly never does).
    FishVariables,
    /// A `.env` file.
    Dotenv,
    /// Continue's `config.yaml`.
    ContinueYaml,
    /// Continue's `config.json`.
    ContinueJson,
    /// Goose's `secrets.yaml`.
    GooseSecrets,
    /// aider's `.aider.conf.yml`.
    Aider,
    /// Codex CLI's `auth.json`.
    CodexAuth,
    /// Claude Code's `~/.claude.json`.
    ClaudeJson,
    /// Claude Code's `settings.json`.
    ClaudeSettings,
    /// A LiteLLM proxy config.
    Litellm,
}

impl Format {
    /// Whether the file is JSON (no comments; a removed member may need its comma moved).
    pub fn is_json(self) -> bool {
        matches!(
            self,
            Format::ContinueJson | Format::CodexAuth | Format::ClaudeJson | Format::ClaudeSettings
        )
    }

    /// Whether the file is YAML.
    pub fn is_yaml(self) -> bool {
        matches!(
            self,
            Format::ContinueYaml | Format::GooseSecrets | Format::Aider | Format::Litellm
        )
    }

    fn describe(self) -> &'static str {
        if self.is_json() {
            "JSON"
        } else if self.is_yaml() {
            "YAML"
        } else {
            "text"
        }
    }
}

/// The shortest value taken for a key: real keys are 32 characters or more.
const MIN_KEY_CHARS: usize = 20;

/// Words that mark a value as a placeholder from an example, not a key.
const PLACEHOLDER_WORDS: [&str; 8] = [
    "your",
    "here",
    "xxxx",
    "....",
    "changeme",
    "placeholder",
    "example",
    "replace",
];

/// Whether a value is a literal key rather than a reference (`${{ secrets.X }}`,
/// `os.environ/X`, `$X`), an empty or short value, or a placeholder (`your-api-key-here`).
fn literal_key(value: &str) -> Option<ApiKey> {
    let value = value.trim();
    let lower = value.to_ascii_lowercase();
    if value.len() < MIN_KEY_CHARS
        || value.contains(['$', '{', '}', '<', '>'])
        || lower.starts_with("os.environ/")
        || lower.starts_with("env:")
        || PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w))
    {
        return None;
    }
    ApiKey::parse(value).ok()
}

/// One value that is a key, with the place it came from.
struct Candidate {
    secret: ApiKey,
    provider: Option<ProviderId>,
    base_url: Option<String>,
    place: Place,
    path: Option<PathBuf>,
    /// Which occurrence of this name in this file (for a stable id).
    occurrence: usize,
}

/// The scan itself; see [`Scan::run`].
pub(super) fn scan(places: &Places, held: &[HeldKey<'_>]) -> Scan {
    let mut skipped = Vec::new();
    let mut looked_in = Vec::new();
    let mut candidates = Vec::new();
    let mut files = HashMap::new();
    for (path, tool, format) in places.files() {
        let shown = places.display(&path);
        looked_in.push(shown.clone());
        let snapshot = match read::read(&path) {
            Ok(snapshot) => snapshot,
            Err(Unread::Missing) => continue,
            Err(Unread::Skipped(reason)) => {
                skipped.push(Skipped {
                    path: shown,
                    reason,
                });
                continue;
            }
        };
        let raws = match parse::parse(format, &snapshot.text) {
            Ok(raws) => raws,
            Err(detail) => {
                skipped.push(Skipped {
                    path: shown,
                    reason: format!(
                        "it could not be read as {}: {}",
                        format.describe(),
                        first_line(&detail)
                    ),
                });
                continue;
            }
        };
        let before = candidates.len();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for raw in raws {
            let occurrence = {
                let n = seen.entry(raw.name.clone()).or_default();
                *n += 1;
                *n
            };
            if let Some(candidate) = from_file(
                raw,
                tool,
                format,
                &path,
                &shown,
                &snapshot.text,
                occurrence,
                &mut skipped,
            ) {
                candidates.push(candidate);
            }
        }
        if snapshot.has_other_links() {
            for candidate in &mut candidates[before..] {
                candidate
                    .place
                    .cannot_remove
                    .get_or_insert_with(|| read::OTHER_LINKS.to_owned());
            }
        }
        if candidates.len() > before {
            files.insert(path, (format, snapshot));
        }
    }
    looked_in.push("environment variables".into());
    for (name, provider) in names::VARIABLES {
        let Some(value) = places.var(name) else {
            continue;
        };
        let Some(secret) = literal_key(value) else {
            continue;
        };
        let base_url = (*provider == ProviderId::AzureOpenai)
            .then(|| places.var(names::AZURE_ENDPOINT).map(str::to_owned))
            .flatten();
        candidates.push(Candidate {
            secret,
            provider: Some(*provider),
            base_url,
            place: Place {
                tool: Tool::Environment,
                path: None,
                line: None,
                name: (*name).to_owned(),
                cannot_remove: Some(
                    "An environment variable cannot be removed from a running shell.".into(),
                ),
            },
            path: None,
            occurrence: 1,
        });
    }
    group(candidates, held, skipped, looked_in, files)
}

#[allow(clippy::too_many_arguments)]
fn from_file(
    raw: Raw,
    tool: Tool,
    format: Format,
    path: &Path,
    shown: &str,
    text: &str,
    occurrence: usize,
    skipped: &mut Vec<Skipped>,
) -> Option<Candidate> {
    let secret = literal_key(&raw.value)?;
    let line = raw.line.or_else(|| line_of(text, &secret));
    let provider = raw
        .provider
        .or_else(|| names::by_shape(secret.expose_secret()));
    if provider.is_none() {
        skipped.push(Skipped {
            path: shown.to_owned(),
            reason: format!(
                "{} holds a value of no provider Taskly knows; it is not listed",
                raw.name
            ),
        });
        return None;
    }
    let cannot_remove = scrub::line_problem(format, text, &secret).err();
    Some(Candidate {
        secret,
        provider,
        base_url: raw.base_url,
        place: Place {
            tool,
            path: Some(shown.to_owned()),
            line: line.and_then(|l| u32::try_from(l).ok()),
            name: raw.name,
            cannot_remove,
        },
        path: Some(path.to_path_buf()),
        occurrence,
    })
}

/// The 1-based line the key is first on.
fn line_of(text: &str, secret: &ApiKey) -> Option<usize> {
    text.lines().position(|l| secret.found_in(l)).map(|i| i + 1)
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// Merges the candidates that are the same key into one find each.
fn group(
    candidates: Vec<Candidate>,
    held: &[HeldKey<'_>],
    skipped: Vec<Skipped>,
    looked_in: Vec<String>,
    files: HashMap<PathBuf, (Format, super::read::Snapshot)>,
) -> Scan {
    struct Group {
        first: Candidate,
        places: Vec<Place>,
        paths: Vec<Option<PathBuf>>,
    }
    let mut groups: Vec<Group> = Vec::new();
    for candidate in candidates {
        match groups
            .iter_mut()
            .find(|g| g.first.secret.same_as(&candidate.secret))
        {
            Some(group) => {
                group.places.push(candidate.place);
                group.paths.push(candidate.path);
                if group.first.base_url.is_none() {
                    group.first.base_url = candidate.base_url;
                }
            }
            None => groups.push(Group {
                places: vec![candidate.place.clone()],
                paths: vec![candidate.path.clone()],
                first: candidate,
            }),
        }
    }
    let mut finds = Vec::new();
    let mut secrets = HashMap::new();
    let mut origins = HashMap::new();
    for group in groups {
        let first = &group.first;
        let Some(provider) = first.provider else {
            continue;
        };
        let id = find_id(&first.place, first.occurrence);
        let already_held = held
            .iter()
            .find(|h| h.secret.same_as(&first.secret))
            .map(|h| h.id.to_owned());
        let label = label_for(&first.place);
        let note = environment_note(&group.places);
        finds.push(Find {
            id: id.clone(),
            provider,
            masked: mask::mask(provider.spec(), &first.secret),
            places: group.places,
            already_held,
            label,
            base_url: first.base_url.clone(),
            note,
        });
        origins.insert(id.clone(), group.paths);
        secrets.insert(id, group.first.secret);
    }
    Scan {
        report: ScanReport {
            finds,
            skipped,
            looked_in,
        },
        secrets,
        files,
        origins,
    }
}

/// `f_` and 8 hex digits of the place's file and setting (never the key).
fn find_id(place: &Place, occurrence: usize) -> String {
    let mut hash = Sha256::new();
    hash.update(place.path.as_deref().unwrap_or("environment"));
    hash.update([0]);
    hash.update(&place.name);
    hash.update([0]);
    hash.update(occurrence.to_string());
    let digest = hash.finalize();
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("f_{hex}")
}

/// "From ~/.bashrc", "From the environment", shortened to fit a label.
fn label_for(place: &Place) -> String {
    let from = place.path.as_deref().unwrap_or("the environment");
    let max = crate::vault::MAX_LABEL_CHARS - "From ".len();
    let from = if from.chars().count() > max {
        let tail: String = from
            .chars()
            .rev()
            .take(max - 1)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    } else {
        from.to_owned()
    };
    format!("From {from}")
}

/// For a key in the environment: which start-up file sets it, if one does.
fn environment_note(places: &[Place]) -> Option<String> {
    let env = places.iter().find(|p| p.tool == Tool::Environment)?;
    let setter = places.iter().find(|p| {
        matches!(p.tool, Tool::Shell | Tool::Dotenv) && p.name == env.name && p.path.is_some()
    });
    Some(match setter {
        Some(file) => format!(
            "{} is set in this session's environment by {}{}: remove it there and open a new terminal.",
            env.name,
            file.path.as_deref().unwrap_or_default(),
            file.line
                .map(|l| format!(" (line {l})"))
                .unwrap_or_default()
        ),
        None => format!(
            "{} is set in this session's environment, but not by a start-up file Taskly reads: remove it where you set it.",
            env.name
        ),
    })
}

impl Scan {
    /// The real paths of a find's places (`None` for the environment), in order.
    pub(super) fn origins(&self, id: &str) -> &[Option<PathBuf>] {
        self.origins.get(id).map_or(&[], Vec::as_slice)
    }

    /// A file as the scan read it.
    pub(super) fn file(&self, path: &Path) -> Option<&(Format, super::read::Snapshot)> {
        self.files.get(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_placeholders_and_short_values_are_not_keys() {
        for value in [
            "${{ secrets.ANTHROPIC_API_KEY }}",
            "os.environ/OPENAI_API_KEY",
            "$OPENAI_API_KEY",
            "your-api-key-here",
            "sk-xxxxxxxxxxxxxxxxxxxxxxxx",
            "sk-short",
            "",
            "<YOUR_KEY>",
        ] {
            assert!(literal_key(value).is_none(), "{value}");
        }
        assert!(literal_key("sk-proj-AbCdEf0123456789GhIjKlMn").is_some());
    }

    #[test]
    fn ids_depend_on_the_place_not_the_key() {
        let place = Place {
            tool: Tool::Shell,
            path: Some("~/.bashrc".into()),
            line: Some(3),
            name: "OPENAI_API_KEY".into(),
            cannot_remove: None,
        };
        let moved = Place {
            line: Some(30),
            ..place.clone()
        };
        assert_eq!(find_id(&place, 1), find_id(&moved, 1));
        assert_ne!(find_id(&place, 1), find_id(&place, 2));
        assert!(find_id(&place, 1).starts_with("f_") && find_id(&place, 1).len() == 10);
    }
}
