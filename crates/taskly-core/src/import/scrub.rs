//! Removing a plaintext copy once the key is in the credential store: the lines that hold it
//! are commented out (`# OPENAI_API_KEY moved to the system credential store by Taskly`) or
//! removed, only after the person has seen exactly which lines change.
//!
//! A file is rewritten whole or not at all: every line holding a chosen key must be one Taskly
//! can rewrite (a single assignment or setting), and the result must still parse and hold none
//! of the keys. The new text goes to a sibling file (same mode and owner), is synced, and is
//! renamed over the old one; no backup is left, since a backup would hold the key. A file that
//! changed since the scan is left alone.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::candidate::Format;
use super::read::{self, Snapshot};
use super::{Scan, Tool};
use crate::prompt_guard::HeldKey;
use crate::{ApiKey, mask};

/// How a line holding a key is rewritten.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum ScrubMode {
    /// Replaced by a comment that says where the key went (not in JSON, which has none).
    Comment,
    /// Deleted.
    Remove,
}

/// The text that replaces a line in [`ScrubMode::Comment`], after the variable's name.
pub const MOVED: &str = "moved to the system credential store by Taskly";

/// One line that changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct LineChange {
    /// The 1-based line, as the file is now.
    pub line: u32,
    /// The line as it is, with the key masked.
    pub before: String,
    /// What it becomes; `None` when it is removed.
    pub after: Option<String>,
}

