//! The comparison with the direct call in the same run (full path minus bare `reqwest`,
//! percentile by percentile) and issue 4's targets, each reported as met or not, never failed.

use serde_json::{Value, json};

use crate::stats::{Measured, round1};

/// Targets from issue 4.
pub(crate) const DECIDE_P99_TARGET_US: f64 = 10.0;
pub(crate) const ADDED_P50_TARGET_US: f64 = 200.0;
pub(crate) const ADDED_P99_TARGET_US: f64 = 1000.0;

/// Full minus bare, percentile by percentile (the two are separate runs, not paired requests).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Added {
    pub(crate) p50: f64,
    pub(crate) p99: f64,
    vs_plain_p50: f64,
    vs_plain_p99: f64,
    pub(crate) ttft_p50: f64,
    pub(crate) ttft_p99: f64,
}

pub(crate) fn added(full: &Measured, plain: &Measured, stream: &Measured) -> Option<Added> {
    let (f, p, s) = (full.total?, plain.total?, stream.total?);
    let (ff, sf) = (full.first?, stream.first?);
    Some(Added {
        p50: f.p50 - s.p50,
        p99: f.p99 - s.p99,
        vs_plain_p50: f.p50 - p.p50,
        vs_plain_p99: f.p99 - p.p99,
        ttft_p50: ff.p50 - sf.p50,
        ttft_p99: ff.p99 - sf.p99,
    })
}

impl Added {
    pub(crate) fn json(&self) -> Value {
        json!({
            "latency_p50_us": round1(self.p50),
            "latency_p99_us": round1(self.p99),
            "latency_vs_bare_plain_p50_us": round1(self.vs_plain_p50),
            "latency_vs_bare_plain_p99_us": round1(self.vs_plain_p99),
            "ttft_p50_us": round1(self.ttft_p50),
            "ttft_p99_us": round1(self.ttft_p99),
        })
    }
}

pub(crate) fn target(name: &str, scope: Value, value: f64, limit: f64, unit: &str) -> Value {
    json!({
        "target": name,
        "scope": scope,
        "value": round1(value),
        "limit": limit,
        "unit": unit,
        "met": value < limit,
    })
}

pub(crate) fn mark(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}
