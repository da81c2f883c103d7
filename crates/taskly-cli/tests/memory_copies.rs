//! How many copies of a key stay in the process's memory after the key is removed.
//!
//! One process drives the core API through add (validated), validate, a streamed chat, replace
//! (validated), a chat with the new key and remove, against a real GNOME Keyring on a private
//! bus and the fake provider, which runs in a child process (started from this same test binary)
//! so its own copies of the key are not counted. Then it reads every readable mapping of
//! `/proc/self/mem` and counts the canary keys' bytes. The needle is kept XOR-masked so the
//! scanner never holds a plain copy itself, and its read buffer is wiped after each chunk.
//!
//! The figures go to `$CARGO_TARGET_DIR/taskly-security/memory-copies.json` (counts at each
//! point, and for every copy after the remove the mapping and the 40 bytes before it); the test
//! fails if the count after removal (and `Router::forget_secrets`, as the app does) exceeds
//! [`MAX_COPIES_AFTER_REMOVE`]. Only writable mappings are read: the binary's code and
//! constants cannot receive a copy at run time.
#![allow(clippy::expect_used, clippy::print_stdout, clippy::print_stderr)]

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use taskly_core::chat::ChatRequest;
use taskly_core::chat::run::{ChatEvent, ChatService};
use taskly_core::vault::KeyUpdate;
use taskly_core::{ApiKey, Config, NewKey, ProviderId, Vault};
use taskly_fake_ai::{FakeAi, FakeAiConfig, Flavor};
use taskly_testkit::drain::drain;
use zeroize::Zeroizing;

/// The most copies of either canary allowed in memory once its key is removed.
///
/// Measured (see `where_after_remove` in the report): the one copy left is hyper's HTTP/1 write
/// buffer, `POST … HTTP/1.1\r\nauthorization: Bearer <key>`, kept by the pooled idle
/// connection and freed without wiping when the connection closes: third-party memory we cannot
/// wipe. Without `Router::forget_secrets` after the remove (the app calls it; the core API
/// alone does not) the router's cached `ApiKey` and the cached decision's auth `HeaderValue`
/// stay alive too: 3.
const MAX_COPIES_AFTER_REMOVE: usize = 1;

const SEED_VAR: &str = "TASKLY_MEMTEST_FAKE_SEED";
const MASK: u8 = 0x5A;

/// A canary key, built in a buffer sized up front (no reallocation leaving a copy behind) and
/// wiped on drop.
fn canary(which: &str, seed: &str) -> Zeroizing<String> {
    let mut key = Zeroizing::new(String::with_capacity(64));
    key.push_str("sk-proj-MEMCANARY");
    key.push_str(which);
    key.push_str(seed);
    key.push_str("Zz9");
    key
}

fn masked(key: &str) -> Vec<u8> {
    key.bytes().map(|b| b ^ MASK).collect()
}

/// Not a test of its own: the fake provider's process when `SEED_VAR` is set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_provider_child() {
    let Ok(seed) = std::env::var(SEED_VAR) else {
        return;
    };
    let keys = vec![
        canary("A", &seed).to_string(),
        canary("B", &seed).to_string(),
    ];
    let fake = FakeAi::start(FakeAiConfig {
        provider_keys: keys,
        chunk_delay: Duration::from_millis(5),
        ..FakeAiConfig::default()
    })
    .await
    .expect("fake");
    println!("FAKE_URL {}", fake.base_url(Flavor::OpenAi));
    loop {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

/// Stops the fake's process even when the test fails.
struct KillOnDrop(Child);

impl KillOnDrop {
    fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.stop();
    }
}

