//! A change made by another process counts on the very next request: the `taskly` binary
//! switches a key off and on, replaces its secret, switches to another key and removes it, while
//! a long-lived core in this test's process (one `Vault` and one `ChatService`, as the app holds
//! them) keeps chatting. Each change shows on the first request after the command returns, with
//! no pause in between, and a second request agrees.
//!
//! Both processes use a real GNOME Keyring on a private bus (taskly-testkit) and one data folder.
//! The core reads the bus address from its environment when it opens the Secret Service, so the
//! test starts the keyring and runs the long-lived core in a child process of this binary with
//! that address in its environment from the start.
#![allow(clippy::expect_used, clippy::print_stdout, clippy::print_stderr)]

#[path = "support/taskly_binary.rs"]
mod taskly_binary;

use std::sync::Arc;
use std::time::Duration;

use taskly_binary::Cli;
use taskly_core::chat::ChatRequest;
use taskly_core::chat::run::{ChatEvent, ChatService};
use taskly_core::{ApiKey, Config, ProviderId, Vault};
use taskly_fake_ai::{FakeAi, Flavor};
use taskly_testkit::drain::drain;

const CHILD_VAR: &str = "TASKLY_TWO_PROCESSES_CHILD";
const FIRST: &str = "sk-proj-firstFirstFirst0123456789abcdEFGH";
const REPLACEMENT: &str = "sk-proj-replacedReplaced0123456789IJKL";
const SECOND: &str = "sk-proj-secondSecondSec0123456789MNOPq";
const TOKEN: &str = "taskly-two-processes-token-0123456789";

#[test]
fn a_change_from_another_process_counts_on_the_very_next_request() {
    if std::env::var_os(CHILD_VAR).is_some() {
        return;
    }
    let keyring = taskly_testkit::SecretService::start();
    // Fails unless the core's process ran and passed.
    keyring.run_test_in_child("long_lived_core", &[(CHILD_VAR, "1")]);
    // Both processes really used the private keyring: the key they left is there.
    assert_eq!(keyring.usernames().len(), 1, "{:?}", keyring.usernames());
}

/// The `taskly` binary, run as a person would, on the same data folder and keyring.
impl Cli {
    fn run(&self, args: &[&str], stdin: &str) -> serde_json::Value {
        let (out, written) = self.output(&[args, &["--json"]].concat(), stdin);
        written.expect("stdin");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "taskly {args:?} failed\nstdout: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
    }

    fn add(&self, key: &str, on: &str) -> String {
        let json = self.run(&["keys", "add", "--provider", "openai", on], key);
        json["key"]["id"].as_str().expect("an id").to_owned()
    }
}

/// One request through the long-lived core, read to its end: who answered, and the
/// `Authorization` header of the request the provider (or proxy) received for it.
async fn ask(service: &Arc<ChatService>, provider: &FakeAi, proxy: &FakeAi) -> (String, String) {
    let (before_provider, before_proxy) = (provider.requests().len(), proxy.requests().len());
    let run = drain(
        || service.start(ChatRequest::ask(ProviderId::Openai, "hello")),
        Duration::from_secs(20),
    )
    .await;
    assert!(run.error.is_none(), "answered: {:?}", run.error);
    let route = run
        .events
        .iter()
        .find_map(|event| match event {
            ChatEvent::Finished { route, .. } => Some(route.describe()),
            _ => None,
        })
        .expect("finished");
    // Exactly one request went out, to exactly one of the two.
    let (to_provider, to_proxy) = (
        provider.requests()[before_provider..].to_vec(),
        proxy.requests()[before_proxy..].to_vec(),
    );
    let sent = match (to_provider.as_slice(), to_proxy.as_slice()) {
        ([one], []) | ([], [one]) => one.clone(),
        _ => panic!(
            "{} requests to the provider and {} to the proxy for one question",
            to_provider.len(),
            to_proxy.len()
        ),
    };
    let auth = sent.header("authorization").unwrap_or_default().to_owned();
    (route, auth)
}

/// Not a test of its own: the long-lived core, when `CHILD_VAR` is set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_lived_core() {
    if std::env::var_os(CHILD_VAR).is_none() {
        return;
    }
    let provider = taskly_testkit::fake::provider(&[FIRST, REPLACEMENT, SECOND]).await;
    let proxy = taskly_testkit::fake::proxy(TOKEN).await;
    let home = tempfile::tempdir().expect("home");
    let cli = Cli {
        home: home.path().to_owned(),
        fake_url: provider.base_url(Flavor::OpenAi),
        proxy_url: proxy.base_url(Flavor::Proxy),
        token: TOKEN,
    };

    // The core opens the data folder and the store before the CLI has made anything, as the
    // app does at start, and keeps them for the whole test.
    let mut config = Config::new(cli.data_dir());
    config
        .base_url_overrides
        .insert(ProviderId::Openai, cli.fake_url.clone());
    config.chat.proxy_url = cli.proxy_url.clone();
    config.chat.proxy_token = Some(Arc::new(ApiKey::parse(TOKEN).expect("token")));
    let vault = Arc::new(Vault::open(config).await.expect("vault"));
    assert!(vault.list().await.expect("list").is_empty());
    let service = Arc::new(ChatService::new(vault.clone()));
    let bearer = |key: &str| format!("Bearer {key}");
    let ask_twice = || async {
        let first = ask(&service, &provider, &proxy).await;
        let again = ask(&service, &provider, &proxy).await;
        assert_eq!(first, again, "a second request agrees with the first");
        first
    };

    let (route, auth) = ask_twice().await;
    assert_eq!((route.as_str(), auth), ("Taskly", bearer(TOKEN)));

    // Added (and switched on) by the CLI.
    let first = cli.add(FIRST, "--enable");
    let (route, auth) = ask_twice().await;
    assert!(route.contains("OpenAI"), "{route}");
    assert_eq!(auth, bearer(FIRST));

    // Switched off there: Taskly, with its token.
    cli.run(&["keys", "disable", &first], "");
    let (route, auth) = ask_twice().await;
    assert_eq!((route.as_str(), auth), ("Taskly", bearer(TOKEN)));

    // Switched on again.
    cli.run(&["keys", "enable", &first], "");
    assert_eq!(ask_twice().await.1, bearer(FIRST));

    // Its secret replaced: the new one, not the one this process read before.
    cli.run(&["keys", "update", &first, "--replace-secret"], REPLACEMENT);
    assert_eq!(ask_twice().await.1, bearer(REPLACEMENT));

    // A second key added switched off changes nothing; switching to it does.
    let second = cli.add(SECOND, "--disable");
    assert_eq!(ask_twice().await.1, bearer(REPLACEMENT));
    cli.run(&["keys", "enable", &second], "");
    assert_eq!(ask_twice().await.1, bearer(SECOND));

    // The key in use removed there (the other is off now): Taskly, and this process lets the
    // removed secret go at that decision.
    cli.run(&["keys", "remove", &second, "--yes"], "");
    let (route, auth) = ask_twice().await;
    assert_eq!((route.as_str(), auth), ("Taskly", bearer(TOKEN)));
    assert_eq!(service.router().cached_secrets(), 0);

    // The proxy never saw a personal key.
    for request in proxy.requests() {
        let seen = format!("{:?} {}", request.headers, request.body_text());
        for key in [FIRST, REPLACEMENT, SECOND] {
            assert!(!seen.contains(key), "the proxy received a personal key");
        }
    }
    // What is left: the first key (replaced, off), in the keyring the parent checks.
    let keys = vault.list().await.expect("list");
    assert_eq!(keys.len(), 1);
    assert!(!keys[0].enabled);
}
