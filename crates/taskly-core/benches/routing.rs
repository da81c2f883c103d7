//! Routing benchmark (issue 4, "Benchmark (not a test)"): what the full chat path adds to a bare
//! HTTP call, measured in one run against the loopback fake provider and fake Taskly proxy.
//!
//! Four things are timed at 1, 16 and 64 concurrent requests: a bare `reqwest` POST with a
//! hard-coded `Authorization` header (plain and streamed), `ChatService::start` through an enabled
//! personal key, and the same through the Taskly proxy; plus `Router::decide` alone, warm. The
//! credential store is wrapped in a counter to show the key is read once per process, not per
//! request. Results go to `$CARGO_TARGET_DIR/taskly-bench/routing.json` (or the workspace's
//! `target/taskly-bench/`) and a short table on stdout. A missed target is reported, never a
//! failure: this is a measurement, not a test. See `docs/performance.md`.
//!
//! This file is the run's order; the parts live under `routing/`: `harness.rs` (workers, levels,
//! rounds), `stats.rs` (percentiles), `compare.rs` (full minus bare, targets), `report.rs`
//! (`routing.json` and the table), `fixtures.rs` (store, vaults, fakes) and one file per scenario
//! under `scenarios/`.
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;
use serde_json::json;
use taskly_core::ProviderId;
use taskly_core::chat::{ChatRequest, Message, Role};
use taskly_fake_ai::Flavor;

#[path = "routing/compare.rs"]
mod compare;
#[path = "routing/fixtures.rs"]
mod fixtures;
#[path = "routing/harness.rs"]
mod harness;
#[path = "routing/report.rs"]
mod report;
#[path = "routing/scenarios.rs"]
mod scenarios;
#[path = "routing/stats.rs"]
mod stats;

use compare::{ADDED_P50_TARGET_US, ADDED_P99_TARGET_US, DECIDE_P99_TARGET_US, added, target};
use fixtures::{BARE_AUTH, Fakes, MODEL, PROMPT, open_route};
use harness::LEVELS;
use report::{Alone, Results};
use scenarios::{Ctx, Scenario, once};
use stats::{Dist, Measured};

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() -> BenchResult<()> {
    // The fakes run on a runtime (and thread) of their own, standing in for another process;
    // the code under test gets the usual multi-thread runtime, one worker per core.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("fake-ai")
        .enable_all()
        .build()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let fakes = server_rt.block_on(Fakes::start())?;
    let result = rt.block_on(run(&fakes));
    drop(rt);
    drop(fakes);
    server_rt.shutdown_timeout(Duration::from_secs(2));
    result
}

