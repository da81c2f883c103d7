//! The prompt guard: a question that holds an API key is stopped before it is sent.
//!
//! Two checks, both in memory and in one pass each over the text: a token shaped like a
//! provider's key (its public prefix followed by a key-like body), and any key the vault holds
//! (compared with the plaintext read from the credential store for this check, never with a
//! stored hash). A match is refused with `prompt_has_secret`; the person may send anyway
//! (`--allow-secrets`, the app's "Send anyway"). The check costs well under a millisecond for a
//! 100 KB question (`benches/prompt_guard.rs`).

use crate::providers::ProviderId;
use crate::{ApiKey, mask};

/// The shortest body (after the prefix) of a key-shaped token. Real keys carry 32 or more
/// characters after their prefix; 20 keeps hyphenated words like `sk-learn-pipeline` out.
pub const MIN_BODY: usize = 20;

/// Gemini keys are `AIza` followed by exactly this many characters.
const GEMINI_BODY: usize = 35;

/// What the guard found: enough to name it, never the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The provider whose key it looks like, when the shape or the vault says.
    pub provider: Option<ProviderId>,
    /// The masked form (`sk-proj-…a1b2`).
    pub masked: String,
    /// The vault key it is, when it is one.
    pub held: Option<String>,
}

impl Finding {
    /// A short description for the refusal message.
    pub fn describe(&self) -> String {
        let name = self.provider.map(|p| p.spec().name);
        match (&self.held, name) {
            (Some(_), Some(name)) => format!("your {name} key {}", self.masked),
            (Some(_), None) => format!("one of your keys, {}", self.masked),
            (None, Some(name)) => format!("{name} key {}", self.masked),
            (None, None) => format!("key {}", self.masked),
        }
    }
}

/// A vault key the guard compares against, with its id and provider.
#[derive(Debug)]
pub struct HeldKey<'a> {
    /// The key's id.
    pub id: &'a str,
    /// Its provider.
    pub provider: ProviderId,
    /// The secret.
    pub secret: &'a ApiKey,
}

/// The vault's keys as [`HeldKey`]s, borrowing from `held` (what [`Vault::held_keys`] gives).
///
/// [`Vault::held_keys`]: crate::Vault::held_keys
pub fn borrow_held(held: &[(crate::KeyInfo, std::sync::Arc<ApiKey>)]) -> Vec<HeldKey<'_>> {
    held.iter()
        .map(|(info, secret)| HeldKey {
            id: &info.id,
            provider: info.provider,
            secret,
        })
        .collect()
}

