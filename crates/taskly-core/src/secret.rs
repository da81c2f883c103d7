//! The API key as its own type: checked on the way in, zeroized on drop, never printed.
//!
//! `ApiKey` has no `Serialize`, and its `Debug` and `Display` print `[redacted]`. The plaintext is
//! reachable only through [`ApiKey::expose_secret`], which is crate-private: the credential store
//! adapter (to hand it to the OS) and the auth-header builder (marked sensitive) are its only
//! callers.

use std::fmt;

use zeroize::Zeroizing;

/// The largest key we accept, in bytes. Real keys are far shorter; Azure and gateway tokens
/// stay well under this, and Windows Credential Manager caps a credential at 2,560 bytes anyway.
pub const MAX_KEY_BYTES: usize = 4096;

/// A provider API key. See the module docs for how it may be used.
pub struct ApiKey(Zeroizing<String>);

/// Why a pasted key was refused. The variants never carry the input itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyInputError {
    /// Nothing but whitespace was given.
    #[error("The key is empty. Paste the key you created on the provider's website.")]
    Empty,
    /// More than [`MAX_KEY_BYTES`].
    #[error(
        "The key is longer than 4 KiB, which no provider issues. Check that you copied only the key."
    )]
    TooLong,
    /// A line break inside the key.
    #[error("The key spans several lines. Paste it as a single line.")]
    MultiLine,
    /// A tab, NUL or other control character inside the key.
    #[error(
        "The key contains a control character (such as a tab). Copy it again from the provider's page."
    )]
    ControlCharacter,
    /// Any character outside ASCII (often a typographic quote or dash picked up while copying).
    #[error(
        "The key contains a character that is not plain ASCII (for example a curly quote or a long dash). Copy it again from the provider's page."
    )]
    NonAscii,
    /// A space inside the key, e.g. `Bearer sk-…` pasted whole.
    #[error(
        "The key contains a space. Paste only the key itself, without \"Bearer\" or other words around it."
    )]
    ContainsSpace,
    /// Longer than Windows Credential Manager can hold (2,560 bytes, stored as UTF-16).
    #[error(
        "The key is too long for Windows Credential Manager, which holds at most 1,280 characters for the key together with the address it is bound to. Provider keys are far shorter: check that you copied only the key."
    )]
    TooLongForWindows,
}

impl ApiKey {
    /// Checks pasted input and wraps it. Surrounding whitespace is trimmed; the input rules (not
    /// empty, one line, no control characters, ASCII, no spaces, at most 4 KiB) are applied in a
    /// fixed order so the message names the first rule that failed.
    pub fn parse(input: &str) -> Result<Self, KeyInputError> {
        let key = input.trim();
        if key.is_empty() {
            return Err(KeyInputError::Empty);
        }
        if key.len() > MAX_KEY_BYTES {
            return Err(KeyInputError::TooLong);
        }
        if key.contains(['\n', '\r']) {
            return Err(KeyInputError::MultiLine);
        }
        if key.chars().any(char::is_control) {
            return Err(KeyInputError::ControlCharacter);
        }
        if !key.is_ascii() {
            return Err(KeyInputError::NonAscii);
        }
        if key.contains(' ') {
            return Err(KeyInputError::ContainsSpace);
        }
        Ok(Self(Zeroizing::new(key.to_owned())))
    }

    /// The plaintext. Crate-private on purpose; see the module docs for the two callers.
    pub(crate) fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether the key starts with a (public) provider prefix.
    pub(crate) fn starts_with(&self, prefix: &str) -> bool {
        self.0.starts_with(prefix)
    }

    /// The last `n` characters, for the masked hint (keys are ASCII, so bytes are characters).
    pub(crate) fn tail(&self, n: usize) -> &str {
        &self.0[self.0.len().saturating_sub(n)..]
    }

    /// `text` with every run of at least `min` consecutive characters of this key replaced by
    /// `[redacted]`: a provider that echoes part of a key (its first dozen characters, say)
    /// gives none of it away. A key shorter than `min` is only removed whole.
    pub(crate) fn redact_fragments_in(&self, text: &str, min: usize) -> String {
        self.fragments(min).redact(text)
    }

