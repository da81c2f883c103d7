//! Estimated prices per model, from a dated table shipped inside the binary (`data/prices.json`).
//!
//! These are ESTIMATES: standard list prices for text input and output as the providers
//! published them on the table's `as_of` date, without cached-input, batch, long-context or
//! regional rates. They feed the usage report and the soft/hard budgets, never a bill. To update
//! a price, edit `data/prices.json` (and its `as_of`); no code changes are needed. Nothing here
//! is fetched: the table is compiled in, so pricing never causes a network call.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::ProviderId;

/// The table, as compiled in.
const PRICES_JSON: &str = include_str!("../../data/prices.json");

/// Tokens per priced unit (prices are per 1M tokens).
const TOKENS_PER_UNIT: f64 = 1_000_000.0;

/// Words that may follow a model id without making it a different model
/// (`mistral-large-latest`, `gemini-2.5-flash-preview-05-20`).
const VERSION_WORDS: &[&str] = &["latest", "preview", "exp", "experimental", "beta", "alpha"];

/// The price of one model, in USD per 1M tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Per 1M input (prompt) tokens.
    pub input: f64,
    /// Per 1M output (answer, including reasoning) tokens.
    pub output: f64,
}

impl Price {
    /// The estimated cost of a request, in USD.
    pub fn cost(self, input_tokens: u64, output_tokens: u64) -> f64 {
        (input_tokens as f64 * self.input + output_tokens as f64 * self.output) / TOKENS_PER_UNIT
    }
}

/// The parsed `data/prices.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceTable {
    as_of: String,
    source: String,
    currency: String,
    unit: String,
    #[allow(dead_code)] // For the people who edit the file; the module docs say the same.
    note: String,
    models: BTreeMap<String, Price>,
}

fn parse(json: &str) -> Result<PriceTable, String> {
    let table: PriceTable = serde_json::from_str(json).map_err(|e| e.to_string())?;
    // A table in another currency or unit would silently give wrong budgets.
    if table.currency != "USD" || table.unit != "per 1M tokens" {
        return Err(format!(
            "expected USD per 1M tokens, found {} {}",
            table.currency, table.unit
        ));
    }
    for (name, price) in &table.models {
        let valid = |v: f64| v.is_finite() && v > 0.0;
        if !valid(price.input) || !valid(price.output) {
            return Err(format!("{name}: prices must be positive amounts"));
        }
        let Some((provider, model)) = name.split_once('/') else {
            return Err(format!("{name}: keys are \"<provider>/<model>\""));
        };
        if provider.parse::<ProviderId>().ok().map(ProviderId::as_str) != Some(provider) {
            return Err(format!("{name}: {provider:?} is not a provider id"));
        }
        if model.is_empty() || model != model.to_ascii_lowercase() {
            return Err(format!("{name}: model ids are lower case and not empty"));
        }
    }
    Ok(table)
}

fn table() -> Option<&'static PriceTable> {
    static TABLE: OnceLock<Option<PriceTable>> = OnceLock::new();
    TABLE
        .get_or_init(|| match parse(PRICES_JSON) {
            Ok(table) => Some(table),
            Err(detail) => {
                // A test keeps this from shipping; if it did, costs are unknown, not wrong.
                tracing::error!(%detail, "the embedded price table is invalid; costs are unknown");
                None
            }
        })
        .as_ref()
}

/// The date the prices were taken from the providers' pages (`YYYY-MM-DD`).
pub fn as_of() -> Option<&'static str> {
    table().map(|t| t.as_of.as_str())
}

/// Where the prices come from, to show next to estimates.
pub fn source() -> Option<&'static str> {
    table().map(|t| t.source.as_str())
}

/// The estimated price of `model` at `provider`, if the table knows it.
///
/// Lookup: the exact id; else the longest table entry the id starts with, when the rest is only
/// a date or version (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`, `mistral-large-latest` →
/// `mistral-large`). A rest that names a variant (`-mini`, `-tts`, a bare `-5`) finds nothing,
/// because variants are priced differently and an unknown price beats a wrong one.
/// Azure deployments are looked up as OpenAI models (same list prices); OpenRouter ids
/// (`openai/gpt-4o-mini`) as the named provider's model, `:free` ones costing nothing. Custom
/// endpoints are never priced.
pub fn price(provider: ProviderId, model: &str) -> Option<Price> {
    let models = &table()?.models;
    let model = model.trim().to_ascii_lowercase();
    // Gemini lists its models as `models/<id>`.
    let model = model.strip_prefix("models/").unwrap_or(&model);
    match provider {
        ProviderId::Custom => None,
        ProviderId::AzureOpenai => lookup(models, ProviderId::Openai, model),
        ProviderId::Openrouter => {
            lookup(models, provider, model).or_else(|| openrouter(models, model))
        }
        _ => lookup(models, provider, model),
    }
}

/// The estimated cost of a request in USD, if the model's price is known.
pub fn estimate(
    provider: ProviderId,
    model: &str,
    input_tokens: u64,
    output_tokens: u64,
) -> Option<f64> {
    price(provider, model).map(|p| p.cost(input_tokens, output_tokens))
}

