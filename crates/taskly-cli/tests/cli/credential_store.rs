//! No Secret Service, a hanging one, a locked one: clear errors, nothing written anywhere.

use std::time::{Duration, Instant};

use taskly_testkit::SecretService;

use crate::support::{Sandbox, VALID_KEY};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_service_on_the_bus() {
    let sb = Sandbox::with_keyring(SecretService::bus_only()).await;
    let run = sb.run(
        &["keys", "add", "--provider", "openai", "--json"],
        VALID_KEY,
    );
    assert_eq!(run.code, 3, "{run:?}");
    let error = &run.json()["error"];
    assert_eq!(error["code"], "credential_store_unavailable");
    assert_eq!(error["action"], "setup_credential_store");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("Secret Service") && message.contains("neither save nor read"),
        "{message}"
    );
    assert_eq!(sb.provider_requests(), 0, "the key was not sent anywhere");
    assert_eq!(sb.db_rows(), 0, "no row written");
    // Listing still works and says there is nothing.
    assert!(sb.list().is_empty());
    // doctor says what is wrong.
    let doctor = sb.run(&["doctor", "--json"], "");
    assert_eq!(doctor.code, 1);
    assert_eq!(
        doctor.json()["credential_store"]["error"]["code"],
        "credential_store_unavailable"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_bus_at_all() {
    let mut sb = Sandbox::new().await;
    sb.extra_env.push((
        "DBUS_SESSION_BUS_ADDRESS".into(),
        "unix:path=/nonexistent/taskly-bus".into(),
    ));
    let run = sb.run(
        &["keys", "add", "--provider", "openai", "--json"],
        VALID_KEY,
    );
    assert_eq!(run.error_code(), "credential_store_unavailable", "{run:?}");
    assert_eq!(sb.db_rows(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_service_that_never_answers_times_out() {
    let mut sb = Sandbox::new().await;
    sb.extra_env
        .push(("TASKLY_CREDENTIAL_TIMEOUT_MS".into(), "1500".into()));
    sb.keyring.freeze_keyring();
    let started = Instant::now();
    let run = sb.run(
        &["keys", "add", "--provider", "openai", "--json"],
        VALID_KEY,
    );
    let took = started.elapsed();
    sb.keyring.thaw_keyring();
    assert_eq!(run.error_code(), "credential_store_timeout", "{run:?}");
    assert!(took < Duration::from_secs(6), "took {took:?}");
    assert_eq!(sb.db_rows(), 0);
    assert_eq!(sb.provider_requests(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_keyring_is_not_an_invalid_key() {
    let sb = Sandbox::new().await;
    // The real GNOME Keyring of this test's private session, locked through the Secret Service
    // (`Lock` on the login collection, with gdbus); no prompter runs on the private bus, so
    // nothing can unlock it behind the test's back.
    sb.keyring.lock_keyring();
    assert!(
        sb.keyring.is_locked(),
        "the login collection reports itself locked"
    );
    let run = sb.run(
        &["keys", "add", "--provider", "openai", "--json"],
        VALID_KEY,
    );
    assert_eq!(run.code, 3, "a credential store problem: {run:?}");
    let error = &run.json()["error"];
    assert_eq!(error["code"], "credential_store_locked", "{run:?}");
    assert_eq!(error["action"], "unlock_credential_store");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("Secret Service")
            && message.contains("locked")
            && message.contains("Unlock your login keyring"),
        "the message says what is wrong and how to fix it: {message}"
    );
    assert!(!run.stdout.contains(VALID_KEY) && !run.stderr.contains(VALID_KEY));
    assert_eq!(sb.db_rows(), 0, "no row written");
    // The same in words, with the exit code, without --json.
    let run = sb.run(&["keys", "add", "--provider", "openai"], VALID_KEY);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("Unlock your login keyring"), "{run:?}");
    assert!(sb.list().is_empty());
    assert!(sb.keyring.is_locked(), "still locked: nothing unlocked it");
    assert!(sb.keyring.usernames().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_system_proxy_never_sees_a_loopback_request() {
    use std::io::Read;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let sb = Sandbox::new().await;
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let proxy_url = format!("http://{}", proxy.local_addr().expect("addr"));
    proxy.set_nonblocking(true).expect("nonblocking");
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopping = stop.clone();
    let watcher = std::thread::spawn(move || {
        while !stopping.load(Ordering::Relaxed) {
            if let Ok((mut conn, _)) = proxy.accept() {
                counter.fetch_add(1, Ordering::Relaxed);
                let mut buf = [0u8; 256];
                let _ = conn.read(&mut buf);
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    });
    let mut cmd = sb.command(&["keys", "add", "--provider", "openai", "--json"]);
    cmd.env_remove("NO_PROXY")
        .env("HTTP_PROXY", &proxy_url)
        .env("http_proxy", &proxy_url)
        .env("ALL_PROXY", &proxy_url);
    let child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut child = child;
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(VALID_KEY.as_bytes())
            .expect("write");
    }
    let run = crate::support::finish(child.wait_with_output().expect("wait"));
    stop.store(true, Ordering::Relaxed);
    watcher.join().expect("watcher");
    assert_eq!(
        run.code, 0,
        "validated directly against the loopback provider: {run:?}"
    );
    assert_eq!(
        seen.load(Ordering::Relaxed),
        0,
        "the proxy received a connection"
    );
}
