//! Reading a stream of results (a chat's events) to its end under a deadline, so a test that
//! only wants what arrived does not write the loop again, and a broken timeout fails the test
//! instead of hanging it.
//!
//! Generic over the item and error types: this crate does not depend on taskly-core (whose own
//! tests use it), so the chat's `ChatStream` of `Result<ChatEvent, Error>` is just a stream here.

use std::fmt::Debug;
use std::time::{Duration, Instant};

use futures::{Stream, StreamExt};

/// What a stream gave until it ended.
#[derive(Debug)]
pub struct Drained<T, E> {
    /// Every `Ok` item, in order.
    pub events: Vec<T>,
    /// The last `Err` item (a chat sends at most one, as its last).
    pub error: Option<E>,
    /// From just before the stream was started to its end.
    pub elapsed: Duration,
}

impl<T, E> Drained<T, E> {
    /// Whether any event matches.
    pub fn any(&self, wanted: impl Fn(&T) -> bool) -> bool {
        self.events.iter().any(wanted)
    }
}

/// Starts the stream with `start` and reads it to its end; `None` if it has not ended within
/// `limit` (what arrived until then is dropped).
pub async fn drain_within<S, T, E>(
    start: impl FnOnce() -> S,
    limit: Duration,
) -> Option<Drained<T, E>>
where
    S: Stream<Item = Result<T, E>>,
{
    let (drained, ended) = read(start, limit).await;
    ended.then_some(drained)
}

/// As [`drain_within`], failing the test with what arrived when the stream has not ended within
/// `limit`.
pub async fn drain<S, T: Debug, E: Debug>(
    start: impl FnOnce() -> S,
    limit: Duration,
) -> Drained<T, E>
where
    S: Stream<Item = Result<T, E>>,
{
    let (drained, ended) = read(start, limit).await;
    assert!(
        ended,
        "the request never ended: {:?}, {:?}",
        drained.events, drained.error
    );
    drained
}

async fn read<S, T, E>(start: impl FnOnce() -> S, limit: Duration) -> (Drained<T, E>, bool)
where
    S: Stream<Item = Result<T, E>>,
{
    let started = Instant::now();
    let stream = start();
    let mut events = Vec::new();
    let mut error = None;
    let ended = tokio::time::timeout(limit, async {
        futures::pin_mut!(stream);
        while let Some(item) = stream.next().await {
            match item {
                Ok(event) => events.push(event),
                Err(e) => error = Some(e),
            }
        }
    })
    .await
    .is_ok();
    let drained = Drained {
        events,
        error,
        elapsed: started.elapsed(),
    };
    (drained, ended)
}
