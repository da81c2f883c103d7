//! Counts a chat request's input before it is sent, and works out its worst-case cost.
//!
//! OpenAI models are counted with OpenAI's own tokenizer (`tiktoken-rs`: `o200k_base` for the
//! GPT-4o, GPT-4.1, GPT-5, o-series and gpt-oss families, `cl100k_base` for GPT-4 and
//! GPT-3.5), plus the per-message framing OpenAI documents in its cookbook ("How to count tokens
//! with tiktoken"): 3 tokens per message, the role's tokens, and 3 for the reply's opening. Every
//! other model is estimated, because its tokenizer is not published as a crate: one token per 4
//! ASCII characters (rounded up, the rule of thumb OpenAI and Google give for English), one per
//! any other character (non-Latin scripts tokenise far denser than 4 characters a token, and an
//! estimate that guards a budget must not come out low), plus 4 tokens per message and 3 per
//! request for the framing.
//!
//! The worst case adds the most the answer may cost: the request's `max_tokens`, or
//! [`DEFAULT_MAX_OUTPUT_TOKENS`] when it names none (what Anthropic requests carry; the other
//! providers may then answer longer, so a request without `max_tokens` has a worst case only as
//! firm as that cap). Both are priced with [`super::prices`]; an unpriced model has no worst case.
//!
//! The tokenizers are loaded once, on the first OpenAI request counted, and kept: that first
//! load takes a tenth of a second of CPU (more on a busy machine) and tens of MB per encoding,
//! and a long conversation takes a while to count, so callers on an async runtime count through
//! [`estimate_blocking`].

use std::sync::OnceLock;

use serde::Serialize;
use tiktoken_rs::CoreBPE;
use tiktoken_rs::tokenizer::{Tokenizer, get_tokenizer};

use super::prices;
use crate::ProviderId;
use crate::chat::{ChatRequest, Role};

/// The answer length assumed when a request names no `max_tokens`: what Taskly asks Anthropic
/// for in that case (`chat::anthropic::DEFAULT_MAX_TOKENS`), and a common output cap elsewhere.
pub const DEFAULT_MAX_OUTPUT_TOKENS: u64 = crate::chat::anthropic::DEFAULT_MAX_TOKENS as u64;

/// OpenAI's framing of each message (`<|start|>`, the separator, `<|end|>`), the role counted
/// apart; OpenAI's cookbook gives 3 for every current chat model.
const TIKTOKEN_TOKENS_PER_MESSAGE: u64 = 3;
/// OpenAI's reply opening (`<|start|>assistant<|message|>`), counted once per request.
const TIKTOKEN_REPLY_PRIMING: u64 = 3;
/// The estimate's framing of each message, its role included.
const ESTIMATED_TOKENS_PER_MESSAGE: u64 = 4;
/// The estimate's framing of the request as a whole.
const ESTIMATED_TOKENS_PER_REQUEST: u64 = 3;
/// ASCII characters per estimated token.
const ASCII_CHARS_PER_TOKEN: u64 = 4;

/// What a request will cost at most, worked out before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Estimate {
    /// Input tokens: counted when `exact_input`, estimated otherwise.
    pub input_tokens: u64,
    /// The most answer tokens the request allows (its `max_tokens`, or the default cap).
    pub max_output_tokens: u64,
    /// Whether `input_tokens` comes from the model's own tokenizer rather than an estimate.
    pub exact_input: bool,
    /// The cost in USD if the answer runs to `max_output_tokens`; `None` when the model has no
    /// known price.
    pub worst_case_usd: Option<f64>,
}

