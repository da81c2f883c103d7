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
