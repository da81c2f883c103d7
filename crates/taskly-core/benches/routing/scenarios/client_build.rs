//! `reqwest::Client::new()`, timed alone: what async-openai's `Client::with_config` would cost on
//! every request (it loads the system roots each time).

use std::hint::black_box;
use std::time::{Duration, Instant};

const CLIENT_BUILDS: usize = 100;

/// What async-openai's `Client::with_config` does on every request in `chat/upstream.rs`.
pub(crate) fn time_client_build() -> Vec<Duration> {
    (0..CLIENT_BUILDS)
        .map(|_| {
            let start = Instant::now();
            let client = reqwest::Client::new();
            let took = start.elapsed();
            black_box(client);
            took
        })
        .collect()
}