/// What would change in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct FilePlan {
    /// The file (`~/`-relative under home).
    pub path: String,
    /// The lines that change (empty when refused).
    pub changes: Vec<LineChange>,
    /// Why the file will not be touched, when it will not.
    pub refused: Option<String>,
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum ScrubOutcome {
    /// Rewritten: the key is no longer in it.
    Rewritten {
        /// The file.
        path: String,
        /// How many lines changed.
        lines: u32,
    },
    /// Not touched, and why (a line Taskly cannot rewrite, a key not yet imported, the file
    /// changed since the scan, a write that failed).
    NotTouched {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// Whether some mode can rewrite every line of `text` that holds `secret`; `Err` says why not.
pub(crate) fn line_problem(format: Format, text: &str, secret: &ApiKey) -> Result<(), String> {
    if format == Format::FishVariables {
        return Err(
            "fish keeps this file itself: run `set -eU NAME` in fish to remove the variable".into(),
        );
    }
    let names = [(secret, "")];
    rewrite(format, text, &names, ScrubMode::Remove)
        .or_else(|_| rewrite(format, text, &names, ScrubMode::Comment))
        .map(|_| ())
}

/// The new text of a file and its changed lines, or why it cannot be rewritten.
fn rewrite(
    format: Format,
    text: &str,
    keys: &[(&ApiKey, &str)],
    mode: ScrubMode,
) -> Result<(String, Vec<LineChange>), String> {
    if format == Format::FishVariables {
        return Err("fish keeps this file itself; Taskly does not rewrite it".into());
    }
    if mode == ScrubMode::Comment && format.is_json() {
        return Err("JSON has no comments: choose to remove the line instead".into());
    }
    let mut out = String::with_capacity(text.len());
    let mut changes = Vec::new();
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let Some((_, name)) = keys.iter().find(|(k, _)| k.found_in(line)) else {
            out.push_str(line);
            continue;
        };
        let body = line.trim_end_matches(['\n', '\r']);
        let ending = &line[body.len()..];
        single_setting(format, body, keys)?;
        let after = match mode {
            ScrubMode::Comment => {
                let indent = &body[..body.len() - body.trim_start().len()];
                let name = if name.is_empty() { "This key" } else { name };
                let comment = format!("{indent}# {name} {MOVED}");
                out.push_str(&comment);
                out.push_str(ending);
                Some(comment)
            }
            ScrubMode::Remove => {
                if format.is_json() && !body.trim_end().ends_with(',') {
                    // The member was the object's last: the one before it loses its comma.
                    drop_trailing_comma(&mut out);
                }
                None
            }
        };
        changes.push(LineChange {
            line: u32::try_from(index + 1).unwrap_or(u32::MAX),
            before: masked_line(body, keys),
            after,
        });
    }
    if keys.iter().any(|(k, _)| k.found_in(&out)) {
        return Err("the key is also in a part of the file Taskly cannot rewrite".into());
    }
    still_parses(format, &out)?;
    Ok((out, changes))
}

/// Refuses a line that holds more than one setting (or command), where removing it would take
/// something else with it.
fn single_setting(format: Format, body: &str, keys: &[(&ApiKey, &str)]) -> Result<(), String> {
    let mut rest = body.to_owned();
    for (key, _) in keys {
        rest = rest.replace(key.expose_secret(), "");
    }
    let trimmed = rest.trim();
    let several = if format.is_json() {
        !(trimmed.starts_with('"') && trimmed.matches('"').count() == 4)
            || trimmed.contains(['{', '['])
    } else if format.is_yaml() {
        trimmed.contains(['{', '['])
            || (trimmed.starts_with("- ") && (trimmed.contains(": ") || trimmed.ends_with(':')))
    } else {
        trimmed.contains([';', '|', '`', '&']) || trimmed.contains("$(")
    };
    if several {
        return Err(
            "the line that holds the key holds other settings too; edit this file by hand".into(),
        );
    }
    Ok(())
}

fn drop_trailing_comma(out: &mut String) {
    let kept = out.trim_end().len();
    if out[..kept].ends_with(',') {
        out.remove(kept - 1);
    }
}

fn still_parses(format: Format, text: &str) -> Result<(), String> {
    let broken = if format.is_json() {
        super::parse::json_value(text).is_err()
    } else if format.is_yaml() {
        yaml_rust2::YamlLoader::load_from_str(text).is_err()
    } else {
        false
    };
    if broken {
        return Err("removing the line would leave the file unreadable for its tool".into());
    }
    Ok(())
}

fn masked_line(body: &str, keys: &[(&ApiKey, &str)]) -> String {
    let mut line = body.to_owned();
    for (key, _) in keys {
        let spec = crate::prompt_guard::provider_prefix(key.expose_secret())
            .map_or(crate::ProviderId::Custom, |(p, _)| p)
            .spec();
        line = line.replace(key.expose_secret(), &mask::mask(spec, key));
    }
    line
}

impl Scan {
    /// What removing the chosen finds' plaintext copies would change, file by file. Only keys
    /// the vault holds (`held`, compared in memory) are removed; the others are named.
    pub fn plan_scrub(
        &self,
        ids: &[String],
        mode: ScrubMode,
        held: &[HeldKey<'_>],
    ) -> Vec<FilePlan> {
        self.scrub_targets(ids, held)
            .into_iter()
            .map(|target| match target.work(mode) {
                Ok((_, changes)) => FilePlan {
                    path: target.shown,
                    changes,
                    refused: None,
                },
                Err(reason) => FilePlan {
                    path: target.shown,
                    changes: Vec::new(),
                    refused: Some(reason),
                },
            })
            .collect()
    }

    /// Removes the chosen finds' plaintext copies (see [`Scan::plan_scrub`]).
    pub fn scrub(
        &self,
        ids: &[String],
        mode: ScrubMode,
        held: &[HeldKey<'_>],
    ) -> Vec<ScrubOutcome> {
        self.scrub_targets(ids, held)
            .into_iter()
            .map(|target| {
                let shown = target.shown.clone();
                match target.apply(mode) {
                    Ok(lines) => {
                        tracing::info!(file = %shown, lines, "plaintext key copy removed");
                        ScrubOutcome::Rewritten { path: shown, lines }
                    }
                    Err(reason) => ScrubOutcome::NotTouched {
                        path: shown,
                        reason,
                    },
                }
            })
            .collect()
    }

    /// Each file holding a chosen find, with the chosen keys it holds.
    fn scrub_targets<'s>(&'s self, ids: &[String], held: &[HeldKey<'_>]) -> Vec<Target<'s>> {
        let mut targets: Vec<Target<'s>> = Vec::new();
        for id in ids {
            let (Some(find), Some(secret)) = (self.find(id), self.secrets.get(id)) else {
                continue;
            };
            let is_held = held.iter().any(|h| h.secret.same_as(secret));
            for (place, path) in find.places.iter().zip(self.origins(id)) {
                let Some(path) = path else { continue };
                if place.tool == Tool::Environment {
                    continue;
                }
                let Some((format, snapshot)) = self.file(path) else {
                    continue;
                };
                let target = match targets.iter_mut().position(|t| t.path == path.as_path()) {
                    Some(i) => &mut targets[i],
                    None => {
                        targets.push(Target {
                            path,
                            shown: place.path.clone().unwrap_or_default(),
                            format: *format,
                            snapshot,
                            keys: Vec::new(),
                            not_held: false,
                        });
                        let last = targets.len() - 1;
                        &mut targets[last]
                    }
                };
                target.not_held |= !is_held;
                if !target.keys.iter().any(|(k, _)| k.same_as(secret)) {
                    target.keys.push((secret, place.name.as_str()));
                }
            }
        }
        targets
    }
}

/// One file to rewrite.
struct Target<'s> {
    path: &'s Path,
    shown: String,
    format: Format,
    snapshot: &'s Snapshot,
    keys: Vec<(&'s ApiKey, &'s str)>,
    not_held: bool,
}

impl Target<'_> {
    fn work(&self, mode: ScrubMode) -> Result<(String, Vec<LineChange>), String> {
        if self.snapshot.has_other_links() {
            return Err(read::OTHER_LINKS.into());
        }
        if self.not_held {
            return Err(
                "the key is not in the credential store yet: import it first, then remove this copy"
                    .into(),
            );
        }
        // Names as a comment shows them: the variable (`OPENAI_API_KEY`), not a path.
        let keys: Vec<(&ApiKey, &str)> = self
            .keys
            .iter()
            .map(|(k, n)| (*k, n.rsplit(['.', ' ']).next().unwrap_or(n)))
            .collect();
        rewrite(self.format, &self.snapshot.text, &keys, mode)
    }

    fn apply(&self, mode: ScrubMode) -> Result<u32, String> {
        let (text, changes) = self.work(mode)?;
        let now = read::read(self.path).map_err(|_| changed())?;
        if *now.text != *self.snapshot.text || now.modified != self.snapshot.modified {
            return Err(changed());
        }
        write_atomically(self.path, &text, self.snapshot)
            .map_err(|e| format!("it could not be rewritten ({e}); it is unchanged"))?;
        Ok(u32::try_from(changes.len()).unwrap_or(u32::MAX))
    }
}

fn changed() -> String {
    "it changed since the scan; scan again to see it as it is now".into()
}

/// Writes `text` to a sibling of `path` with the old file's mode and owner, syncs it, renames
/// it over `path` and syncs the folder. On failure the sibling is removed and `path` is as it
/// was. The sibling never holds a key (it holds the new text).
fn write_atomically(path: &Path, text: &str, old: &Snapshot) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(
        ".{name}.taskly-{}.tmp",
        uuid::Uuid::new_v4().simple()
    ));
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            let meta = file.metadata()?;
            if (meta.uid(), meta.gid()) != old.owner {
                std::os::unix::fs::fchown(&file, Some(old.owner.0), Some(old.owner.1))?;
            }
            file.set_permissions(std::fs::Permissions::from_mode(old.mode & 0o7777))?;
        }
        #[cfg(not(unix))]
        let _ = old;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)?;
        #[cfg(unix)]
        std::fs::File::open(dir)?.sync_all()?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> ApiKey {
        ApiKey::parse(text).expect("key")
    }

    const OPENAI: &str = "sk-proj-AbCdEf0123456789GhIjKlMnOpQrStUv";

    #[test]
    fn comments_or_removes_a_shell_line() {
        let k = key(OPENAI);
        let text = format!("alias ll='ls -l'\nexport OPENAI_API_KEY={OPENAI}\nexport EDITOR=vim\n");
        let (out, changes) = rewrite(
            Format::Shell,
            &text,
            &[(&k, "OPENAI_API_KEY")],
            ScrubMode::Comment,
        )
        .expect("rewrites");
        assert_eq!(
            out,
            format!("alias ll='ls -l'\n# OPENAI_API_KEY {MOVED}\nexport EDITOR=vim\n")
        );
        assert_eq!(
            changes,
            [LineChange {
                line: 2,
                before: "export OPENAI_API_KEY=sk-proj-…StUv".into(),
                after: Some(format!("# OPENAI_API_KEY {MOVED}")),
            }]
        );
        let (out, _) = rewrite(
            Format::Shell,
            &text,
            &[(&k, "OPENAI_API_KEY")],
            ScrubMode::Remove,
        )
        .expect("rewrites");
        assert_eq!(out, "alias ll='ls -l'\nexport EDITOR=vim\n");
    }

    #[test]
    fn refuses_a_line_with_other_commands() {
        let k = key(OPENAI);
        let text = format!("export OPENAI_API_KEY={OPENAI}; export EDITOR=vim\n");
        assert!(
            rewrite(
                Format::Shell,
                &text,
                &[(&k, "OPENAI_API_KEY")],
                ScrubMode::Remove
            )
            .is_err()
        );
        assert!(line_problem(Format::Shell, &text, &k).is_err());
    }

    #[test]
    fn json_members_are_removed_with_their_comma() {
        let k = key(OPENAI);
        let text = format!(
            "{{\n  \"models\": [\n    {{\n      \"provider\": \"openai\",\n      \"apiKey\": \"{OPENAI}\"\n    }}\n  ]\n}}\n"
        );
        assert!(
            rewrite(
                Format::ContinueJson,
                &text,
                &[(&k, "apiKey")],
                ScrubMode::Comment
            )
            .is_err()
        );
        let (out, _) = rewrite(
            Format::ContinueJson,
            &text,
            &[(&k, "apiKey")],
            ScrubMode::Remove,
        )
        .expect("rewrites");
        assert_eq!(
            out,
            "{\n  \"models\": [\n    {\n      \"provider\": \"openai\"\n    }\n  ]\n}\n"
        );
        let one_line =
            format!("{{\"models\":[{{\"provider\":\"openai\",\"apiKey\":\"{OPENAI}\"}}]}}");
        assert!(
            rewrite(
                Format::ContinueJson,
                &one_line,
                &[(&k, "apiKey")],
                ScrubMode::Remove
            )
            .is_err()
        );
    }

    #[test]
    fn yaml_mapping_items_are_refused_and_plain_lines_commented() {
        let k = key(OPENAI);
        let first = format!("models:\n  - apiKey: {OPENAI}\n    provider: openai\n");
        assert!(
            rewrite(
                Format::ContinueYaml,
                &first,
                &[(&k, "apiKey")],
                ScrubMode::Remove
            )
            .is_err()
        );
        let inner =
            format!("models:\n  - provider: openai\n    apiKey: {OPENAI}\n    model: gpt-4o\n");
        let (out, _) = rewrite(
            Format::ContinueYaml,
            &inner,
            &[(&k, "apiKey")],
            ScrubMode::Comment,
        )
        .expect("rewrites");
        assert_eq!(
            out,
            format!("models:\n  - provider: openai\n    # apiKey {MOVED}\n    model: gpt-4o\n")
        );
    }
}
