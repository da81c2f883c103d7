//! What a provider itself says about a key's spend, where a normal key may ask: OpenRouter's
//! `GET /key` (the key's usage and credit limit) and DeepSeek's `GET /user/balance` (the
//! account's balance). Other providers have no such call for a normal key (OpenAI's and
//! Anthropic's usage APIs take an admin key), and we say so rather than guess.
//!
//! The key travels only to a destination the gate cleared (`providers::gate`), like every other
//! call that carries it; the answer is read bounded, and its body is never logged or echoed: the
//! figures are numbers, and the words shown are ours.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use crate::chat::failure::{classify_status, classify_transport};
use crate::providers::base_url::BaseUrl;
use crate::providers::classify::MAX_ERROR_BODY;
use crate::providers::gate::Cleared;
use crate::providers::{ProviderSpec, auth};
use crate::time_fmt::{now_unix, rfc3339};
use crate::{ApiKey, Error, Result, Upstream};

/// The most bytes read of a successful answer (both are a few hundred bytes).
const MAX_BODY: usize = 64 * 1024;

/// How long a provider's figures are shown before they are asked for again (unless the user
/// checks the key again): the providers' own figures lag by minutes anyway, and one call an
/// hour is no load on anyone's rate limit.
pub const MAX_AGE_SECS: i64 = 60 * 60;

/// Which call reads a provider's own figures for a key (a registry fact,
/// `ProviderSpec::balance_call`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum BalanceCall {
    /// OpenRouter's `GET {base}/key`: the key's usage (all time, today, this month) and its
    /// credit limit, in US dollars.
    OpenrouterKey,
    /// DeepSeek's `GET /user/balance` beside its API (`https://api.deepseek.com/user/balance`,
    /// whether the base URL ends in `/v1` or not): the account's balance per currency.
    DeepseekBalance,
}

impl BalanceCall {
    /// The call's URL for a key whose base URL is `base` (same origin: the key goes nowhere
    /// else).
    pub fn url(self, base: &BaseUrl) -> String {
        match self {
            BalanceCall::OpenrouterKey => base.join("/key"),
            BalanceCall::DeepseekBalance => {
                let text = base.as_str();
                let beside = text.strip_suffix("/v1").unwrap_or(text);
                format!("{beside}/user/balance")
            }
        }
    }
}

/// An amount of money in a currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Money {
    /// The amount.
    pub amount: f64,
    /// ISO 4217 code: `USD`, `CNY`.
    pub currency: String,
}

impl Money {
    /// An amount in US dollars.
    pub fn usd(amount: f64) -> Self {
        Self {
            amount,
            currency: "USD".to_owned(),
        }
    }
}

impl fmt::Display for Money {
    /// `$3.21` for US dollars, `110.00 CNY` otherwise (¥ would not tell yuan from yen).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.currency == "USD" {
            write!(f, "${:.2}", self.amount)
        } else {
            write!(f, "{:.2} {}", self.amount, self.currency)
        }
    }
}

/// What the provider said about a key's spend, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ProviderBalance {
    /// The call that said it.
    pub source: BalanceCall,
    /// When it said it (RFC 3339, UTC).
    pub fetched_at: String,
    /// What is left: of the key's limit (OpenRouter; none without a limit), or the account's
    /// balance (DeepSeek).
    pub remaining: Option<Money>,
    /// The key's credit limit (OpenRouter), if it has one.
    pub limit: Option<Money>,
    /// What the key has used, all time (OpenRouter).
    pub used: Option<Money>,
    /// What the key has used today, UTC (OpenRouter).
    pub used_today: Option<Money>,
    /// What the key has used this month, UTC (OpenRouter).
    pub used_this_month: Option<Money>,
    /// More a person should know, in our words (how the limit resets, what the balance is made
    /// of, a balance that cannot pay for calls).
    pub note: Option<String>,
}

impl ProviderBalance {
    /// One sentence for people: "OpenRouter says: $3.21 used of a $10.00 limit, $6.79 left (as
    /// of 2026-12-02T21:00:00Z)."
    pub fn summary(&self, provider_name: &str) -> String {
        let figures = match self.source {
            BalanceCall::OpenrouterKey => {
                let used = self
                    .used
                    .as_ref()
                    .map(|u| format!("{u} used"))
                    .unwrap_or_else(|| "usage unknown".to_owned());
                match (&self.limit, &self.remaining) {
                    (Some(limit), Some(left)) => format!("{used} of a {limit} limit, {left} left"),
                    (Some(limit), None) => format!("{used} of a {limit} limit"),
                    (None, _) => format!("{used}, no limit set on the key"),
                }
            }
            BalanceCall::DeepseekBalance => match &self.remaining {
                Some(left) => format!("{left} balance"),
                None => "no balance".to_owned(),
            },
        };
        format!(
            "{provider_name} says: {figures} (as of {}).",
            self.fetched_at
        )
    }
}

