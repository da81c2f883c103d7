//! Runs a test against the real credential store: a private GNOME Keyring on a private D-Bus
//! session (taskly-testkit), reached through the same Secret Service adapter the app uses.
//!
//! The core finds the Secret Service through `DBUS_SESSION_BUS_ADDRESS` when it opens the store,
//! and a test may not change its own environment (`set_var` is unsafe, and the workspace forbids
//! unsafe code), so each test hands its body to [`run`], which runs it in a child process of its
//! own test binary (`--exact <name>`) started with the private bus in its environment. The
//! keyring is shared by the tests of one binary that run at the same time (each has its own data
//! folder, and so its own key ids and credential entries): starting one per test would add a
//! keyring start-up to every test. It stops when the last test using it ends.
//!
//! Included with `#[path = "support/private_keyring.rs"] mod private_keyring;`; a test reads
//!
//! ```ignore
//! #[test]
//! fn its_name() {
//!     private_keyring::run("its_name", async { /* the test */ });
//! }
//! ```
#![allow(dead_code, clippy::print_stdout, clippy::print_stderr)] // not every binary uses every helper

use std::future::Future;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use taskly_core::vault::credentials::{SERVICE, StoreKind};
use taskly_core::{Config, Vault};
use taskly_testkit::SecretService;

/// Set (to the private bus address) in the child process that runs a test's body.
const CHILD_VAR: &str = "TASKLY_TEST_PRIVATE_KEYRING";

static SHARED: Mutex<Weak<SecretService>> = Mutex::new(Weak::new());

/// The keyring the tests running now share, started if none runs.
fn shared_keyring() -> Arc<SecretService> {
    let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(keyring) = shared.upgrade() {
        return keyring;
    }
    let keyring = Arc::new(SecretService::start());
    *shared = Arc::downgrade(&keyring);
    keyring
}

/// In the test process: runs test `name` (the calling test's own name) in a child process on the
/// private keyring and passes on its output and its result. In that child: runs `body` on a
/// two-worker tokio runtime, as `#[tokio::test(flavor = "multi_thread", worker_threads = 2)]`.
pub fn run<F: Future<Output = ()>>(name: &str, body: F) {
    run_with_env(name, &[], body);
}

/// As [`run`], with `envs` also set in the child process (e.g. `RUST_LOG` for a test that logs
/// at trace level through the core's own logging set-up, which reads it from the environment).
pub fn run_with_env<F: Future<Output = ()>>(name: &str, envs: &[(&str, &str)], body: F) {
    if std::env::var_os(CHILD_VAR).is_some() {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(body);
        return;
    }
    drop(body);
    let keyring = shared_keyring();
    let mut all = vec![(CHILD_VAR, keyring.address())];
    all.extend_from_slice(envs);
    keyring.run_test_in_child(name, &all);
}

/// Opens the vault `config` describes with the OS credential store, as the app does, and checks
/// that store is the private keyring's Secret Service.
pub async fn open(config: Config) -> Vault {
    let private = std::env::var(CHILD_VAR).expect("only inside private_keyring::run");
    assert_eq!(
        std::env::var("DBUS_SESSION_BUS_ADDRESS").ok().as_deref(),
        Some(private.as_str()),
        "on the private bus"
    );
    let vault = Vault::open(config).await.expect("vault");
    vault
        .credentials()
        .await
        .expect("the private keyring answers");
    assert_eq!(vault.store_kind(), Some(StoreKind::SecretService));
    vault
}

/// Whether the private keyring's entry for key `id` of `account` holds `key`, read with
/// `secret-tool` (not through our code). Any generation counts (a replace writes the next).
pub fn keyring_holds(account: &str, id: &str, key: &str) -> bool {
    (0..16).any(|generation| {
        let out = Command::new("secret-tool")
            .args(["lookup", "service", SERVICE, "username"])
            .arg(format!("{account}:{id}:{generation}"))
            .stderr(Stdio::null())
            .output()
            .expect("secret-tool must be installed (Debian package libsecret-tools)");
        // The entry may hold more than the key (the origin it is bound to).
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains(key)
    })
}
