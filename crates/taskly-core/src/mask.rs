//! The masked hint: the only form in which a key is ever shown after it is saved.
//!
//! At most the provider's public prefix and the last four characters (`sk-proj-…a1b2`). A key too
//! short to keep at least [`MIN_HIDDEN`] characters hidden is masked whole, as a fixed-length
//! string, so not even its length leaks.

use crate::ApiKey;
use crate::providers::ProviderSpec;

/// How many characters must stay hidden before any of the key is shown.
pub const MIN_HIDDEN: usize = 12;
/// What a fully masked key looks like.
pub const FULLY_MASKED: &str = "••••••••";
const TAIL: usize = 4;

/// The masked hint for `key` as a key of `spec`.
pub fn mask(spec: &ProviderSpec, key: &ApiKey) -> String {
    let prefix = spec.matching_prefix(key).unwrap_or("");
    if key.len() < prefix.len() + MIN_HIDDEN + TAIL {
        return FULLY_MASKED.to_owned();
    }
    // ASCII is guaranteed by `ApiKey::parse`, so byte offsets are character offsets.
    format!("{prefix}…{}", key.tail(TAIL))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProviderId;
    use proptest::prelude::*;

    fn masked(provider: ProviderId, key: &str) -> String {
        mask(provider.spec(), &ApiKey::parse(key).expect("valid key"))
    }

    #[test]
    fn shows_prefix_and_last_four() {
        insta::assert_snapshot!(
            [
                masked(ProviderId::Openai, "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123a1b2"),
                masked(ProviderId::Openai, "sk-AbCdEfGhIjKlMnOpQrStUv9z8y"),
                masked(ProviderId::Anthropic, "sk-ant-api03-AbCdEfGhIjKlMnOpQrSt-XyZ1"),
                masked(ProviderId::Gemini, "AIzaSyAbCdEfGhIjKlMnOpQrStUvWx-9876"),
                masked(ProviderId::Custom, "my-gateway-token-0123456789"),
                masked(ProviderId::Openai, "not-an-openai-shaped-key-4321"),
                masked(ProviderId::Openai, "sk-short"),
                masked(ProviderId::Custom, "ollama"),
            ]
            .join("\n"),
            @r"
        sk-proj-…a1b2
        sk-…9z8y
        sk-ant-api03-…XyZ1
        AIza…9876
        …6789
        …4321
        ••••••••
        ••••••••
        "
        );
    }

    /// Every prefix a provider documents, each with the provider it belongs to.
    fn all_prefixes() -> Vec<(ProviderId, &'static str)> {
        ProviderId::all()
            .flat_map(|id| id.spec().key_prefixes.iter().map(move |p| (id, *p)))
            .collect()
    }

    /// Bodies of the alphabets real keys use (base62, base64url with `-` and `_`, hex) and any
    /// printable ASCII, of lengths around every threshold (empty, shorter than
    /// `MIN_HIDDEN + TAIL`, exactly at it, long).
    fn body() -> impl Strategy<Value = String> {
        prop_oneof![
            "[A-Za-z0-9]{0,24}",
            "[A-Za-z0-9_-]{10,20}",
            "[0-9a-f]{14,18}",
            "[A-Za-z0-9_-]{20,120}",
            "[!-~]{0,80}",
        ]
    }

    /// A key as a provider issues it: one of its real prefixes, then a body.
    fn provider_key() -> impl Strategy<Value = (ProviderId, String)> {
        (proptest::sample::select(all_prefixes()), body())
            .prop_map(|((id, prefix), body)| (id, format!("{prefix}{body}")))
    }

    /// What the hint must be, worked out from the registry without `mask`: the longest listed
    /// prefix the key starts with, then `…` and the last four, or masked whole when fewer than
    /// `MIN_HIDDEN` characters would stay hidden.
    fn expected(id: ProviderId, key: &str) -> String {
        let prefix = id
            .spec()
            .key_prefixes
            .iter()
            .copied()
            .filter(|p| key.starts_with(p))
            .max_by_key(|p| p.len())
            .unwrap_or("");
        if key.len() < prefix.len() + MIN_HIDDEN + TAIL {
            FULLY_MASKED.to_owned()
        } else {
            format!("{prefix}…{}", &key[key.len() - TAIL..])
        }
    }

    proptest! {
        #[test]
        fn never_reveals_more_than_prefix_and_tail(key in "[!-~]{1,200}") {
            let parsed = ApiKey::parse(&key).expect("printable ASCII without spaces is valid");
            for id in ProviderId::all() {
                let hint = mask(id.spec(), &parsed);
                if hint == FULLY_MASKED {
                    continue;
                }
                let (prefix, tail) = hint.split_once('…').expect("hint has an ellipsis");
                prop_assert!(id.spec().key_prefixes.contains(&prefix) || prefix.is_empty());
                prop_assert_eq!(tail.len(), 4);
                prop_assert!(key.len() >= prefix.len() + MIN_HIDDEN + 4);
                prop_assert!(key.ends_with(tail));
            }
        }

        /// Keys shaped like each provider's real ones (random ASCII almost never starts with
        /// `sk-ant-api03-`): under their own provider the hint is exactly the prefix and the
        /// last four; under every other provider (another prefix, or none) no more than that
        /// provider's own prefix and the last four; never a character of the hidden middle.
        #[test]
        fn a_real_prefix_is_shown_and_nothing_past_it((own, key) in provider_key()) {
            let parsed = ApiKey::parse(&key).expect("a provider-shaped key is valid");
            for id in ProviderId::all() {
                let hint = mask(id.spec(), &parsed);
                prop_assert_eq!(&hint, &expected(id, &key), "{:?} as a key of {:?}", key, id);
                if hint == FULLY_MASKED {
                    continue;
                }
                let (prefix, tail) = hint.split_once('…').expect("hint has an ellipsis");
                prop_assert!(key.starts_with(prefix) && key.ends_with(tail));
                prop_assert!(key.len() - prefix.len() - tail.len() >= MIN_HIDDEN);
            }
            // Long enough, a key shows its own provider's prefix: the prefix rule is exercised,
            // not skipped as "masked whole".
            if key.len() >= 32 + MIN_HIDDEN + TAIL {
                let hint = mask(own.spec(), &parsed);
                prop_assert!(hint.len() > TAIL + '…'.len_utf8(), "{:?} showed no prefix: {}", key, hint);
            }
        }
    }
}
