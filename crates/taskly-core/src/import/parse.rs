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

/// The values in `text` of `format`; `Err` says why the file could not be parsed.
pub(crate) fn parse(format: Format, text: &str) -> Result<Vec<Raw>, String> {
    match format {
        Format::Shell => Ok(lines::shell(text)),
        Format::Fish => Ok(lines::fish(text)),
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
