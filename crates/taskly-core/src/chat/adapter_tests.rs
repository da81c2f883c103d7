//! Test helpers shared by the wire adapters' tests (Anthropic, Gemini): one conversation to
//! encode, decoding a recorded SSE stream fed in chunks, and holding that any way of chunking it
//! decodes the same.

use super::sse::{SseDecoder, SseEvent};
use super::{ChatRequest, DecodeError, Decoded, Message, Role};
use crate::ProviderId;

/// A short conversation with a system prompt and two turns each way.
pub(crate) fn conversation(provider: ProviderId, max_tokens: Option<u32>) -> ChatRequest {
    let message = |role, content: &str| Message {
        role,
        content: content.to_owned(),
    };
    ChatRequest {
        provider,
        model: None,
        messages: vec![
            message(Role::System, "You are Taskly's assistant. Answer briefly."),
            message(Role::User, "What is on my list today?"),
            message(Role::Assistant, "Two tasks: call the bank, buy milk."),
            message(Role::User, "Which one first?"),
        ],
        max_tokens,
        allow_secrets: false,
    }
}

/// Feeds `chunks` through one SSE decoder and `decode` (an adapter's event decoder); the stream
/// must end on an event boundary.
pub(crate) fn decode_chunks(
    chunks: &[&[u8]],
    mut decode: impl FnMut(&SseEvent) -> Result<Vec<Decoded>, DecodeError>,
) -> Result<Vec<Decoded>, DecodeError> {
    let mut sse = SseDecoder::new();
    let mut out = Vec::new();
    for chunk in chunks {
        for event in sse.push(chunk)? {
            out.extend(decode(&event)?);
        }
    }
    assert_eq!(sse.finish()?, None);
    Ok(out)
}

/// One decoded piece per line, for snapshots.
pub(crate) fn lines(decoded: &[Decoded]) -> String {
    decoded.iter().map(|d| format!("{d:?}\n")).collect()
}

/// `stream` split in two at every byte, and fed one byte at a time, decodes as it does whole.
pub(crate) fn assert_any_split_decodes_the_same(
    stream: &str,
    run: impl Fn(&[&[u8]]) -> Result<Vec<Decoded>, DecodeError>,
) {
    let bytes = stream.as_bytes();
    let whole = run(&[bytes]).expect("decodes");
    for at in 0..=bytes.len() {
        assert_eq!(
            run(&[&bytes[..at], &bytes[at..]]).expect("decodes"),
            whole,
            "split at {at}"
        );
    }
    let singles: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(run(&singles).expect("decodes"), whole);
}
