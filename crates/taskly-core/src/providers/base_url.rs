//! Which addresses a key may be sent to.
//!
//! `https://` anywhere; plain `http://` only to this machine (Ollama, LM Studio, the loopback
//! fake); no user-info, query or fragment. The check runs on every URL before any request.

use url::{Host, Url};

use crate::providers::ProviderSpec;
use crate::{Error, Result};

/// A checked base URL, without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(Url);

impl BaseUrl {
    /// Checks a base URL against the policy above.
    pub fn parse(input: &str) -> Result<Self> {
        let raw = input.trim();
        // The message shows only scheme and host: a refused URL may carry a user name and
        // password, or a key in its query (`?key=AIza…`), and an unparsable one may be a key
        // pasted into the wrong field.
        let shown = Url::parse(raw)
            .ok()
            .and_then(|u| u.host_str().map(|h| format!("{}://{h}", u.scheme())))
            .unwrap_or_else(|| "(not a URL)".to_owned());
        let invalid = |reason: &str| Error::InvalidBaseUrl {
            url: shown.clone(),
            reason: reason.to_owned(),
        };
        let url = Url::parse(raw).map_err(|e| invalid(&format!("it is not a valid URL ({e})")))?;
        let host = url.host().ok_or_else(|| invalid("it has no host"))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&host) => {}
            "http" => {
                return Err(invalid(
                    "plain http:// is only allowed for this machine (localhost); use https://",
                ));
            }
            _ => {
                return Err(invalid(
                    "only https:// (or http:// to localhost) is supported",
                ));
            }
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("it must not contain a user name or password"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("it must not contain a query (?…) or fragment (#…)"));
        }
        let mut url = url;
        let trimmed = url.path().trim_end_matches('/').to_owned();
        url.set_path(&trimmed);
        Ok(Self(url))
    }

    /// Resolves the base URL for a new key: the user's, else the environment's override, else
    /// the registry default.
    pub fn resolve(
        spec: &ProviderSpec,
        given: Option<&str>,
        override_url: Option<&str>,
    ) -> Result<Self> {
        match given.or(override_url).or(spec.default_base_url) {
            Some(url) => Self::parse(url),
            None => Err(Error::BaseUrlRequired {
                provider: spec.name,
                example: spec.base_url_example,
            }),
        }
    }

    /// The URL of an endpoint below this base, e.g. `/models`.
    pub fn join(&self, path: &str) -> String {
        format!("{}{}", self.as_str(), path)
    }

    /// The URL text, without a trailing slash.
    pub fn as_str(&self) -> &str {
        self.0.as_str().trim_end_matches('/')
    }

    /// The host and port that receive the key: what a user confirms.
    pub fn origin(&self) -> String {
        self.0.origin().ascii_serialization()
    }

    /// Whether requests go to this machine.
    pub fn is_loopback(&self) -> bool {
        self.0.host().is_some_and(|h| is_loopback(&h))
    }

    /// The host alone, for messages.
    pub fn host(&self) -> String {
        self.0.host_str().unwrap_or_default().to_owned()
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProviderId;
    use proptest::prelude::*;

    #[test]
    fn accepts_https_and_loopback_http() {
        for ok in [
            "https://api.openai.com/v1",
            "https://api.openai.com/v1/",
            "http://127.0.0.1:11434/v1",
            "http://localhost:1234/v1",
            "http://[::1]:8080",
            "https://gateway.example.com:8443/openai",
        ] {
            let url = BaseUrl::parse(ok).expect(ok);
            assert!(!url.as_str().ends_with('/'), "{ok}");
        }
        assert_eq!(
            BaseUrl::parse("https://a.example/v1/")
                .expect("ok")
                .join("/models"),
            "https://a.example/v1/models"
        );
    }

    #[test]
    fn refuses_what_could_leak_a_key() {
        for bad in [
            "http://api.openai.com/v1",
            "http://10.0.0.5:8080/v1",
            "http://localhost.evil.com/v1",
            "ftp://example.com",
            "https://user:pass@example.com/v1",
            "https://example.com/v1?key=x",
            "https://example.com/v1#x",
            "not a url",
            "file:///etc/passwd",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refusals_never_echo_credentials_or_queries() {
        for (bad, shown) in [
            (
                "https://user:sk-secret-123@example.com/v1",
                "https://example.com",
            ),
            (
                "https://example.com/v1?key=AIzaSecret123",
                "https://example.com",
            ),
            ("sk-proj-pasted-in-the-wrong-field", "(not a URL)"),
        ] {
            let err = BaseUrl::parse(bad).expect_err(bad).to_string();
            assert!(err.contains(shown), "{err}");
            assert!(
                !err.contains("secret") && !err.contains("Secret") && !err.contains("pasted"),
                "{err}"
            );
        }
    }

    #[test]
    fn resolve_prefers_given_then_override_then_default() {
        let spec = ProviderId::Openai.spec();
        let given = BaseUrl::resolve(
            spec,
            Some("https://a.example/v1"),
            Some("https://b.example/v1"),
        )
        .expect("ok");
        assert_eq!(given.as_str(), "https://a.example/v1");
        let over = BaseUrl::resolve(spec, None, Some("https://b.example/v1")).expect("ok");
        assert_eq!(over.as_str(), "https://b.example/v1");
        let default = BaseUrl::resolve(spec, None, None).expect("ok");
        assert_eq!(default.as_str(), "https://api.openai.com/v1");
        let azure = BaseUrl::resolve(ProviderId::AzureOpenai.spec(), None, None);
        assert!(matches!(azure, Err(Error::BaseUrlRequired { .. })));
    }

    /// URL-shaped input built from the pieces that trick parsers: odd schemes and cases,
    /// hosts that look like loopback but are not (and some that are), user-info, ports, paths,
    /// queries, fragments, percent-escapes and stray whitespace.
    fn url_like() -> impl Strategy<Value = String> {
        let scheme = prop::sample::select(vec![
            "http://",
            "https://",
            "HTTP://",
            "HtTpS://",
            "ftp://",
            "http:/",
            "http:",
            "//",
            "",
            "javascript:",
            "file://",
            "ws://",
        ]);
        let userinfo = prop::sample::select(vec!["", "", "user@", "user:sk-secret@", "@", ":@"]);
        let host = prop::sample::select(vec![
            "127.0.0.1",
            "127.1",
            "0x7f.1",
            "2130706433",
            "127.0.0.1.evil.example",
            "localhost",
            "LOCALHOST",
            "localhost.",
            "localhost.evil.example",
            "evil.example",
            "[::1]",
            "[::ffff:127.0.0.1]",
            "[::]",
            "0.0.0.0",
            "10.0.0.5",
            "169.254.169.254",
            "api.openai.com",
            "xn--80ak6aa92e.com",
            "localhost%2eevil.example",
            "local host",
            "127.0.0.1%00.evil.example",
            "",
        ]);
        let port = prop::sample::select(vec!["", ":11434", ":0", ":65535", ":99999", ":x"]);
        let path = prop::sample::select(vec![
            "",
            "/",
            "/v1",
            "/v1/",
            "/v1/../..",
            "/%2e%2e/v1",
            "//evil.example/v1",
        ]);
        let tail = prop::sample::select(vec!["", "", "?key=AIzaSecret", "#frag", "?", "#"]);
        let pad = prop::sample::select(vec!["", " ", "\t", "\n"]);
        (pad.clone(), scheme, userinfo, host, port, path, tail, pad).prop_map(
            |(a, scheme, user, host, port, path, tail, b)| {
                format!("{a}{scheme}{user}{host}{port}{path}{tail}{b}")
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn accepted_urls_are_https_or_loopback_http_and_carry_nothing_else(input in url_like()) {
            if let Ok(url) = BaseUrl::parse(&input) {
                let parsed = Url::parse(url.as_str()).expect("a base URL re-parses");
                let loopback_host = match parsed.host() {
                    Some(Host::Ipv4(ip)) => ip.is_loopback(),
                    Some(Host::Ipv6(ip)) => ip.is_loopback(),
                    Some(Host::Domain(name)) => name == "localhost",
                    None => false,
                };
                match parsed.scheme() {
                    "https" => {}
                    "http" => prop_assert!(loopback_host, "{input:?} → {}", url.as_str()),
                    other => prop_assert!(false, "scheme {other} from {input:?}"),
                }
                prop_assert_eq!(url.is_loopback(), loopback_host);
                prop_assert!(parsed.username().is_empty() && parsed.password().is_none());
                prop_assert!(parsed.query().is_none() && parsed.fragment().is_none());
                prop_assert!(!url.as_str().ends_with('/'));
                // Checking is idempotent: what we store parses to itself.
                prop_assert_eq!(BaseUrl::parse(url.as_str()).expect("stable"), url.clone());
                prop_assert!(!url.origin().contains('@'));
            }
        }

        #[test]
        fn refusals_never_echo_user_info_or_queries(input in url_like()) {
            if let Err(err) = BaseUrl::parse(&input) {
                let text = format!("{err} {err:?}");
                prop_assert!(!text.contains("sk-secret") && !text.contains("AIzaSecret"), "{text}");
            }
        }

        #[test]
        fn never_panics_and_never_allows_remote_http(input in ".{0,200}") {
            if let Ok(url) = BaseUrl::parse(&input) {
                let text = url.as_str().to_owned();
                prop_assert!(text.starts_with("https://") || text.starts_with("http://127.") || text.starts_with("http://localhost") || text.starts_with("http://[::1]"));
            }
        }
    }
}
