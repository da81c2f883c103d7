//! A canary key used through every flow at `RUST_LOG=trace` appears nowhere but in the
//! credential store: not in the data folder (SQLite, WAL, logs), not in any output.

use std::path::Path;

use taskly_fake_ai::Fault;
use taskly_testkit::{canary, files_containing};

use crate::support::Sandbox;

/// What each vault step writes at `trace` (`taskly_core::vault::faults`).
const VAULT_STEP: &str = "vault step reached";

/// The `TRACE` lines our own core wrote into the log files under `dir` (the fmt layer's
/// `<time> TRACE [spans:] taskly_core::vault::faults: vault step reached point="…"`).
fn trace_lines_of_our_crates(dir: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        lines.extend(
            text.lines()
                .filter(|l| {
                    l.contains(" TRACE ")
                        && l.contains("taskly_core::vault::faults:")
                        && l.contains(VAULT_STEP)
                })
                .map(str::to_owned),
        );
    }
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_appears_only_in_the_credential_store() {
    let mut sb = Sandbox::new().await;
    sb.extra_env.push(("RUST_LOG".into(), "trace".into()));
    let key = canary("cli");
    let replacement = canary("cli2");
    sb.fake.add_provider_key(&key);
    sb.fake.add_provider_key(&replacement);
    let mut outputs = Vec::new();
    let mut run = |args: &[&str], stdin: &str| {
        let mut all = vec!["--verbose"];
        all.extend_from_slice(args);
        let run = sb.run(&all, stdin);
        outputs.push(format!("{}\n{}", run.stdout, run.stderr));
        run
    };
    let added = run(
        &[
            "keys",
            "add",
            "--provider",
            "openai",
            "--label",
            "Canary",
            "--json",
        ],
        &key,
    )
    .ok();
    let id = added.json()["key"]["id"].as_str().expect("id").to_owned();
    run(&["keys", "list"], "").ok();
    run(&["keys", "list", "--json"], "").ok();
    run(&["keys", "enable", &id], "").ok();
    run(&["keys", "validate", &id], "").ok();
    sb.fake.push_fault(Fault::EchoKeyInError);
    assert_ne!(run(&["keys", "validate", &id], "").code, 0);
    sb.fake.push_fault(Fault::RateLimited {
        retry_after_secs: 3,
    });
    run(&["keys", "update", &id, "--replace-secret"], &replacement).ok();
    run(&["keys", "update", &id, "--label", "Renamed"], "").ok();
    run(&["doctor", "--json"], "").ok();
    // Chat through the key, a failing chat whose error echoes the key, then through Taskly.
    run(&["chat", "hello"], "").ok();
    sb.fake.push_fault(Fault::EchoKeyInError);
    assert_ne!(run(&["chat", "--json", "hello"], "").code, 0);
    run(&["models"], "").ok();
    run(&["keys", "disable", &id], "").ok();
    run(&["chat", "hello", "through", "taskly"], "").ok();
    run(&["usage"], "").ok();
    assert_ne!(
        run(
            &["keys", "add", "--provider", "openai"],
            &format!("{key}\nsecond line")
        )
        .code,
        0
    );
    run(&["keys", "remove", &id, "--yes"], "").ok();

    for secret in [&key, &replacement] {
        for (index, output) in outputs.iter().enumerate() {
            assert!(
                !output.contains(secret.as_str()),
                "command #{index} printed the key:\n{output}"
            );
        }
        let hits = files_containing(sb.data_dir(), secret);
        assert!(hits.is_empty(), "the key leaked into {hits:?}");
        let hits = files_containing(&sb.keyring.keyring_dir(), secret);
        assert!(
            hits.is_empty(),
            "the keyring file holds the key unencrypted: {hits:?}"
        );
    }
    // Taskly's stand-in received nothing derived from the key.
    assert!(!sb.proxy.requests().is_empty());
    for request in sb.proxy.requests() {
        let everything = format!(
            "{} {:?} {:?} {}",
            request.path,
            request.query,
            request.headers,
            request.body_text()
        );
        for secret in [&key, &replacement] {
            assert!(
                !everything.contains(secret.as_str()),
                "the proxy received the key"
            );
            assert!(
                !everything.contains(&secret[secret.len() - 12..]),
                "the proxy received part of the key"
            );
        }
    }
    // The run really logged at trace into the log folder, our own crates included (each vault
    // step writes a trace line), so the search above covered trace-level output; and no log
    // holds either key.
    let traced = trace_lines_of_our_crates(&sb.log_dir());
    assert!(
        traced
            .iter()
            .any(|l| l.contains("add:after-credential-write"))
            && traced.iter().any(|l| l.contains("replace:after-swap"))
            && traced
                .iter()
                .any(|l| l.contains("remove:after-credential-delete")),
        "the vault's trace lines for add, replace and remove are in the log: {traced:?}"
    );
    assert_eq!(
        files_containing(&sb.log_dir(), "key added").len(),
        1,
        "the info line too, in one file"
    );
    for secret in [&key, &replacement] {
        let hits = files_containing(&sb.log_dir(), secret);
        assert!(hits.is_empty(), "a log holds the key: {hits:?}");
    }
    // The key did travel where it had to: to the provider, in the auth header only.
    let sent = sb.fake.requests();
    assert!(
        sent.iter()
            .any(|r| r.header("authorization") == Some(format!("Bearer {key}").as_str()))
    );
    assert!(sent.iter().all(|r| !r.path.contains(key.as_str())
        && r.query.as_deref().is_none_or(|q| !q.contains(key.as_str()))));
}

