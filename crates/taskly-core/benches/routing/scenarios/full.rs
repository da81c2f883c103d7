//! The full chat path: `ChatService::start` consumed to `Finished` (route decision, key, client,
//! request, SSE parsing, usage), through a personal key or the Taskly proxy.

use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use taskly_core::chat::ChatRequest;
use taskly_core::chat::run::{ChatEvent, ChatService};
use taskly_core::routing::RouteKind;

use crate::harness::Sample;

/// The full path: route, key, client, request, SSE, usage; consumed to `Finished`.
pub(crate) async fn full(
    service: &Arc<ChatService>,
    request: ChatRequest,
    expected: RouteKind,
) -> Result<Sample, String> {
    let start = Instant::now();
    let mut events = service.start(request);
    let mut first = None;
    let mut last = None;
    while let Some(event) = events.next().await {
        match event {
            Ok(ChatEvent::Delta { .. }) => {
                let now = start.elapsed();
                first.get_or_insert(now);
                last = Some(now);
            }
            Ok(ChatEvent::Finished { route, .. }) => {
                let total = start.elapsed();
                if route.kind != expected {
                    return Err(format!("went {:?}, expected {expected:?}", route.kind));
                }
                if first.is_none() {
                    return Err("finished without any text".into());
                }
                return Ok(Sample { total, first, last });
            }
            Ok(_) => {}
            Err(err) => return Err(format!("chat failed: {:?}", err.code())),
        }
    }
    Err("the event stream ended before Finished".into())
}
