//! Which addresses a key may be sent to.
//!
//! `https://` anywhere; plain `http://` only to this machine (Ollama, LM Studio, the loopback
//! fake); no user-info, query or fragment. The check runs on every URL before any request.
//!
//! Hosts are normalised once, here, so every comparison (is it loopback, is it a Taskly host,
//! is it the proxy's host) sees one spelling: the URL parser lower-cases names, maps them
//! through IDNA (full-width letters, percent-escapes), reads every IPv4 spelling (`127.1`,
//! `0x7f.1`, `2130706433`) and drops a default port; this type also drops trailing dots and
//! reads an IPv4-mapped IPv6 address (`[::ffff:127.0.0.1]`) as the IPv4 address it is.

use std::net::IpAddr;

use url::{Host, Url};

use crate::providers::ProviderSpec;
use crate::{Error, Result};

/// A checked base URL, without a trailing slash, its host normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    url: Url,
    host: CanonicalHost,
}

/// One spelling per host: a lower-case ASCII name without trailing dots, or an IP address
/// (IPv4-mapped IPv6 read as IPv4).
#[derive(Debug, Clone, PartialEq, Eq)]
enum CanonicalHost {
    Name(String),
    Ip(IpAddr),
}

impl CanonicalHost {
    fn of(host: &Host<&str>) -> Self {
        match host {
            Host::Domain(name) => Self::Name(name.trim_end_matches('.').to_ascii_lowercase()),
            Host::Ipv4(ip) => Self::Ip(IpAddr::V4(*ip)),
            Host::Ipv6(ip) => match ip.to_ipv4_mapped() {
                Some(v4) => Self::Ip(IpAddr::V4(v4)),
                None => Self::Ip(IpAddr::V6(*ip)),
            },
        }
    }

    fn is_loopback(&self) -> bool {
        match self {
            Self::Name(name) => name == "localhost",
            Self::Ip(ip) => ip.is_loopback(),
        }
    }

    /// `taskly.chat` or any name below it.
    fn is_taskly(&self) -> bool {
        matches!(self, Self::Name(name) if name == TASKLY_DOMAIN
            || name.strip_suffix(TASKLY_DOMAIN).is_some_and(|above| above.ends_with('.')))
    }
}

/// Whether `url`'s host is this machine, by the same rule as a base URL's (any loopback
/// address, IPv4-mapped included, or `localhost`, trailing dots ignored). For other URLs that
/// may use plain http only to this machine, such as a test update endpoint.
pub fn is_loopback_url(url: &Url) -> bool {
    url.host()
        .is_some_and(|h| CanonicalHost::of(&h).is_loopback())
}