fn start_fake_child(seed: &str) -> (Child, String) {
    let mut child = Command::new(std::env::current_exe().expect("exe"))
        .args([
            "--exact",
            "fake_provider_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(SEED_VAR, seed)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("child");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let url = loop {
        let line = lines.next().expect("a line").expect("utf-8");
        // libtest prints "test NAME ... " without a newline before the test's own output.
        if let Some((_, url)) = line.split_once("FAKE_URL ") {
            break url.trim().to_owned();
        }
    };
    (child, url)
}

/// Occurrences of each masked needle in every writable mapping of this process.
fn scan(needles: &[Vec<u8>]) -> Vec<usize> {
    scan_with_context(needles).0
}

/// Counts, and for each hit the mapping it lies in and the 40 bytes before it (never the key
/// itself): enough to tell an HTTP header from a D-Bus message or a JSON body.
fn scan_with_context(needles: &[Vec<u8>]) -> (Vec<usize>, Vec<String>) {
    let mut places = Vec::new();
    let maps = std::fs::read_to_string("/proc/self/maps").expect("maps");
    let mut mem = std::fs::File::open("/proc/self/mem").expect("mem");
    let longest = needles.iter().map(Vec::len).max().unwrap_or(0);
    let chunk = 1 << 20;
    let mut buf = vec![0u8; chunk + longest];
    let own = (buf.as_ptr() as usize, buf.as_ptr() as usize + buf.len());
    let mut counts = vec![0usize; needles.len()];
    for line in maps.lines() {
        let mut parts = line.split_whitespace();
        let (Some(range), Some(perms)) = (parts.next(), parts.next()) else {
            continue;
        };
        let name = line.split_whitespace().nth(5).unwrap_or("");
        // Read-only mappings (code, constants of the binary and its libraries) cannot receive a
        // copy at run time; everything writable can (heap, stacks, anonymous maps, .data).
        if !perms.starts_with("rw") || name.starts_with("[vvar") || name == "[vsyscall]" {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else {
            continue;
        };
        let (Ok(start), Ok(end)) = (
            usize::from_str_radix(start, 16),
            usize::from_str_radix(end, 16),
        ) else {
            continue;
        };
        let mut at = start;
        let mut carried = 0usize;
        while at < end {
            let want = chunk.min(end - at);
            if mem.seek(SeekFrom::Start(at as u64)).is_err() {
                break;
            }
            let Ok(got) = mem.read(&mut buf[carried..carried + want]) else {
                break;
            };
            if got == 0 {
                break;
            }
            let filled = carried + got;
            let base = at - carried;
            let first = needles[0][0] ^ MASK;
            let shortest = needles.iter().map(Vec::len).min().unwrap_or(0);
            if filled >= shortest {
                for i in 0..=filled - shortest {
                    // Cheap first-byte filter: this loop runs over every byte in a debug build.
                    if buf[i] != first {
                        continue;
                    }
                    let addr = base + i;
                    if addr >= own.0 && addr < own.1 {
                        continue;
                    }
                    for (n, needle) in needles.iter().enumerate() {
                        if i + needle.len() <= filled
                            && buf[i..i + needle.len()]
                                .iter()
                                .zip(needle)
                                .all(|(b, m)| b ^ MASK == *m)
                        {
                            counts[n] += 1;
                            let before = &buf[i.saturating_sub(40)..i];
                            let text: String = before
                                .iter()
                                .map(|b| {
                                    if b.is_ascii_graphic() || *b == b' ' {
                                        char::from(*b)
                                    } else {
                                        '.'
                                    }
                                })
                                .collect();
                            places.push(format!("canary {n} in {name:?} after {text:?}"));
                        }
                    }
                }
            }
            // Keep the tail for matches across chunks, wipe the rest.
            let keep = (longest - 1).min(filled);
            buf.copy_within(filled - keep..filled, 0);
            buf[keep..].fill(0);
            carried = keep;
            at += got;
        }
        buf.fill(0);
    }
    (counts, places)
}

async fn chat(service: &Arc<ChatService>, text: &str) {
    // Far beyond a chat with the fake: a request that never ends fails instead of hanging.
    let run = drain(
        || service.start(ChatRequest::ask(ProviderId::Openai, text)),
        Duration::from_secs(60),
    )
    .await;
    assert!(run.error.is_none(), "event: {:?}", run.error);
    assert!(
        run.any(|event| matches!(event, ChatEvent::Finished { .. })),
        "the chat finished"
    );
}

const MEASURE_VAR: &str = "TASKLY_MEMTEST_FAKE_URL";

/// Starts the keyring and the fake, then runs the measuring process (this binary again, with
/// the bus address in its environment from the start) and checks its report.
#[test]
fn copies_of_a_removed_key_left_in_memory() {
    if std::env::var(SEED_VAR).is_ok() || std::env::var(MEASURE_VAR).is_ok() {
        return;
    }
    let seed = format!(
        "{:x}{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
        std::process::id()
    );
    let keyring = taskly_testkit::SecretService::start();
    let (fake, url) = start_fake_child(&seed);
    let mut fake = KillOnDrop(fake);
    // Fails unless the measuring process ran and passed (the fake is killed on the way out).
    keyring.run_test_in_child(
        "measure_child",
        &[
            (&SEED_VAR.replace("FAKE_SEED", "SEED"), &seed),
            (MEASURE_VAR, &url),
        ],
    );
    fake.stop();
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report_path()).expect("report"))
            .expect("json");
    println!("memory copies: {report:#}");
    assert_eq!(report["seed"], seed.as_str(), "a fresh report");
}

