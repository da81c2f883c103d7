//! Reads a key from standard input or a hidden prompt: never from the command line, where it
//! would land in shell history and the process list.

use std::io::{IsTerminal, Read};

use taskly_core::{ApiKey, Error, KeyInputError};
use zeroize::Zeroizing;

/// More than any key plus whitespace; anything longer is refused as too long.
const READ_LIMIT: u64 = 64 * 1024;

/// Reads and checks a key. `what` names it in the prompt ("your OpenAI key").
pub fn read_key(what: &str) -> Result<ApiKey, Error> {
    let stdin = std::io::stdin();
    let text = if stdin.is_terminal() {
        let prompt = format!("Paste {what} (input is hidden), then press Enter: ");
        Zeroizing::new(
            rpassword::prompt_password(prompt)
                .map_err(|e| Error::Internal(format!("cannot read from the terminal: {e}")))?,
        )
    } else {
        // Sized up front so reading never reallocates and leaves copies of the key behind.
        let mut bytes = Zeroizing::new(Vec::with_capacity(READ_LIMIT as usize + 1));
        stdin
            .lock()
            .take(READ_LIMIT + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::Internal(format!("cannot read standard input: {e}")))?;
        if bytes.len() as u64 > READ_LIMIT {
            return Err(KeyInputError::TooLong.into());
        }
        match std::str::from_utf8(&bytes) {
            Ok(text) => Zeroizing::new(text.to_owned()),
            Err(_) => return Err(KeyInputError::NonAscii.into()),
        }
    };
    Ok(ApiKey::parse(&text)?)
}

/// Asks a yes/no question on the terminal; `None` when there is no terminal to ask.
pub fn confirm(question: &str) -> Option<bool> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return None;
    }
    use std::io::Write;
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{question} [y/N] ");
    let _ = stderr.flush();
    let mut answer = String::new();
    stdin.read_line(&mut answer).ok()?;
    Some(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