/// The sentence for a provider that has no call a normal key may use to read its spend.
pub fn no_call_sentence(spec: &ProviderSpec) -> String {
    format!(
        "{} has no call a normal key may use to read its spend",
        spec.name
    )
}

/// Asks the provider for its figures with `key`, at the destination the gate cleared.
pub async fn fetch(
    http: &crate::http::HttpClients,
    timeout: Duration,
    spec: &ProviderSpec,
    call: BalanceCall,
    cleared: &Cleared,
    key: &ApiKey,
) -> Result<ProviderBalance> {
    let base = cleared.base();
    let url = call.url(base);
    let headers = auth::key_headers(spec, key, cleared)?;
    let upstream = Upstream::Provider(spec.id);
    tracing::debug!(provider = %spec.id, host = %base.host(), ?call, "asking for the provider's figures");
    let response = http
        .client(base.is_loopback())
        .get(&url)
        .headers(headers)
        .timeout(timeout)
        .send()
        .await
        .map_err(|err| classify_transport(upstream, &base.host(), &err, "response", timeout))?;
    let status = response.status();
    let answer_headers = response.headers().clone();
    let limit = if status.is_success() {
        MAX_BODY
    } else {
        MAX_ERROR_BODY
    };
    let body = crate::http::read_limited(response, limit)
        .await
        .map_err(|err| classify_transport(upstream, &base.host(), &err, "response", timeout))?;
    tracing::debug!(provider = %spec.id, status = status.as_u16(), "the provider's figures answered");
    if !status.is_success() {
        return Err(refused(spec, status, &answer_headers, &body, key));
    }
    let fetched_at = rfc3339(now_unix());
    let read = match call {
        BalanceCall::OpenrouterKey => read_openrouter(&body, fetched_at),
        BalanceCall::DeepseekBalance => read_deepseek(&body, fetched_at),
    };
    read.ok_or_else(|| Error::BadResponse {
        upstream,
        detail: format!(
            "its answer to the {} call is not the figures it documents",
            spec.name
        ),
    })
}

fn refused(
    spec: &ProviderSpec,
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
    key: &ApiKey,
) -> Error {
    let upstream = Upstream::Provider(spec.id);
    // No model is involved: a 404 here means the key's base URL has no such call, not that a
    // model is unknown (which is how chat reads a 404).
    if matches!(status.as_u16(), 404 | 405) {
        return Error::RequestRefused {
            upstream,
            status: status.as_u16(),
            detail: "nothing answers the call for its figures at the key's base URL.".to_owned(),
        };
    }
    classify_status(upstream, spec.wire, status, headers, body, Some(key), "")
}

/// OpenRouter's `{"data": {"usage": .., "limit": ..|null, "limit_remaining": ..|null, ..}}`.
fn read_openrouter(body: &[u8], fetched_at: String) -> Option<ProviderBalance> {
    #[derive(Deserialize)]
    struct Answer {
        data: Data,
    }
    #[derive(Deserialize)]
    struct Data {
        usage: f64,
        #[serde(default)]
        usage_daily: Option<f64>,
        #[serde(default)]
        usage_monthly: Option<f64>,
        #[serde(default)]
        limit: Option<f64>,
        #[serde(default)]
        limit_remaining: Option<f64>,
        #[serde(default)]
        limit_reset: Option<String>,
        #[serde(default)]
        is_free_tier: Option<bool>,
    }
    let data = serde_json::from_slice::<Answer>(body).ok()?.data;
    let mut notes = Vec::new();
    if data.limit.is_none() {
        notes.push(
            "The key has no credit limit; this call does not tell the account's credit balance (see https://openrouter.ai/settings/credits)."
                .to_owned(),
        );
    }
    // Only OpenRouter's known words are repeated, never whatever else the field holds.
    if let Some(period) = data
        .limit_reset
        .as_deref()
        .filter(|p| ["daily", "weekly", "monthly"].contains(p))
    {
        notes.push(format!("The limit resets {period}."));
    }
    if data.is_free_tier == Some(true) {
        notes.push("A free-tier account: no credits were ever bought.".to_owned());
    }
    Some(ProviderBalance {
        source: BalanceCall::OpenrouterKey,
        fetched_at,
        remaining: data.limit.and(data.limit_remaining).map(Money::usd),
        limit: data.limit.map(Money::usd),
        used: Some(Money::usd(data.usage)),
        used_today: data.usage_daily.map(Money::usd),
        used_this_month: data.usage_monthly.map(Money::usd),
        note: (!notes.is_empty()).then(|| notes.join(" ")),
    })
}

