//! `Router::decide(OpenAI)` alone, warm: one call after another on a runtime worker, after one
//! call that fills the cache.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use taskly_core::ProviderId;
use taskly_core::chat::run::ChatService;
use taskly_core::routing::Router;

use crate::BenchResult;

/// Timed decisions per route; the direct `SELECT` runs as many.
pub(crate) const DECIDE_ITERATIONS: usize = 20_000;

/// Times `Router::decide` for OpenAI, warm, one call at a time, on a runtime worker.
pub(crate) async fn time_decide(router_of: Arc<ChatService>) -> BenchResult<Vec<Duration>> {
    let task = tokio::spawn(async move {
        let router: &Router = router_of.router();
        router.decide(ProviderId::Openai).await?;
        let mut times = Vec::with_capacity(DECIDE_ITERATIONS);
        for _ in 0..DECIDE_ITERATIONS {
            let start = Instant::now();
            let decision = router.decide(ProviderId::Openai).await?;
            let took = start.elapsed();
            black_box(&decision);
            drop(decision);
            times.push(took);
        }
        Ok::<_, taskly_core::Error>(times)
    });
    Ok(task.await??)
}
