//! Chat requests and answers, independent of who answers them.
//!
//! The router (`routing.rs`) decides where a request goes; the wire adapters turn a
//! [`ChatRequest`] into a provider's HTTP request and its answer (plain or streamed as
//! server-sent events) back into [`Decoded`] pieces: OpenAI-compatible providers and the Taskly
//! proxy through `async-openai` (`upstream.rs`), Anthropic and Gemini through small adapters
//! of ours (`anthropic.rs`, `gemini.rs`) over one SSE decoder (`sse.rs`).

#[cfg(test)]
mod adapter_tests;
pub mod anthropic;
pub mod failure;
pub mod gemini;
pub mod models;
pub mod openai;
pub mod run;
pub mod sse;
pub mod upstream;

use serde::{Deserialize, Serialize};

use crate::ProviderId;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions for the model.
    System,
    /// The person.
    User,
    /// The model.
    Assistant,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// What it says.
    pub content: String,
}

/// A chat request, before routing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The provider whose model answers (through the user's key or Taskly).
    pub provider: ProviderId,
    /// The model; `None` picks the provider's default.
    pub model: Option<String>,
    /// The conversation so far, oldest first; the last one is the user's question.
    pub messages: Vec<Message>,
    /// An upper bound on the answer's length in tokens.
    pub max_tokens: Option<u32>,
}

/// Tokens counted by the upstream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TokenUsage {
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Answer tokens.
    pub output_tokens: u64,
}

/// A provider's HTTP request for a chat, before auth headers are added.
#[derive(Debug, Clone, PartialEq)]
pub struct WireRequest {
    /// Path below the base URL, e.g. `/messages`.
    pub path: String,
    /// Query parameters (never a key), e.g. `alt=sse`.
    pub query: Vec<(String, String)>,
    /// The JSON body.
    pub body: serde_json::Value,
}

/// One piece of an answer, as decoded from the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// More answer text.
    Delta(String),
    /// Token counts; fields the event does not carry are `None`, so pieces can be merged.
    Usage {
        /// Prompt tokens, if this event says.
        input_tokens: Option<u64>,
        /// Answer tokens so far, if this event says.
        output_tokens: Option<u64>,
    },
    /// The answer is complete.
    Done {
        /// Why it ended (`stop`, `end_turn`, `STOP`, `length`, `max_tokens`, …), as the upstream says.
        finish_reason: Option<String>,
    },
    /// The upstream reported an error inside the stream (e.g. Anthropic's `overloaded_error`).
    Failed {
        /// Its machine code, lower-case (e.g. `overloaded_error`).
        code: String,
        /// Its message, shortened and scrubbed of anything key-shaped.
        message: String,
    },
}

/// An answer we could not read. Never contains answer text or keys.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

/// A whole (non-streamed) answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullAnswer {
    /// The text.
    pub text: String,
    /// Token counts, when the upstream gave them.
    pub usage: Option<TokenUsage>,
    /// Why it ended.
    pub finish_reason: Option<String>,
}

/// The default model per provider when the user names none (a registry fact).
pub fn default_model(provider: ProviderId) -> &'static str {
    provider.spec().default_model
}