impl Estimate {
    /// The estimate in words, for messages: "This request could cost up to $0.0107 (55,012
    /// tokens in, up to 4,096 out)"; "about" marks an estimated input.
    pub fn describe(&self) -> String {
        let about = if self.exact_input { "" } else { "about " };
        let tokens = format!(
            "{about}{} tokens in, up to {} out",
            thousands(self.input_tokens),
            thousands(self.max_output_tokens)
        );
        match self.worst_case_usd {
            Some(usd) => format!(
                "This request could cost up to {} ({tokens})",
                usd_at_most(usd)
            ),
            None => format!("This request's cost is unknown, its model having no price ({tokens})"),
        }
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// An upper bound in USD, rounded up: to the cent from $1, else to a hundredth of a cent (so a
/// small request does not read "$0.00", nor one just over a $0.01 budget "$0.01").
fn usd_at_most(usd: f64) -> String {
    if usd >= 1.0 {
        return format!("${:.2}", (usd * 100.0).ceil() / 100.0);
    }
    let text = format!("{:.4}", (usd * 10_000.0).ceil() / 10_000.0);
    // Trailing zeros go, down to two decimals: $0.04, $0.0107.
    let trimmed = text.trim_end_matches('0');
    let decimals = trimmed.split_once('.').map_or(0, |(_, d)| d.len());
    format!("${trimmed}{}", "0".repeat(2usize.saturating_sub(decimals)))
}

/// Counts `request` for `model` (the model it will be sent to, resolved: not `request.model`,
/// which may be unset) at `provider`, and prices its worst case.
///
/// Blocks while the tokenizer loads, the first time an OpenAI model is counted; on an async
/// runtime use [`estimate_blocking`].
pub fn estimate(provider: ProviderId, model: &str, request: &ChatRequest) -> Estimate {
    let (input_tokens, exact_input) = match bpe_for(model) {
        Some(bpe) => (count_with(bpe, request), true),
        None => (count_estimated(request), false),
    };
    let max_output_tokens = request
        .max_tokens
        .map_or(DEFAULT_MAX_OUTPUT_TOKENS, u64::from);
    Estimate {
        input_tokens,
        max_output_tokens,
        exact_input,
        worst_case_usd: prices::estimate(provider, model, input_tokens, max_output_tokens),
    }
}

/// [`estimate`] on tokio's blocking pool, so a tokenizer's first load or a long conversation
/// does not hold up the runtime.
pub async fn estimate_blocking(
    provider: ProviderId,
    model: String,
    request: ChatRequest,
) -> Estimate {
    let max_output_tokens = request
        .max_tokens
        .map_or(DEFAULT_MAX_OUTPUT_TOKENS, u64::from);
    let counted = tokio::task::spawn_blocking(move || {
        // A panic inside the tokenizer must not leave the budget unguarded: the character
        // estimate still counts the input (priced as usual).
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            estimate(provider, &model, &request)
        }))
        .unwrap_or_else(|_| {
            let input_tokens = count_estimated(&request);
            Estimate {
                input_tokens,
                max_output_tokens,
                exact_input: false,
                worst_case_usd: prices::estimate(provider, &model, input_tokens, max_output_tokens),
            }
        })
    })
    .await;
    // Only a runtime shutting down gets here; nothing is sent then anyway.
    counted.unwrap_or(Estimate {
        input_tokens: 0,
        max_output_tokens,
        exact_input: false,
        worst_case_usd: None,
    })
}

/// Loads both tokenizers now (blocking), so the first request counted does not wait for them.
pub fn warm_up() {
    for encoding in [Encoding::O200k, Encoding::Cl100k] {
        let _ = encoding.bpe();
    }
}

/// The encodings we ship; older ones (p50k, r50k) belong to completion models no chat uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    O200k,
    Cl100k,
}

impl Encoding {
    /// The encoding of an OpenAI model id, from tiktoken-rs's own model table (kept up to date
    /// upstream). An OpenRouter or Groq id (`openai/gpt-4o-mini`, `openai/gpt-oss-20b`) names
    /// the same model; an Azure deployment or a custom endpoint is counted only when its name
    /// is an OpenAI model's.
    fn of(model: &str) -> Option<Self> {
        let model = model.trim().to_ascii_lowercase();
        let model = model.strip_prefix("openai/").unwrap_or(&model);
        match get_tokenizer(model)? {
            // gpt-oss's harmony encoding has o200k's ranks; it only adds special tokens, which
            // user text is never read as.
            Tokenizer::O200kBase | Tokenizer::O200kHarmony => Some(Self::O200k),
            Tokenizer::Cl100kBase => Some(Self::Cl100k),
            _ => None,
        }
    }

