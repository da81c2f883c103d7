//! Printing results and errors, as text for people or JSON for scripts.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use serde::Serialize;
use taskly_core::{Error, ErrorCode, KeyInfo};

/// Prints `value` as pretty JSON on stdout.
pub fn json<T: Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(err) => eprintln!("error[internal]: cannot write JSON: {err}"),
    }
}

/// One compact JSON value per line on stdout (for streams of events).
pub fn json_line<T: Serialize>(value: &T) {
    use std::io::Write;
    if let Ok(text) = serde_json::to_string(value) {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{text}");
        let _ = stdout.flush();
    }
}

/// A line for people on stdout.
pub fn line(text: impl AsRef<str>) {
    println!("{}", text.as_ref());
}

/// A warning for people on stderr.
pub fn warning(text: impl AsRef<str>) {
    eprintln!("warning: {}", text.as_ref());
}

/// Prints an error: `error[code]: message` on stderr, or `{"error": {...}}` on stdout.
pub fn print_error(err: &Error, as_json: bool) {
    if as_json {
        json(&serde_json::json!({ "error": err.payload() }));
    } else {
        let payload = err.payload();
        let code = serde_json::to_value(payload.code)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        eprintln!("error[{code}]: {}", payload.message);
        if let Some(hint) = hint(err) {
            eprintln!("  try: {hint}");
        }
        if let Some(link) = payload.link {
            eprintln!("  see: {link}");
        }
    }
}

/// Exit codes by kind of failure: 2 input, 3 credential store, 4 provider or Taskly, 5 not found,
/// 130 cancelled, 1 other.
/// The `taskly` command that does what the error asks, chosen by its action (and the key it
/// names): the core's messages say what to do in words that fit the app too, the command is the
/// CLI's own.
pub fn hint(err: &Error) -> Option<String> {
    use taskly_core::ErrorAction as A;
    Some(match (err, err.action()) {
        (Error::UnknownProvider { .. }, _) => "taskly providers (the supported providers)".into(),
        (Error::KeyNotFound { .. }, _) => "taskly keys list (your keys and their ids)".into(),
        (Error::CredentialMissing { id }, _) => format!("taskly keys update {id} --replace-secret"),
        (Error::KeyOriginChanged { id, .. }, _) => {
            format!("taskly keys update {id} --base-url URL")
        }
        (Error::BudgetExceeded { key_id, .. }, _) => format!("taskly keys budget {key_id}"),
        (Error::PromptHasSecret { .. }, _) => {
            "taskly chat --allow-secrets … (only if you mean to send it)".into()
        }
        (Error::ImportNotFound { .. }, _) => "taskly keys import --scan (the ids)".into(),
        (Error::AccountNotFound { .. }, _) => "taskly auth status (the signed-in accounts)".into(),
        (Error::AuthUnreachable { .. }, _) => "taskly auth login, once the service answers".into(),
        (_, A::SignIn) => "taskly auth login".into(),
        (Error::DatabaseCorrupt { .. }, _) => {
            "taskly doctor (lists the keys still in your credential store)".into()
        }
        (_, A::SetupCredentialStore | A::UnlockCredentialStore) => "taskly doctor".into(),
        (
            Error::CredentialStoreFailed { .. }
            | Error::CredentialStoreMismatch { .. }
            | Error::Database { .. },
            _,
        ) => "taskly doctor, if it keeps failing".into(),
        _ => return None,
    })
}

pub fn exit_code(err: &Error) -> ExitCode {
    use ErrorCode as C;
    let code = match err.code() {
        C::InvalidKeyInput
        | C::UnknownProvider
        | C::InvalidBaseUrl
        | C::BaseUrlRequired
        | C::InvalidLabel
        | C::InvalidAccount
        | C::InvalidConfig
        | C::ConfirmationRequired
        | C::PromptHasSecret => 2,
        C::CredentialStoreUnavailable
        | C::CredentialStoreLocked
        | C::CredentialStoreTimeout
        | C::CredentialStoreFailed
        | C::CredentialMissing => 3,
        C::InvalidKey
        | C::ProviderUnreachable
        | C::ProviderTimeout
        | C::EndpointNotFound
        | C::ProviderError
        | C::RateLimited
        | C::QuotaExhausted
        | C::ModelNotAvailable
        | C::UpstreamOutage
        | C::RequestRefused
        | C::NetworkError
        | C::UntrustedCertificate
        | C::UpstreamTimeout
        | C::StreamCut
        | C::BadResponse
        | C::ProxyTokenRejected
        | C::ProxyTokenMissing
        | C::UnsafeRoute
        | C::BudgetExceeded
        | C::SignInRequired
        | C::SignInFailed
        | C::SignInRejected
        | C::SignInTimedOut
        | C::AuthUnreachable => 4,
        C::Cancelled => 130,
        C::KeyNotFound | C::AccountNotFound | C::ImportNotFound => 5,
        _ => 1,
    };
    ExitCode::from(code)
}

/// The key table of `keys list`.
pub fn key_table(keys: &[KeyInfo]) -> String {
    let mut rows = vec![
        [
            "ID",
            "PROVIDER",
            "LABEL",
            "KEY",
            "STATUS",
            "ON",
            "LAST USED",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for key in keys {
        rows.push(vec![
            key.id.clone(),
            key.provider_name.to_owned(),
            key.label.clone(),
            key.masked.clone(),
            key.verification.as_str().replace('_', " "),
            match (key.enabled, key.backup_rank) {
                (true, _) => "on".to_owned(),
                (false, Some(rank)) => format!("backup {rank}"),
                (false, None) => "off".to_owned(),
            },
            key.last_used_at.clone().unwrap_or_else(|| "never".into()),
        ]);
    }
    let mut text = table(&rows);
    for key in keys.iter().filter(|k| k.custom_base_url) {
        text.push_str(&format!("\n{} sends requests to {}", key.id, key.base_url));
    }
    for key in keys {
        if let Some(rest) = &key.rest {
            text.push_str(&format!("\n{} is resting: {}", key.id, rest_text(rest)));
        }
    }
    text
}

/// "rate-limited, free again in 18 s", "out of quota until you check it again (or tomorrow)".
pub fn rest_text(rest: &taskly_core::db::rests::Rest) -> String {
    use taskly_core::db::rests::RestCause;
    let until = match (rest.seconds_left, &rest.until) {
        (Some(secs), _) if secs < 120 => format!("free again in {secs} s"),
        (_, Some(at)) => format!("until {at} or until you check it again"),
        _ => "until you check it again (taskly keys validate ID)".to_owned(),
    };
    match rest.cause {
        RestCause::RateLimited => format!("rate-limited, {until}"),
        RestCause::Quota => format!("out of quota, {until}"),
        RestCause::Invalid => format!("refused as invalid, {until}"),
    }
}

/// Left-aligned columns separated by two spaces, widths by character count.
pub fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    rows.iter()
        .map(|row| {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(c, cell)| format!("{cell}{}", " ".repeat(widths[c] - cell.chars().count())))
                .collect();
            cells.join("  ").trim_end().to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One sentence describing a key, e.g. `OpenAI key "Work" (sk-…a1b2)`.
pub fn describe(key: &KeyInfo) -> String {
    format!(
        "{} key \"{}\" ({})",
        key.provider_name, key.label, key.masked
    )
}
