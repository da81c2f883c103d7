//! Test helpers shared by the wire adapters' tests (Anthropic, Gemini): decode a recorded SSE
//! stream fed in chunks, and hold that any way of chunking it decodes the same.

use super::sse::{SseDecoder, SseEvent};
use super::{DecodeError, Decoded};

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