/// DeepSeek's `{"is_available": .., "balance_infos": [{"currency", "total_balance", ..}]}`,
/// amounts as decimal strings. US dollars are shown when there are, else the first currency.
fn read_deepseek(body: &[u8], fetched_at: String) -> Option<ProviderBalance> {
    #[derive(Deserialize)]
    struct Answer {
        #[serde(default)]
        is_available: Option<bool>,
        balance_infos: Vec<Info>,
    }
    #[derive(Deserialize)]
    struct Info {
        currency: String,
        total_balance: String,
        #[serde(default)]
        granted_balance: Option<String>,
        #[serde(default)]
        topped_up_balance: Option<String>,
    }
    let answer: Answer = serde_json::from_slice(body).ok()?;
    let amount = |text: &str| text.trim().parse::<f64>().ok().filter(|a| a.is_finite());
    let money = |currency: &str, text: &str| {
        Some(Money {
            amount: amount(text)?,
            currency: currency.to_owned(),
        })
    };
    // A currency is three capital letters, or the answer is not what DeepSeek documents.
    let currency_ok = |c: &str| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase());
    let mut infos = Vec::new();
    for info in &answer.balance_infos {
        if !currency_ok(&info.currency) {
            return None;
        }
        infos.push((info, money(&info.currency, &info.total_balance)?));
    }
    let shown = infos
        .iter()
        .position(|(info, _)| info.currency == "USD")
        .unwrap_or(0);
    let mut notes = Vec::new();
    let remaining = infos.get(shown).map(|(info, total)| {
        let part = |text: &Option<String>| text.as_deref().and_then(|t| money(&info.currency, t));
        if let (Some(granted), Some(topped_up)) =
            (part(&info.granted_balance), part(&info.topped_up_balance))
        {
            notes.push(format!("{topped_up} topped up and {granted} granted."));
        }
        total.clone()
    });
    let others: Vec<String> = infos
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != shown)
        .map(|(_, (_, total))| total.to_string())
        .collect();
    if !others.is_empty() {
        notes.push(format!("Also {}.", others.join(" and ")));
    }
    if answer.is_available == Some(false) {
        notes.push("DeepSeek says this balance cannot pay for API calls now.".to_owned());
    }
    Some(ProviderBalance {
        source: BalanceCall::DeepseekBalance,
        fetched_at,
        remaining,
        limit: None,
        used: None,
        used_today: None,
        used_this_month: None,
        note: (!notes.is_empty()).then(|| notes.join(" ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProviderId;

    const AT: &str = "2026-12-02T21:00:00Z";

    fn url(text: &str) -> BaseUrl {
        BaseUrl::parse(text).expect(text)
    }

    #[test]
    fn each_call_stays_on_the_keys_origin() {
        assert_eq!(
            BalanceCall::OpenrouterKey.url(&url("https://openrouter.ai/api/v1")),
            "https://openrouter.ai/api/v1/key"
        );
        for base in ["https://api.deepseek.com", "https://api.deepseek.com/v1"] {
            assert_eq!(
                BalanceCall::DeepseekBalance.url(&url(base)),
                "https://api.deepseek.com/user/balance",
                "{base}"
            );
        }
        assert_eq!(
            BalanceCall::DeepseekBalance.url(&url("http://127.0.0.1:9/openai/v1")),
            "http://127.0.0.1:9/openai/user/balance"
        );
    }

    #[test]
    fn only_openrouter_and_deepseek_have_a_call() {
        for id in ProviderId::all() {
            let expected = match id {
                ProviderId::Openrouter => Some(BalanceCall::OpenrouterKey),
                ProviderId::Deepseek => Some(BalanceCall::DeepseekBalance),
                _ => None,
            };
            assert_eq!(id.spec().balance_call, expected, "{id}");
        }
        assert_eq!(
            no_call_sentence(ProviderId::Openai.spec()),
            "OpenAI has no call a normal key may use to read its spend"
        );
    }

    #[test]
    fn reads_openrouters_documented_answer() {
        // The example of OpenRouter's API reference (GET /api/v1/key).
        let body = br#"{"data":{"byok_usage":17.38,"byok_usage_daily":17.38,"byok_usage_monthly":17.38,"byok_usage_weekly":17.38,"creator_user_id":"user_2dHFtVWx2n56w6HkM0000000000","expires_at":"2027-12-31T23:59:59Z","include_byok_in_limit":false,"is_free_tier":false,"is_management_key":false,"is_provisioning_key":false,"label":"sk-or-v1-au7...890","limit":100,"limit_remaining":74.5,"limit_reset":"monthly","rate_limit":{"interval":"1h","note":"This field is deprecated and safe to ignore.","requests":1000},"usage":25.5,"usage_daily":25.5,"usage_monthly":25.5,"usage_weekly":25.5}}"#;
        let read = read_openrouter(body, AT.into()).expect("read");
        assert_eq!(read.remaining, Some(Money::usd(74.5)));
        assert_eq!(read.limit, Some(Money::usd(100.0)));
        assert_eq!(read.used, Some(Money::usd(25.5)));
        assert_eq!(read.used_today, Some(Money::usd(25.5)));
        assert_eq!(read.note.as_deref(), Some("The limit resets monthly."));
        assert_eq!(
            read.summary("OpenRouter"),
            "OpenRouter says: $25.50 used of a $100.00 limit, $74.50 left (as of 2026-12-02T21:00:00Z)."
        );
        // An older, shorter answer, without a limit; an odd reset word is not repeated.
        let body = br#"{"data":{"label":"x","usage":0.1015644762,"limit":null,"limit_remaining":null,"limit_reset":"<b>soon</b>","is_free_tier":true}}"#;
        let read = read_openrouter(body, AT.into()).expect("read");
        assert_eq!(read.remaining, None);
        assert_eq!(read.used_today, None);
        let note = read.note.clone().expect("note");
        assert!(
            note.contains("no credit limit") && note.contains("free-tier"),
            "{note}"
        );
        assert!(!note.contains("soon"), "{note}");
        assert_eq!(
            read.summary("OpenRouter"),
            "OpenRouter says: $0.10 used, no limit set on the key (as of 2026-12-02T21:00:00Z)."
        );
        for bad in [
            &b"<html>"[..],
            br#"{"data":{"label":"x"}}"#,
            br#"{"usage":1}"#,
        ] {
            assert!(read_openrouter(bad, AT.into()).is_none());
        }
    }

    #[test]
    fn reads_deepseeks_documented_answer() {
        let body = br#"{"is_available":true,"balance_infos":[{"currency":"CNY","total_balance":"110.00","granted_balance":"10.00","topped_up_balance":"100.00"}]}"#;
        let read = read_deepseek(body, AT.into()).expect("read");
        assert_eq!(
            read.remaining,
            Some(Money {
                amount: 110.0,
                currency: "CNY".into()
            })
        );
        assert_eq!(
            read.note.as_deref(),
            Some("100.00 CNY topped up and 10.00 CNY granted.")
        );
        assert_eq!(
            read.summary("DeepSeek"),
            "DeepSeek says: 110.00 CNY balance (as of 2026-12-02T21:00:00Z)."
        );
        // US dollars first when there are; an unusable balance says so.
        let body = br#"{"is_available":false,"balance_infos":[{"currency":"CNY","total_balance":"0.00","granted_balance":"0.00","topped_up_balance":"0.00"},{"currency":"USD","total_balance":"2.5","granted_balance":"0.5","topped_up_balance":"2"}]}"#;
        let read = read_deepseek(body, AT.into()).expect("read");
        assert_eq!(read.remaining, Some(Money::usd(2.5)));
        let note = read.note.expect("note");
        assert!(note.contains("Also 0.00 CNY."), "{note}");
        assert!(note.contains("cannot pay"), "{note}");
        // No currency at all: no balance, and the summary says so.
        let empty = read_deepseek(br#"{"is_available":false,"balance_infos":[]}"#, AT.into())
            .expect("read");
        assert_eq!(empty.remaining, None);
        assert!(empty.summary("DeepSeek").contains("no balance"));
        for bad in [
            &br#"{"balance_infos":[{"currency":"<script>","total_balance":"1"}]}"#[..],
            br#"{"balance_infos":[{"currency":"USD","total_balance":"lots"}]}"#,
            br#"{"is_available":true}"#,
        ] {
            assert!(read_deepseek(bad, AT.into()).is_none());
        }
    }

    #[test]
    fn money_reads_as_people_write_it() {
        assert_eq!(Money::usd(6.789_999).to_string(), "$6.79");
        let yuan = Money {
            amount: 110.0,
            currency: "CNY".into(),
        };
        assert_eq!(yuan.to_string(), "110.00 CNY");
    }
}
