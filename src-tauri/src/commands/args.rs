//! IPC arguments read by the app, not by Tauri: a missing, mistyped or oversized argument is
//! answered with a typed `ErrorPayload` instead of Tauri's plain-text "invalid args" string, and
//! the answer never quotes what was sent (serde's messages do, and the value may be a key).

use taskly_core::{Error, ErrorPayload};
use tauri::Runtime;
use tauri::ipc::{CommandArg, CommandItem, InvokeError};

/// Longest key id accepted (ids are short; a longer one cannot exist and must not be echoed).
pub const MAX_ID_CHARS: usize = 128;
/// Longest URL accepted (base URLs and links to open).
pub const MAX_URL_BYTES: usize = 2048;

/// One command argument as the window sent it: the value, or why it could not be read.
///
/// Wraps anything Tauri can read (`Deserialize` types, channels), so a command takes
/// `form: Arg<NewKeyForm>` and starts with `let form = form.take()?;`.
pub struct Arg<T>(Result<T, ErrorPayload>);

impl<T> std::fmt::Debug for Arg<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The value may be a key: never printed.
        f.write_str(if self.0.is_ok() {
            "Arg(..)"
        } else {
            "Arg(malformed)"
        })
    }
}

impl<T> Arg<T> {
    /// The value, or the typed error to answer with.
    pub fn take(self) -> Result<T, ErrorPayload> {
        self.0
    }
}

impl<'de, R: Runtime, T: CommandArg<'de, R>> CommandArg<'de, R> for Arg<T> {
    fn from_command(command: CommandItem<'de, R>) -> Result<Self, InvokeError> {
        let (name, key) = (command.name, command.key);
        Ok(Arg(T::from_command(command).map_err(|_| {
            // Tauri's error text quotes the value it could not read: dropped on purpose.
            malformed(name, key)
        })))
    }
}

/// The error for an argument that is missing or has the wrong shape. Our own UI never sends
/// one, so it is an internal error (report it), not something the person can fix.
pub fn malformed(command: &str, argument: &str) -> ErrorPayload {
    Error::Internal(format!(
        "the window sent `{argument}` to `{command}` missing or in a form the app does not read"
    ))
    .payload()
}

/// A key id: short and printable, or "no such key" without quoting any of it.
pub fn key_id(id: Arg<String>) -> Result<String, ErrorPayload> {
    let id = id.take()?;
    if id.chars().count() > MAX_ID_CHARS || id.chars().any(char::is_control) {
        return Err(Error::KeyNotFound { id: "…".into() }.payload());
    }
    Ok(id)
}

/// An account's name, email or id: short and printable, or "no such account" without quoting
/// any of it.
pub fn account_name(name: Arg<String>) -> Result<String, ErrorPayload> {
    let name = name.take()?;
    if name.chars().count() > MAX_ID_CHARS || name.chars().any(char::is_control) {
        return Err(Error::AccountNotFound { name: "…".into() }.payload());
    }
    Ok(name)
}

/// A base URL: refused before it reaches the core when it is too long to be one, without
/// quoting any of it.
pub fn base_url(url: Option<String>) -> Result<Option<String>, ErrorPayload> {
    match url {
        Some(url) if url.len() > MAX_URL_BYTES => Err(Error::InvalidBaseUrl {
            url: "…".into(),
            reason: format!("it is longer than {MAX_URL_BYTES} characters"),
        }
        .payload()),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_ids_and_urls_are_refused_without_being_echoed() {
        let long = "x".repeat(10 * 1024 * 1024);
        let err = key_id(Arg(Ok(long.clone()))).expect_err("too long");
        assert!(err.message.len() < 200, "{}", err.message);
        let err = base_url(Some(format!("https://{long}"))).expect_err("too long");
        assert!(err.message.len() < 300, "{}", err.message);
        assert_eq!(key_id(Arg(Ok("k1".into()))).ok().as_deref(), Some("k1"));
        let err = account_name(Arg(Ok(long.clone()))).expect_err("too long");
        assert!(err.message.len() < 200, "{}", err.message);
        assert_eq!(
            account_name(Arg(Ok("ana@example.com".into())))
                .ok()
                .as_deref(),
            Some("ana@example.com")
        );
        assert_eq!(base_url(None).ok(), Some(None));
    }

    #[test]
    fn a_malformed_argument_is_a_typed_error_naming_only_the_argument() {
        let err = malformed("add_key", "form");
        let json = serde_json::to_value(&err).expect("serializes");
        assert_eq!(json["code"], "internal");
        assert!(err.message.contains("`form`") && err.message.contains("`add_key`"));
    }
}