    /// The loaded tokenizer; `None` (logged once) if it cannot load, so the estimate is used.
    fn bpe(self) -> Option<&'static CoreBPE> {
        static O200K: OnceLock<Option<CoreBPE>> = OnceLock::new();
        static CL100K: OnceLock<Option<CoreBPE>> = OnceLock::new();
        let (cell, load): (_, fn() -> Result<CoreBPE, String>) = match self {
            Self::O200k => (&O200K, || {
                tiktoken_rs::o200k_base().map_err(|e| e.to_string())
            }),
            Self::Cl100k => (&CL100K, || {
                tiktoken_rs::cl100k_base().map_err(|e| e.to_string())
            }),
        };
        cell.get_or_init(|| match load() {
            Ok(bpe) => Some(bpe),
            Err(detail) => {
                // The vocabularies are compiled in, so this is a bug, not a user's problem.
                tracing::error!(?self, %detail, "tokenizer failed to load; estimating instead");
                None
            }
        })
        .as_ref()
    }
}

fn bpe_for(model: &str) -> Option<&'static CoreBPE> {
    Encoding::of(model)?.bpe()
}

fn count_with(bpe: &CoreBPE, request: &ChatRequest) -> u64 {
    // `encode_ordinary`: text that looks like a special token (`<|endoftext|>`) is text to the
    // API too.
    let tokens = |text: &str| bpe.encode_ordinary(text).len() as u64;
    request
        .messages
        .iter()
        .map(|m| TIKTOKEN_TOKENS_PER_MESSAGE + tokens(role_name(m.role)) + tokens(&m.content))
        .fold(TIKTOKEN_REPLY_PRIMING, u64::saturating_add)
}

fn count_estimated(request: &ChatRequest) -> u64 {
    request
        .messages
        .iter()
        .map(|m| ESTIMATED_TOKENS_PER_MESSAGE + estimated_tokens(&m.content))
        .fold(ESTIMATED_TOKENS_PER_REQUEST, u64::saturating_add)
}

