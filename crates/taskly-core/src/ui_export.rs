//! What the UI needs from the core besides its types, generated into `ui/src/bindings/registry.ts`.
//!
//! The UI's form checks a pasted key before sending it, the palette picks a default model, and the
//! in-memory mock (`ui/src/ipc/mock.ts`) stands in for the shell in the browser tests: all three
//! used to carry hand copies of the registry, the input rules and the masking rule. This module
//! writes those from the real core instead, with test vectors computed by the real `ApiKey::parse`
//! and `mask::mask`, so the UI's tests compare the UI's rules with the core's output rather than
//! with a copy. Like `core.ts`, the test fails when the committed file is stale;
//! `TASKLY_UPDATE_BINDINGS=1` rewrites it. Test-only: nothing here ships in the library.
#![cfg(test)]

use serde::Serialize;
use serde_json::{Value, json};

use crate::mask::{FULLY_MASKED, MIN_HIDDEN, mask};
use crate::providers::base_url::BaseUrl;
use crate::secret::MAX_KEY_BYTES;
use crate::{ApiKey, Error, KeyInputError, ProviderId};

/// Every input rule, in the order `ApiKey::parse` applies them, then the store-specific one.
const RULES: [KeyInputError; 7] = [
    KeyInputError::Empty,
    KeyInputError::TooLong,
    KeyInputError::MultiLine,
    KeyInputError::ControlCharacter,
    KeyInputError::NonAscii,
    KeyInputError::ContainsSpace,
    KeyInputError::TooLongForWindows,
];

/// The UI's name for a rule. The match is exhaustive on purpose: a new variant does not compile
/// until it has a name here (and then belongs in [`RULES`]).
fn rule_name(rule: KeyInputError) -> &'static str {
    match rule {
        KeyInputError::Empty => "empty",
        KeyInputError::TooLong => "too_long",
        KeyInputError::MultiLine => "multi_line",
        KeyInputError::ControlCharacter => "control_character",
        KeyInputError::NonAscii => "non_ascii",
        KeyInputError::ContainsSpace => "contains_space",
        KeyInputError::TooLongForWindows => "too_long_for_windows",
    }
}

fn to_value(value: impl Serialize) -> Value {
    serde_json::to_value(value).expect("serializes")
}

/// The registry entries as `list_providers` sends them, with one adjustment to match the type
/// in `core.ts`: serde leaves an empty `auth.extra` out (`skip_serializing_if`), ts-rs declares it
/// required, so it is written as `[]`. No UI code reads `extra`.
fn providers() -> Value {
    let mut specs = Vec::new();
    for id in ProviderId::all() {
        let mut spec = to_value(id.spec());
        if let Some(auth) = spec.get_mut("auth").and_then(Value::as_object_mut)
            && auth.get("kind") == Some(&json!("header"))
        {
            auth.entry("extra").or_insert_with(|| json!([]));
        }
        specs.push(spec);
    }
    Value::Array(specs)
}

