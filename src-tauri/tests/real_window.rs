//! The real app (release build, WebKitGTK) under Xvfb, driven through tauri-driver and
//! WebKitWebDriver, with a private GNOME Keyring and the loopback fake provider and proxy.
//!
//! Add a valid key (masked in the list, stored in the Secret Service), add an invalid one
//! (message, nothing stored), chat through the key (route label, streamed answer), switch it off
//! (Taskly route), delete it (credential gone); screenshots of each step in light and dark go
//! to `artifacts/e2e/`. Then a canary key is searched for in every folder the app wrote, and a
//! command outside the window's capability is shown to be refused.
//!
//! Needs the release binary, tauri-driver, WebKitWebDriver and Xvfb, so it is `#[ignore]`d in a
//! plain `cargo test`; `scripts/test.sh` runs it with `--ignored`.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/window.rs"]
mod window;

use std::time::{Duration, Instant};

use taskly_fake_ai::{FakeAi, FakeAiConfig};
use taskly_testkit::files_containing;
use window::{PROXY_TOKEN, Window, app_env};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "drives the real window; scripts/test.sh runs it"]
async fn the_whole_flow_in_the_real_window_light() {
    the_whole_flow("light").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "drives the real window; scripts/test.sh runs it"]
async fn the_whole_flow_in_the_real_window_dark() {
    the_whole_flow("dark").await;
}

async fn the_whole_flow(theme: &str) {
    let canary = taskly_testkit::canary("e2e");
    let fake = FakeAi::start(FakeAiConfig {
        provider_keys: vec![canary.clone()],
        chunk_delay: Duration::from_millis(30),
        ..FakeAiConfig::default()
    })
    .await
    .expect("fake provider");
    let proxy = taskly_testkit::fake::proxy(PROXY_TOKEN).await;
    // The harness also sets RUST_LOG=trace, TASKLY_UPDATE_CHECK=off (no update check from
    // tests: nothing may leave this machine) and a private HOME, XDG folders and keyring.
    let mut w = Window::start(
        theme,
        if theme == "dark" { 93 } else { 92 },
        &app_env(&fake, &proxy, theme),
    )
    .await;
    let d = &w.driver;
    let keyring = &w.keyring;
    let data = w.data.clone();

    // Home.
    d.shot("01-home").await;

    // Settings → AI keys: add a valid key, switched on.
    d.click(
        "//button[contains(normalize-space(), 'Settings')]",
        "Settings",
    )
    .await;
    let key_field = d.field("OpenAI API key").await;
    d.type_into(&key_field, &canary).await;
    d.tick("Use this key for OpenAI requests").await;
    d.shot("02-key-typed").await;
    d.click(
        "//form[contains(@class, 'add-key')]//button[@type='submit']",
        "Save",
    )
    .await;
    let masked = format!("sk-proj-…{}", &canary[canary.len() - 4..]);
    d.wait_for(
        &format!("//*[contains(text(), '{masked}')]"),
        "the masked key in the list",
    )
    .await;
    d.shot("03-key-saved").await;
    let stored = keyring.usernames();
    assert_eq!(stored.len(), 1, "stored in the Secret Service");
    // The entry holds the origin the key was checked at, then the key.
    assert_eq!(
        keyring.lookup(&stored[0]),
        Some(format!("taskly/1 {} {canary}", fake.url()))
    );

    // An invalid key: a clear message, nothing stored.
    let key_field = d.field("OpenAI API key").await;
    d.type_into(&key_field, "sk-proj-NotAValidKeyNotAValidKey0000")
        .await;
    d.click(
        "//form[contains(@class, 'add-key')]//button[@type='submit']",
        "Save",
    )
    .await;
    d.wait_for(
        "//*[contains(., 'refused this key')]",
        "the invalid-key message",
    )
    .await;
    d.shot("04-invalid-key").await;
    assert_eq!(
        keyring.usernames().len(),
        1,
        "the invalid key was not stored"
    );

    // Chat through the personal key.
    d.close_dialogs().await;
    d.keys("\u{E009}k").await; // Ctrl+K opens the palette
    let input = d
        .wait_for(
            "//textarea[starts-with(@placeholder, 'Ask')]",
            "the palette input",
        )
        .await;
    d.type_into(&input, "hello from the window").await;
    d.keys("\u{E007}").await; // Enter
    d.wait_for(
        "//*[contains(., 'Echo: hello from the window')]",
        "the streamed answer",
    )
    .await;
    d.wait_for(
        "//button[normalize-space()='Send']",
        "the end of the answer",
    )
    .await;
    d.wait_for(
        &format!("//*[contains(., '{masked}')]"),
        "the personal route label",
    )
    .await;
    d.shot("05-chat-personal").await;
    assert!(proxy.requests().is_empty(), "Taskly was not used");

    // Switch it off: the same question goes through Taskly.
    d.close_dialogs().await;
    d.click(
        "//button[contains(normalize-space(), 'Settings')]",
        "Settings",
    )
    .await;
    d.click(
        "//*[@role='switch' and starts-with(@aria-label, 'Use for OpenAI')]",
        "the key's switch",
    )
    .await;
    d.shot("06-key-off").await;
    d.close_dialogs().await;
    d.keys("\u{E009}k").await;
    let input = d
        .wait_for(
            "//textarea[starts-with(@placeholder, 'Ask')]",
            "the palette input",
        )
        .await;
    d.type_into(&input, "hello through taskly").await;
    d.keys("\u{E007}").await;
    d.wait_for(
        "//*[contains(., 'Echo: hello through taskly')]",
        "the Taskly answer",
    )
    .await;
    d.wait_for(
        "//button[normalize-space()='Send']",
        "the end of the answer",
    )
    .await;
    d.shot("07-chat-taskly").await;
    assert_eq!(proxy.requests().len(), 1, "Taskly answered");

    // Delete, with confirmation.
    d.open_until(
        &[
            (
                "//button[contains(normalize-space(), 'Settings')]",
                "Settings",
            ),
            ("//button[starts-with(@aria-label, 'Delete “')]", "Delete"),
        ],
        "//*[@role='alertdialog']//button[contains(normalize-space(), 'Delete')]",
        "the delete confirmation",
    )
    .await;
    d.shot("08-delete-confirm").await;
    d.click(
        "//*[@role='alertdialog']//button[contains(normalize-space(), 'Delete')]",
        "confirm delete",
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !keyring.usernames().is_empty() {
        assert!(Instant::now() < deadline, "the credential was not deleted");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    d.shot("09-deleted").await;

    // A command outside the window's capability is refused.
    let refused = d
        .script(
            "const done = arguments[arguments.length - 1];\
             window.__TAURI_INTERNALS__.invoke('plugin:opener|open_path', { path: '/etc/passwd' })\
               .then(() => done('allowed'), (e) => done('refused: ' + String(e)));",
        )
        .await;
    assert!(
        refused.as_str().unwrap_or_default().starts_with("refused"),
        "{refused}"
    );

    // The canary appears nowhere the app wrote: data, logs, the web view's storage and caches.
    w.stop().await;
    // HOME holds the data folder (SQLite, WAL, logs) and XDG data/cache/config (WebKit's
    // localStorage, IndexedDB and caches).
    let hits = files_containing(w.home.path(), &canary);
    assert!(hits.is_empty(), "the key leaked into {hits:?}");
    assert!(
        data.join("logs").exists(),
        "the app logged (at trace level) into its data folder"
    );
    for request in proxy.requests() {
        assert!(!format!("{:?} {}", request.headers, request.body_text()).contains(&canary));
    }
}
