//! `taskly auth …` against a real OpenID Provider (oidc-provider on 127.0.0.1) and a Taskly
//! proxy stand-in that accepts only tokens the issuer says are active (introspection): the
//! issue's "Done when", as a person at a terminal does it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use taskly_fake_ai::{FakeAi, FakeAiConfig, Introspection};
use taskly_testkit::oidc::{Issuer, IssuerOptions};

use crate::support::{Run, Sandbox, VALID_KEY, finish};

/// A sandbox whose Taskly route needs a sign-in: no `TASKLY_PROXY_TOKEN`, the proxy checks
/// tokens with `issuer`.
async fn signed_out(issuer: &Issuer) -> Sandbox {
    let mut sandbox = Sandbox::new().await;
    let (endpoint, client_id, client_secret) = issuer.introspection();
    sandbox.proxy = FakeAi::start(FakeAiConfig {
        introspection: Some(Introspection {
            endpoint,
            client_id,
            client_secret,
            audience_client: Some(Issuer::CLIENT_ID.to_owned()),
        }),
        ..FakeAiConfig::default()
    })
    .await
    .expect("the proxy starts");
    sandbox.extra_env.extend(issuer.issuer_env());
    // Nothing is opened: the URL is read from the --json events, as a person would copy it.
    sandbox.extra_env.push(("BROWSER".into(), "true".into()));
    sandbox.extra_env.push(("DISPLAY".into(), ":0".into()));
    sandbox
}

fn taskly(sandbox: &Sandbox, args: &[&str]) -> Run {
    let mut cmd = sandbox.command(args);
    cmd.env_remove("TASKLY_PROXY_TOKEN");
    crate::support::run_command(cmd, "")
}

fn spawn(sandbox: &Sandbox, args: &[&str]) -> Child {
    let mut cmd = sandbox.command(args);
    cmd.env_remove("TASKLY_PROXY_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.spawn().expect("taskly starts")
}

/// Runs `taskly auth login --json ARGS`, plays the person in the browser as `login`, and
/// returns the run and its events.
async fn login(
    sandbox: &Sandbox,
    issuer: &Issuer,
    login: &str,
    extra: &[&str],
) -> (Run, Vec<serde_json::Value>) {
    let mut args = vec!["auth", "login", "--json"];
    args.extend_from_slice(extra);
    let mut child = spawn(sandbox, &args);
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("an event").expect("readable stdout");
    let event: serde_json::Value = serde_json::from_str(&first).expect("a JSON event");
    assert_eq!(event["event"], "browser", "{event}");
    let url = event["url"].as_str().expect("url").to_owned();
    let (status, page) = issuer
        .sign_in_through_browser(&url, login)
        .await
        .expect("the browser side completes");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("You are signed in"), "{page}");
    let mut events = vec![event];
    let mut rest = String::new();
    for line in lines {
        let line = line.expect("readable stdout");
        rest.push_str(&line);
        rest.push('\n');
        events.push(serde_json::from_str(&line).expect("a JSON event"));
    }
    let mut run = finish(child.wait_with_output().expect("taskly ends"));
    run.stdout = format!("{first}\n{rest}");
    (run, events)
}

