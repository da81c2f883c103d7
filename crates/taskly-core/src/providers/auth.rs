//! Builds the headers that carry a key: the one place the plaintext meets the network.
//!
//! Every header value made from a key is marked sensitive, so `http`'s `Debug` prints it as
//! `Sensitive` and HTTP/2 never indexes it (HPACK). A personal key's headers are only made for a
//! destination the gate cleared (`providers::gate`); the Taskly token has its own function.

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};

use crate::providers::gate::Cleared;
use crate::providers::{AuthScheme, ProviderSpec};
use crate::{ApiKey, Error, Result};

/// The headers that authenticate a request to `spec` with a personal `key`, for the
/// destination the gate cleared (the requests are built from `cleared.base()`).
pub fn key_headers(spec: &ProviderSpec, key: &ApiKey, _cleared: &Cleared) -> Result<HeaderMap> {
    scheme_headers(spec.auth, key)
}

/// The headers that authenticate a request to the Taskly proxy with the Taskly token.
pub fn taskly_headers(token: &ApiKey) -> Result<HeaderMap> {
    scheme_headers(AuthScheme::Bearer, token)
}

fn scheme_headers(scheme: AuthScheme, key: &ApiKey) -> Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    match scheme {
        AuthScheme::Bearer => {
            // Sized up front so the buffer holding the key is never reallocated (and left behind).
            let mut value = zeroize::Zeroizing::new(String::with_capacity(7 + key.len()));
            value.push_str("Bearer ");
            value.push_str(key.expose_secret());
            headers.insert(AUTHORIZATION, sensitive(&value)?);
        }
        AuthScheme::Header { name, extra } => {
            headers.insert(
                HeaderName::from_static(name),
                sensitive(key.expose_secret())?,
            );
            for (name, value) in extra {
                headers.insert(
                    HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                );
            }
        }
    }
    Ok(headers)
}

fn sensitive(value: &str) -> Result<HeaderValue> {
    // `ApiKey::parse` admits printable ASCII only, so this cannot fail for a parsed key; the
    // error path stays typed rather than panicking.
    let mut value = HeaderValue::from_str(value).map_err(|_| {
        Error::Internal("a key that passed input checks is not a valid header".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProviderId;
    use crate::providers::base_url::BaseUrl;
    use crate::providers::gate::{self, Destination};

    const CANARY: &str = "sk-canary-auth-0123456789abcdef";

    #[test]
    fn each_provider_gets_its_scheme_and_the_value_is_sensitive() {
        let key = ApiKey::parse(CANARY).expect("valid");
        for id in ProviderId::all() {
            let base = BaseUrl::parse("https://api.example.com/v1").expect("url");
            let cleared = gate::clear(
                Destination::Confirmed(&base),
                "https://proxy.taskly.chat/v1",
            )
            .expect("cleared");
            let headers = key_headers(id.spec(), &key, &cleared).expect("headers");
            let debug = format!("{headers:?}");
            assert!(!debug.contains(CANARY), "{id}: {debug}");
            let key_header = match id {
                ProviderId::Anthropic => "x-api-key",
                ProviderId::Gemini => "x-goog-api-key",
                ProviderId::AzureOpenai => "api-key",
                _ => "authorization",
            };
            let value = headers.get(key_header).expect(key_header);
            assert!(value.is_sensitive(), "{id}");
            let expected = if key_header == "authorization" {
                format!("Bearer {CANARY}")
            } else {
                CANARY.to_owned()
            };
            assert_eq!(value.to_str().expect("ascii"), expected);
            if id == ProviderId::Anthropic {
                assert_eq!(
                    headers.get("anthropic-version").expect("version"),
                    "2023-06-01"
                );
            }
        }
    }

    #[test]
    fn the_taskly_token_is_a_sensitive_bearer() {
        let token = ApiKey::parse(CANARY).expect("valid");
        let headers = taskly_headers(&token).expect("headers");
        let value = headers.get(AUTHORIZATION).expect("authorization");
        assert!(value.is_sensitive());
        assert_eq!(value.to_str().expect("ascii"), format!("Bearer {CANARY}"));
    }
}
