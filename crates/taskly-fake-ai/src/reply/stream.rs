//! Sends pieces one at a time: paced by the chunk delay, cut short on request, and noticing
//! when the client hangs up before the end.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};

use crate::state::Shared;

/// The least time between the last piece sent and a scripted cut.
const CUT_PAUSE: Duration = Duration::from_millis(10);

/// Counts a disconnect if dropped before the stream was finished (by completion, a cut or shutdown).
#[derive(Debug)]
struct DisconnectGuard {
    shared: Arc<Shared>,
    finished: bool,
}

impl Drop for DisconnectGuard {
    fn drop(&mut self) {
        if !self.finished {
            self.shared.count_disconnect();
        }
    }
}

#[derive(Debug)]
pub(super) struct Emitter {
    pieces: std::vec::IntoIter<Bytes>,
    /// Pieces left before a scripted cut; `None` sends them all.
    until_cut: Option<usize>,
    delay: Duration,
    started: bool,
    done: bool,
    guard: Option<DisconnectGuard>,
    shared: Arc<Shared>,
}

impl Emitter {
    /// A streamed answer: paced, watched for disconnects, optionally cut after `cut_after` pieces.
    pub(super) fn frames(
        pieces: Vec<Bytes>,
        cut_after: Option<usize>,
        shared: &Arc<Shared>,
    ) -> Self {
        Self {
            pieces: pieces.into_iter(),
            until_cut: cut_after,
            delay: shared.config.chunk_delay,
            started: false,
            done: false,
            guard: Some(DisconnectGuard {
                shared: Arc::clone(shared),
                finished: false,
            }),
            shared: Arc::clone(shared),
        }
    }

    /// A plain answer cut in the middle: half its bytes, then the connection drops.
    pub(super) fn halved(body: Vec<u8>, shared: &Arc<Shared>) -> Self {
        let mut body = Bytes::from(body);
        let rest = body.split_off(body.len() / 2);
        Self {
            pieces: vec![body, rest].into_iter(),
            until_cut: Some(1),
            delay: Duration::ZERO,
            started: false,
            done: false,
            guard: None,
            shared: Arc::clone(shared),
        }
    }

    pub(super) fn into_body(self) -> Body {
        Body::from_stream(futures::stream::unfold(self, Emitter::next))
    }

    fn finish(&mut self) {
        self.done = true;
        if let Some(guard) = &mut self.guard {
            guard.finished = true;
        }
    }

    /// Ends the body with an error, which makes the server drop the connection mid-response.
    fn abort(mut self, why: &str) -> Option<(io::Result<Bytes>, Self)> {
        self.finish();
        Some((
            Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                why.to_owned(),
            )),
            self,
        ))
    }

    async fn next(mut self) -> Option<(io::Result<Bytes>, Self)> {
        if self.done {
            return None;
        }
        if self.until_cut == Some(0) {
            // Pause first: the server flushes what it has while the body is pending, so the
            // client really receives the pieces sent before the connection drops.
            tokio::time::sleep(self.delay.max(CUT_PAUSE)).await;
            return self.abort("scripted fault: stream cut");
        }
        let Some(piece) = self.pieces.next() else {
            self.finish();
            return None;
        };
        if self.started && !self.delay.is_zero() {
            let shared = Arc::clone(&self.shared);
            let stopping = tokio::select! {
                () = tokio::time::sleep(self.delay) => false,
                () = shared.stopped() => true,
            };
            if stopping {
                return self.abort("server shutting down");
            }
        }
        self.started = true;
        if let Some(left) = &mut self.until_cut {
            *left -= 1;
        }
        if self.pieces.len() == 0 {
            // The terminator is on its way: a hang-up after this is not a premature one.
            self.finish();
        }
        Some((Ok(piece), self))
    }
}

/// The first `after` pieces, then silence with the connection held open until the server stops.
pub(super) fn stalled(pieces: Vec<Bytes>, after: usize, shared: &Arc<Shared>) -> Body {
    let shared = Arc::clone(shared);
    let head = futures::stream::iter(pieces.into_iter().take(after).map(Ok::<_, io::Error>));
    let tail = futures::stream::once(async move {
        shared.stopped().await;
        Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "server shutting down",
        ))
    });
    Body::from_stream(futures::StreamExt::chain(head, tail))
}

/// `head`, then `piece` every `every`, never ending until the server stops.
pub(super) fn endless(
    head: Vec<Bytes>,
    piece: Bytes,
    every: Duration,
    shared: &Arc<Shared>,
) -> Body {
    let shared = Arc::clone(shared);
    let head = futures::stream::iter(head.into_iter().map(Ok::<_, io::Error>));
    let tail = futures::stream::unfold(false, move |stopped| {
        let shared = Arc::clone(&shared);
        let piece = piece.clone();
        async move {
            if stopped {
                return None;
            }
            tokio::select! {
                () = tokio::time::sleep(every) => Some((Ok(piece), false)),
                () = shared.stopped() => Some((
                    Err(io::Error::new(io::ErrorKind::ConnectionAborted, "server shutting down")),
                    true,
                )),
            }
        }
    });
    Body::from_stream(futures::StreamExt::chain(head, tail))
}