async fn run(fakes: &Fakes) -> BenchResult<()> {
    let run_started = Instant::now();
    let provider_base = fakes.provider.base_url(Flavor::OpenAi);
    let proxy_base = fakes.proxy.base_url(Flavor::Proxy);
    let personal = open_route(&provider_base, &proxy_base, true).await?;
    let taskly = open_route(&provider_base, &proxy_base, false).await?;
    let personal_reads_setup = personal.store.reads();
    let taskly_reads_setup = taskly.store.reads();

    let request = ChatRequest {
        provider: ProviderId::Openai,
        model: Some(MODEL.into()),
        messages: vec![Message {
            role: Role::User,
            content: PROMPT.into(),
        }],
        max_tokens: None,
        allow_secrets: false,
    };
    let messages = json!([{"role": "user", "content": PROMPT}]);
    let plain_body = serde_json::to_vec(&json!({"model": MODEL, "messages": messages}))?;
    let stream_body = serde_json::to_vec(&json!({
        "model": MODEL,
        "messages": messages,
        "stream": true,
        "stream_options": {"include_usage": true},
    }))?;
    let ctx = Arc::new(Ctx {
        client: reqwest::Client::builder().no_proxy().build()?,
        url: format!("{}/chat/completions", fakes.bare.base_url(Flavor::OpenAi)),
        auth: HeaderValue::from_static(BARE_AUTH),
        plain_body,
        stream_body,
        personal: personal.service.clone(),
        taskly: taskly.service.clone(),
        request,
    });

    // Every scenario must work before anything is timed.
    for scenario in Scenario::ALL {
        once(&ctx, scenario)
            .await
            .map_err(|e| format!("{}: {e}", scenario.label()))?;
    }
    let mut targets = Vec::new();

    // The route decision alone, warm, while the process is otherwise quiet; then its parts.
    let decide_personal = Dist::of(scenarios::decide::time_decide(personal.service.clone()).await?);
    let decide_taskly = Dist::of(scenarios::decide::time_decide(taskly.service.clone()).await?);
    let hop = Dist::of(scenarios::blocking_hop::time_blocking_hop().await?);
    let db_path = personal.vault.config().database_path();
    let account = personal.vault.account().as_str().to_owned();
    let select = Dist::of(
        tokio::task::spawn_blocking(move || {
            scenarios::sqlite_select::time_select(&db_path, &account)
        })
        .await??,
    );
    let scratch = personal.vault.config().data_dir.clone();
    let write = Dist::of(
        tokio::task::spawn_blocking(move || scenarios::sqlite_write::time_sqlite_write(&scratch))
            .await??,
    );
    let client_build =
        Dist::of(tokio::task::spawn_blocking(scenarios::client_build::time_client_build).await?);
    for (route, dist) in [("personal", decide_personal), ("taskly", decide_taskly)] {
        if let Some(d) = dist {
            targets.push(target(
                "route decision p99, warm",
                json!({"route": route}),
                d.p99,
                DECIDE_P99_TARGET_US,
                "us",
            ));
        }
    }

    let mut levels = Vec::new();
    let mut table = Vec::new();
    let mut added_rows = Vec::new();
    let mut connection_rows = Vec::new();
    let mut full_requests = 0usize;
    let mut server_seen = [0usize; 3];
    let ports = fakes.ports();
    for (concurrency, count) in LEVELS {
        let level = harness::level(&ctx, ports, concurrency, count).await;
        let opened = level.opened;
        for (total, seen) in server_seen.iter_mut().zip(fakes.take_seen()) {
            *total += seen;
        }

        let measured: Vec<Measured> = level.batches.iter().map(Measured::of).collect();
        full_requests += measured[2].count + measured[3].count;
        for (scenario, m) in Scenario::ALL.iter().zip(&measured) {
            table.push((
                concurrency,
                *scenario,
                m.total,
                m.first,
                m.rps,
                m.errors.len(),
            ));
        }
        let connections = [
            ("bare", opened[0], measured[0].count + measured[1].count),
            ("personal", opened[1], measured[2].count),
            ("taskly", opened[2], measured[3].count),
        ];
        connection_rows.push((concurrency, connections));
        let mut added_json = serde_json::Map::new();
        for (route, full) in [("personal", &measured[2]), ("taskly", &measured[3])] {
            let Some(a) = added(full, &measured[0], &measured[1]) else {
                continue;
            };
            added_json.insert(route.into(), a.json());
            added_rows.push((concurrency, route, a, full.tail));
            let scope = json!({"route": route, "concurrency": concurrency});
            targets.push(target(
                "added latency p50 (full - bare stream)",
                scope.clone(),
                a.p50,
                ADDED_P50_TARGET_US,
                "us",
            ));
            targets.push(target(
                "added latency p99 (full - bare stream)",
                scope,
                a.p99,
                ADDED_P99_TARGET_US,
                "us",
            ));
        }
        levels.push(report::level_json(
            concurrency,
            count,
            &measured,
            added_json,
            &connections,
        ));
    }

    // The key was read from the store once (the first request after it was added), never again.
    let personal_reads = personal.store.reads() - personal_reads_setup;
    let taskly_reads = taskly.store.reads() - taskly_reads_setup;
    targets.push(json!({
        "target": "credential store read once per key per process, not per request",
        "scope": {"route": "personal"},
        "value": personal_reads,
        "limit": 1,
        "unit": "reads",
        "met": personal_reads <= 1,
    }));

    let results = Results {
        run_started,
        alone: Alone {
            decide_personal,
            decide_taskly,
            hop,
            select,
            write,
            client_build,
        },
        levels,
        table,
        added_rows,
        connection_rows,
        personal_reads_setup,
        personal_reads,
        taskly_reads,
        full_requests,
        server_seen,
        targets,
    };
    let path = report::write(&results)?;
    report::print(&results, &path);
    Ok(())
}
