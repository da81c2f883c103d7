//! How long an upstream asks us to wait: `Retry-After`, the rate-limit reset headers (OpenAI's
//! `x-ratelimit-reset-*` durations, Anthropic's `anthropic-ratelimit-*-reset` times) and a
//! body's retry delay, each capped, so validation and chat read a wait the same way.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::providers::error_body::ProviderErrorBody;

/// The longest wait an upstream can announce; anything longer (`Retry-After: 1e12`) counts as
/// this, which is still far beyond what a request sits through, so it ends the retries at once.
pub const MAX_ANNOUNCED_WAIT: Duration = Duration::from_secs(86_400);

/// A number of seconds an upstream asked us to wait, capped at [`MAX_ANNOUNCED_WAIT`] (infinity
/// included); `None` for a negative number or NaN.
pub fn capped_seconds(secs: f64) -> Option<Duration> {
    (!secs.is_nan() && secs >= 0.0)
        .then(|| Duration::from_secs_f64(secs.min(MAX_ANNOUNCED_WAIT.as_secs_f64())))
}

/// `Retry-After` in seconds (the HTTP-date form is rare for APIs and ignored).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    capped_seconds(value.parse().ok()?)
}

/// The wait an answer asks for: `Retry-After`, OpenAI's `x-ratelimit-reset-*`, Anthropic's
/// `anthropic-ratelimit-*-reset`, or Gemini's `RetryInfo` in the body.
pub fn announced(headers: &HeaderMap, parsed: &ProviderErrorBody) -> Option<Duration> {
    if let Some(wait) = retry_after(headers) {
        return Some(wait);
    }
    for name in ["x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"] {
        if let Some(wait) = headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_go_duration)
        {
            return Some(wait);
        }
    }
    for name in [
        "anthropic-ratelimit-requests-reset",
        "anthropic-ratelimit-tokens-reset",
        "anthropic-ratelimit-input-tokens-reset",
        "anthropic-ratelimit-output-tokens-reset",
    ] {
        if let Some(wait) = headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(until_rfc3339)
        {
            return Some(wait);
        }
    }
    parsed.retry_delay
}

/// Anthropic's reset headers are the moment the limit resets (`2026-12-02T18:30:05Z`): the wait
/// is the time until then (zero if it is past), capped like every announced wait.
fn until_rfc3339(text: &str) -> Option<Duration> {
    let at =
        time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
            .ok()?;
    let secs = (at - time::OffsetDateTime::now_utc()).as_seconds_f64();
    capped_seconds(secs.max(0.0))
}

/// OpenAI's reset headers look like `6m0s`, `1s`, `250ms`.
pub fn parse_go_duration(text: &str) -> Option<Duration> {
    let mut total = 0f64;
    let mut number = String::new();
    let mut chars = text.trim().chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let value: f64 = number.parse().ok()?;
        number.clear();
        let unit = match c {
            'h' => 3600.0,
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                0.001
            }
            'm' => 60.0,
            's' => 1.0,
            _ => return None,
        };
        total += value * unit;
        any = true;
    }
    if !any || !number.is_empty() {
        return None;
    }
    capped_seconds(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use reqwest::header::HeaderValue;

    fn retry_after_of(value: &str) -> Option<Duration> {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(value).ok()?);
        retry_after(&headers)
    }

    #[test]
    fn retry_after_is_capped_not_ignored() {
        assert_eq!(retry_after_of("2"), Some(Duration::from_secs(2)));
        assert_eq!(retry_after_of(" 1.5 "), Some(Duration::from_millis(1500)));
        assert_eq!(retry_after_of("0"), Some(Duration::ZERO));
        for huge in [
            "86401",
            "1000000000000",
            "1e300",
            "inf",
            "18446744073709551616",
        ] {
            assert_eq!(retry_after_of(huge), Some(MAX_ANNOUNCED_WAIT), "{huge}");
        }
        // HTTP dates are not read: a date gives no wait, and the backoff applies.
        for none in ["-1", "NaN", "", "soon", "Wed, 21 Oct 2015 07:28:00 GMT"] {
            assert_eq!(retry_after_of(none), None, "{none}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn retry_after_never_panics_and_never_passes_the_cap(
            value in prop_oneof![
                "[ -~]{0,40}",
                any::<u64>().prop_map(|n| n.to_string()),
                any::<f64>().prop_map(|n| n.to_string()),
                "[0-9]{1,400}",
            ]
        ) {
            if let Some(wait) = retry_after_of(&value) {
                prop_assert!(wait <= MAX_ANNOUNCED_WAIT);
            }
        }

        #[test]
        fn whole_seconds_are_honoured_up_to_the_cap(secs in any::<u64>()) {
            prop_assert_eq!(
                retry_after_of(&secs.to_string()),
                Some(Duration::from_secs(secs).min(MAX_ANNOUNCED_WAIT))
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..proptest::prelude::ProptestConfig::default() })]

        #[test]
        fn go_durations_never_panic_and_never_pass_the_cap(text in "[0-9hms. .-]{0,60}|[ -~]{0,60}") {
            if let Some(wait) = parse_go_duration(&text) {
                proptest::prop_assert!(wait <= MAX_ANNOUNCED_WAIT);
            }
        }

        #[test]
        fn go_durations_read_what_they_say(h in 0u64..30, m in 0u64..60, s in 0u64..60, ms in 0u64..1000) {
            let text = format!("{h}h{m}m{s}s{ms}ms");
            let want = Duration::from_secs(h * 3600 + m * 60 + s) + Duration::from_millis(ms);
            let got = parse_go_duration(&text).expect("parses");
            proptest::prop_assert!(got.abs_diff(want.min(MAX_ANNOUNCED_WAIT)) < Duration::from_millis(1), "{text}: {got:?}");
        }
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("6m0s"), Some(Duration::from_secs(360)));
        assert_eq!(parse_go_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_go_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_go_duration("1h"), Some(Duration::from_secs(3600)));
        for bad in ["", "abc", "5", "5x", "-1s", "1.2.3s"] {
            assert_eq!(parse_go_duration(bad), None, "{bad}");
        }
        // An absurd reset is capped, not ignored: ignoring it would retry at once.
        assert_eq!(parse_go_duration("99999h"), Some(MAX_ANNOUNCED_WAIT));
    }

    #[test]
    fn anthropic_reset_times_are_read_as_the_wait_until_then() {
        let mut headers = HeaderMap::new();
        let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(90);
        let text = at
            .format(&time::format_description::well_known::Rfc3339)
            .expect("format");
        headers.insert(
            "anthropic-ratelimit-requests-reset",
            HeaderValue::from_str(&text).expect("header"),
        );
        let wait = announced(&headers, &ProviderErrorBody::default()).expect("a wait");
        assert!(
            wait > Duration::from_secs(85) && wait <= Duration::from_secs(90),
            "{wait:?}"
        );
        let mut past = HeaderMap::new();
        past.insert(
            "anthropic-ratelimit-tokens-reset",
            HeaderValue::from_static("2020-01-01T00:00:00Z"),
        );
        assert_eq!(
            announced(&past, &ProviderErrorBody::default()),
            Some(Duration::ZERO)
        );
        let mut bad = HeaderMap::new();
        bad.insert(
            "anthropic-ratelimit-requests-reset",
            HeaderValue::from_static("soon"),
        );
        assert_eq!(announced(&bad, &ProviderErrorBody::default()), None);
    }
}