#[tokio::test(flavor = "multi_thread")]
async fn chat_says_to_sign_in_then_answers_via_taskly_for_the_account() {
    let issuer = Issuer::start();
    let sandbox = signed_out(&issuer).await;

    let before = taskly(&sandbox, &["chat", "hi"]);
    assert_ne!(before.code, 0);
    assert!(
        before.stderr.contains("taskly auth login"),
        "{}",
        before.stderr
    );
    let json = taskly(&sandbox, &["chat", "hi", "--json"]);
    assert_eq!(json.error_code(), "sign_in_required", "{}", json.stdout);

    let (run, events) = login(&sandbox, &issuer, "ana", &[]).await;
    let run = run.ok();
    let signed_in = events
        .iter()
        .find(|e| e["event"] == "signed_in")
        .unwrap_or_else(|| panic!("no signed_in event: {}", run.stdout));
    assert_eq!(signed_in["account"]["email"], "ana@example.com");
    assert_eq!(signed_in["account"]["subject"], Issuer::sub_of("ana"));

    let chat = taskly(&sandbox, &["chat", "hi"]).ok();
    assert!(
        chat.stderr.contains("via Taskly (ana@example.com)"),
        "{}",
        chat.stderr
    );
    assert!(!chat.stdout.trim().is_empty());
    let billed: Vec<_> = sandbox
        .proxy
        .requests()
        .into_iter()
        .filter_map(|r| r.proxy_subject)
        .collect();
    assert_eq!(billed, vec![Issuer::sub_of("ana")]);

    let status = taskly(&sandbox, &["auth", "status", "--json"]).ok().json();
    assert_eq!(status["active"]["email"], "ana@example.com");
    assert_eq!(status["active"]["issuer"], issuer.url());
    assert_eq!(status["token_override"], false);
    assert!(status["active"]["access_expires_at"].is_string());

    // No token in what the command printed, its log or its data folder.
    let tokens = session_tokens(&sandbox);
    assert_eq!(tokens.len(), 2, "access and refresh tokens are stored");
    let printed = format!("{}{}{}{}", run.stdout, run.stderr, chat.stdout, chat.stderr);
    for token in &tokens {
        assert!(!printed.contains(token.as_str()), "a token was printed");
        let found = taskly_testkit::files_containing(&sandbox.data_dir().join("data"), token);
        assert!(found.is_empty(), "a token is in {found:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_access_token_is_renewed_without_asking_and_logout_ends_it_at_the_issuer() {
    let issuer = Issuer::start_with(IssuerOptions {
        access_token_ttl: std::time::Duration::from_secs(2),
        ..IssuerOptions::default()
    });
    let sandbox = signed_out(&issuer).await;
    login(&sandbox, &issuer, "ana", &[]).await.0.ok();
    let first_access = access_token(&sandbox);
    taskly(&sandbox, &["chat", "hi"]).ok();
    taskly(&sandbox, &["chat", "hi again"]).ok();
    let stats = issuer.stats().await;
    assert!(
        stats["token"]["refresh_token"].as_u64().unwrap_or(0) >= 1,
        "{stats}"
    );
    assert_ne!(
        access_token(&sandbox),
        first_access,
        "the access token was renewed"
    );

    let current = access_token(&sandbox);
    assert_eq!(issuer.introspect(&current).await["active"], true);
    let out = taskly(&sandbox, &["auth", "logout"]).ok();
    assert!(out.stdout.contains("ended the session"), "{}", out.stdout);
    assert_eq!(issuer.introspect(&current).await["active"], false);
    assert!(
        session_tokens(&sandbox).is_empty(),
        "nothing left in the keyring"
    );
    let chat = taskly(&sandbox, &["chat", "hi", "--json"]);
    assert_eq!(chat.error_code(), "sign_in_required");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_due_for_a_refresh_refresh_once() {
    let issuer = Issuer::start_with(IssuerOptions {
        access_token_ttl: std::time::Duration::from_secs(30),
        ..IssuerOptions::default()
    });
    let sandbox = signed_out(&issuer).await;
    login(&sandbox, &issuer, "ana", &[]).await.0.ok();
    // 30 s left is inside the minute before expiry: both processes are due to refresh, and
    // rotation would revoke the grant if both presented the same refresh token.
    let children: Vec<Child> = (0..4)
        .map(|i| spawn(&sandbox, &["chat", &format!("question {i}")]))
        .collect();
    for child in children {
        let run = finish(child.wait_with_output().expect("taskly ends"));
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stderr.contains("via Taskly (ana@example.com)"),
            "{}",
            run.stderr
        );
    }
    let stats = issuer.stats().await;
    assert_eq!(stats["token"]["refresh_token"], 1, "{stats}");
    assert_eq!(stats["token_errors"], 0, "{stats}");
}

#[tokio::test(flavor = "multi_thread")]
async fn another_person_signed_in_sees_none_of_the_first_persons_keys() {
    let issuer = Issuer::start();
    let sandbox = signed_out(&issuer).await;
    login(&sandbox, &issuer, "ana", &[]).await.0.ok();
    sandbox.add(VALID_KEY, &["--label", "Ana's"]);
    assert_eq!(sandbox.list().len(), 1);

    let (run, _) = login(&sandbox, &issuer, "bob", &[]).await;
    run.ok();
    assert!(sandbox.list().is_empty(), "bob sees no keys of ana's");
    let status = taskly(&sandbox, &["auth", "status", "--json"]).ok().json();
    assert_eq!(status["active"]["email"], "bob@example.com");
    assert_eq!(status["accounts"].as_array().map(Vec::len), Some(2));

    taskly(&sandbox, &["auth", "switch", "ana@example.com"]).ok();
    let keys = sandbox.list();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["label"], "Ana's");
    let missing = taskly(&sandbox, &["auth", "switch", "carol", "--json"]);
    assert_eq!(missing.error_code(), "account_not_found");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_sign_in_brings_local_keys_in_when_asked() {
    let issuer = Issuer::start();
    let sandbox = signed_out(&issuer).await;
    sandbox.add(VALID_KEY, &["--label", "Local"]);
    let (run, events) = login(&sandbox, &issuer, "ana", &["--adopt-local-keys"]).await;
    run.ok();
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "local_keys_adopted" && e["count"] == 1),
        "{events:?}"
    );
    let keys = sandbox.list();
    assert_eq!(keys.len(), 1, "the key is in ana's account now");
    let local = taskly(&sandbox, &["keys", "list", "--json", "--account", "local"])
        .ok()
        .json();
    assert_eq!(local["keys"].as_array().map(Vec::len), Some(0));
    // The moved key still works: its secret moved with it.
    let chat = taskly(&sandbox, &["chat", "hi"]).ok();
    assert!(
        chat.stderr.contains("via your OpenAI key"),
        "{}",
        chat.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn device_sign_in_without_a_display() {
    let issuer = Issuer::start();
    let mut sandbox = signed_out(&issuer).await;
    sandbox
        .extra_env
        .retain(|(k, _)| k != "BROWSER" && k != "DISPLAY");
    let mut child = spawn(&sandbox, &["auth", "login", "--json"]);
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let event: serde_json::Value =
        serde_json::from_str(&lines.next().expect("an event").expect("stdout")).expect("JSON");
    assert_eq!(event["event"], "device_code", "{event}");
    let code = event["user_code"].as_str().expect("user code").to_owned();
    issuer
        .approve_device(&code, "dee")
        .await
        .expect("the person confirms");
    let signed_in: serde_json::Value =
        serde_json::from_str(&lines.next().expect("an event").expect("stdout")).expect("JSON");
    assert_eq!(signed_in["event"], "signed_in");
    assert_eq!(signed_in["account"]["email"], "dee@example.com");
    assert!(child.wait().expect("ends").success());
}

/// The session tokens in the private keyring (access, refresh).
fn session_tokens(sandbox: &Sandbox) -> Vec<String> {
    let mut found = Vec::new();
    for which in ["access", "refresh"] {
        if let Some(token) = stored(sandbox, which) {
            found.push(token);
        }
    }
    found
}

fn access_token(sandbox: &Sandbox) -> String {
    stored(sandbox, "access").expect("an access token is stored")
}

/// The token in `session/<account>/<which>` (these tests hold one session at a time), without its
/// `taskly/1 <origin> ` prefix, read with secret-tool.
fn stored(sandbox: &Sandbox, which: &str) -> Option<String> {
    let user = sandbox
        .keyring
        .usernames()
        .into_iter()
        .rfind(|u| u.starts_with("session/") && u.ends_with(&format!("/{which}")))?;
    let secret = sandbox.keyring.lookup(&user)?;
    secret.split(' ').nth(2).map(|s| s.trim().to_owned())
}
