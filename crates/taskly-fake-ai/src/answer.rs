//! The deterministic reply: its text, its word-sized stream chunks and its token counts.

/// Appended to every reply so even an empty prompt streams several chunks.
pub(crate) const CLOSING: &str = "This reply comes from taskly-fake-ai.";

/// What the fake says to a prompt, the same whether streamed or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Answer {
    pub text: String,
    /// Word-sized pieces whose concatenation is `text` (each carries its leading space).
    pub chunks: Vec<String>,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

impl Answer {
    /// The reply to `last_user` (the last user message) given every text in the prompt.
    pub(crate) fn new<'a>(last_user: &str, prompt: impl IntoIterator<Item = &'a str>) -> Self {
        let text = ["Echo:", last_user.trim(), CLOSING]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let chunks = word_chunks(&text);
        // Words stand in for tokens: cheap, deterministic and plausible in size.
        let prompt_tokens = prompt
            .into_iter()
            .map(|t| t.split_whitespace().count() as u64)
            .sum::<u64>()
            .max(1);
        let completion_tokens = chunks.len() as u64;
        Self {
            text,
            chunks,
            prompt_tokens,
            completion_tokens,
        }
    }

    pub(crate) fn total_tokens(&self) -> u64 {
        self.prompt_tokens + self.completion_tokens
    }
}

/// Split into pieces that each start with the whitespace before a word, like tokenizer output.
fn word_chunks(text: &str) -> Vec<String> {
    let mut chunks: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    for c in text.chars() {
        if c.is_whitespace() {
            if in_word {
                chunks.push(std::mem::take(&mut current));
                in_word = false;
            }
        } else {
            in_word = true;
        }
        current.push(c);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoes_and_chunks_by_word() {
        let answer = Answer::new(" hello  there\n", ["You are terse.", "hello there"]);
        assert_eq!(answer.text, format!("Echo: hello  there {CLOSING}"));
        assert_eq!(answer.chunks.concat(), answer.text);
        assert_eq!(answer.chunks[0], "Echo:");
        assert_eq!(answer.chunks[1], " hello");
        assert_eq!(answer.chunks[2], "  there");
        assert_eq!(answer.completion_tokens, 8);
        assert_eq!(answer.prompt_tokens, 5);
        assert_eq!(answer.total_tokens(), 13);
    }

    #[test]
    fn empty_prompt_still_streams_several_chunks() {
        let answer = Answer::new("", []);
        assert_eq!(answer.text, format!("Echo: {CLOSING}"));
        assert!(answer.chunks.len() >= 5);
        assert_eq!(answer.prompt_tokens, 1);
    }
}
