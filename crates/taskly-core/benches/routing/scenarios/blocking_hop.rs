//! One `spawn_blocking` round trip, timed alone: the hop to the blocking pool and back that every
//! `Db::call` in the core pays, and so a part of a route decision.

use std::hint::black_box;
use std::time::{Duration, Instant};

use crate::BenchResult;

const HOP_ITERATIONS: usize = 20_000;

/// One hop to the blocking pool and back, which every SQLite call in the core pays.
pub(crate) async fn time_blocking_hop() -> BenchResult<Vec<Duration>> {
    let task = tokio::spawn(async move {
        let mut times = Vec::with_capacity(HOP_ITERATIONS);
        for i in 0..HOP_ITERATIONS {
            let start = Instant::now();
            let value = tokio::task::spawn_blocking(move || black_box(i)).await?;
            times.push(start.elapsed());
            black_box(value);
        }
        Ok::<_, tokio::task::JoinError>(times)
    });
    Ok(task.await??)
}
