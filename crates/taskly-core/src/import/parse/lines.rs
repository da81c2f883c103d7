//! Line formats: POSIX shell start-up files (`export NAME=value`), fish's `config.fish`
//! (`set -gx NAME value`, `export NAME=value`) and `.env` files (`NAME=value`).
//!
//! Only the variables of `names::VARIABLES` are read (and aider's `AIDER_`-prefixed forms, and
//! `AZURE_OPENAI_ENDPOINT` as the Azure key's base URL); every other line is passed over.

use zeroize::Zeroizing;

use super::Raw;
use crate::import::names;

/// `export NAME=value` and `NAME=value` lines of a POSIX shell file.
pub(crate) fn shell(text: &str) -> Vec<Raw> {
    assignments(
        text,
        |line| {
            let line = line.strip_prefix("export ").map_or(line, str::trim_start);
            line.split_once('=')
        },
        unquote,
    )
}

/// `.env` lines: `NAME=value`, optionally after `export `.
pub(crate) fn dotenv(text: &str) -> Vec<Raw> {
    shell(text)
}

/// fish: `set -gx NAME value` (any of `-g`, `-x`, `-U`, `--global`, `--export`, `--universal`)
/// and `export NAME=value`.
pub(crate) fn fish(text: &str) -> Vec<Raw> {
    assignments(
        text,
        |line| {
            if let Some(rest) = line.strip_prefix("export ") {
                return rest.trim_start().split_once('=');
            }
            let mut rest = line.strip_prefix("set ")?.trim_start();
            while rest.starts_with('-') {
                let (_, after) = rest.split_once(char::is_whitespace)?;
                rest = after.trim_start();
            }
            rest.split_once(char::is_whitespace)
        },
        unquote,
    )
}

/// fish's universal variables file: `SETUVAR [--export] NAME:value`, with `\xHH` escapes.
pub(crate) fn fish_variables(text: &str) -> Vec<Raw> {
    assignments(
        text,
        |line| {
            let rest = line.strip_prefix("SETUVAR ")?;
            rest.strip_prefix("--export ")
                .unwrap_or(rest)
                .split_once(':')
        },
        unescape_fish,
    )
}

/// fish's `\xHH` escapes (any other backslash: not a plain key, passed over).
fn unescape_fish(value: &str) -> Option<Zeroizing<String>> {
    let mut out = Zeroizing::new(String::with_capacity(value.len()));
    let mut rest = value;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let hex = rest
            .get(at + 2..at + 4)
            .filter(|_| rest[at + 1..].starts_with('x'))?;
        out.push(char::from(
            u8::from_str_radix(hex, 16).ok().filter(u8::is_ascii)?,
        ));
        rest = &rest[at + 4..];
    }
    out.push_str(rest);
    Some(out)
}

/// Reads each line through `split` (which returns the name and the raw value) and `decode`
/// (the raw value's literal, if it is one), and keeps the known variables, with the Azure
/// endpoint attached to the Azure key.
fn assignments(
    text: &str,
    split: impl Fn(&str) -> Option<(&str, &str)>,
    decode: impl Fn(&str) -> Option<Zeroizing<String>>,
) -> Vec<Raw> {
    let mut out = Vec::new();
    let mut endpoint = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            continue;
        }
        let Some((name, raw)) = split(trimmed) else {
            continue;
        };
        let name = name.trim();
        if name == names::AZURE_ENDPOINT {
            endpoint = decode(raw).map(|v| v.to_string());
            continue;
        }
        let Some(provider) = names::variable(name) else {
            continue;
        };
        let Some(value) = decode(raw) else {
            continue;
        };
        out.push(Raw {
            name: name.to_owned(),
            value,
            provider: Some(provider),
            base_url: None,
            line: Some(index + 1),
        });
    }
    for raw in &mut out {
        if raw.provider == Some(crate::ProviderId::AzureOpenai) {
            raw.base_url.clone_from(&endpoint);
        }
    }
    out
}

/// The value of `'…'`, `"…"` or a bare word (up to a space, `;` or ` #`). `None` when it is
/// not a literal (it refers to another variable or runs a command).
fn unquote(raw: &str) -> Option<Zeroizing<String>> {
    let raw = raw.trim_start();
    let value = if let Some(rest) = raw.strip_prefix('\'') {
        rest.split_once('\'')?.0
    } else if let Some(rest) = raw.strip_prefix('"') {
        rest.split_once('"')?.0
    } else {
        raw.split([' ', '\t', ';']).next().unwrap_or("")
    };
    if value.is_empty() || value.contains('$') || value.contains('`') {
        return None;
    }
    Some(Zeroizing::new(value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(raws: &[Raw]) -> Vec<(String, String, Option<usize>)> {
        raws.iter()
            .map(|r| (r.name.clone(), r.value.to_string(), r.line))
            .collect()
    }

    #[test]
    fn reads_shell_assignments() {
        let text = "# my bashrc\n\
                    alias ll='ls -l'\n\
                    export OPENAI_API_KEY=sk-proj-one\n\
                    export ANTHROPIC_API_KEY=\"sk-ant-two\" # work\n\
                    GROQ_API_KEY='gsk_three'; export GROQ_API_KEY\n\
                    # export MISTRAL_API_KEY=commented\n\
                    export XAI_API_KEY=$(pass show xai)\n\
                    export DEEPSEEK_API_KEY=\"$OTHER\"\n\
                    export PATH=$PATH:~/bin\n\
                    export AZURE_OPENAI_API_KEY=abc123\n\
                    export AZURE_OPENAI_ENDPOINT=https://me.openai.azure.com\n";
        let raws = shell(text);
        assert_eq!(
            found(&raws),
            [
                ("OPENAI_API_KEY".into(), "sk-proj-one".into(), Some(3)),
                ("ANTHROPIC_API_KEY".into(), "sk-ant-two".into(), Some(4)),
                ("GROQ_API_KEY".into(), "gsk_three".into(), Some(5)),
                ("AZURE_OPENAI_API_KEY".into(), "abc123".into(), Some(10)),
            ]
        );
        assert_eq!(
            raws[3].base_url.as_deref(),
            Some("https://me.openai.azure.com")
        );
    }

    #[test]
    fn reads_fish() {
        let text = "set -gx OPENAI_API_KEY sk-proj-one\n\
                    set --global --export ANTHROPIC_API_KEY 'sk-ant-two'\n\
                    set -Ux GROQ_API_KEY gsk_three\n\
                    export XAI_API_KEY=xai-four\n\
                    set -l fish_greeting ''\n";
        assert_eq!(
            found(&fish(text)),
            [
                ("OPENAI_API_KEY".into(), "sk-proj-one".into(), Some(1)),
                ("ANTHROPIC_API_KEY".into(), "sk-ant-two".into(), Some(2)),
                ("GROQ_API_KEY".into(), "gsk_three".into(), Some(3)),
                ("XAI_API_KEY".into(), "xai-four".into(), Some(4)),
            ]
        );
    }

    #[test]
    fn reads_dotenv_with_aider_names() {
        let text = "AIDER_ANTHROPIC_API_KEY=sk-ant-x\nOPENAI_API_KEY=\nAIDER_MODEL=sonnet\n";
        assert_eq!(
            found(&dotenv(text)),
            [("AIDER_ANTHROPIC_API_KEY".into(), "sk-ant-x".into(), Some(1))]
        );
    }
}