/// The first key in `text`: a held key first (it names the key), else a key-shaped token.
pub fn check(text: &str, held: &[HeldKey<'_>]) -> Option<Finding> {
    for key in held {
        if key.secret.found_in(text) {
            return Some(Finding {
                provider: Some(key.provider),
                masked: mask::mask(key.provider.spec(), key.secret),
                held: Some(key.id.to_owned()),
            });
        }
    }
    key_shaped(text)
}

/// The first token in `text` shaped like a provider's key.
pub fn key_shaped(text: &str) -> Option<Finding> {
    let bytes = text.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        if !is_key_byte(bytes[start]) {
            start += 1;
            continue;
        }
        let end = bytes[start..]
            .iter()
            .position(|b| !is_key_byte(*b))
            .map_or(bytes.len(), |n| start + n);
        // Tokens are ASCII by construction, so the slice is on character boundaries.
        if let Some(finding) = shaped(&text[start..end]) {
            return Some(finding);
        }
        start = end;
    }
    None
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// The shortest key-shaped token: the shortest prefix (`sk-`, `xai-`…) and a body, or a Gemini
/// key (`AIza` and 35).
const MIN_TOKEN: usize = 3 + MIN_BODY;

/// Whether one token is key-shaped, and whose. Most tokens of a question are words: the length
/// and the first letter rule them out before any prefix is compared (this keeps a 100 KB
/// question well under a millisecond).
fn shaped(token: &str) -> Option<Finding> {
    if token.len() < MIN_TOKEN || !matches!(token.as_bytes()[0], b's' | b'A' | b'g' | b'x') {
        return None;
    }
    let (provider, prefix) = provider_prefix(token)?;
    let body = &token[prefix.len()..];
    let fits = if prefix == "AIza" {
        body.len() == GEMINI_BODY
    } else {
        body.len() >= MIN_BODY
            && body.bytes().any(|b| b.is_ascii_digit())
            && body.bytes().any(|b| b.is_ascii_alphabetic())
    };
    if !fits {
        return None;
    }
    let key = ApiKey::parse(token).ok()?;
    Some(Finding {
        provider: Some(provider),
        masked: mask::mask(provider.spec(), &key),
        held: None,
    })
}

/// The longest public prefix `token` starts with, across the registry (`sk-ant-` before `sk-`).
/// Providers sharing a prefix (`sk-`: OpenAI, DeepSeek) resolve to the registry's first.
pub(crate) fn provider_prefix(token: &str) -> Option<(ProviderId, &'static str)> {
    ProviderId::all()
        .flat_map(|id| id.spec().key_prefixes.iter().map(move |p| (id, *p)))
        .filter(|(_, p)| token.starts_with(p))
        .fold(
            None,
            |best: Option<(ProviderId, &'static str)>, found| match best {
                Some(b) if b.1.len() >= found.1.len() => Some(b),
                _ => Some(found),
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(text: &str) -> ApiKey {
        ApiKey::parse(text).expect("valid key")
    }

    #[test]
    fn finds_each_providers_shape() {
        let cases = [
            (
                "sk-proj-AbCdEf0123456789GhIjKlMnOpQrStUv",
                ProviderId::Openai,
            ),
            (
                "sk-ant-api03-AbCdEf0123456789GhIjKlMnOpQrStUv",
                ProviderId::Anthropic,
            ),
            (
                "AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW",
                ProviderId::Gemini,
            ),
            ("gsk_AbCdEf0123456789GhIjKlMnOpQrStUv", ProviderId::Groq),
            (
                "sk-or-v1-0123456789abcdef0123456789abcdef",
                ProviderId::Openrouter,
            ),
            ("xai-AbCdEf0123456789GhIjKlMnOpQrStUv", ProviderId::Xai),
        ];
        for (token, provider) in cases {
            let text = format!("please fix my code: client = OpenAI(api_key=\"{token}\")");
            let found = key_shaped(&text).unwrap_or_else(|| panic!("{token} not found"));
            assert_eq!(found.provider, Some(provider), "{token}");
            assert!(
                !found
                    .masked
                    .contains(&token[token.len() - 8..token.len() - 4])
            );
        }
    }

    #[test]
    fn the_quick_filter_lets_every_prefix_through() {
        for id in ProviderId::all() {
            for prefix in id.spec().key_prefixes {
                assert!(
                    matches!(prefix.as_bytes()[0], b's' | b'A' | b'g' | b'x'),
                    "add {prefix}'s first letter to shaped()"
                );
                assert!(
                    prefix.len() >= 3,
                    "MIN_TOKEN assumes prefixes of 3 or more: {prefix}"
                );
            }
        }
    }

    #[test]
    fn lets_ordinary_text_through() {
        for text in [
            "How do I use sk-learn-preprocessing-pipelines with pandas?",
            "commit 3f9a2c1b7e0d4c5a6b7c8d9e0f1a2b3c4d5e6f70 broke the build",
            "uuid 123e4567-e89b-12d3-a456-426614174000",
            "AIza is how Gemini keys start",
            "sk-",
            "",
            "ünïcödé text — with dashes and sk-ант-кириллица",
        ] {
            assert_eq!(key_shaped(text), None, "{text}");
        }
    }

    #[test]
    fn a_held_key_is_named_even_without_a_known_shape() {
        let mistral = key("Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2Rl");
        let held = [HeldKey {
            id: "k_1",
            provider: ProviderId::Mistral,
            secret: &mistral,
        }];
        let text = "my key is Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2Rl, is it valid?";
        let found = check(text, &held).expect("held key found");
        assert_eq!(found.held.as_deref(), Some("k_1"));
        assert_eq!(found.describe(), "your Mistral AI key …Y2Rl");
        assert_eq!(check("nothing here", &held), None);
    }

    fn shaped_key() -> impl Strategy<Value = (String, ProviderId)> {
        let body = "[A-Za-z0-9_-]{19,60}[0-9][a-z]";
        prop_oneof![
            body.prop_map(|b| (format!("sk-proj-{b}"), ProviderId::Openai)),
            body.prop_map(|b| (format!("sk-ant-api03-{b}"), ProviderId::Anthropic)),
            "[A-Za-z0-9_-]{35}".prop_map(|b| (format!("AIza{b}"), ProviderId::Gemini)),
            body.prop_map(|b| (format!("gsk_{b}"), ProviderId::Groq)),
            body.prop_map(|b| (format!("sk-or-v1-{b}"), ProviderId::Openrouter)),
            body.prop_map(|b| (format!("xai-{b}"), ProviderId::Xai)),
            body.prop_map(|b| (format!("sk-{b}"), ProviderId::Openai)),
        ]
    }

    proptest! {
        /// Any key of a known shape, anywhere in any text, between separators, is found, and
        /// found as its provider's (or, for a bare `sk-`, a provider sharing that prefix).
        #[test]
        fn an_embedded_key_is_always_found(
            (token, provider) in shaped_key(),
            before in "[ -~\\n\\t\u{a0}-\u{3000}]{0,200}",
            after in "[ -~\\n\\t\u{a0}-\u{3000}]{0,200}",
            sep in "[ \\n\\t\"'`=:(),;]",
        ) {
            let text = format!("{before}{sep}{token}{sep}{after}");
            let found = key_shaped(&text);
            prop_assert!(found.is_some(), "missed {token}");
            let found = found.expect("checked");
            if !before.is_empty() || !after.is_empty() {
                // A neighbouring key-shaped token may be found first; it is a key either way.
                prop_assert!(found.provider.is_some());
            } else {
                prop_assert_eq!(found.provider, Some(provider));
            }
        }

        /// A held key is found wherever it sits, even glued to other text.
        #[test]
        fn a_held_key_is_found_glued_to_text(
            secret in "[A-Za-z0-9]{24,64}",
            before in "\\PC{0,100}",
            after in "\\PC{0,100}",
        ) {
            let secret = key(&secret);
            let held = [HeldKey { id: "k_x", provider: ProviderId::Mistral, secret: &secret }];
            let text = format!("{before}{}{after}", secret.expose_secret());
            prop_assert_eq!(check(&text, &held).and_then(|f| f.held), Some("k_x".to_owned()));
        }

        /// Prose without digits never trips the shape check, whatever its prefixes.
        #[test]
        fn words_without_digits_pass(words in prop::collection::vec("(sk-|xai-|gsk_)?[a-zA-Z-]{1,40}", 0..50)) {
            let text = words.join(" ");
            prop_assert_eq!(key_shaped(&text), None);
        }
    }
}
