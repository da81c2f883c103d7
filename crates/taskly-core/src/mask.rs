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
    }
}
