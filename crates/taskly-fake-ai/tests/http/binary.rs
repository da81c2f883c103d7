//! The `taskly-fake-ai` binary: announces its URL, takes keys from flags and the environment, stops on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use taskly_fake_ai::Flavor;

#[tokio::test]
async fn runs_announces_and_stops() {
    let url_file = std::env::temp_dir().join(format!("taskly-fake-ai-url-{}", std::process::id()));
    let _ = std::fs::remove_file(&url_file);
    let mut child = Command::new(env!("CARGO_BIN_EXE_taskly-fake-ai"))
        .args([
            "--port",
            "0",
            "--key",
            "flag-key-000000",
            "--proxy-token",
            "tok-1",
            "--chunk-delay-ms",
            "1",
        ])
        .arg("--url-file")
        .arg(&url_file)
        .env("TASKLY_FAKE_AI_KEYS", "env-key-1, env-key-2")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("taskly-fake-ai listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"));
    assert_eq!(std::fs::read_to_string(&url_file).unwrap(), url);

    let models = format!("{url}{}/models", Flavor::OpenAi.base_path());
    for key in ["flag-key-000000", "env-key-2"] {
        let response = crate::support::client()
            .get(&models)
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{key}");
    }
    let proxy = format!("{url}{}/models", Flavor::Proxy.base_path());
    let response = crate::support::client()
        .get(&proxy)
        .bearer_auth("tok-1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    #[cfg(unix)]
    {
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "{status}");
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "did not stop on SIGTERM"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    #[cfg(not(unix))]
    {
        child.kill().unwrap();
        let _ = (Instant::now(), Duration::ZERO);
    }
    let _ = std::fs::remove_file(&url_file);
}

/// Start the binary with these flags and environment; returns it and the URL it announced.
fn spawn(args: &[&str], env: &[(&str, &str)], stderr: Stdio) -> (std::process::Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_taskly-fake-ai"));
    command
        .args(args)
        .env_remove("TASKLY_FAKE_AI_INTROSPECTION_SECRET")
        .stdout(Stdio::piped())
        .stderr(stderr);
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("taskly-fake-ai listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    (child, url)
}

#[tokio::test]
async fn asks_the_issuer_named_on_the_command_line_and_never_logs_a_token() {
    use crate::issuer::{BASIC, Issuer, SECRET, TOKEN_A, TOKEN_OTHER_APP};

    let issuer = Issuer::start().await;
    let log = std::env::temp_dir().join(format!(
        "taskly-fake-ai-introspection-{}.log",
        std::process::id()
    ));
    let endpoint = issuer.endpoint();
    // Defaults: client id taskly-proxy, audience taskly-desktop; the secret from the environment.
    let (mut child, url) = spawn(
        &["--introspection-url", &endpoint],
        &[
            ("TASKLY_FAKE_AI_INTROSPECTION_SECRET", SECRET),
            ("RUST_LOG", "trace"),
        ],
        Stdio::from(std::fs::File::create(&log).unwrap()),
    );
    let chat = |token: &'static str| {
        crate::support::client()
            .post(format!(
                "{url}{}/chat/completions",
                Flavor::Proxy.base_path()
            ))
            .bearer_auth(token)
            .json(&serde_json::json!({
                "model": "openai/gpt-4o-mini",
                "messages": [{"role": "user", "content": "hi"}],
            }))
            .send()
    };
    assert_eq!(chat(TOKEN_A).await.unwrap().status(), 200);
    assert_eq!(chat(TOKEN_OTHER_APP).await.unwrap().status(), 401);
    let asked = issuer.asked();
    assert_eq!(asked.len(), 2);
    assert!(
        asked
            .iter()
            .all(|a| a.authorization.as_deref() == Some(BASIC))
    );

    child.kill().unwrap();
    child.wait().unwrap();
    let logged = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    assert!(
        logged.contains("introspected a proxy token"),
        "the trace log is on: {logged}"
    );
    for secret in [TOKEN_A, TOKEN_OTHER_APP, SECRET, &BASIC[6..]] {
        assert!(!logged.contains(secret), "{secret} in the log:\n{logged}");
    }
}

#[test]
fn introspection_flags_are_checked_before_starting() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_taskly-fake-ai"))
            .args(args)
            .env_remove("TASKLY_FAKE_AI_INTROSPECTION_SECRET")
            .output()
            .expect("the binary runs")
    };
    let no_secret = run(&["--introspection-url", "http://127.0.0.1:9/introspect"]);
    assert!(!no_secret.status.success());
    let said = String::from_utf8_lossy(&no_secret.stderr);
    assert!(
        said.contains("TASKLY_FAKE_AI_INTROSPECTION_SECRET"),
        "{said}"
    );

    let off_loopback = run(&[
        "--introspection-url",
        "https://auth.taskly.chat/token/introspection",
        "--introspection-client-secret",
        "flag-secret",
    ]);
    assert!(!off_loopback.status.success());
    let said = String::from_utf8_lossy(&off_loopback.stderr);
    assert!(said.contains("loopback"), "{said}");
    assert!(!said.contains("flag-secret"), "{said}");

    // The other introspection flags mean nothing without an issuer to ask.
    let orphan = run(&["--introspection-audience", "taskly-desktop"]);
    assert!(!orphan.status.success());
    let said = String::from_utf8_lossy(&orphan.stderr);
    assert!(said.contains("--introspection-url"), "{said}");
}