fn openrouter(models: &BTreeMap<String, Price>, model: &str) -> Option<Price> {
    if model.ends_with(":free") {
        return Some(Price {
            input: 0.0,
            output: 0.0,
        });
    }
    let (vendor, id) = model.split_once('/')?;
    let provider = match vendor {
        "openai" => ProviderId::Openai,
        "anthropic" => ProviderId::Anthropic,
        "google" => ProviderId::Gemini,
        "mistralai" => ProviderId::Mistral,
        "deepseek" => ProviderId::Deepseek,
        "x-ai" => ProviderId::Xai,
        _ => return None,
    };
    // OpenRouter spells Claude versions with dots (`claude-sonnet-4.5`), Anthropic with dashes.
    lookup(models, provider, id).or_else(|| {
        (provider == ProviderId::Anthropic)
            .then(|| lookup(models, provider, &id.replace('.', "-")))
            .flatten()
    })
}

fn lookup(models: &BTreeMap<String, Price>, provider: ProviderId, model: &str) -> Option<Price> {
    let key = format!("{}/{model}", provider.as_str());
    if let Some(price) = models.get(&key) {
        return Some(*price);
    }
    // Entries sort before their longer ids, so the candidates are the keys up to `key`; the
    // longest prefix is the last one that matches.
    models
        .range::<str, _>((
            std::ops::Bound::Unbounded,
            std::ops::Bound::Excluded(key.as_str()),
        ))
        .rev()
        .find(|(entry, _)| {
            key.strip_prefix(entry.as_str())
                .is_some_and(is_version_suffix)
        })
        .map(|(_, price)| *price)
}

