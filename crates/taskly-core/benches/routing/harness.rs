//! The timing harness: one request's sample, `concurrency` workers sharing a request count, and a
//! level's warm-up and measured rounds that take turns between the scenarios.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::fixtures::peer_ports;
use crate::scenarios::{Ctx, Scenario, once};

/// (concurrent requests, measured requests per scenario).
pub(crate) const LEVELS: [(usize, usize); 3] = [(1, 300), (16, 800), (64, 1600)];
/// Each level's requests are split into rounds that alternate the scenarios, so a slow patch
/// of the machine (another process, a page-cache flush) hits every scenario alike.
pub(crate) const ROUNDS: usize = 4;
/// No single request may hold the run hostage.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What one request took. `first`: first body chunk (bare) or first `Delta` (full);
/// `last`: last `Delta` (full path only).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    pub(crate) total: Duration,
    pub(crate) first: Option<Duration>,
    pub(crate) last: Option<Duration>,
}

/// The samples of one scenario at one level, over every round.
#[derive(Default)]
pub(crate) struct Batch {
    pub(crate) samples: Vec<Sample>,
    pub(crate) errors: Vec<String>,
    pub(crate) wall: Duration,
}

/// Runs `count` requests of `scenario` with `concurrency` in flight.
async fn drive(ctx: &Arc<Ctx>, scenario: Scenario, concurrency: usize, count: usize) -> Batch {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.min(count) {
        let (ctx, next) = (ctx.clone(), next.clone());
        workers.spawn(async move {
            let mut samples = Vec::new();
            let mut errors = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < count {
                match tokio::time::timeout(REQUEST_TIMEOUT, once(&ctx, scenario)).await {
                    Ok(Ok(sample)) => samples.push(sample),
                    Ok(Err(err)) => errors.push(err),
                    Err(_) => errors.push("timed out".into()),
                }
            }
            (samples, errors)
        });
    }
    let mut batch = Batch::default();
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok((samples, errors)) => {
                batch.samples.extend(samples);
                batch.errors.extend(errors);
            }
            Err(err) => batch.errors.push(format!("worker: {err}")),
        }
    }
    batch.wall = started.elapsed();
    batch
}

/// One level's measured rounds.
pub(crate) struct Level {
    /// One batch per scenario, in `Scenario::ALL` order.
    pub(crate) batches: Vec<Batch>,
    /// New client ports seen during the measured rounds = connections opened, per port of `ports`.
    pub(crate) opened: Vec<usize>,
}

/// A warm-up, then `count` requests per scenario at `concurrency`, in `ROUNDS` rounds that take
/// turns between the scenarios; counts the connections opened to each of `ports` meanwhile.
pub(crate) async fn level(
    ctx: &Arc<Ctx>,
    ports: [u16; 3],
    concurrency: usize,
    count: usize,
) -> Level {
    // Warm-up at this level: fills the connection pools and the blocking pool.
    for scenario in Scenario::ALL {
        drive(ctx, scenario, concurrency, (concurrency * 2).max(32)).await;
    }
    let before = ports.map(peer_ports);
    let mut batches: Vec<Batch> = Scenario::ALL.iter().map(|_| Batch::default()).collect();
    for round in 0..ROUNDS {
        let share = count / ROUNDS + usize::from(round < count % ROUNDS);
        for (i, scenario) in Scenario::ALL.into_iter().enumerate() {
            let batch = drive(ctx, scenario, concurrency, share).await;
            batches[i].samples.extend(batch.samples);
            batches[i].errors.extend(batch.errors);
            batches[i].wall += batch.wall;
        }
    }
    let after = ports.map(peer_ports);
    let opened: Vec<usize> = (0..3)
        .map(|i| after[i].difference(&before[i]).count())
        .collect();
    Level { batches, opened }
}
