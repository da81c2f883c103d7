//! Load and soak: 64 concurrent chats, a few thousand requests, random faults from the fake
//! provider, while another process (the `taskly` binary) adds, switches and removes keys.
//!
//! Proves: no panic, no deadlock (every request and the whole run have a deadline), every
//! request ends in an answer or a typed error, the usage counted equals the requests that were
//! sent (the chat layer counts every request that got a route, answered or failed, once), and
//! open file descriptors and resident memory stay flat between the end of the warm-up and the
//! end. Figures go to `$CARGO_TARGET_DIR/taskly-security/soak.json`.
//!
//! It runs in its own test binary so no other test's threads, sockets or memory mix into the
//! fd and RSS figures, and in a child process of that binary so the private bus address is in
//! its environment from the start (the core reads it when it opens the Secret Service).
#![allow(clippy::expect_used, clippy::print_stdout, clippy::print_stderr)]

#[path = "support/taskly_binary.rs"]
mod taskly_binary;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use taskly_binary::Cli;
use taskly_core::chat::ChatRequest;
use taskly_core::chat::run::{ChatEvent, ChatService};
use taskly_core::{ApiKey, Config, ProviderId, Vault};
use taskly_fake_ai::{Fault, Flavor, ScriptedFault};
use taskly_testkit::drain::drain_within;
use tokio::sync::Mutex;

const CHILD_VAR: &str = "TASKLY_SOAK_CHILD";
const CONCURRENCY: usize = 64;
const REQUESTS: usize = 5000;
const WARM_UP: usize = 1000;
/// The whole run's deadline: far above its usual length, far below "hung".
const RUN_DEADLINE: Duration = Duration::from_secs(240);
/// One request's deadline: retries (3, backoff capped at 200 ms) and timeouts (2 s) fit well.
const REQUEST_DEADLINE: Duration = Duration::from_secs(30);
const KEY_1: &str = "sk-proj-soakSoakSoak0123456789abcdEFGH";
const KEY_2: &str = "sk-proj-churnChurnChurn0123456789IJKL";
const TOKEN: &str = "taskly-soak-token-0123456789";
/// Descriptors in use depend on concurrency, not on the number of requests: each of the 64
/// requests in flight may hold a client connection (kept in the pool afterwards) and, the fake
/// running in this process, its server side too; plus a few for blocking-pool threads. A leak
/// of one descriptor per request would be thousands over the measured 4,000 requests.
const FD_TOLERANCE: i64 = 2 * CONCURRENCY as i64 + 16;
/// Allocator arenas, connection buffers and caches settle after the warm-up; a leak of even
/// 6 KiB per request would add ~24 MiB over the measured 4,000 requests.
const RSS_TOLERANCE_KIB: i64 = 24 * 1024;

#[test]
fn sixty_four_concurrent_chats_survive_faults_and_key_churn_from_another_process() {
    if std::env::var(CHILD_VAR).is_ok() {
        return;
    }
    let keyring = taskly_testkit::SecretService::start();
    // Fails unless the soak process ran and passed.
    keyring.run_test_in_child("soak_child", &[(CHILD_VAR, "1")]);
}

fn fd_count() -> i64 {
    std::fs::read_dir("/proc/self/fd").map_or(-1, |d| d.count() as i64)
}

fn rss_kib() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(-1)
}

