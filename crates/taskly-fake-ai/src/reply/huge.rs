//! Pads an answer to a requested size without holding the padding in memory.

use std::convert::Infallible;

use axum::body::{Body, Bytes};

const BLOCK: usize = 64 * 1024;
static PAD: [u8; BLOCK] = [b'x'; BLOCK];
/// `"padding":"` + `",` around the padding itself.
const MEMBER_OPEN: &[u8] = b"\"padding\":\"";
const MEMBER_CLOSE: &[u8] = b"\",";

/// The pieces with a `"padding"` string member inserted after the first `{`, sized so the body
/// totals `target` bytes (or just a little more than the plain answer if that is already larger).
/// Returns the body and its length.
pub(super) fn padded(pieces: Vec<Bytes>, target: usize) -> (Body, usize) {
    let base: usize = pieces.iter().map(Bytes::len).sum();
    let mut pieces = pieces.into_iter();
    let Some(first) = pieces.next() else {
        return (Body::empty(), 0);
    };
    let Some(brace) = first.iter().position(|b| *b == b'{') else {
        let body: Vec<Bytes> = std::iter::once(first).chain(pieces).collect();
        return (Body::from(body.concat()), base);
    };
    let overhead = MEMBER_OPEN.len() + MEMBER_CLOSE.len();
    let pad = target.saturating_sub(base + overhead);
    let head = [&first[..=brace], MEMBER_OPEN].concat();
    let tail = [MEMBER_CLOSE, &first[brace + 1..]].concat();
    let padding = std::iter::repeat_n(Bytes::from_static(&PAD), pad / BLOCK)
        .chain(std::iter::once(Bytes::from_static(&PAD[..pad % BLOCK])));
    let all = std::iter::once(Bytes::from(head))
        .chain(padding)
        .chain(std::iter::once(Bytes::from(tail)))
        .chain(pieces)
        .filter(|b| !b.is_empty())
        .map(Ok::<_, Infallible>);
    (
        Body::from_stream(futures::stream::iter(all)),
        base + overhead + pad,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn collect(body: Body) -> Vec<u8> {
        axum::body::to_bytes(body, usize::MAX)
            .await
            .expect("an in-memory body reads")
            .to_vec()
    }

    #[tokio::test]
    async fn pads_to_the_exact_size_and_stays_json() {
        let (body, length) = padded(vec![Bytes::from_static(b"{\"a\":1}")], 200_000);
        let bytes = collect(body).await;
        assert_eq!(length, 200_000);
        assert_eq!(bytes.len(), 200_000);
        let value: serde_json::Value = serde_json::from_slice(&bytes).expect("still JSON");
        assert_eq!(value["a"], 1);
    }

    #[tokio::test]
    async fn small_targets_still_give_a_valid_answer() {
        let (body, length) = padded(vec![Bytes::from_static(b"data: {\"a\":1}\n\n")], 3);
        let bytes = collect(body).await;
        assert_eq!(bytes, b"data: {\"padding\":\"\",\"a\":1}\n\n");
        assert_eq!(length, bytes.len());
    }
}
