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
        message.contains("Secret Service") && message.contains("Nothing was saved"),
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
    sb.keyring.lock_keyring();
    let run = sb.run(
        &["keys", "add", "--provider", "openai", "--json"],
        VALID_KEY,
    );
    assert_ne!(run.code, 0, "{run:?}");
    let code = run.error_code();
    assert!(
        code.starts_with("credential_store_"),
        "a store problem, not {code}: {run:?}"
    );
    assert!(sb.list().is_empty());
    assert!(sb.keyring.usernames().is_empty());
}
