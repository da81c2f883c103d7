//! The receipt every answer carries: which key (or Taskly, and whose account) paid, the model
//! the upstream says answered, tokens, the estimated cost, how long it took, and why this route.
//! The palette shows it under the answer, `taskly chat --json` emits it with `finished`, and
//! `taskly usage --requests N` lists the newest (kept locally, `db::receipts`). Never the
//! question or the answer.

use serde::{Deserialize, Serialize};

use crate::routing::RouteInfo;
use crate::{ErrorCode, ProviderId};

/// See the module docs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Receipt {
    /// When the request was made (RFC 3339).
    pub at: String,
    /// Who paid: the key (label, masked hint) or Taskly (with the account).
    pub route: RouteInfo,
    /// The provider whose model was asked.
    pub provider: ProviderId,
    /// The model asked for.
    pub model: String,
    /// The model the upstream says answered, when it says.
    pub model_answered: Option<String>,
    /// Prompt tokens, as the upstream counted them.
    pub input_tokens: Option<u64>,
    /// Answer tokens, as the upstream counted them.
    pub output_tokens: Option<u64>,
    /// The estimated cost in USD (price table × tokens), when the model has a price.
    pub estimated_cost_usd: Option<f64>,
    /// From sending the request to the first text, in milliseconds.
    pub first_token_ms: Option<u64>,
    /// From the start of the request to its end, in milliseconds (retries and failovers too).
    pub total_ms: u64,
    /// Why this route: "primary", "backup: `Work` was rate-limited, free again in 18 s", …
    pub why: String,
    /// The error, for a request that failed.
    pub error: Option<ErrorCode>,
}

impl Receipt {
    /// One line: "via your OpenAI key sk-…a1b2 · gpt-4o-mini · 12 in / 40 out · ~$0.0001 ·
    /// 0.4 s to first token, 1.2 s in all · primary".
    pub fn summary(&self) -> String {
        let mut parts = vec![format!("via {}", self.route.describe())];
        parts.push(
            self.model_answered
                .clone()
                .unwrap_or_else(|| self.model.clone()),
        );
        if let (Some(i), Some(o)) = (self.input_tokens, self.output_tokens) {
            parts.push(format!("{i} in / {o} out"));
        }
        if let Some(cost) = self.estimated_cost_usd {
            parts.push(format!("~${cost:.4}"));
        }
        match self.first_token_ms {
            Some(first) => parts.push(format!(
                "{:.1} s to first token, {:.1} s in all",
                first as f64 / 1000.0,
                self.total_ms as f64 / 1000.0
            )),
            None => parts.push(format!("{:.1} s", self.total_ms as f64 / 1000.0)),
        }
        parts.push(self.why.clone());
        parts.join(" · ")
    }
}