fn default_models() -> Value {
    ProviderId::all()
        .map(|id| {
            (
                id.as_str().to_owned(),
                json!(crate::chat::default_model(id)),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// The error each rule gives over IPC (`Error::KeyInput(rule).payload()`).
fn key_rule_errors() -> Value {
    RULES
        .iter()
        .map(|&rule| {
            (
                rule_name(rule).to_owned(),
                to_value(Error::KeyInput(rule).payload()),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// The error for a provider that has no default base URL and got none.
fn base_url_required() -> Value {
    ProviderId::all()
        .filter(|id| id.spec().default_base_url.is_none())
        .map(|id| {
            let payload = BaseUrl::resolve(id.spec(), None, None)
                .expect_err("no default base URL")
                .payload();
            (id.as_str().to_owned(), to_value(payload))
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// How many characters after the ellipsis a mask shows, read off the real `mask`.
fn mask_tail() -> usize {
    let key = ApiKey::parse(&filler(64)).expect("valid key");
    let hint = mask(ProviderId::Custom.spec(), &key);
    hint.split_once('…')
        .expect("a long key shows its tail")
        .1
        .len()
}

/// `n` characters of a made-up key body, varied so the tail differs from the start.
fn filler(n: usize) -> String {
    const CHARS: &[u8] = b"EXAMPLEabcdefghijkmnopqrstuvwxyz0123456789ZYXWVUTSRQ";
    (0..n).map(|i| CHARS[i % CHARS.len()] as char).collect()
}

/// Keys worth masking: every prefix of every provider at, just under and well over the length
/// where the tail starts to show, keys without a known prefix, and the core's own snapshot cases.
fn mask_inputs() -> Vec<String> {
    let shown_from = MIN_HIDDEN + mask_tail();
    let mut inputs = Vec::new();
    let mut prefixes: Vec<&str> = ProviderId::all()
        .flat_map(|id| id.spec().key_prefixes.iter().copied())
        .collect();
    prefixes.push("");
    prefixes.push("tok_");
    prefixes.dedup();
    for prefix in prefixes {
        for body in [shown_from - 1, shown_from, 40] {
            let key = format!("{prefix}{}", filler(body));
            if !inputs.contains(&key) {
                inputs.push(key);
            }
        }
    }
    for key in [
        "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123a1b2",
        "sk-AbCdEfGhIjKlMnOpQrStUv9z8y",
        "sk-ant-api03-AbCdEfGhIjKlMnOpQrSt-XyZ1",
        "AIzaSyAbCdEfGhIjKlMnOpQrStUvWx-9876",
        "my-gateway-token-0123456789",
        "not-an-openai-shaped-key-4321",
        "sk-short",
        "ollama",
        "sk-",
    ] {
        inputs.push(key.to_owned());
    }
    inputs
}

/// `(provider, key, mask)` for every provider and every input above.
fn mask_examples() -> Vec<Value> {
    let mut rows = Vec::new();
    for key in mask_inputs() {
        let parsed = ApiKey::parse(&key).expect("mask inputs are valid keys");
        for id in ProviderId::all() {
            rows.push(json!({ "provider": id, "key": key, "masked": mask(id.spec(), &parsed) }));
        }
    }
    rows
}

/// Pasted inputs with the core's verdict: the rule broken, or the length in bytes once trimmed.
/// `repeat` stands for the input written that many times (the size limits).
fn key_input_examples() -> Vec<Value> {
    let cases: &[(&str, usize)] = &[
        ("sk-test-1234567890abcdef", 1),
        ("  \tsk-test-1234567890abcdef \n", 1),
        ("\u{a0}sk-x\u{2003}", 1),
        ("\u{3000}\u{85}sk-x\u{2028}\u{2029}\u{202f}", 1),
        ("\u{feff}sk-x", 1),
        ("sk-x\u{feff}", 1),
        ("\u{200b}sk-x", 1),
        ("", 1),
        ("   \n\t ", 1),
        ("\u{a0}\u{3000}", 1),
        ("sk-abc\ndef", 1),
        ("sk-abc\rdef", 1),
        ("sk-abc\r\ndef", 1),
        ("sk-abc\u{b}def", 1),
        ("sk-abc\u{c}def", 1),
        ("sk-abc\u{85}def", 1),
        ("sk-abc\u{2028}def", 1),
        ("sk-abc\tdef", 1),
        ("sk-abc\u{0}def", 1),
        ("sk-abc\u{1b}def", 1),
        ("sk-abc\u{7f}def", 1),
        ("sk-abc\u{9f}def", 1),
        ("sk-abc\u{201d}def", 1),
        ("sk-abc\u{2014}def", 1),
        ("sk-abc\u{a0}def", 1),
        ("sk-abcédef", 1),
        ("sk-abc👋def", 1),
        ("Bearer sk-abcdef", 1),
        ("sk-abc def", 1),
        ("sk-\u{201d}abc\ndef", 1),
        ("sk-\u{201d}abc\tdef", 1),
        ("sk-abc def\u{201d}", 1),
        ("sk-abc\t def", 1),
        ("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", 1),
        ("a", MAX_KEY_BYTES),
        ("a", MAX_KEY_BYTES + 1),
        ("é", MAX_KEY_BYTES / 2),
        ("é", MAX_KEY_BYTES / 2 + 1),
        (" ", MAX_KEY_BYTES + 1),
    ];
    cases
        .iter()
        .map(|&(input, repeat)| {
            let (rule, trimmed_bytes) = match ApiKey::parse(&input.repeat(repeat)) {
                Ok(key) => (None, Some(key.len())),
                Err(rule) => (Some(rule_name(rule)), None),
            };
            json!({ "input": input, "repeat": repeat, "rule": rule, "trimmed_bytes": trimmed_bytes })
        })
        .collect()
}

/// Base URLs with the core's verdict (`BaseUrl::parse`): the URL it uses, or its error code.
fn base_url_examples() -> Vec<Value> {
    [
        "https://api.example.com/v1",
        "https://api.example.com/v1/",
        "  https://api.example.com/v1  ",
        "http://127.0.0.1:11434/v1",
        "http://localhost:1234/v1",
        "http://[::1]:8080",
        "http://example.com/v1",
        "ftp://example.com",
        "https://user:pw@example.com",
        "https://example.com/v1?key=AIza",
        "https://example.com/v1#part",
        "not a url",
        "",
    ]
    .iter()
    .map(|&input| match BaseUrl::parse(input) {
        Ok(url) => json!({ "input": input, "url": url.as_str(), "code": null }),
        Err(err) => json!({ "input": input, "url": null, "code": err.code() }),
    })
    .collect()
}

/// JSON as it goes into the file: control characters and non-ASCII escaped (so invisible
/// characters stay visible in review), except the two the masks are made of. serde_json has
/// already escaped the controls below U+0020 and any in strings; newlines of the pretty layout
/// are kept.
fn text(value: &Value, pretty: bool) -> String {
    let raw = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    }
    .expect("serializes");
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if (c.is_ascii() && (c == '\n' || !c.is_ascii_control())) || c == '…' || c == '•' {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// An array written one element a line, so a change shows as one changed line.
fn rows(values: &[Value]) -> String {
    let mut out = String::from("[\n");
    for value in values {
        out.push_str("  ");
        out.push_str(&text(value, false));
        out.push_str(",\n");
    }
    out.push(']');
    out
}

fn generate() -> String {
    let rule_names: Vec<String> = RULES
        .iter()
        .map(|&r| format!("\"{}\"", rule_name(r)))
        .collect();
    let parse_rules = json!(RULES[..6].iter().map(|&r| rule_name(r)).collect::<Vec<_>>());
    let mask_rule = json!({
        "min_hidden": MIN_HIDDEN,
        "tail": mask_tail(),
        "fully_masked": FULLY_MASKED,
        "separator": "…",
    });
    let sections = [
        format!(
            "/** Every provider's registry entry (`ProviderId::spec`), in registry order. */\n\
             export const PROVIDERS: ProviderSpec[] = {};",
            text(&providers(), true)
        ),
        format!(
            "/** The model a chat uses when none is named (`chat::default_model`). */\n\
             export const DEFAULT_MODELS: Record<ProviderId, string> = {};",
            text(&default_models(), true)
        ),
        format!(
            "/** A rule a pasted key can break (`KeyInputError`). */\n\
             export type KeyRule = {};",
            rule_names.join(" | ")
        ),
        format!(
            "/** The rules `ApiKey::parse` applies, in its order (the last rule is the credential store's). */\n\
             export const PARSE_RULES: KeyRule[] = {};\n\n\
             /** The largest key accepted, in UTF-8 bytes (`MAX_KEY_BYTES`). */\n\
             export const MAX_KEY_BYTES = {MAX_KEY_BYTES};",
            text(&parse_rules, false)
        ),
        format!(
            "/** The error each rule gives (`Error::KeyInput(rule).payload()`). */\n\
             export const KEY_RULE_ERRORS: Record<KeyRule, ErrorPayload> = {};",
            text(&key_rule_errors(), true)
        ),
        format!(
            "/** The error for a provider without a default base URL when none is given. */\n\
             export const BASE_URL_REQUIRED: Partial<Record<ProviderId, ErrorPayload>> = {};",
            text(&base_url_required(), true)
        ),
        format!(
            "/** The masked hint (`mask::mask`): prefix + separator + the last `tail` characters, or\n \
             * `fully_masked` when fewer than `min_hidden` characters would stay hidden. */\n\
             export const MASK_RULE = {} as const;",
            text(&mask_rule, true)
        ),
        format!(
            "/** The real `mask` applied to made-up keys, for every provider. */\n\
             export const MASK_EXAMPLES: {{ provider: ProviderId; key: string; masked: string }}[] = {};",
            rows(&mask_examples())
        ),
        format!(
            "/** The real `ApiKey::parse` on pasted inputs (`input` written `repeat` times): the rule\n \
             * broken, or the length in bytes once trimmed. */\n\
             export const KEY_INPUT_EXAMPLES: {{ input: string; repeat: number; rule: KeyRule | null; trimmed_bytes: number | null }}[] = {};",
            rows(&key_input_examples())
        ),
        format!(
            "/** The real `BaseUrl::parse`: the URL used, or the error code. */\n\
             export const BASE_URL_EXAMPLES: {{ input: string; url: string | null; code: ErrorCode | null }}[] = {};",
            rows(&base_url_examples())
        ),
    ];
    let mut out = String::from(
        "// Generated from taskly-core by `cargo test -p taskly-core bindings` (src/ui_export.rs).\n\
         // Do not edit: change the core, then run with TASKLY_UPDATE_BINDINGS=1.\n\
         import type { ErrorCode, ErrorPayload, ProviderId, ProviderSpec } from \"./core\";\n",
    );
    for section in sections {
        out.push('\n');
        out.push_str(&section);
        out.push('\n');
    }
    out
}

#[test]
fn registry_bindings_are_up_to_date() {
    let text = generate();
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings/registry.ts");
    if std::env::var_os("TASKLY_UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &text).expect("write registry bindings");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "ui/src/bindings/registry.ts is out of date: run TASKLY_UPDATE_BINDINGS=1 cargo test -p taskly-core bindings"
    );
}

#[test]
fn every_rule_is_listed_once() {
    for (i, rule) in RULES.iter().enumerate() {
        assert_eq!(RULES.iter().position(|r| r == rule), Some(i));
    }
    // The store's rule is not one `parse` applies.
    assert!(ApiKey::parse(&"a".repeat(2000)).is_ok());
}
