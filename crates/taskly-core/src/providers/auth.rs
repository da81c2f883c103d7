//! Builds the headers that carry a key: the one place the plaintext meets the network.
//!
//! Every header value made from a key is marked sensitive, so `http`'s `Debug` prints it as
//! `Sensitive` and HTTP/2 never indexes it (HPACK).

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};

use crate::providers::{AuthScheme, ProviderSpec};
use crate::{ApiKey, Error, Result};

/// The headers that authenticate a request to `spec` with `key`.
pub fn auth_headers(spec: &ProviderSpec, key: &ApiKey) -> Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    match spec.auth {
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

    const CANARY: &str = "sk-canary-auth-0123456789abcdef";

    #[test]
    fn each_provider_gets_its_scheme_and_the_value_is_sensitive() {
        let key = ApiKey::parse(CANARY).expect("valid");
        for id in ProviderId::all() {
            let headers = auth_headers(id.spec(), &key).expect("headers");
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
}
