//! Statistics: nearest-rank percentiles in microseconds, and a scenario's numbers at one level
//! (latency, first chunk or token, last token to `Finished`, throughput, errors).

use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::Batch;

/// Percentiles in microseconds (nearest rank).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dist {
    pub(crate) n: usize,
    pub(crate) p50: f64,
    pub(crate) p90: f64,
    pub(crate) p99: f64,
    pub(crate) mean: f64,
    pub(crate) max: f64,
}

impl Dist {
    pub(crate) fn of(values: impl IntoIterator<Item = Duration>) -> Option<Dist> {
        let mut us: Vec<f64> = values.into_iter().map(|d| d.as_secs_f64() * 1e6).collect();
        if us.is_empty() {
            return None;
        }
        us.sort_by(f64::total_cmp);
        let rank = |q: f64| {
            let index = ((q * us.len() as f64).ceil() as usize).clamp(1, us.len()) - 1;
            us[index]
        };
        Some(Dist {
            n: us.len(),
            p50: rank(0.50),
            p90: rank(0.90),
            p99: rank(0.99),
            mean: us.iter().sum::<f64>() / us.len() as f64,
            max: us[us.len() - 1],
        })
    }

    fn json(&self) -> Value {
        json!({
            "n": self.n,
            "p50_us": round1(self.p50),
            "p90_us": round1(self.p90),
            "p99_us": round1(self.p99),
            "mean_us": round1(self.mean),
            "max_us": round1(self.max),
        })
    }
}

pub(crate) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

pub(crate) fn dist_json(dist: Option<Dist>) -> Value {
    dist.map_or(Value::Null, |d| d.json())
}

/// A scenario's numbers at one level.
pub(crate) struct Measured {
    pub(crate) total: Option<Dist>,
    pub(crate) first: Option<Dist>,
    /// Full path only: from the last `Delta` to `Finished` (bookkeeping after the answer).
    pub(crate) tail: Option<Dist>,
    pub(crate) count: usize,
    pub(crate) errors: Vec<String>,
    pub(crate) rps: f64,
}

impl Measured {
    pub(crate) fn of(batch: &Batch) -> Self {
        let secs = batch.wall.as_secs_f64();
        Self {
            total: Dist::of(batch.samples.iter().map(|s| s.total)),
            first: Dist::of(batch.samples.iter().filter_map(|s| s.first)),
            tail: Dist::of(
                batch
                    .samples
                    .iter()
                    .filter_map(|s| s.last.map(|l| s.total.saturating_sub(l))),
            ),
            count: batch.samples.len(),
            errors: batch.errors.clone(),
            rps: if secs > 0.0 {
                batch.samples.len() as f64 / secs
            } else {
                0.0
            },
        }
    }

    pub(crate) fn json(&self) -> Value {
        let mut errors = self.errors.clone();
        errors.sort();
        errors.dedup();
        json!({
            "requests": self.count,
            "errors": self.errors.len(),
            "error_kinds": errors,
            "throughput_rps": round1(self.rps),
            "total": dist_json(self.total),
            "first_chunk_or_token": dist_json(self.first),
            "last_token_to_finished": dist_json(self.tail),
        })
    }
}
