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
#![allow(clippy::print_stdout)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde_json::{Value, json};
use taskly_core::chat::run::{ChatEvent, ChatService};
use taskly_core::chat::{ChatRequest, Message, Role};
use taskly_core::routing::{RouteKind, Router};
use taskly_core::vault::credentials::{
    CredentialStore, KeyringStore, StoreFailure, StoreKind, StoredKey,
};
use taskly_core::{ApiKey, Config, NewKey, ProviderId, Vault};
use taskly_fake_ai::{FakeAi, FakeAiConfig, Flavor};

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The personal key: stored in the vault, accepted by the fake provider, and hard-coded in the
/// bare baseline's header (the same bytes on the wire either way).
const KEY: &str = "sk-proj-benchBenchBench0123456789abcdWXYZ";
const BARE_AUTH: &str = "Bearer sk-proj-benchBenchBench0123456789abcdWXYZ";
const PROXY_TOKEN: &str = "tk-bench-proxy-0123456789abcdef";
const MODEL: &str = "gpt-4o-mini";
const PROMPT: &str = "Say hello to the routing benchmark.";

/// (concurrent requests, measured requests per scenario).
const LEVELS: [(usize, usize); 3] = [(1, 300), (16, 800), (64, 1600)];
/// Each level's requests are split into rounds that alternate the scenarios, so a slow patch
/// of the machine (another process, a page-cache flush) hits every scenario alike.
const ROUNDS: usize = 4;
const DECIDE_ITERATIONS: usize = 20_000;
const HOP_ITERATIONS: usize = 20_000;
const CLIENT_BUILDS: usize = 100;
const SQLITE_WRITES: usize = 200;
/// No single request may hold the run hostage.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Targets from issue 4.
const DECIDE_P99_TARGET_US: f64 = 10.0;
const ADDED_P50_TARGET_US: f64 = 200.0;
const ADDED_P99_TARGET_US: f64 = 1000.0;

/// keyring-core's mock store with a read counter: proof that the key is read once per process.
#[derive(Debug)]
struct CountingStore {
    inner: KeyringStore,
    reads: AtomicUsize,
    writes: AtomicUsize,
}

impl CountingStore {
    fn new() -> BenchResult<Arc<Self>> {
        let mock = keyring_core::mock::Store::new()?;
        Ok(Arc::new(Self {
            inner: KeyringStore::new(StoreKind::Mock, mock),
            reads: AtomicUsize::new(0),
            writes: AtomicUsize::new(0),
        }))
    }

    fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
}

impl CredentialStore for CountingStore {
    fn kind(&self) -> StoreKind {
        self.inner.kind()
    }
    fn survives_reboot(&self) -> bool {
        self.inner.survives_reboot()
    }
    fn write(
        &self,
        entry: &str,
        secret: &ApiKey,
        origin: &str,
        label: &str,
    ) -> Result<(), StoreFailure> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.inner.write(entry, secret, origin, label)
    }
    fn read(&self, entry: &str) -> Result<Option<StoredKey>, StoreFailure> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.read(entry)
    }
    fn delete(&self, entry: &str) -> Result<bool, StoreFailure> {
        self.inner.delete(entry)
    }
    fn list_entries(&self) -> Result<Option<Vec<String>>, StoreFailure> {
        self.inner.list_entries()
    }
}

/// One account's vault and chat service, in its own data folder.
struct Route {
    _dir: tempfile::TempDir,
    vault: Arc<Vault>,
    service: Arc<ChatService>,
    store: Arc<CountingStore>,
}

