//! Scripted misbehaviour: what can go wrong, and which requests it hits.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::flavor::Flavor;

/// One way for the fake to misbehave. Each flavor renders it with its real status, headers and body.
///
/// In JSON (control API) variants are snake case: `"unauthorized"`, `{"rate_limited":{"retry_after_secs":5}}`,
/// `{"slow":250}` (milliseconds), `{"cut_stream_after":3}`, `{"huge_body":1048576}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// The flavor's real 401 (Gemini: its real 400 `API_KEY_INVALID`).
    Unauthorized,
    /// The flavor's real 403.
    Forbidden,
    /// 429 with the flavor's real body and rate-limit headers, announcing a retry after this long.
    RateLimited {
        /// Seconds announced in `Retry-After` (and in Gemini's `RetryInfo.retryDelay`).
        retry_after_secs: u64,
    },
    /// 429 with only rate-limit reset headers (e.g. `x-ratelimit-reset-requests: 6m0s`), no `Retry-After`.
    RateLimitedNoRetryAfter,
    /// Out of credit: OpenAI 429 `insufficient_quota`, Anthropic 400 credit balance, Gemini 429 quota.
    QuotaExhausted,
    /// The flavor's real 404 for an unknown model.
    ModelNotFound,
    /// 500 with the flavor's real body.
    ServerError,
    /// 503 (Anthropic: 529 `overloaded_error`).
    Unavailable,
    /// Answer normally, after this delay.
    Slow(#[serde(with = "millis")] Duration),
    /// Accept the request and never answer (until the server shuts down).
    Hang,
    /// Send this many chunks (SSE events; for a plain answer, half its body) then drop the connection.
    CutStreamAfter(usize),
    /// A 401 whose message holds the full presented key, as some gateways do.
    EchoKeyInError,
    /// A 200 answer padded to at least this many bytes with a `"padding"` string member.
    HugeBody(usize),
    /// A 500 whose JSON error body is padded to at least this many bytes.
    HugeErrorBody(usize),
    /// Send the answer's status and headers, then nothing more (until the server shuts down).
    HangAfterHeaders,
    /// Send this many chunks of a streamed answer, then nothing more, keeping the connection open.
    StallAfter(usize),
    /// Stream SSE comment lines (`: keep-alive`) at this pace forever: bytes, but no answer.
    KeepAliveForever(#[serde(with = "millis")] Duration),
    /// Stream the answer's first text chunk again and again at this pace, never ending.
    DripForever(#[serde(with = "millis")] Duration),
    /// Answer with this redirect status (301, 302, 307, 308) pointing at `location`.
    Redirect {
        /// The status code.
        status: u16,
        /// The `Location` header.
        location: String,
    },
    /// Answer a streaming request with the flavor's whole, non-streamed JSON answer
    /// (`Content-Type: application/json`, 200), as gateways that do not stream do.
    AnswerWhole,
    /// In a streamed answer, send this raw text before the first event, e.g. a `data:` line no
    /// client can parse, or an in-stream `event: error` (tests put a canary key in it).
    InsertEvent(String),
}

/// A fault waiting in the queue for the requests it matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptedFault {
    /// What goes wrong.
    pub fault: Fault,
    /// Only requests of this flavor; `None` means any flavor.
    #[serde(default)]
    pub flavor: Option<Flavor>,
    /// Only requests whose path contains this text; `None` means any path.
    #[serde(default)]
    pub path_contains: Option<String>,
    /// How many matching requests it hits before it is used up (0 counts as 1; `u32::MAX` is practically forever).
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

impl ScriptedFault {
    /// A fault for the next request of any flavor and path, once.
    pub fn new(fault: Fault) -> Self {
        Self {
            fault,
            flavor: None,
            path_contains: None,
            times: 1,
        }
    }

    /// Restrict it to one flavor.
    pub fn for_flavor(mut self, flavor: Flavor) -> Self {
        self.flavor = Some(flavor);
        self
    }

    /// Restrict it to paths containing `text`.
    pub fn on_path(mut self, text: &str) -> Self {
        self.path_contains = Some(text.to_owned());
        self
    }

    /// Hit this many matching requests instead of one.
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }

    pub(crate) fn matches(&self, flavor: Flavor, path: &str) -> bool {
        self.flavor.is_none_or(|f| f == flavor)
            && self
                .path_contains
                .as_deref()
                .is_none_or(|text| path.contains(text))
    }
}

impl From<Fault> for ScriptedFault {
    fn from(fault: Fault) -> Self {
        Self::new(fault)
    }
}

/// An error answer a flavor renders in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The key was refused (the fault, or a real check).
    Unauthorized,
    Forbidden,
    /// `Some(secs)` announces a retry delay; `None` gives only reset headers.
    RateLimited(Option<u64>),
    QuotaExhausted,
    ModelNotFound,
    ServerError,
    Unavailable,
    EchoKey,
}

