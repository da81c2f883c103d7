//! Parsers for each format the scan reads. Each returns the values that may be keys, with the
//! name they were set under and whatever the file says about their provider; what is kept is
//! decided in `candidate.rs`.

mod lines;
mod structured;

use zeroize::Zeroizing;

use super::candidate::Format;
use crate::providers::ProviderId;

/// A value found in a file, before it is judged.
pub(crate) struct Raw {
    /// The variable or setting it was set under (`OPENAI_API_KEY`, `models[0].apiKey`).
    pub name: String,
    /// The value (may be a key: zeroized on drop).
    pub value: Zeroizing<String>,
    /// The provider the file names for it (by variable, `provider:` field or model prefix).
    pub provider: Option<ProviderId>,
    /// A base URL set beside it.
    pub base_url: Option<String>,
    /// The 1-based line, when the parser knows it.
    pub line: Option<usize>,
}

/// JSON as the tools write it: Continue reads `config.json` with comments (`//`, `/* */`) and
/// trailing commas allowed, so they are dropped (outside strings) before parsing. Line breaks
/// are kept, so line numbers stay true.
pub(crate) fn json_value(text: &str) -> Result<serde_json::Value, String> {
    let plain = strip_jsonc(text);
    serde_json::from_str(&plain).map_err(|e| e.to_string())
}

fn strip_jsonc(text: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' => out.extend(chars.next()),
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                    }
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            ('}' | ']', _) => {
                let kept = out.trim_end().len();
                if out[..kept].ends_with(',') {
                    out.remove(kept - 1);
                }
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// The values in `text` of `format`; `Err` says why the file could not be parsed.
pub(crate) fn parse(format: Format, text: &str) -> Result<Vec<Raw>, String> {
    match format {
        Format::Shell => Ok(lines::shell(text)),
        Format::Fish => Ok(lines::fish(text)),
        Format::FishVariables => Ok(lines::fish_variables(text)),
        Format::Dotenv => Ok(lines::dotenv(text)),
        Format::ContinueYaml => structured::continue_yaml(text),
        Format::ContinueJson => structured::continue_json(text),
        Format::GooseSecrets => structured::goose(text),
        Format::Aider => structured::aider(text),
        Format::CodexAuth => structured::codex(text),
        Format::ClaudeJson => structured::claude_json(text),
        Format::ClaudeSettings => structured::claude_settings(text),
        Format::Litellm => structured::litellm(text),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_with_comments_and_trailing_commas() {
        let text =
            "{\n  // a comment\n  \"a\": \"x // not a comment\", /* b */\n  \"c\": [1, 2,],\n}\n";
        let value = super::json_value(text).expect("parses");
        assert_eq!(value["a"], "x // not a comment");
        assert_eq!(value["c"], serde_json::json!([1, 2]));
        assert!(super::json_value("{\"a\": }").is_err());
    }
}
