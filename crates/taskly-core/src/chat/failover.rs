//! Failover between a provider's keys, by why a key failed (issue 13).
//!
//! - rate limited: the key rests until the announced time (or a minute, when the upstream did
//!   not say), and the next key answers at once; with no other key free, the shortest wait is
//!   sat through when it is within the retry cap;
//! - out of quota or credit: the key rests until it is checked again, or the next UTC day;
//! - invalid or revoked: the key rests as invalid until it is checked again;
//! - outage, timeout, network: retried as before (`with_retries`), then the next key, no rest.
//!
//! Rests live in SQLite (`db::rests`), so the CLI and the app agree and a restart keeps them.
//! Nothing is retried once text has arrived.

use std::time::Duration;

use crate::db::rests::{RestCause, StoredRest};
use crate::{Error, ProviderId};

/// How long a rate-limited key rests when the upstream did not say.
pub const DEFAULT_RATE_LIMIT_REST: Duration = Duration::from_secs(60);

/// What a failure means for the key that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Rest the key (cause, until: Unix seconds or until checked again), then the next key.
    Rest(RestCause, Option<i64>),
    /// Try the next key; the failure is the upstream's, not the key's.
    Next,
    /// Stop here: the request itself is the problem (bad model, refused, cancelled, budget).
    Stop,
}

/// The verdict on `err`, at `now` (Unix seconds).
pub(crate) fn verdict(err: &Error, now: i64) -> Verdict {
    match err {
        Error::RateLimited { retry_after, .. } => {
            let wait = retry_after.unwrap_or(DEFAULT_RATE_LIMIT_REST);
            let secs = i64::try_from(wait.as_secs().max(1)).unwrap_or(i64::MAX / 4);
            Verdict::Rest(RestCause::RateLimited, Some(now.saturating_add(secs)))
        }
        Error::QuotaExhausted { .. } => Verdict::Rest(RestCause::Quota, Some(next_utc_day(now))),
        Error::InvalidKey { .. } => Verdict::Rest(RestCause::Invalid, None),
        Error::UpstreamOutage { .. }
        | Error::UpstreamTimeout { .. }
        | Error::NetworkError { .. }
        | Error::BadResponse { .. } => Verdict::Next,
        _ => Verdict::Stop,
    }
}

/// The start of the next UTC day after `now`.
pub fn next_utc_day(now: i64) -> i64 {
    (now.div_euclid(86_400) + 1) * 86_400
}

/// The words for a key's rest in a receipt's "why": "`Work` was rate-limited, free again in
/// 18 s", "`Work` is out of quota", "`Work` was refused as invalid".
pub(crate) fn describe(label: &str, rest: &StoredRest, now: i64) -> String {
    match rest.cause {
        RestCause::RateLimited => match rest.until {
            Some(until) if until > now => {
                format!(
                    "`{label}` was rate-limited, free again in {} s",
                    until - now
                )
            }
            _ => format!("`{label}` was rate-limited"),
        },
        RestCause::Quota => format!("`{label}` is out of quota"),
        RestCause::Invalid => format!("`{label}` was refused as invalid"),
    }
}

/// The error for a key that is resting and has no free key after it, without sending anything.
pub(crate) fn resting_error(
    provider: ProviderId,
    label: &str,
    rest: &StoredRest,
    now: i64,
) -> Error {
    let upstream = crate::Upstream::Provider(provider);
    match rest.cause {
        RestCause::RateLimited => Error::RateLimited {
            upstream,
            retry_after: rest
                .until
                .map(|u| Duration::from_secs(u64::try_from(u - now).unwrap_or(0))),
        },
        RestCause::Quota => Error::QuotaExhausted {
            upstream,
            detail: format!(
                "key “{label}” ran out of quota; it rests until you check it again or tomorrow"
            ),
        },
        RestCause::Invalid => Error::InvalidKey {
            provider,
            status: None,
            detail: format!(
                "key “{label}” was refused as invalid and is not used until you check it again"
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Upstream;

    #[test]
    fn each_cause_has_its_verdict() {
        let now = 1_000_000;
        let upstream = Upstream::Provider(ProviderId::Openai);
        assert_eq!(
            verdict(
                &Error::RateLimited {
                    upstream,
                    retry_after: Some(Duration::from_secs(18))
                },
                now
            ),
            Verdict::Rest(RestCause::RateLimited, Some(now + 18))
        );
        assert_eq!(
            verdict(
                &Error::RateLimited {
                    upstream,
                    retry_after: None
                },
                now
            ),
            Verdict::Rest(RestCause::RateLimited, Some(now + 60))
        );
        assert_eq!(
            verdict(
                &Error::QuotaExhausted {
                    upstream,
                    detail: String::new()
                },
                now
            ),
            Verdict::Rest(RestCause::Quota, Some(next_utc_day(now)))
        );
        assert_eq!(
            verdict(
                &Error::InvalidKey {
                    provider: ProviderId::Openai,
                    status: Some(401),
                    detail: String::new()
                },
                now
            ),
            Verdict::Rest(RestCause::Invalid, None)
        );
        assert_eq!(
            verdict(
                &Error::UpstreamOutage {
                    upstream,
                    status: 503,
                    detail: String::new()
                },
                now
            ),
            Verdict::Next
        );
        assert_eq!(verdict(&Error::Cancelled, now), Verdict::Stop);
    }

    #[test]
    fn the_next_day_starts_at_midnight_utc() {
        assert_eq!(next_utc_day(0), 86_400);
        assert_eq!(next_utc_day(86_399), 86_400);
        assert_eq!(next_utc_day(86_400), 172_800);
    }
}
