//! The results: `routing.json` (its path and format are what `scripts/bench.sh` and
//! `docs/performance.md` rely on), the machine it ran on, and the short table on stdout.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::{Value, json};

use crate::BenchResult;
use crate::compare::{Added, mark};
use crate::fixtures::{MODEL, PROMPT};
use crate::harness::{LEVELS, ROUNDS};
use crate::scenarios::Scenario;
use crate::scenarios::decide::DECIDE_ITERATIONS;
use crate::stats::{Dist, Measured, dist_json, round1};

/// The decision and the costs next to it, each timed alone before the levels.
pub(crate) struct Alone {
    pub(crate) decide_personal: Option<Dist>,
    pub(crate) decide_taskly: Option<Dist>,
    pub(crate) hop: Option<Dist>,
    pub(crate) select: Option<Dist>,
    pub(crate) write: Option<Dist>,
    pub(crate) client_build: Option<Dist>,
}

/// (concurrency, scenario, total, first chunk or token, req/s, errors).
pub(crate) type Row = (usize, Scenario, Option<Dist>, Option<Dist>, f64, usize);
/// (concurrency, route, added, last `Delta` → `Finished`).
pub(crate) type AddedRow = (usize, &'static str, Added, Option<Dist>);
/// (path, connections opened, requests sent).
pub(crate) type Connections = [(&'static str, usize, usize); 3];

/// Everything the run measured, for the file and the table.
pub(crate) struct Results {
    pub(crate) run_started: Instant,
    pub(crate) alone: Alone,
    pub(crate) levels: Vec<Value>,
    pub(crate) table: Vec<Row>,
    pub(crate) added_rows: Vec<AddedRow>,
    pub(crate) connection_rows: Vec<(usize, Connections)>,
    pub(crate) personal_reads_setup: usize,
    pub(crate) personal_reads: usize,
    pub(crate) taskly_reads: usize,
    pub(crate) full_requests: usize,
    pub(crate) server_seen: [usize; 3],
    pub(crate) targets: Vec<Value>,
}

/// The number of decisions made without a request: the warm one and the timed ones.
pub(crate) const DECISIONS: usize = DECIDE_ITERATIONS + 1;

/// One entry of `levels` in `routing.json`.
pub(crate) fn level_json(
    concurrency: usize,
    count: usize,
    measured: &[Measured],
    added_json: serde_json::Map<String, Value>,
    connections: &Connections,
) -> Value {
    let mut scenarios = serde_json::Map::new();
    for (scenario, m) in Scenario::ALL.iter().zip(measured) {
        scenarios.insert(scenario.key().into(), m.json());
    }
    json!({
        "concurrency": concurrency,
        "requests_per_scenario": count,
        "rounds": ROUNDS,
        "scenarios": scenarios,
        "added": added_json,
        "tcp_connections_opened": connections
            .iter()
            .map(|(path, opened, requests)| (path.to_string(), json!({"opened": opened, "requests": requests})))
            .collect::<serde_json::Map<_, _>>(),
    })
}

/// Writes `routing.json` and returns its path.
pub(crate) fn write(r: &Results) -> BenchResult<PathBuf> {
    let path = out_dir().join("routing.json");
    let report = json!({
        "benchmark": "taskly-core routing (issue 4)",
        "generated_at": time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        "duration_s": round1(r.run_started.elapsed().as_secs_f64()),
        "machine": machine(),
        "setup": {
            "fake_ai": "taskly-fake-ai on 127.0.0.1 (TCP_NODELAY), chunk_delay 0, on its own 1-thread runtime; one fake each for the bare baseline, the personal key and the Taskly proxy",
            "credential_store": "keyring-core mock store behind a counting wrapper",
            "database": "SQLite in a temporary folder on the local disk (WAL, synchronous=FULL)",
            "model": MODEL,
            "prompt": PROMPT,
            "levels": LEVELS.iter().map(|(c, n)| json!({"concurrency": c, "requests": n})).collect::<Vec<_>>(),
            "rounds_per_level": ROUNDS,
            "added_is": "p(full) - p(bare streaming), both read to the end; vs bare plain also given",
        },
        "levels": r.levels,
        "route_decision": {
            "iterations": DECIDE_ITERATIONS,
            "personal": dist_json(r.alone.decide_personal),
            "taskly": dist_json(r.alone.decide_taskly),
            "parts": {
                "blocking_pool_round_trip": dist_json(r.alone.hop),
                "sqlite_select_enabled_key_direct": dist_json(r.alone.select),
                "sqlite_write_txn_sync_full": dist_json(r.alone.write),
                "reqwest_client_new": dist_json(r.alone.client_build),
            },
        },
        "credential_store": {
            "personal_reads_during_setup": r.personal_reads_setup,
            "personal_reads_after_setup": r.personal_reads,
            "taskly_reads_after_setup": r.taskly_reads,
            "personal_requests": r.full_requests / 2,
            "personal_decisions_alone": DECISIONS,
        },
        "server_saw": {"bare": r.server_seen[0], "provider": r.server_seen[1], "proxy": r.server_seen[2]},
        "targets": r.targets,
    });
    std::fs::create_dir_all(out_dir())?;
    std::fs::write(&path, serde_json::to_string_pretty(&report)? + "\n")?;
    Ok(path)
}

/// The short table on stdout, ending with the results file's path.
pub(crate) fn print(r: &Results, path: &Path) {
    print_table(&r.table, &r.added_rows, &r.alone);
    println!("TCP connections opened during the measured rounds (new client ports):");
    for (concurrency, connections) in &r.connection_rows {
        let cells: Vec<String> = connections
            .iter()
            .map(|(path, opened, requests)| format!("{path} {opened}/{requests} requests"))
            .collect();
        println!("  conc {concurrency:>2}: {}", cells.join(", "));
    }
    println!(
        "credential store reads after setup: personal {} (over {} requests and {DECISIONS} decisions), taskly {}",
        r.personal_reads,
        r.full_requests / 2,
        r.taskly_reads
    );
    println!("targets:");
    for t in &r.targets {
        println!(
            "  {:<66} {:<38} {:>9} {} (limit {}) {}",
            t["target"].as_str().unwrap_or_default(),
            t["scope"].to_string(),
            t["value"].to_string(),
            t["unit"].as_str().unwrap_or_default(),
            t["limit"],
            mark(t["met"].as_bool().unwrap_or(false)),
        );
    }
    println!("results: {}", path.display());
}

fn print_table(rows: &[Row], added_rows: &[AddedRow], alone: &Alone) {
    let us =
        |d: Option<Dist>, f: fn(&Dist) -> f64| d.map_or("-".into(), |d| format!("{:.1}", f(&d)));
    println!();
    println!(
        "{:>4}  {:<24} {:>5} {:>9} {:>9} {:>10} {:>10} {:>8} {:>4}",
        "conc", "scenario", "n", "p50 µs", "p99 µs", "1st p50", "1st p99", "req/s", "err"
    );
    for (c, s, total, first, rps, errors) in rows {
        println!(
            "{:>4}  {:<24} {:>5} {:>9} {:>9} {:>10} {:>10} {:>8.0} {:>4}",
            c,
            s.label(),
            total.map_or(0, |d| d.n),
            us(*total, |d| d.p50),
            us(*total, |d| d.p99),
            us(*first, |d| d.p50),
            us(*first, |d| d.p99),
            rps,
            errors
        );
    }
    println!();
    println!(
        "{:>4}  {:<9} {:>12} {:>12} {:>12} {:>12} {:>16}",
        "conc", "route", "added p50", "added p99", "+ttft p50", "+ttft p99", "last→Finished p50"
    );
    for (c, route, a, tail) in added_rows {
        println!(
            "{:>4}  {:<9} {:>12.1} {:>12.1} {:>12.1} {:>12.1} {:>16}",
            c,
            route,
            a.p50,
            a.p99,
            a.ttft_p50,
            a.ttft_p99,
            us(*tail, |d| d.p50)
        );
    }
    println!();
    for (name, d) in [
        ("Router::decide, personal (warm)", alone.decide_personal),
        ("Router::decide, taskly (warm)", alone.decide_taskly),
        ("  part: spawn_blocking round trip", alone.hop),
        ("  part: SQLite SELECT (direct)", alone.select),
        ("SQLite write txn, synchronous=FULL", alone.write),
        ("reqwest::Client::new()", alone.client_build),
    ] {
        println!(
            "{:<36} p50 {:>9} µs  p99 {:>9} µs",
            name,
            us(d, |d| d.p50),
            us(d, |d| d.p99)
        );
    }
    println!();
}

fn machine() -> Value {
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_owned());
    let memory_kib = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        m.lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .map(|s| s.trim().to_owned());
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    json!({
        "nproc": cpus,
        "cpu_model": cpu_model,
        "memory_gib": memory_kib.map(|k| round1(k as f64 / 1024.0 / 1024.0)),
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "kernel": kernel,
        "rustc": command_line(&rustc, &["--version"]),
        "git_commit": command_line("git", &["rev-parse", "--short", "HEAD"]),
        "profile": if cfg!(debug_assertions) { "debug" } else { "release (bench)" },
    })
}

fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// `$CARGO_TARGET_DIR/taskly-bench`, or the workspace's `target/taskly-bench`.
fn out_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("taskly-bench")
}