impl Cli {
    fn run(&self, args: &[&str], stdin: &str) -> (bool, String) {
        // A command refused before it reads its input fails on its own; the write may not.
        let (out, _written) = self.output(args, stdin);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    fn add(&self, key: &str) -> Option<String> {
        let (ok, out) = self.run(
            &["keys", "add", "--json", "--provider", "openai", "--enable"],
            key,
        );
        if !ok {
            return None;
        }
        let json: serde_json::Value = serde_json::from_str(&out).ok()?;
        json["key"]["id"].as_str().map(str::to_owned)
    }
}

/// How one request ended.
#[derive(Debug, Default)]
struct Tally {
    answered: usize,
    /// Requests that got a route (`started`), so the chat layer counted them.
    started: usize,
    errors: BTreeMap<String, usize>,
    /// One message per error code, to read what happened (messages never carry a key).
    examples: BTreeMap<String, String>,
    untyped_ends: usize,
    timeouts: usize,
}

fn random_fault(n: u64) -> Option<Fault> {
    // A cheap deterministic mix: about one request in three meets a fault.
    match n % 12 {
        0 => Some(Fault::ServerError),
        1 => Some(Fault::Unavailable),
        2 => Some(Fault::RateLimited {
            retry_after_secs: 0,
        }),
        3 => Some(Fault::CutStreamAfter(1)),
        4 if n % 48 == 4 => Some(Fault::QuotaExhausted),
        5 => Some(Fault::Slow(Duration::from_millis(30))),
        _ => None,
    }
}

/// Not a test of its own: the soak process, when `CHILD_VAR` is set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_child() {
    if std::env::var(CHILD_VAR).is_err() {
        return;
    }
    let fake = Arc::new(taskly_testkit::fake::provider(&[KEY_1, KEY_2]).await);
    let proxy = taskly_testkit::fake::proxy(TOKEN).await;
    let dir = tempfile::tempdir().expect("dir");
    let cli = Arc::new(Cli {
        home: dir.path().to_path_buf(),
        fake_url: fake.base_url(Flavor::OpenAi),
        proxy_url: proxy.base_url(Flavor::Proxy),
        token: TOKEN,
    });
    let key_1 = cli.add(KEY_1).expect("first key");

    let mut config = Config::new(cli.data_dir());
    config
        .base_url_overrides
        .insert(ProviderId::Openai, fake.base_url(Flavor::OpenAi));
    config.chat.proxy_url = proxy.base_url(Flavor::Proxy);
    config.chat.proxy_token = Some(Arc::new(ApiKey::parse(TOKEN).expect("token")));
    config.chat.retry_base = Duration::from_millis(10);
    config.chat.retry_max_wait = Duration::from_millis(200);
    config.chat.first_byte_timeout = Duration::from_secs(2);
    config.chat.idle_timeout = Duration::from_secs(2);
    let vault = Arc::new(Vault::open(config).await.expect("vault"));
    let service = Arc::new(ChatService::new(vault.clone()));

    // Another process changes keys all along: add a second key (switching to it), switch back,
    // switch again, remove it.
    let stop = Arc::new(AtomicBool::new(false));
    let churn = {
        let (cli, stop, key_1) = (cli.clone(), stop.clone(), key_1.clone());
        std::thread::spawn(move || {
            let (mut ok, mut failed) = (0usize, 0usize);
            let mut tally = |done: bool| if done { ok += 1 } else { failed += 1 };
            while !stop.load(Ordering::Relaxed) {
                match cli.add(KEY_2) {
                    Some(key_2) => {
                        tally(true);
                        tally(cli.run(&["keys", "enable", &key_1], "").0);
                        tally(cli.run(&["keys", "enable", &key_2], "").0);
                        tally(cli.run(&["keys", "remove", "--yes", &key_2], "").0);
                        tally(cli.run(&["keys", "enable", &key_1], "").0);
                    }
                    None => tally(false),
                }
            }
            (ok, failed)
        })
    };