    /// A matcher for runs of at least `min` consecutive characters of this key, built once for
    /// many texts.
    pub(crate) fn fragments(&self, min: usize) -> KeyFragments<'_> {
        let key = self.0.as_bytes();
        let windows = if min == 0 || key.len() < min {
            std::collections::HashSet::new()
        } else {
            // Windows borrowed from the key itself: no copy of the secret is made.
            key.windows(min).collect()
        };
        KeyFragments { key, min, windows }
    }

    /// Length in bytes, for masking decisions.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// A second copy, zeroized on its own drop (the import hands the vault its own).
    pub(crate) fn duplicate(&self) -> ApiKey {
        ApiKey(Zeroizing::new(self.0.as_str().to_owned()))
    }

    /// Whether `text` holds this whole key (the prompt guard, the import scan's lines).
    pub(crate) fn found_in(&self, text: &str) -> bool {
        text.contains(self.0.as_str())
    }

    /// Whether two keys are the same secret, compared without early exit.
    pub(crate) fn same_as(&self, other: &ApiKey) -> bool {
        let (a, b) = (self.0.as_bytes(), other.0.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// Finds runs of a key's characters in text; see [`ApiKey::fragments`].
pub(crate) struct KeyFragments<'a> {
    key: &'a [u8],
    min: usize,
    windows: std::collections::HashSet<&'a [u8]>,
}

impl KeyFragments<'_> {
    /// Byte ranges of `text` made of the key's characters, merged, in order.
    fn runs(&self, text: &str) -> Vec<(usize, usize)> {
        let bytes = text.as_bytes();
        if self.windows.is_empty() {
            // A key shorter than a fragment: only the whole key counts.
            return std::str::from_utf8(self.key)
                .map(|key| {
                    text.match_indices(key)
                        .map(|(at, m)| (at, at + m.len()))
                        .collect()
                })
                .unwrap_or_default();
        }
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for (at, window) in bytes.windows(self.min).enumerate() {
            if !self.windows.contains(window) {
                continue;
            }
            match runs.last_mut() {
                Some((_, end)) if at <= *end => *end = at + self.min,
                _ => runs.push((at, at + self.min)),
            }
        }
        runs
    }

    /// Whether `text` holds any run of the key.
    pub(crate) fn found_in(&self, text: &str) -> bool {
        !self.runs(text).is_empty()
    }

    /// `text` with each run replaced by `[redacted]`.
    pub(crate) fn redact(&self, text: &str) -> String {
        let runs = self.runs(text);
        if runs.is_empty() {
            return text.to_owned();
        }
        // The key is ASCII, so every run starts and ends on a character boundary.
        let mut out = String::with_capacity(text.len());
        let mut from = 0;
        for (start, end) in runs {
            out.push_str(&text[from..start]);
            out.push_str("[redacted]");
            from = end;
        }
        out.push_str(&text[from..]);
        out
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trims_surrounding_whitespace() {
        let key = ApiKey::parse("  \tsk-test-1234567890abcdef \n").expect("valid key");
        assert_eq!(key.expose_secret(), "sk-test-1234567890abcdef");
    }

    #[test]
    fn refuses_each_hygiene_rule_with_its_own_error() {
        let cases = [
            ("", KeyInputError::Empty),
            ("   \n\t ", KeyInputError::Empty),
            ("sk-abc\ndef", KeyInputError::MultiLine),
            ("sk-abc\rdef", KeyInputError::MultiLine),
            ("sk-abc\tdef", KeyInputError::ControlCharacter),
            ("sk-abc\u{0}def", KeyInputError::ControlCharacter),
            ("sk-abc\u{7f}def", KeyInputError::ControlCharacter),
            ("sk-abc\u{201d}def", KeyInputError::NonAscii),
            ("sk-abc\u{2014}def", KeyInputError::NonAscii),
            ("Bearer sk-abcdef", KeyInputError::ContainsSpace),
        ];
        for (input, expected) in cases {
            assert_eq!(
                ApiKey::parse(input).err(),
                Some(expected),
                "input {input:?}"
            );
        }
        let huge = "a".repeat(MAX_KEY_BYTES + 1);
        assert_eq!(ApiKey::parse(&huge).err(), Some(KeyInputError::TooLong));
        let max = "a".repeat(MAX_KEY_BYTES);
        assert!(ApiKey::parse(&max).is_ok());
    }

    #[test]
    fn debug_and_display_never_show_the_key() {
        let key = ApiKey::parse("sk-canary-0123456789").expect("valid key");
        assert_eq!(format!("{key:?}"), "ApiKey([redacted])");
        assert_eq!(format!("{key}"), "[redacted]");
        assert_eq!(
            format!("{:#?}", Some(&key)),
            "Some(\n    ApiKey([redacted]),\n)"
        );
    }

    #[test]
    fn error_messages_never_echo_the_input() {
        let input = "sk-secret\u{201d}value";
        let err = ApiKey::parse(input).expect_err("non-ASCII refused");
        assert!(!err.to_string().contains("sk-secret"));
        assert!(!format!("{err:?}").contains("sk-secret"));
    }

    #[test]
    fn same_as_compares_whole_keys() {
        let a = ApiKey::parse("sk-aaaa").expect("valid");
        let b = ApiKey::parse("sk-aaaa").expect("valid");
        let c = ApiKey::parse("sk-aaab").expect("valid");
        let d = ApiKey::parse("sk-aaa").expect("valid");
        assert!(a.same_as(&b));
        assert!(!a.same_as(&c));
        assert!(!a.same_as(&d));
    }

    #[test]
    fn fragments_of_the_key_are_redacted() {
        let key = ApiKey::parse("gw-0123456789abcdefXYZ").expect("valid");
        assert_eq!(
            key.redact_fragments_in("bad token gw-01234567… (ends ZYX)", 8),
            "bad token [redacted]… (ends ZYX)"
        );
        assert_eq!(
            key.redact_fragments_in("a 9abcdefXYZ and 0123456 and gw-0123456789abcdefXYZ!", 8),
            "a [redacted] and 0123456 and [redacted]!"
        );
        let short = ApiKey::parse("ollama").expect("valid");
        assert_eq!(
            short.redact_fragments_in("ollama says olla", 8),
            "[redacted] says olla"
        );
        assert_eq!(key.redact_fragments_in("grüße 👋", 8), "grüße 👋");
    }

    /// One character that breaks exactly one hygiene rule, with the error it must give.
    fn breaking_char() -> impl Strategy<Value = (char, KeyInputError)> {
        prop_oneof![
            prop::sample::select(vec!['\n', '\r']).prop_map(|c| (c, KeyInputError::MultiLine)),
            prop::sample::select(vec!['\t', '\0', '\u{1b}', '\u{7f}', '\u{85}', '\u{b}'])
                .prop_map(|c| (c, KeyInputError::ControlCharacter)),
            prop::sample::select(vec![
                '\u{a0}', '\u{201c}', '\u{2014}', 'é', '\u{200b}', '\u{feff}', '\u{2028}'
            ])
            .prop_map(|c| (c, KeyInputError::NonAscii)),
            Just((' ', KeyInputError::ContainsSpace)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn a_rule_broken_inside_the_key_is_named(
            key in "[!-~]{2,80}",
            at in 1usize..80,
            (bad, expected) in breaking_char(),
        ) {
            let at = at.min(key.len() - 1);
            let input = format!("{}{bad}{}", &key[..at], &key[at..]);
            // What comes back from the credential store is parsed by the same function
            // (`vault::credentials::open_sealed`), so the same rules hold there.
            prop_assert_eq!(ApiKey::parse(&input).err(), Some(expected));
        }

        #[test]
        fn surrounding_whitespace_of_any_kind_is_trimmed(
            key in "[!-~]{1,80}",
            before in prop::collection::vec(prop::sample::select(vec![' ', '\t', '\n', '\r', '\u{a0}', '\u{2003}', '\u{3000}', '\u{85}']), 0..4),
            after in prop::collection::vec(prop::sample::select(vec![' ', '\t', '\n', '\r', '\u{a0}', '\u{2003}', '\u{3000}', '\u{85}']), 0..4),
        ) {
            let before: String = before.into_iter().collect();
            let after: String = after.into_iter().collect();
            let parsed = ApiKey::parse(&format!("{before}{key}{after}")).expect("valid once trimmed");
            prop_assert_eq!(parsed.expose_secret(), key.as_str());
        }

        #[test]
        fn length_is_checked_in_bytes_at_the_limit(extra in 0usize..3, fill in "[!-~]") {
            let input = fill.repeat(MAX_KEY_BYTES - 1 + extra);
            let result = ApiKey::parse(&input);
            if input.len() <= MAX_KEY_BYTES {
                prop_assert!(result.is_ok());
            } else {
                prop_assert_eq!(result.err(), Some(KeyInputError::TooLong));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        #[test]
        fn no_fragment_of_eight_survives(
            key in "[!-~]{8,64}",
            around in prop::collection::vec(any::<char>(), 0..40),
            cut in (0usize..64, 8usize..64),
            at in 0usize..40,
        ) {
            let api_key = ApiKey::parse(&key).expect("printable ASCII is valid");
            let start = cut.0.min(key.len() - 8);
            let end = (start + cut.1).min(key.len());
            let fragment = &key[start..end];
            let mut text: String = around.iter().take(at).collect();
            text.push_str(fragment);
            text.extend(around.iter().skip(at));
            let out = api_key.redact_fragments_in(&text, 8);
            prop_assert!(!out.contains(fragment), "{out:?}");
            for window in key.as_bytes().windows(8) {
                prop_assert!(!out.as_bytes().windows(8).any(|w| w == window));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn parse_never_panics_and_never_accepts_controls(input in any::<String>()) {
            if let Ok(key) = ApiKey::parse(&input) {
                let s = key.expose_secret();
                prop_assert!(!s.is_empty());
                prop_assert!(s.len() <= MAX_KEY_BYTES);
                prop_assert!(s.is_ascii());
                prop_assert!(!s.chars().any(|c| c.is_control() || c == ' '));
                prop_assert_eq!(s, input.trim());
            }
        }

        #[test]
        fn a_newline_anywhere_inside_is_refused(
            head in "[a-zA-Z0-9_-]{1,40}",
            tail in "[a-zA-Z0-9_-]{1,40}",
            sep in prop::sample::select(vec!["\n", "\r", "\r\n", "\u{b}", "\u{c}", "\u{85}"]),
        ) {
            let input = format!("{head}{sep}{tail}");
            prop_assert!(ApiKey::parse(&input).is_err());
        }
    }
}