/// One token per 4 ASCII characters, rounded up, and one per other character.
fn estimated_tokens(text: &str) -> u64 {
    let (ascii, other) = text.chars().fold((0u64, 0u64), |(a, o), c| {
        if c.is_ascii() { (a + 1, o) } else { (a, o + 1) }
    });
    ascii.div_ceil(ASCII_CHARS_PER_TOKEN) + other
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::System => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::chat::Message;

    fn request(messages: &[(Role, &str)], max_tokens: Option<u32>) -> ChatRequest {
        ChatRequest {
            provider: ProviderId::Openai,
            model: None,
            messages: messages
                .iter()
                .map(|(role, text)| Message {
                    role: *role,
                    content: (*text).to_owned(),
                })
                .collect(),
            max_tokens,
            allow_secrets: false,
        }
    }

    fn bpe(encoding: Encoding) -> &'static CoreBPE {
        encoding.bpe().expect("the compiled-in vocabulary loads")
    }

    #[test]
    fn tokenizers_give_tiktokens_own_counts() {
        // openai/tiktoken, tests/test_encoding.py (test_simple, test_simple_regex,
        // test_encode_surrogate_pairs).
        let cl100k = bpe(Encoding::Cl100k);
        assert_eq!(cl100k.encode_ordinary("hello world"), vec![15339, 1917]);
        assert_eq!(cl100k.encode_ordinary("rer"), vec![38149]);
        assert_eq!(cl100k.encode_ordinary("today\n "), vec![31213, 198, 220]);
        assert_eq!(cl100k.encode_ordinary("👍"), vec![9468, 239, 235]);
        // OpenAI's cookbook, "How to count tokens with tiktoken": "tiktoken is great!" is
        // ["t", "ik", "token", " is", " great", "!"] in cl100k_base.
        assert_eq!(cl100k.encode_ordinary("tiktoken is great!").len(), 6);
        // tiktoken's README example: "hello world" in o200k_base is two tokens.
        let o200k = bpe(Encoding::O200k);
        assert_eq!(o200k.encode_ordinary("hello world").len(), 2);
        assert_eq!(o200k.encode_ordinary("tiktoken is great!").len(), 6);
    }

    #[test]
    fn openai_models_are_counted_with_their_encoding() {
        for model in [
            "gpt-4o-mini",
            "gpt-4o-mini-2024-07-18",
            "gpt-4.1",
            "gpt-5-nano",
            "o3",
            "o4-mini",
            "openai/gpt-4o-mini",
            "openai/gpt-oss-120b",
            "GPT-4o",
        ] {
            assert_eq!(Encoding::of(model), Some(Encoding::O200k), "{model}");
        }
        for model in ["gpt-4", "gpt-4-turbo", "gpt-3.5-turbo", "gpt-35-turbo"] {
            assert_eq!(Encoding::of(model), Some(Encoding::Cl100k), "{model}");
        }
        for model in [
            "claude-sonnet-4-5",
            "gemini-2.5-flash",
            "deepseek-chat",
            "grok-3-mini",
            "llama-3.3-70b-versatile",
            "my-deployment",
            "davinci",
            "",
        ] {
            assert_eq!(Encoding::of(model), None, "{model}");
        }
    }

    #[test]
    fn an_openai_request_is_counted_with_the_cookbook_framing() {
        let req = request(&[(Role::User, "hello world")], None);
        let e = estimate(ProviderId::Openai, "gpt-4o-mini", &req);
        // 3 (message) + 1 ("user") + 2 ("hello world") + 3 (reply priming).
        assert_eq!(e.input_tokens, 9);
        assert!(e.exact_input);
        assert_eq!(e.max_output_tokens, DEFAULT_MAX_OUTPUT_TOKENS);
        let expected = prices::estimate(ProviderId::Openai, "gpt-4o-mini", 9, 4096);
        assert_eq!(e.worst_case_usd, expected);
        assert!(expected.is_some());

        let two = request(
            &[
                (Role::System, "tiktoken is great!"),
                (Role::User, "hello world"),
            ],
            Some(100),
        );
        let e = estimate(ProviderId::AzureOpenai, "gpt-4", &two);
        // (3 + 1 + 6) + (3 + 1 + 2) + 3.
        assert_eq!(e.input_tokens, 19);
        assert!(e.exact_input);
        assert_eq!(e.max_output_tokens, 100);
        assert_eq!(e.worst_case_usd, None, "gpt-4 has no price in the table");
    }

    #[test]
    fn other_models_are_estimated_by_characters() {
        assert_eq!(estimated_tokens(""), 0);
        assert_eq!(estimated_tokens("abc"), 1);
        assert_eq!(estimated_tokens("abcd"), 1);
        assert_eq!(estimated_tokens("abcde"), 2);
        // Non-ASCII characters are a token each: never an estimate that comes out low.
        assert_eq!(estimated_tokens("日本語"), 3);
        assert_eq!(estimated_tokens("café"), 2);

        let req = request(&[(Role::User, "hello world")], Some(1000));
        let e = estimate(ProviderId::Anthropic, "claude-sonnet-4-5", &req);
        // 3 (request) + 4 (message) + ceil(11 / 4).
        assert_eq!(e.input_tokens, 10);
        assert!(!e.exact_input);
        assert_eq!(e.max_output_tokens, 1000);
        let cost = e.worst_case_usd.expect("priced");
        // $3 in, $15 out per 1M tokens.
        assert!(
            (cost - (10.0 * 3.0 + 1000.0 * 15.0) / 1e6).abs() < 1e-12,
            "{cost}"
        );

        let custom = estimate(ProviderId::Custom, "llama3", &req);
        assert_eq!(
            custom.worst_case_usd, None,
            "custom endpoints are never priced"
        );
        assert_eq!(custom.input_tokens, 10);
    }

    #[test]
    fn a_long_request_has_a_worst_case_that_a_cent_does_not_cover() {
        // The "done when": a hard budget of $0.01 refuses a long request.
        let long = "All work and no play makes Jack a dull boy. ".repeat(10_000);
        let e = estimate(
            ProviderId::Openai,
            "gpt-4o-mini",
            &request(&[(Role::User, &long)], None),
        );
        assert!(e.input_tokens > 40_000, "{e:?}");
        assert!(e.worst_case_usd.expect("priced") > 0.01, "{e:?}");
    }

    #[tokio::test]
    async fn the_blocking_form_gives_the_same_answer() {
        let req = request(&[(Role::User, "hello world")], Some(7));
        assert_eq!(
            estimate_blocking(ProviderId::Openai, "gpt-4o".into(), req.clone()).await,
            estimate(ProviderId::Openai, "gpt-4o", &req)
        );
        warm_up();
    }

    fn providers() -> impl Strategy<Value = (ProviderId, &'static str)> {
        prop::sample::select(vec![
            (ProviderId::Openai, "gpt-4o-mini"),
            (ProviderId::Openai, "gpt-4"),
            (ProviderId::Anthropic, "claude-sonnet-4-5"),
            (ProviderId::Gemini, "gemini-2.5-flash"),
            (ProviderId::Mistral, "mistral-small-latest"),
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        /// Longer text never makes the estimate smaller. (A tokenizer's count of a longer text
        /// can be smaller, `"hello wor"` + `"ld"` merging into fewer tokens, so text is grown
        /// by characters only where it is estimated; the tokenizer is grown by messages.)
        #[test]
        fn the_estimate_grows_with_the_text(
            text in any::<String>(),
            more in any::<String>(),
            max_tokens in proptest::option::of(0u32..100_000),
        ) {
            let longer = format!("{text}{more}");
            let a = estimate(ProviderId::Anthropic, "claude-haiku-4-5", &request(&[(Role::User, &text)], max_tokens));
            let b = estimate(ProviderId::Anthropic, "claude-haiku-4-5", &request(&[(Role::User, &longer)], max_tokens));
            prop_assert!(b.input_tokens >= a.input_tokens);
            prop_assert!(b.worst_case_usd >= a.worst_case_usd);
            if !more.is_empty() && more.is_ascii() {
                // ceil(n / 4) may stand still for up to 3 ASCII characters, never more.
                prop_assert!(more.len() < 4 || b.input_tokens > a.input_tokens);
            }
        }

        /// Another message or a larger `max_tokens` never lowers the count or the worst case,
        /// for counted and estimated models alike.
        #[test]
        fn more_messages_and_more_output_cost_more(
            (provider, model) in providers(),
            first in "[ -~]{0,200}|\\PC{0,50}",
            second in "[ -~]{0,200}|\\PC{0,50}",
            max_tokens in 0u32..100_000,
            extra in 1u32..100_000,
        ) {
            let one = request(&[(Role::User, &first)], Some(max_tokens));
            let two = request(&[(Role::User, &first), (Role::Assistant, &second)], Some(max_tokens));
            let longer_answer = request(&[(Role::User, &first)], Some(max_tokens + extra));
            let (a, b, c) = (
                estimate(provider, model, &one),
                estimate(provider, model, &two),
                estimate(provider, model, &longer_answer),
            );
            prop_assert!(b.input_tokens > a.input_tokens);
            prop_assert!(b.worst_case_usd >= a.worst_case_usd);
            prop_assert_eq!(c.input_tokens, a.input_tokens);
            prop_assert!(c.worst_case_usd >= a.worst_case_usd);
            prop_assert_eq!(a.exact_input, Encoding::of(model).is_some());
        }
    }
}