/// Whether `rest` (what follows a table entry in a model id) is only a date or version:
/// `-2024-07-18`, `-20250929`, `-0709`, `-latest`, `-preview-05-20`. One- or two-digit
/// numbers count only after a date part or a version word, so `claude-opus-4-5` is not read as
/// a dated `claude-opus-4`.
fn is_version_suffix(rest: &str) -> bool {
    let Some(rest) = rest.strip_prefix('-') else {
        return false;
    };
    let mut after_version_part = false;
    rest.split('-').all(|part| {
        let numeric = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        let ok =
            VERSION_WORDS.contains(&part) || (numeric && (part.len() >= 3 || after_version_part));
        after_version_part = ok;
        ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_parses_and_every_price_is_positive() {
        let table = parse(PRICES_JSON).expect("data/prices.json is valid");
        assert!(table.models.len() > 20);
        assert_eq!(table.as_of.len(), 10, "as_of is YYYY-MM-DD");
        assert!(table.source.contains("https://"));
        for (name, price) in &table.models {
            assert!(price.input > 0.0 && price.output > 0.0, "{name}");
        }
        assert_eq!(as_of(), Some(table.as_of.as_str()));
        assert!(source().is_some());
    }

    #[test]
    fn main_models_of_each_provider_are_priced() {
        let cases = [
            (ProviderId::Openai, "gpt-4o"),
            (ProviderId::Openai, "gpt-4o-mini"),
            (ProviderId::Openai, "gpt-4.1"),
            (ProviderId::Openai, "gpt-4.1-mini"),
            (ProviderId::Anthropic, "claude-sonnet-4-5"),
            (ProviderId::Anthropic, "claude-haiku-4-5"),
            (ProviderId::Anthropic, "claude-opus-4-1"),
            (ProviderId::Gemini, "gemini-2.5-flash"),
            (ProviderId::Gemini, "gemini-2.5-pro"),
            (ProviderId::Mistral, "mistral-small-latest"),
            (ProviderId::Groq, "llama-3.3-70b-versatile"),
            (ProviderId::Deepseek, "deepseek-chat"),
            (ProviderId::Xai, "grok-3-mini"),
            (ProviderId::Xai, "grok-4"),
        ];
        for (provider, model) in cases {
            assert!(price(provider, model).is_some(), "{provider}/{model}");
        }
    }

    #[test]
    fn every_providers_default_model_is_priced() {
        // A chat without `-m` uses the registry's default model; a budget on such a key must be
        // able to price it, so a new provider or a new default needs its price in the table.
        for provider in ProviderId::all() {
            // Skipped, by design: Azure's "model" is the user's own deployment name (priced only
            // when it is named after an OpenAI model), and custom endpoints are never priced
            // (their models and terms are the user's).
            if matches!(provider, ProviderId::AzureOpenai | ProviderId::Custom) {
                continue;
            }
            let model = crate::chat::default_model(provider);
            assert!(
                price(provider, model).is_some(),
                "{provider}'s default model {model:?} has no price in data/prices.json"
            );
        }
        assert_eq!(
            price(
                ProviderId::Custom,
                crate::chat::default_model(ProviderId::Custom)
            ),
            None
        );
    }

    #[test]
    fn lookup_falls_back_to_the_longest_dated_prefix_only() {
        let mini = price(ProviderId::Openai, "gpt-4o-mini");
        assert_eq!(
            mini,
            Some(Price {
                input: 0.15,
                output: 0.6
            })
        );
        // Dated and aliased ids find their base entry, the longest one.
        assert_eq!(price(ProviderId::Openai, "gpt-4o-mini-2024-07-18"), mini);
        assert_eq!(price(ProviderId::Openai, "GPT-4o-mini "), mini);
        assert_eq!(
            price(ProviderId::Openai, "gpt-4o-2024-08-06"),
            price(ProviderId::Openai, "gpt-4o")
        );
        assert_eq!(
            price(ProviderId::Anthropic, "claude-sonnet-4-5-20250929"),
            price(ProviderId::Anthropic, "claude-sonnet-4-5")
        );
        assert_eq!(
            price(ProviderId::Anthropic, "claude-sonnet-4-20250514"),
            price(ProviderId::Anthropic, "claude-sonnet-4")
        );
        assert_eq!(
            price(ProviderId::Mistral, "mistral-large-2411"),
            price(ProviderId::Mistral, "mistral-large")
        );
        assert_eq!(
            price(ProviderId::Gemini, "models/gemini-2.5-flash-preview-05-20"),
            price(ProviderId::Gemini, "gemini-2.5-flash")
        );
        // Variants are different models: no guess.
        assert_eq!(price(ProviderId::Openai, "gpt-4o-mini-tts"), None);
        assert_eq!(price(ProviderId::Xai, "grok-3-mini-fast"), None);
        assert_eq!(price(ProviderId::Anthropic, "claude-sonnet-4-7"), None);
        assert_eq!(price(ProviderId::Openai, "gpt-4o-minimal"), None);
        assert_eq!(price(ProviderId::Openai, "gpt-4"), None);
        assert_eq!(price(ProviderId::Openai, "no-such-model"), None);
        // The provider matters.
        assert_eq!(price(ProviderId::Anthropic, "gpt-4o"), None);
    }

    #[test]
    fn azure_openrouter_and_custom() {
        let mini = price(ProviderId::Openai, "gpt-4o-mini");
        assert_eq!(price(ProviderId::AzureOpenai, "gpt-4o-mini"), mini);
        assert_eq!(price(ProviderId::AzureOpenai, "my-deployment"), None);
        assert_eq!(price(ProviderId::Openrouter, "openai/gpt-4o-mini"), mini);
        assert_eq!(
            price(ProviderId::Openrouter, "anthropic/claude-sonnet-4.5"),
            price(ProviderId::Anthropic, "claude-sonnet-4-5")
        );
        assert_eq!(
            estimate(
                ProviderId::Openrouter,
                "meta-llama/llama-3.3-70b-instruct:free",
                10,
                10
            ),
            Some(0.0)
        );
        assert_eq!(price(ProviderId::Openrouter, "someone/else"), None);
        assert_eq!(price(ProviderId::Custom, "gpt-4o-mini"), None);
    }

    #[test]
    fn estimate_is_per_million_tokens() {
        let cost = estimate(ProviderId::Openai, "gpt-4o", 1_000_000, 1_000_000).expect("priced");
        assert!((cost - 12.5).abs() < 1e-9, "{cost}");
        assert_eq!(estimate(ProviderId::Openai, "gpt-4o", 0, 0), Some(0.0));
        assert_eq!(estimate(ProviderId::Custom, "llama3", 5, 5), None);
    }

    #[test]
    fn bad_tables_are_refused() {
        let wrap = |models: &str, currency: &str| {
            format!(
                r#"{{"as_of":"2025-01-01","source":"x","currency":"{currency}","unit":"per 1M tokens","note":"","models":{models}}}"#
            )
        };
        assert!(parse(&wrap(r#"{"openai/a":{"input":1,"output":1}}"#, "USD")).is_ok());
        assert!(parse(&wrap(r#"{"openai/a":{"input":1,"output":1}}"#, "EUR")).is_err());
        assert!(parse(&wrap(r#"{"openai/a":{"input":0,"output":1}}"#, "USD")).is_err());
        assert!(parse(&wrap(r#"{"openai/a":{"input":-1,"output":1}}"#, "USD")).is_err());
        assert!(parse(&wrap(r#"{"nope/a":{"input":1,"output":1}}"#, "USD")).is_err());
        assert!(parse(&wrap(r#"{"openai/A":{"input":1,"output":1}}"#, "USD")).is_err());
        assert!(parse(&wrap(r#"{"gpt":{"input":1,"output":1}}"#, "USD")).is_err());
    }

    #[test]
    fn version_suffixes() {
        for ok in [
            "-2024-07-18",
            "-20250929",
            "-0709",
            "-latest",
            "-preview-05-20",
            "-exp-03-25",
            "-001",
        ] {
            assert!(is_version_suffix(ok), "{ok}");
        }
        for no in [
            "",
            "-",
            "-5",
            "-1-fast",
            "-mini",
            "-preview-tts",
            "x",
            "-0",
            "--2024",
            "-2024-",
        ] {
            assert!(!is_version_suffix(no), "{no}");
        }
    }
}
