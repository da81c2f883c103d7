//! The OpenAI-compatible whole answer (`chat.completion`), for a gateway that answers a
//! streaming request with one complete JSON body. Streamed answers go through async-openai
//! (`upstream.rs`); this reads only what that path cannot.

use serde::Deserialize;

use crate::chat::{DecodeError, FullAnswer, TokenUsage};

#[derive(Deserialize)]
struct Completion {
    choices: Option<Vec<Choice>>,
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: Option<AnswerMessage>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct AnswerMessage {
    content: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
}

/// Reads a whole `chat.completion` answer: the first choice's text, usage and finish reason.
pub fn decode_full(body: &[u8]) -> Result<FullAnswer, DecodeError> {
    let completion: Completion = serde_json::from_slice(body).map_err(|e| {
        let category = match e.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "invalid JSON",
            serde_json::error::Category::Data => "unexpected JSON shape",
            serde_json::error::Category::Eof => "truncated JSON",
        };
        DecodeError(format!(
            "the answer was unreadable ({category} at line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let Some(choice) = completion.choices.and_then(|c| c.into_iter().next()) else {
        return Err(DecodeError("the answer has no choices".to_owned()));
    };
    let text = choice.message.and_then(|m| m.content).unwrap_or_default();
    Ok(FullAnswer {
        text,
        usage: completion.usage.map(|u| TokenUsage {
            input_tokens: u.prompt_tokens.unwrap_or(0),
            output_tokens: u.completion_tokens.unwrap_or(0),
        }),
        finish_reason: choice.finish_reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_whole_completion() {
        let body = br#"{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-mini",
            "choices":[{"index":0,"message":{"role":"assistant","content":"Hello there."},"finish_reason":"stop"}],
            "usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}"#;
        assert_eq!(
            decode_full(body).expect("decodes"),
            FullAnswer {
                text: "Hello there.".into(),
                usage: Some(TokenUsage {
                    input_tokens: 9,
                    output_tokens: 3
                }),
                finish_reason: Some("stop".into()),
            }
        );
    }

    #[test]
    fn refuses_what_is_not_a_completion_without_quoting_it() {
        for body in [
            &b"<html>502</html>"[..],
            br#"{"choices":[]}"#,
            br#"{"object":"list","data":[]}"#,
        ] {
            let err = decode_full(body).expect_err("not a completion");
            assert!(!err.0.contains("html") && !err.0.contains("list"), "{err}");
        }
    }
}