/// A panic while a canary key is held (the debug-only `TASKLY_FAULT_PANIC` point panics in the
/// middle of an add, with the parsed key in hand, and in the middle of a replace, with both the
/// old and the new key in hand) prints the panic message, its location and a full backtrace,
/// and neither key: not on stderr or stdout, not in the logs (at trace), not in the data folder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_while_a_key_is_held_prints_and_logs_no_trace_of_it() {
    let mut sb = Sandbox::new().await;
    sb.extra_env.push(("RUST_LOG".into(), "trace".into()));
    sb.extra_env.push(("RUST_BACKTRACE".into(), "full".into()));
    let key = canary("panic");
    let replacement = canary("panic2");
    sb.fake.add_provider_key(&key);
    sb.fake.add_provider_key(&replacement);
    let panicking = |args: &[&str], stdin: &str, point: &str| {
        let mut all = vec!["--verbose"];
        all.extend_from_slice(args);
        let mut cmd = sb.command(&all);
        cmd.env("TASKLY_FAULT_PANIC", point);
        let run = crate::support::run_command(cmd, stdin);
        assert_eq!(run.code, 101, "the process panicked at {point}: {run:?}");
        assert!(
            run.stderr.contains("panicked at")
                && run
                    .stderr
                    .contains(&format!("TASKLY_FAULT_PANIC at {point}"))
                && run.stderr.contains("stack backtrace:"),
            "the panic message, location and backtrace were printed: {}",
            run.stderr
        );
        run
    };
    let mut outputs = Vec::new();
    let run = panicking(
        &["keys", "add", "--provider", "openai", "--json"],
        &key,
        "add:after-pending-row",
    );
    outputs.push(format!("{}\n{}", run.stdout, run.stderr));
    // The next start repairs the half-done add: nothing saved.
    assert!(sb.list().is_empty());
    assert!(sb.keyring.usernames().is_empty());

    let id = sb.add(&key, &[]);
    let run = panicking(
        &["keys", "update", &id, "--replace-secret", "--json"],
        &replacement,
        "replace:after-credential-write",
    );
    outputs.push(format!("{}\n{}", run.stdout, run.stderr));
    assert_eq!(
        sb.list().len(),
        1,
        "the key is still there after the repair"
    );

    for secret in [&key, &replacement] {
        for output in &outputs {
            assert!(
                !output.contains(secret.as_str()),
                "a panic printed the key:\n{output}"
            );
        }
        let hits = files_containing(sb.data_dir(), secret);
        assert!(hits.is_empty(), "the key leaked into {hits:?}");
    }
    // The panicking runs logged at trace up to the point they panicked.
    let traced = trace_lines_of_our_crates(&sb.log_dir());
    assert!(
        traced.iter().any(|l| l.contains("add:after-pending-row"))
            && traced
                .iter()
                .any(|l| l.contains("replace:after-credential-write")),
        "{traced:?}"
    );
}
