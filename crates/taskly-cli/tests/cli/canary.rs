//! A canary key used through every flow at `RUST_LOG=trace` appears nowhere but in the
//! credential store: not in the data folder (SQLite, WAL, logs), not in any output.

use taskly_fake_ai::Fault;
use taskly_testkit::{canary, files_containing};

use crate::support::Sandbox;

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
    let logs = files_containing(&sb.log_dir(), "key added");
    assert_eq!(
        logs.len(),
        1,
        "trace logging really ran into the log folder"
    );
    // The key did travel where it had to: to the provider, in the auth header only.
    let sent = sb.fake.requests();
    assert!(
        sent.iter()
            .any(|r| r.header("authorization") == Some(format!("Bearer {key}").as_str()))
    );
    assert!(sent.iter().all(|r| !r.path.contains(key.as_str())
        && r.query.as_deref().is_none_or(|q| !q.contains(key.as_str()))));
}