/// The Taskly domain: a personal key is never sent to it or below it.
pub const TASKLY_DOMAIN: &str = "taskly.chat";

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
        let mut url =
            Url::parse(raw).map_err(|e| invalid(&format!("it is not a valid URL ({e})")))?;
        let host = CanonicalHost::of(&url.host().ok_or_else(|| invalid("it has no host"))?);
        if host == CanonicalHost::Name(String::new()) {
            return Err(invalid("it has no host"));
        }
        if let CanonicalHost::Name(name) = &host
            && url.host_str() != Some(name.as_str())
        {
            // Only trailing dots can differ here: send to the one spelling we compare.
            url.set_host(Some(name))
                .map_err(|e| invalid(&format!("it is not a valid URL ({e})")))?;
        }
        match url.scheme() {
            "https" => {}
            "http" if host.is_loopback() => {}
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
        let trimmed = url.path().trim_end_matches('/').to_owned();
        url.set_path(&trimmed);
        Ok(Self { url, host })
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
        self.url.as_str().trim_end_matches('/')
    }

    /// The scheme, host and port that receive the key: what a user confirms, and what a stored
    /// key is bound to.
    pub fn origin(&self) -> String {
        self.url.origin().ascii_serialization()
    }

    /// Whether requests go to this machine.
    pub fn is_loopback(&self) -> bool {
        self.host.is_loopback()
    }

    /// The host alone, for messages.
    pub fn host(&self) -> String {
        self.url.host_str().unwrap_or_default().to_owned()
    }

    /// Whether `self` and `other` reach the same service: on this machine any loopback
    /// spelling with the same port (ports tell local services apart); elsewhere the same host,
    /// whatever the port.
    pub fn same_service(&self, other: &BaseUrl) -> bool {
        if self.host.is_loopback() && other.host.is_loopback() {
            self.url.port_or_known_default() == other.url.port_or_known_default()
        } else {
            self.host == other.host
        }
    }

    /// Refuses a base URL on a Taskly host (`taskly.chat` and below) or on the Taskly proxy's
    /// host: a personal key is never sent there, not even to validate it. Every path that sends
    /// a key runs this (`providers::gate`).
    pub fn refuse_taskly_host(&self, proxy_url: &str) -> Result<()> {
        let host = self.host();
        if self.host.is_taskly() {
            return Err(Error::UnsafeRoute {
                reason: format!("the key's base URL points at a Taskly host ({host})"),
            });
        }
        // A proxy URL that does not parse cannot be reached either; the proxy route itself
        // reports it as a configuration error.
        if let Ok(proxy) = BaseUrl::parse(proxy_url)
            && self.same_service(&proxy)
        {
            return Err(Error::UnsafeRoute {
                reason: format!("the key's base URL is the Taskly proxy's host ({host})"),
            });
        }
        Ok(())
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

    const PROXY: &str = "https://proxy.taskly.chat/v1";

    #[test]
    fn many_generated_inputs_are_real_urls() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        let strategy = url_like();
        let accepted = (0..1000)
            .filter(|_| {
                let input = strategy.new_tree(&mut runner).expect("value").current();
                BaseUrl::parse(&input).is_ok()
            })
            .count();
        assert!(
            accepted >= 150,
            "only {accepted} of 1000 inputs were real URLs"
        );
    }

    #[test]
    fn every_spelling_of_a_taskly_host_is_refused() {
        for spelling in [
            "https://taskly.chat/v1",
            "https://api.taskly.chat/v1",
            "https://api.taskly.chat./v1",
            "https://taskly.chat../v1",
            "https://API.TASKLY.CHAT/v1",
            "https://Api.Taskly.Chat.:443/v1",
            "https://api.taskly.chat:443/v1",
            "https://api.taskly.chat:8443/v1",
            "https://ａｐｉ.ｔａｓｋｌｙ.ｃｈａｔ/v1",
            "https://api.taskly%2Echat/v1",
            "https://%74askly.chat/v1",
            "https://deep.below.taskly.chat/v1",
        ] {
            let url = BaseUrl::parse(spelling).expect(spelling);
            let err = url.refuse_taskly_host(PROXY).expect_err(spelling);
            assert!(matches!(err, Error::UnsafeRoute { .. }), "{spelling}");
        }
        for fine in [
            "https://taskly.chat.example.com/v1",
            "https://nottaskly.chat/v1",
            "https://taskly-chat.com/v1",
            "https://api.openai.com/v1",
        ] {
            let url = BaseUrl::parse(fine).expect(fine);
            assert!(url.refuse_taskly_host(PROXY).is_ok(), "{fine}");
        }
    }

    #[test]
    fn hosts_are_stored_in_one_spelling() {
        for (given, stored) in [
            ("https://API.OpenAI.com./v1/", "https://api.openai.com/v1"),
            ("https://api.openai.com:443/v1", "https://api.openai.com/v1"),
            ("http://localhost.:11434/v1", "http://localhost:11434/v1"),
            ("http://127.1:8080", "http://127.0.0.1:8080"),
            ("http://0x7f.0.0.1:8080/v1", "http://127.0.0.1:8080/v1"),
        ] {
            assert_eq!(BaseUrl::parse(given).expect(given).as_str(), stored);
        }
        assert!(BaseUrl::parse("https://./v1").is_err());
        // An IPv4-mapped loopback address is loopback, so plain http may go there.
        assert!(
            BaseUrl::parse("http://[::ffff:127.0.0.1]:8080")
                .expect("ok")
                .is_loopback()
        );
        assert!(BaseUrl::parse("http://[::ffff:10.0.0.5]:8080").is_err());
    }

    #[test]
    fn any_url_is_loopback_by_the_same_rule() {
        for yes in [
            "http://127.0.0.1:9/x",
            "http://localhost./x",
            "http://[::ffff:127.0.0.1]/x",
            "http://127.1/x",
        ] {
            assert!(is_loopback_url(&Url::parse(yes).expect(yes)), "{yes}");
        }
        for no in [
            "http://10.0.0.5/x",
            "http://localhost.evil.example/x",
            "file:///etc/passwd",
        ] {
            assert!(!is_loopback_url(&Url::parse(no).expect(no)), "{no}");
        }
    }

    #[test]
    fn every_spelling_of_the_proxys_address_is_refused() {
        let proxy = "http://127.0.0.1:8080/proxy/v1";
        for spelling in [
            "http://127.0.0.1:8080/v1",
            "http://localhost:8080/v1",
            "http://LOCALHOST.:8080",
            "http://127.1:8080",
            "http://2130706433:8080",
            "http://[::1]:8080/v1",
            "http://[0:0:0:0:0:0:0:1]:8080/v1",
            "http://[::ffff:127.0.0.1]:8080/v1",
            "http://127.0.0.2:8080/v1",
        ] {
            let url = BaseUrl::parse(spelling).expect(spelling);
            assert!(url.refuse_taskly_host(proxy).is_err(), "{spelling}");
        }
        // Another service on this machine is another port.
        let other = BaseUrl::parse("http://localhost:11434/v1").expect("ok");
        assert!(other.refuse_taskly_host(proxy).is_ok());
        // A remote proxy: its host, in any spelling and on any port.
        let remote = "https://gateway.example.com/taskly";
        for spelling in [
            "https://GATEWAY.example.com./v1",
            "https://gateway.example.com:8443/openai",
        ] {
            let url = BaseUrl::parse(spelling).expect(spelling);
            assert!(url.refuse_taskly_host(remote).is_err(), "{spelling}");
        }
        let mapped = "https://[::ffff:203.0.113.7]/v1";
        let url = BaseUrl::parse(mapped).expect(mapped);
        assert!(url.refuse_taskly_host("https://203.0.113.7/proxy").is_err());
    }

    /// URL-shaped input built from the pieces that trick parsers: odd schemes and cases,
    /// hosts that look like loopback but are not (and some that are), user-info, ports, paths,
    /// queries, fragments, percent-escapes and stray whitespace.
    fn url_like() -> impl Strategy<Value = String> {
        // Valid pieces come several times over, so most inputs are real URLs (checked by
        // `many_generated_inputs_are_real_urls`), and the odd ones still turn up.
        let scheme = prop::sample::select(vec![
            "https://",
            "https://",
            "https://",
            "https://",
            "http://",
            "http://",
            "http://",
            "http://",
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
        let userinfo = prop::sample::select(vec![
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "user@",
            "user:sk-secret@",
            "@",
            ":@",
        ]);
        let host = prop::sample::select(vec![
            "api.openai.com",
            "api.openai.com",
            "gateway.example.com",
            "gateway.example.com",
            "127.0.0.1",
            "127.0.0.1",
            "localhost",
            "localhost",
            "[::1]",
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
        let port = prop::sample::select(vec![
            "", "", "", ":11434", ":11434", ":443", ":80", ":0", ":65535", ":99999", ":x",
        ]);
        let path = prop::sample::select(vec![
            "",
            "/",
            "/v1",
            "/v1/",
            "/v1/../..",
            "/%2e%2e/v1",
            "//evil.example/v1",
        ]);
        let tail = prop::sample::select(vec![
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "?key=AIzaSecret",
            "#frag",
            "?",
            "#",
        ]);
        let pad = prop::sample::select(vec!["", "", "", "", " ", "\t", "\n"]);
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
                    Some(Host::Ipv6(ip)) => {
                        ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
                    }
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
        fn a_taskly_host_is_refused_in_any_case_dots_and_port(
            sub in prop::sample::select(vec!["", "api.", "proxy.", "a.b.", "auth."]),
            upper in prop::collection::vec(any::<bool>(), 32),
            dots in 0usize..3,
            port in prop::sample::select(vec!["", ":443", ":8443"]),
            path in prop::sample::select(vec!["", "/", "/v1", "/v1/"]),
        ) {
            let host: String = format!("{sub}taskly.chat")
                .chars()
                .zip(upper.iter().cycle())
                .map(|(c, up)| if *up { c.to_ascii_uppercase() } else { c })
                .collect();
            let input = format!("https://{host}{}{port}{path}", ".".repeat(dots));
            let url = BaseUrl::parse(&input).expect("a valid https URL");
            prop_assert!(url.refuse_taskly_host("http://127.0.0.1:9/v1").is_err(), "{input}");
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
                prop_assert!(text.starts_with("https://") || text.starts_with("http://127.") || text.starts_with("http://localhost") || text.starts_with("http://[::1]") || text.starts_with("http://[::ffff:7f"));
            }
        }
    }
}