/// How the dispatcher carries a fault out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    Fail(Failure),
    Slow(Duration),
    Hang,
    Cut(usize),
    Huge(usize),
    HugeError(usize),
    Stall(usize),
    KeepAlive(Duration),
    Drip(Duration),
    Redirect(u16),
    Whole,
    Insert,
}

impl Fault {
    pub(crate) fn plan(&self) -> Plan {
        match self {
            Fault::Unauthorized => Plan::Fail(Failure::Unauthorized),
            Fault::Forbidden => Plan::Fail(Failure::Forbidden),
            Fault::RateLimited { retry_after_secs } => {
                Plan::Fail(Failure::RateLimited(Some(*retry_after_secs)))
            }
            Fault::RateLimitedNoRetryAfter => Plan::Fail(Failure::RateLimited(None)),
            Fault::QuotaExhausted => Plan::Fail(Failure::QuotaExhausted),
            Fault::ModelNotFound => Plan::Fail(Failure::ModelNotFound),
            Fault::ServerError => Plan::Fail(Failure::ServerError),
            Fault::Unavailable => Plan::Fail(Failure::Unavailable),
            Fault::EchoKeyInError => Plan::Fail(Failure::EchoKey),
            Fault::Slow(delay) => Plan::Slow(*delay),
            Fault::Hang => Plan::Hang,
            Fault::CutStreamAfter(n) => Plan::Cut(*n),
            Fault::HugeBody(n) => Plan::Huge(*n),
            Fault::HugeErrorBody(n) => Plan::HugeError(*n),
            Fault::HangAfterHeaders => Plan::Stall(0),
            Fault::StallAfter(n) => Plan::Stall(*n),
            Fault::KeepAliveForever(every) => Plan::KeepAlive(*every),
            Fault::DripForever(every) => Plan::Drip(*every),
            Fault::Redirect { status, .. } => Plan::Redirect(*status),
            Fault::AnswerWhole => Plan::Whole,
            Fault::InsertEvent(_) => Plan::Insert,
        }
    }
}

/// A `Duration` as whole milliseconds, which is what people type into a control request.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &Duration,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(u64::try_from(value.as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Duration, D::Error> {
        u64::deserialize(deserializer).map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_forms_are_snake_case() {
        let fault: ScriptedFault =
            serde_json::from_str(r#"{"fault":{"slow":250},"flavor":"anthropic"}"#).expect("valid");
        assert_eq!(fault.fault, Fault::Slow(Duration::from_millis(250)));
        assert_eq!(fault.flavor, Some(Flavor::Anthropic));
        assert_eq!(fault.times, 1);

        let fault: ScriptedFault = serde_json::from_str(r#"{"fault":"hang"}"#).expect("valid");
        assert_eq!(fault, ScriptedFault::new(Fault::Hang));

        let json = serde_json::to_value(ScriptedFault::new(Fault::RateLimited {
            retry_after_secs: 3,
        }))
        .expect("serializes");
        assert_eq!(json["fault"]["rate_limited"]["retry_after_secs"], 3);
        let json = serde_json::to_value(Fault::CutStreamAfter(2)).expect("serializes");
        assert_eq!(json, serde_json::json!({"cut_stream_after": 2}));
    }

    #[test]
    fn json_forms_of_the_stream_and_endpoint_faults() {
        for (json, fault) in [
            (r#""hang_after_headers""#, Fault::HangAfterHeaders),
            (r#"{"stall_after":2}"#, Fault::StallAfter(2)),
            (
                r#"{"keep_alive_forever":100}"#,
                Fault::KeepAliveForever(Duration::from_millis(100)),
            ),
            (
                r#"{"drip_forever":50}"#,
                Fault::DripForever(Duration::from_millis(50)),
            ),
            (r#"{"huge_error_body":1024}"#, Fault::HugeErrorBody(1024)),
            (
                r#"{"redirect":{"status":307,"location":"http://127.0.0.1:1/x"}}"#,
                Fault::Redirect {
                    status: 307,
                    location: "http://127.0.0.1:1/x".into(),
                },
            ),
        ] {
            let parsed: Fault = serde_json::from_str(json).expect(json);
            assert_eq!(parsed, fault);
            assert_eq!(
                serde_json::to_value(&fault).expect("serializes"),
                serde_json::from_str::<serde_json::Value>(json).expect("json")
            );
        }
    }

    #[test]
    fn matching_uses_flavor_and_path() {
        let fault = ScriptedFault::new(Fault::Hang)
            .for_flavor(Flavor::Gemini)
            .on_path("stream");
        assert!(fault.matches(
            Flavor::Gemini,
            "/gemini/v1beta/models/x:streamGenerateContent"
        ));
        assert!(!fault.matches(Flavor::Gemini, "/gemini/v1beta/models/x:generateContent"));
        assert!(!fault.matches(Flavor::OpenAi, "/openai/v1/stream"));
        assert!(ScriptedFault::new(Fault::Hang).matches(Flavor::Proxy, "/proxy/v1/models"));
    }
}
