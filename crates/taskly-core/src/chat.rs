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
pub mod failover;
pub mod failure;
pub mod gemini;
pub mod models;
pub mod openai;
pub mod receipt;
pub mod run;
pub mod sse;
pub mod upstream;

use serde::{Deserialize, Serialize};

use crate::ProviderId;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(ts_rs::TS))]
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
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// What it says.
    pub content: String,
}

/// A chat request, before routing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ChatRequest {
    /// The provider whose model answers (through the user's key or Taskly).
    pub provider: ProviderId,
    /// The model; `None` picks the provider's default.
    pub model: Option<String>,
    /// The conversation so far, oldest first; the last one is the user's question.
    pub messages: Vec<Message>,
    /// An upper bound on the answer's length in tokens.
    pub max_tokens: Option<u32>,
    /// Send even if the question looks like it holds an API key (the prompt guard's "send
    /// anyway", the CLI's `--allow-secrets`).
    #[serde(default)]
    pub allow_secrets: bool,
}

/// The most messages one request may carry.
pub const MAX_MESSAGES: usize = 500;
/// The most bytes of text one request may carry.
pub const MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;
/// The longest model name.
pub const MAX_MODEL_CHARS: usize = 200;

impl ChatRequest {
    /// A one-question conversation for `provider`'s default model, with no length bound.
    pub fn ask(provider: ProviderId, question: impl Into<String>) -> Self {
        Self {
            provider,
            model: None,
            messages: vec![Message {
                role: Role::User,
                content: question.into(),
            }],
            max_tokens: None,
            allow_secrets: false,
        }
    }

    /// Refuses, before anything is routed or sent, a request no upstream should get: no
    /// question, a conversation too long or too large, a model name that is not one. Both front
    /// ends get the same typed error (`invalid_chat_request`); `ChatService::start` runs it.
    pub fn check(&self) -> crate::Result<()> {
        let refuse = |reason: &str| {
            Err(crate::Error::InvalidChatRequest {
                reason: reason.to_owned(),
            })
        };
        if self.messages.is_empty() {
            return refuse("there is no question");
        }
        if self.messages.len() > MAX_MESSAGES {
            return refuse("the conversation is too long; clear it and ask again");
        }
        if self.messages.iter().map(|m| m.content.len()).sum::<usize>() > MAX_TEXT_BYTES {
            return refuse("the conversation is too large; clear it and ask again");
        }
        if self
            .model
            .as_ref()
            .is_some_and(|m| m.chars().count() > MAX_MODEL_CHARS || m.chars().any(char::is_control))
        {
            return refuse("the model name is not valid");
        }
        Ok(())
    }
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
    /// The model the upstream says is answering (may differ from the one asked for: an alias,
    /// a dated snapshot, a gateway's choice).
    Model(String),
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

#[cfg(test)]
mod check_tests {
    use super::*;

    fn ask(messages: Vec<Message>, model: Option<&str>) -> ChatRequest {
        ChatRequest {
            provider: ProviderId::Openai,
            model: model.map(str::to_owned),
            messages,
            max_tokens: None,
            allow_secrets: false,
        }
    }

    fn user(text: &str) -> Message {
        Message {
            role: Role::User,
            content: text.to_owned(),
        }
    }

    #[test]
    fn a_request_is_checked_before_anything_is_sent() {
        assert!(ask(vec![user("hi")], None).check().is_ok());
        assert!(ask(vec![user("hi")], Some("gpt-4o")).check().is_ok());
        let big = "x".repeat(MAX_TEXT_BYTES + 1);
        for (request, why) in [
            (ask(Vec::new(), None), "no question"),
            (ask(vec![user("hi"); MAX_MESSAGES + 1], None), "too long"),
            (ask(vec![user(&big)], None), "too large"),
            (
                ask(vec![user("hi")], Some(&"m".repeat(MAX_MODEL_CHARS + 1))),
                "not valid",
            ),
            (ask(vec![user("hi")], Some("gpt\n4o")), "not valid"),
        ] {
            let err = request.check().expect_err(why);
            assert_eq!(err.code(), crate::ErrorCode::InvalidChatRequest, "{why}");
            assert!(err.to_string().contains(why), "{err}");
        }
    }
}