fn report_path() -> std::path::PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR").map_or_else(
        |_| {
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
                .parent()
                .expect("target")
                .to_path_buf()
        },
        std::path::PathBuf::from,
    );
    target.join("taskly-security").join("memory-copies.json")
}

/// Not a test of its own: the measuring process, when `MEASURE_VAR` is set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn measure_child() {
    let Ok(url) = std::env::var(MEASURE_VAR) else {
        return;
    };
    let seed = std::env::var(SEED_VAR.replace("FAKE_SEED", "SEED")).expect("seed");
    let needles = {
        let (a, b) = (canary("A", &seed), canary("B", &seed));
        vec![masked(&a), masked(&b)]
    };
    let dir = tempfile::tempdir().expect("dir");
    let mut config = Config::new(dir.path());
    config.base_url_overrides.insert(ProviderId::Openai, url);
    let started = std::time::Instant::now();
    let baseline = scan(&needles);
    eprintln!("baseline scan {baseline:?} in {:?}", started.elapsed());
    let vault = Arc::new(Vault::open(config).await.expect("vault"));
    let id = {
        let key = canary("A", &seed);
        let secret = ApiKey::parse(&key).expect("valid");
        drop(key);
        let new = NewKey {
            provider: ProviderId::Openai,
            label: None,
            base_url: None,
            secret,
            verify: true,
            enable: taskly_core::Enable::Yes,
        };
        vault.add(new).await.expect("added").key.id
    };
    vault.validate(&id).await.expect("validated");
    let service = Arc::new(ChatService::new(vault.clone()));
    chat(&service, "hello with A").await;
    let while_in_use = scan(&needles);
    {
        let key = canary("B", &seed);
        let secret = ApiKey::parse(&key).expect("valid");
        drop(key);
        let update = KeyUpdate {
            secret: Some(secret),
            verify: true,
            ..KeyUpdate::default()
        };
        vault.update(&id, update).await.expect("replaced");
    }
    chat(&service, "hello with B").await;
    vault.remove(&id).await.expect("removed");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (before_forget, where_before_forget) = scan_with_context(&needles);
    // As the app's remove command does (src-tauri/src/commands/keys.rs): the router's cache
    // holds the secret and the decision's auth header until then.
    service.router().forget_secrets();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (after_remove, where_after_remove) = scan_with_context(&needles);
    drop(service);
    drop(vault);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (after_drop, where_after_drop) = scan_with_context(&needles);

    let report = serde_json::json!({
        "flow": "add(validated) -> validate -> chat(stream) -> replace(validated) -> chat(stream) -> remove",
        "store": "Secret Service (GNOME Keyring, private bus)",
        "canary_a_replaced_then_removed": {
            "baseline": baseline[0],
            "while_in_use": while_in_use[0],
            "after_remove_before_forget_secrets": before_forget[0],
            "after_remove_vault_open": after_remove[0],
            "after_vault_dropped": after_drop[0],
        },
        "canary_b_removed": {
            "baseline": baseline[1],
            "while_in_use": while_in_use[1],
            "after_remove_before_forget_secrets": before_forget[1],
            "after_remove_vault_open": after_remove[1],
            "after_vault_dropped": after_drop[1],
        },
        "where_before_forget_secrets": where_before_forget,
        "where_after_remove": where_after_remove,
        "where_after_drop": where_after_drop,
        "max_allowed_after_remove": MAX_COPIES_AFTER_REMOVE,
        "seed": seed,
    });
    let out = report_path().parent().expect("dir").to_path_buf();
    std::fs::create_dir_all(&out).expect("mkdir");
    std::fs::write(
        out.join("memory-copies.json"),
        serde_json::to_string_pretty(&report).expect("json"),
    )
    .expect("write report");
    println!("memory copies: {report:#}");
    assert_eq!(baseline, vec![0, 0], "the scanner itself holds no copy");
    for count in after_remove.iter().chain(&after_drop) {
        assert!(
            *count <= MAX_COPIES_AFTER_REMOVE,
            "copies after remove: {after_remove:?}, after drop: {after_drop:?}"
        );
    }
}