    let next = Arc::new(AtomicUsize::new(0));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let warm = Arc::new(std::sync::Mutex::new(None::<(i64, i64)>));
    let started_at = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let (service, next, tally, fake, warm) = (
            service.clone(),
            next.clone(),
            tally.clone(),
            fake.clone(),
            warm.clone(),
        );
        workers.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= REQUESTS {
                    return;
                }
                if n == WARM_UP {
                    *warm.lock().expect("lock") = Some((fd_count(), rss_kib()));
                }
                if let Some(fault) = random_fault(n as u64 * 7919 % 1009) {
                    fake.push_fault(ScriptedFault {
                        fault,
                        flavor: None,
                        path_contains: Some("chat/completions".into()),
                        times: 1,
                    });
                }
                if n % 200 == 0 {
                    fake.clear_requests();
                }
                let outcome = drain_within(
                    || {
                        let question = format!("question {n}");
                        service.start(ChatRequest::ask(ProviderId::Openai, question))
                    },
                    REQUEST_DEADLINE,
                )
                .await;
                let mut t = tally.lock().await;
                match outcome {
                    None => t.timeouts += 1,
                    Some(run) => {
                        t.started +=
                            usize::from(run.any(|e| matches!(e, ChatEvent::Started { .. })));
                        // An error is a chat's last event, after which nothing else arrives.
                        let finished = run.any(|e| matches!(e, ChatEvent::Finished { .. }));
                        match run.error {
                            None if finished => t.answered += 1,
                            Some(err) => {
                                let code = format!("{:?}", err.code());
                                t.examples.entry(code.clone()).or_insert(err.to_string());
                                *t.errors.entry(code).or_default() += 1;
                            }
                            None => t.untyped_ends += 1,
                        }
                    }
                }
            }
        }));
    }
    let all = futures::future::join_all(workers);
    let joined = tokio::time::timeout(RUN_DEADLINE, all)
        .await
        .expect("no deadlock: the run ends before its deadline");
    let duration = started_at.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (churn_ok, churn_failed) = churn.join().expect("churn thread");
    let panics = joined.iter().filter(|r| r.is_err()).count();
    // Let connections close and the blocking pool settle before the last sample.
    tokio::time::sleep(Duration::from_millis(500)).await;
    fake.clear_requests();
    proxy.clear_requests();
    let (fd_end, rss_end) = (fd_count(), rss_kib());
    let (fd_warm, rss_warm) = warm.lock().expect("lock").expect("warm-up sample");

    let counted: (i64, i64) = vault
        .db()
        .call(|c| {
            Ok(c.query_row(
                "SELECT coalesce(sum(requests), 0), coalesce(sum(failures), 0) FROM usage_daily",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .await
        .expect("usage");
    let t = tally.lock().await;
    let failed_after_start = t.started - t.answered;
    let report = serde_json::json!({
        "requests": REQUESTS,
        "concurrency": CONCURRENCY,
        "duration_secs": duration.as_secs_f64(),
        "answered": t.answered,
        "errors_by_code": t.errors,
        "error_examples": t.examples,
        "untyped_ends": t.untyped_ends,
        "timeouts": t.timeouts,
        "panics": panics,
        "routed_requests": t.started,
        "usage_counted": {"requests": counted.0, "failures": counted.1},
        "key_changes_from_cli": {"ok": churn_ok, "failed": churn_failed},
        "fd": {"after_warm_up": fd_warm, "end": fd_end, "tolerance": FD_TOLERANCE},
        "rss_kib": {"after_warm_up": rss_warm, "end": rss_end, "tolerance": RSS_TOLERANCE_KIB},
    });
    let target = std::env::var("CARGO_TARGET_DIR").map_or_else(
        |_| {
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
                .parent()
                .expect("target")
                .to_path_buf()
        },
        std::path::PathBuf::from,
    );
    let out = target.join("taskly-security");
    std::fs::create_dir_all(&out).expect("mkdir");
    std::fs::write(
        out.join("soak.json"),
        serde_json::to_string_pretty(&report).expect("json"),
    )
    .expect("write");
    println!("soak: {report:#}");

    assert_eq!(panics, 0, "no task panicked");
    assert_eq!(t.timeouts, 0, "no request hung");
    assert_eq!(
        t.untyped_ends, 0,
        "every request ended in an answer or a typed error"
    );
    // The faults injected, and a key removed by the other process between the route being
    // chosen and its secret being read (`credential_missing`). Anything else (a store failure,
    // an internal error) is a defect.
    let expected = [
        "StreamCut",
        "UpstreamOutage",
        "RateLimited",
        "QuotaExhausted",
        "CredentialMissing",
    ];
    let unexpected: Vec<_> = t
        .examples
        .iter()
        .filter(|(code, _)| !expected.contains(&code.as_str()))
        .collect();
    assert!(unexpected.is_empty(), "unexpected errors: {unexpected:#?}");
    let total = t.answered + t.errors.values().sum::<usize>();
    assert_eq!(total, REQUESTS);
    assert!(t.answered > REQUESTS / 2, "most requests were answered");
    assert!(churn_ok > 0, "the other process changed keys meanwhile");
    assert_eq!(
        counted.0 as usize, t.started,
        "every routed request counted once"
    );
    assert_eq!(
        counted.1 as usize, failed_after_start,
        "failures counted as such"
    );
    assert!(
        fd_end - fd_warm <= FD_TOLERANCE,
        "descriptors stayed flat: {fd_warm} -> {fd_end}"
    );
    assert!(
        rss_end - rss_warm <= RSS_TOLERANCE_KIB,
        "memory stayed flat: {rss_warm} KiB -> {rss_end} KiB"
    );
}