async fn open_route(provider_base: &str, proxy_base: &str, with_key: bool) -> BenchResult<Route> {
    let dir = tempfile::tempdir()?;
    let mut config = Config::new(dir.path());
    config.chat.proxy_url = proxy_base.to_owned();
    config.chat.proxy_token = Some(Arc::new(ApiKey::parse(PROXY_TOKEN)?));
    let store = CountingStore::new()?;
    let vault = Vault::open_with_store(config, store.clone()).await?;
    if with_key {
        vault
            .add(NewKey {
                provider: ProviderId::Openai,
                label: Some("benchmark key".into()),
                base_url: Some(provider_base.to_owned()),
                secret: ApiKey::parse(KEY)?,
                verify: false,
                enable: taskly_core::Enable::Yes,
            })
            .await?;
    }
    let vault = Arc::new(vault);
    let service = Arc::new(ChatService::new(vault.clone()));
    Ok(Route {
        _dir: dir,
        vault,
        service,
        store,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    BarePlain,
    BareStream,
    FullPersonal,
    FullTaskly,
}

impl Scenario {
    const ALL: [Scenario; 4] = [
        Scenario::BarePlain,
        Scenario::BareStream,
        Scenario::FullPersonal,
        Scenario::FullTaskly,
    ];

    fn key(self) -> &'static str {
        match self {
            Scenario::BarePlain => "bare_plain",
            Scenario::BareStream => "bare_stream",
            Scenario::FullPersonal => "full_personal",
            Scenario::FullTaskly => "full_taskly",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Scenario::BarePlain => "bare reqwest, plain",
            Scenario::BareStream => "bare reqwest, stream",
            Scenario::FullPersonal => "full path, personal key",
            Scenario::FullTaskly => "full path, Taskly proxy",
        }
    }
}

/// What one request took. `first`: first body chunk (bare) or first `Delta` (full);
/// `last`: last `Delta` (full path only).
#[derive(Debug, Clone, Copy)]
struct Sample {
    total: Duration,
    first: Option<Duration>,
    last: Option<Duration>,
}

/// Everything a request needs, shared by the workers.
struct Ctx {
    client: reqwest::Client,
    url: String,
    auth: HeaderValue,
    plain_body: Vec<u8>,
    stream_body: Vec<u8>,
    personal: Arc<ChatService>,
    taskly: Arc<ChatService>,
    request: ChatRequest,
}

async fn once(ctx: &Ctx, scenario: Scenario) -> Result<Sample, String> {
    match scenario {
        Scenario::BarePlain => bare(ctx, &ctx.plain_body, false).await,
        Scenario::BareStream => bare(ctx, &ctx.stream_body, true).await,
        Scenario::FullPersonal => {
            full(&ctx.personal, ctx.request.clone(), RouteKind::Personal).await
        }
        Scenario::FullTaskly => full(&ctx.taskly, ctx.request.clone(), RouteKind::Taskly).await,
    }
}

/// A bare POST with a hard-coded header and a fixed body, read to the end (no parsing).
async fn bare(ctx: &Ctx, body: &[u8], stream: bool) -> Result<Sample, String> {
    // The body is serialized once, up front, as a bare caller would hold it ready.
    let body = reqwest::Body::from(body.to_vec());
    let start = Instant::now();
    let mut response = ctx
        .client
        .post(ctx.url.as_str())
        .header(AUTHORIZATION, ctx.auth.clone())
        .header(CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| format!("bare send: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("bare status {}", response.status()));
    }
    let mut first = None;
    let mut received = 0usize;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("bare body: {e}"))?
    {
        if first.is_none() && !chunk.is_empty() {
            first = Some(start.elapsed());
        }
        received += chunk.len();
    }
    let total = start.elapsed();
    if received == 0 {
        return Err("bare: empty body".into());
    }
    Ok(Sample {
        total,
        first: first.filter(|_| stream),
        last: None,
    })
}

/// The full path: route, key, client, request, SSE, usage; consumed to `Finished`.
async fn full(
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

/// The samples of one scenario at one level, over every round.
#[derive(Default)]
struct Batch {
    samples: Vec<Sample>,
    errors: Vec<String>,
    wall: Duration,
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

/// Percentiles in microseconds (nearest rank).
#[derive(Debug, Clone, Copy)]
struct Dist {
    n: usize,
    p50: f64,
    p90: f64,
    p99: f64,
    mean: f64,
    max: f64,
}

impl Dist {
    fn of(values: impl IntoIterator<Item = Duration>) -> Option<Dist> {
        let mut us: Vec<f64> = values.into_iter().map(|d| d.as_secs_f64() * 1e6).collect();
        if us.is_empty() {
            return None;
        }
        us.sort_by(f64::total_cmp);
        let rank = |q: f64| {
            let index = ((q * us.len() as f64).ceil() as usize).clamp(1, us.len()) - 1;
            us[index]
        };
        Some(Dist {
            n: us.len(),
            p50: rank(0.50),
            p90: rank(0.90),
            p99: rank(0.99),
            mean: us.iter().sum::<f64>() / us.len() as f64,
            max: us[us.len() - 1],
        })
    }

    fn json(&self) -> Value {
        json!({
            "n": self.n,
            "p50_us": round1(self.p50),
            "p90_us": round1(self.p90),
            "p99_us": round1(self.p99),
            "mean_us": round1(self.mean),
            "max_us": round1(self.max),
        })
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn dist_json(dist: Option<Dist>) -> Value {
    dist.map_or(Value::Null, |d| d.json())
}

/// A scenario's numbers at one level.
struct Measured {
    total: Option<Dist>,
    first: Option<Dist>,
    /// Full path only: from the last `Delta` to `Finished` (bookkeeping after the answer).
    tail: Option<Dist>,
    count: usize,
    errors: Vec<String>,
    rps: f64,
}

impl Measured {
    fn of(batch: &Batch) -> Self {
        let secs = batch.wall.as_secs_f64();
        Self {
            total: Dist::of(batch.samples.iter().map(|s| s.total)),
            first: Dist::of(batch.samples.iter().filter_map(|s| s.first)),
            tail: Dist::of(
                batch
                    .samples
                    .iter()
                    .filter_map(|s| s.last.map(|l| s.total.saturating_sub(l))),
            ),
            count: batch.samples.len(),
            errors: batch.errors.clone(),
            rps: if secs > 0.0 {
                batch.samples.len() as f64 / secs
            } else {
                0.0
            },
        }
    }

    fn json(&self) -> Value {
        let mut errors = self.errors.clone();
        errors.sort();
        errors.dedup();
        json!({
            "requests": self.count,
            "errors": self.errors.len(),
            "error_kinds": errors,
            "throughput_rps": round1(self.rps),
            "total": dist_json(self.total),
            "first_chunk_or_token": dist_json(self.first),
            "last_token_to_finished": dist_json(self.tail),
        })
    }
}

/// Full minus bare, percentile by percentile (the two are separate runs, not paired requests).
#[derive(Debug, Clone, Copy)]
struct Added {
    p50: f64,
    p99: f64,
    vs_plain_p50: f64,
    vs_plain_p99: f64,
    ttft_p50: f64,
    ttft_p99: f64,
}

fn added(full: &Measured, plain: &Measured, stream: &Measured) -> Option<Added> {
    let (f, p, s) = (full.total?, plain.total?, stream.total?);
    let (ff, sf) = (full.first?, stream.first?);
    Some(Added {
        p50: f.p50 - s.p50,
        p99: f.p99 - s.p99,
        vs_plain_p50: f.p50 - p.p50,
        vs_plain_p99: f.p99 - p.p99,
        ttft_p50: ff.p50 - sf.p50,
        ttft_p99: ff.p99 - sf.p99,
    })
}

impl Added {
    fn json(&self) -> Value {
        json!({
            "latency_p50_us": round1(self.p50),
            "latency_p99_us": round1(self.p99),
            "latency_vs_bare_plain_p50_us": round1(self.vs_plain_p50),
            "latency_vs_bare_plain_p99_us": round1(self.vs_plain_p99),
            "ttft_p50_us": round1(self.ttft_p50),
            "ttft_p99_us": round1(self.ttft_p99),
        })
    }
}

/// Times `Router::decide` for OpenAI, warm, one call at a time, on a runtime worker.
async fn time_decide(router_of: Arc<ChatService>) -> BenchResult<Vec<Duration>> {
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

/// One hop to the blocking pool and back, which every SQLite call in the core pays.
async fn time_blocking_hop() -> BenchResult<Vec<Duration>> {
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

/// The router's SELECT on a connection of our own, without the hop: SQLite's share of a decision.
fn time_select(db: &Path, account: &str) -> BenchResult<Vec<Duration>> {
    let conn = rusqlite::Connection::open_with_flags(
        db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let mut times = Vec::with_capacity(DECIDE_ITERATIONS);
    for _ in 0..DECIDE_ITERATIONS {
        let start = Instant::now();
        let mut stmt = conn.prepare_cached(
            "SELECT id, label, masked_hint, base_url, secret_generation FROM keys \
             WHERE account = ?1 AND provider = ?2 AND enabled = 1 AND state = 'active'",
        )?;
        let row: (String, String, String, String, i64) = stmt
            .query_row(rusqlite::params![account, "openai"], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
        times.push(start.elapsed());
        black_box(row);
    }
    Ok(times)
}

/// A one-row write transaction with the vault's settings (WAL, `synchronous = FULL`), on a
/// scratch file next to the vault: what recording usage costs before `Finished` is sent.
fn time_sqlite_write(dir: &Path) -> BenchResult<Vec<Duration>> {
    let conn = rusqlite::Connection::open(dir.join("scratch.db"))?;
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute(
        "CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, n INTEGER NOT NULL)",
        [],
    )?;
    let mut conn = conn;
    let mut times = Vec::with_capacity(SQLITE_WRITES);
    for _ in 0..SQLITE_WRITES {
        let start = Instant::now();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO t (k, n) VALUES ('day', 1) ON CONFLICT (k) DO UPDATE SET n = n + 1",
            [],
        )?;
        tx.commit()?;
        times.push(start.elapsed());
    }
    Ok(times)
}

/// What async-openai's `Client::with_config` does on every request in `chat/upstream.rs`.
fn time_client_build() -> Vec<Duration> {
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

fn out_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("taskly-bench")
}

fn target(name: &str, scope: Value, value: f64, limit: f64, unit: &str) -> Value {
    json!({
        "target": name,
        "scope": scope,
        "value": round1(value),
        "limit": limit,
        "unit": unit,
        "met": value < limit,
    })
}

fn mark(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

/// A loopback listener whose accepted sockets send small writes at once. Linux copies
/// `TCP_NODELAY` from the listener to the sockets it accepts; `axum::serve` (inside the fake)
/// does not set it, and then a streamed answer on a reused connection waits for the client's
/// delayed ACK (about 40 ms) after its first segment. Real providers' front ends do set it.
fn nodelay_listener() -> std::io::Result<tokio::net::TcpListener> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.set_nodelay(true)?;
    socket.bind((std::net::Ipv4Addr::LOCALHOST, 0).into())?;
    socket.listen(1024)
}

/// The three fakes: one answering the bare baseline, one the personal key, one the Taskly proxy
/// (separate ports, so connections can be counted per path).
struct Fakes {
    bare: FakeAi,
    provider: FakeAi,
    proxy: FakeAi,
}

impl Fakes {
    async fn start() -> BenchResult<Self> {
        let config = FakeAiConfig {
            provider_keys: vec![KEY.into()],
            chunk_delay: Duration::ZERO,
            ..FakeAiConfig::default()
        };
        let proxy_config = FakeAiConfig {
            provider_keys: Vec::new(),
            proxy_tokens: vec![PROXY_TOKEN.into()],
            ..config.clone()
        };
        Ok(Self {
            bare: FakeAi::start_on(nodelay_listener()?, config.clone()).await?,
            provider: FakeAi::start_on(nodelay_listener()?, config).await?,
            proxy: FakeAi::start_on(nodelay_listener()?, proxy_config).await?,
        })
    }

    fn ports(&self) -> [u16; 3] {
        [&self.bare, &self.provider, &self.proxy].map(|f| f.local_addr().port())
    }

    /// Requests each fake has seen since the last call (and forgets them, to bound memory).
    fn take_seen(&self) -> [usize; 3] {
        [&self.bare, &self.provider, &self.proxy].map(|f| {
            let seen = f.requests().len();
            f.clear_requests();
            seen
        })
    }
}

/// The client-side ports of the TCP connections to `port` on this machine, in any state but
/// LISTEN (TIME_WAIT included, so closed connections stay visible for a minute). Linux only;
/// elsewhere the set is empty.
fn peer_ports(port: u16) -> std::collections::HashSet<u16> {
    let text = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let port_of = |addr: &str| {
        addr.rsplit(':')
            .next()
            .and_then(|p| u16::from_str_radix(p, 16).ok())
    };
    let mut peers = std::collections::HashSet::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [_, local, remote, state, ..] = fields.as_slice() else {
            continue;
        };
        if *state == "0A" {
            continue;
        }
        match (port_of(local), port_of(remote)) {
            (Some(l), Some(r)) if r == port => peers.insert(l),
            (Some(l), Some(r)) if l == port => peers.insert(r),
            _ => false,
        };
    }
    peers
}

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
    let decide_personal = Dist::of(time_decide(personal.service.clone()).await?);
    let decide_taskly = Dist::of(time_decide(taskly.service.clone()).await?);
    let hop = Dist::of(time_blocking_hop().await?);
    let db_path = personal.vault.config().database_path();
    let account = personal.vault.account().as_str().to_owned();
    let select =
        Dist::of(tokio::task::spawn_blocking(move || time_select(&db_path, &account)).await??);
    let scratch = personal.vault.config().data_dir.clone();
    let write = Dist::of(tokio::task::spawn_blocking(move || time_sqlite_write(&scratch)).await??);
    let client_build = Dist::of(tokio::task::spawn_blocking(time_client_build).await?);
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
        // Warm-up at this level: fills the connection pools and the blocking pool.
        for scenario in Scenario::ALL {
            drive(&ctx, scenario, concurrency, (concurrency * 2).max(32)).await;
        }
        let before = ports.map(peer_ports);
        let mut batches: Vec<Batch> = Scenario::ALL.iter().map(|_| Batch::default()).collect();
        for round in 0..ROUNDS {
            let share = count / ROUNDS + usize::from(round < count % ROUNDS);
            for (i, scenario) in Scenario::ALL.into_iter().enumerate() {
                let batch = drive(&ctx, scenario, concurrency, share).await;
                batches[i].samples.extend(batch.samples);
                batches[i].errors.extend(batch.errors);
                batches[i].wall += batch.wall;
            }
        }
        let after = ports.map(peer_ports);
        // New client ports seen during the measured rounds = connections opened.
        let opened: Vec<usize> = (0..3)
            .map(|i| after[i].difference(&before[i]).count())
            .collect();
        for (total, seen) in server_seen.iter_mut().zip(fakes.take_seen()) {
            *total += seen;
        }

        let measured: Vec<Measured> = batches.iter().map(Measured::of).collect();
        full_requests += measured[2].count + measured[3].count;
        let mut scenarios = serde_json::Map::new();
        for (scenario, m) in Scenario::ALL.iter().zip(&measured) {
            scenarios.insert(scenario.key().into(), m.json());
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
        levels.push(json!({
            "concurrency": concurrency,
            "requests_per_scenario": count,
            "rounds": ROUNDS,
            "scenarios": scenarios,
            "added": added_json,
            "tcp_connections_opened": connections
                .iter()
                .map(|(path, opened, requests)| (path.to_string(), json!({"opened": opened, "requests": requests})))
                .collect::<serde_json::Map<_, _>>(),
        }));
    }

    // The key was read from the store once (the first request after it was added), never again.
    let personal_reads = personal.store.reads() - personal_reads_setup;
    let taskly_reads = taskly.store.reads() - taskly_reads_setup;
    let decisions = DECIDE_ITERATIONS + 1;
    targets.push(json!({
        "target": "credential store read once per key per process, not per request",
        "scope": {"route": "personal"},
        "value": personal_reads,
        "limit": 1,
        "unit": "reads",
        "met": personal_reads <= 1,
    }));

    let path = out_dir().join("routing.json");
    let report = json!({
        "benchmark": "taskly-core routing (issue 4)",
        "generated_at": time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        "duration_s": round1(run_started.elapsed().as_secs_f64()),
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
        "levels": levels,
        "route_decision": {
            "iterations": DECIDE_ITERATIONS,
            "personal": dist_json(decide_personal),
            "taskly": dist_json(decide_taskly),
            "parts": {
                "blocking_pool_round_trip": dist_json(hop),
                "sqlite_select_enabled_key_direct": dist_json(select),
                "sqlite_write_txn_sync_full": dist_json(write),
                "reqwest_client_new": dist_json(client_build),
            },
        },
        "credential_store": {
            "personal_reads_during_setup": personal_reads_setup,
            "personal_reads_after_setup": personal_reads,
            "taskly_reads_after_setup": taskly_reads,
            "personal_requests": full_requests / 2,
            "personal_decisions_alone": decisions,
        },
        "server_saw": {"bare": server_seen[0], "provider": server_seen[1], "proxy": server_seen[2]},
        "targets": targets,
    });
    std::fs::create_dir_all(out_dir())?;
    std::fs::write(&path, serde_json::to_string_pretty(&report)? + "\n")?;

    print_table(
        &table,
        &added_rows,
        decide_personal,
        decide_taskly,
        hop,
        select,
        write,
        client_build,
    );
    println!("TCP connections opened during the measured rounds (new client ports):");
    for (concurrency, connections) in &connection_rows {
        let cells: Vec<String> = connections
            .iter()
            .map(|(path, opened, requests)| format!("{path} {opened}/{requests} requests"))
            .collect();
        println!("  conc {concurrency:>2}: {}", cells.join(", "));
    }
    println!(
        "credential store reads after setup: personal {personal_reads} (over {} requests and {decisions} decisions), taskly {taskly_reads}",
        full_requests / 2
    );
    println!("targets:");
    for t in &targets {
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
    Ok(())
}

type Row = (usize, Scenario, Option<Dist>, Option<Dist>, f64, usize);

#[allow(clippy::too_many_arguments)]
fn print_table(
    rows: &[Row],
    added_rows: &[(usize, &str, Added, Option<Dist>)],
    decide_personal: Option<Dist>,
    decide_taskly: Option<Dist>,
    hop: Option<Dist>,
    select: Option<Dist>,
    write: Option<Dist>,
    client_build: Option<Dist>,
) {
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
        ("Router::decide, personal (warm)", decide_personal),
        ("Router::decide, taskly (warm)", decide_taskly),
        ("  part: spawn_blocking round trip", hop),
        ("  part: SQLite SELECT (direct)", select),
        ("SQLite write txn, synchronous=FULL", write),
        ("reqwest::Client::new()", client_build),
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
