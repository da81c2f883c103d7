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

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};
use taskly_fake_ai::{FakeAi, FakeAiConfig, Flavor};
use taskly_testkit::{SecretService, files_containing};

const PROXY_TOKEN: &str = "e2e-taskly-token-0123456789";
const W3C_ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Killed(Vec<Child>);

impl Drop for Killed {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

struct Driver {
    http: reqwest::Client,
    base: String,
    session: String,
    shots: PathBuf,
}

impl Driver {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.http.request(method, &url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("webdriver answers");
        let value: Value = response.json().await.expect("webdriver JSON");
        if let Some(error) = value["value"]["error"].as_str() {
            panic!("webdriver {path}: {error}: {}", value["value"]["message"]);
        }
        value["value"].clone()
    }

    async fn find(&self, xpath: &str) -> Option<String> {
        let url = format!("{}/session/{}/element", self.base, self.session);
        let value: Value = self
            .http
            .post(&url)
            .json(&json!({ "using": "xpath", "value": xpath }))
            .send()
            .await
            .expect("webdriver")
            .json()
            .await
            .expect("json");
        if std::env::var_os("TASKLY_E2E_DEBUG").is_some() {
            eprintln!("find {xpath}: {value}");
        }
        value["value"][W3C_ELEMENT].as_str().map(str::to_owned)
    }

    async fn wait_for(&self, xpath: &str, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(id) = self.find(xpath).await {
                return id;
            }
            if Instant::now() > deadline {
                self.shot(&format!("failed-{}", what.replace(' ', "-")))
                    .await;
                panic!("never saw {what} ({xpath})");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Presses Escape and waits until no dialog is left (closing animations included).
    async fn close_dialogs(&self) {
        self.keys("\u{E00C}").await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while self
            .find("//*[@role='dialog' or @role='alertdialog']")
            .await
            .is_some()
        {
            assert!(Instant::now() < deadline, "a dialog did not close");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }

    /// Clicks the element once it is there and interactable: a dialog that is still
    /// animating in, or a list that re-rendered, answers "element not interactable" or
    /// "stale element reference" for a moment, so those are retried until the deadline.
    async fn click(&self, xpath: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let id = self.wait_for(xpath, what).await;
            let url = format!("{}/session/{}/element/{id}/click", self.base, self.session);
            let value: Value = self
                .http
                .post(&url)
                .json(&json!({}))
                .send()
                .await
                .expect("webdriver answers")
                .json()
                .await
                .expect("webdriver JSON");
            let Some(error) = value["value"]["error"].as_str() else {
                return;
            };
            let transient = matches!(
                error,
                "element not interactable"
                    | "stale element reference"
                    | "element click intercepted"
            );
            if !transient || Instant::now() > deadline {
                self.shot(&format!("failed-click-{}", what.replace(' ', "-")))
                    .await;
                panic!("clicking {what}: {error}: {}", value["value"]["message"]);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn type_into(&self, element: &str, text: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    async fn keys(&self, keys: &str) {
        let mut actions = Vec::new();
        for key in keys.chars() {
            actions.push(json!({ "type": "keyDown", "value": key.to_string() }));
        }
        for key in keys.chars().rev() {
            actions.push(json!({ "type": "keyUp", "value": key.to_string() }));
        }
        let body = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] });
        self.call(reqwest::Method::POST, "/actions", Some(body))
            .await;
        self.call(reqwest::Method::DELETE, "/actions", None).await;
    }

    async fn script(&self, source: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({ "script": source, "args": [] })),
        )
        .await
    }

    async fn shot(&self, name: &str) {
        let value = self.call(reqwest::Method::GET, "/screenshot", None).await;
        if let Some(data) = value.as_str()
            && let Ok(png) = base64::engine::general_purpose::STANDARD.decode(data)
        {
            let _ = std::fs::write(self.shots.join(format!("{name}.png")), png);
        }
    }

    /// The input labelled `label` (an element id).
    async fn field(&self, label: &str) -> String {
        let label_el = self
            .wait_for(&format!("//label[normalize-space()='{label}']"), label)
            .await;
        let target = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{label_el}/attribute/for"),
                None,
            )
            .await;
        let id = target.as_str().expect("label has a for");
        self.wait_for(&format!("//*[@id='{id}']"), label).await
    }
}

fn which(tool: &str) -> PathBuf {
    let out = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .expect("sh");
    assert!(
        out.status.success(),
        "{tool} is needed (scripts/setup.sh installs it)"
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn app_binary() -> PathBuf {
    let path = std::env::var("TASKLY_APP_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            let target = std::env::var("CARGO_TARGET_DIR")
                .unwrap_or_else(|_| format!("{}/../target", env!("CARGO_MANIFEST_DIR")));
            Path::new(&target).join("release/taskly-desktop")
        });
    assert!(
        path.exists(),
        "build the app first: cargo build --release -p taskly-desktop ({})",
        path.display()
    );
    path
}

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
    let keyring = SecretService::start();
    let fake = FakeAi::start(FakeAiConfig {
        provider_keys: vec![canary.clone()],
        chunk_delay: Duration::from_millis(30),
        ..FakeAiConfig::default()
    })
    .await
    .expect("fake provider");
    let proxy = FakeAi::start(FakeAiConfig {
        proxy_tokens: vec![PROXY_TOKEN.into()],
        ..FakeAiConfig::default()
    })
    .await
    .expect("fake proxy");
    let home = tempfile::Builder::new()
        .prefix("taskly-e2e-home-")
        .tempdir()
        .expect("home");
    let data = home.path().join("data");
    let shots = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../artifacts/e2e")
        .join(theme);
    std::fs::create_dir_all(&shots).expect("artifacts folder");

    let display = format!(
        ":{}",
        if theme == "dark" { 93 } else { 92 } + 10 * (std::process::id() % 9)
    );
    let mut children = Killed(Vec::new());
    children.0.push(
        Command::new(which("Xvfb"))
            .args([
                display.as_str(),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb"),
    );
    std::thread::sleep(Duration::from_millis(800));
    let port = free_port();
    let native_port = free_port();
    let driver = Command::new(which("tauri-driver"))
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
            "--native-driver",
        ])
        .arg(which("WebKitWebDriver"))
        .env("DISPLAY", &display)
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("share"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("TASKLY_DATA_DIR", &data)
        .env("TASKLY_OPENAI_BASE_URL", fake.base_url(Flavor::OpenAi))
        .env("TASKLY_PROXY_URL", proxy.base_url(Flavor::Proxy))
        .env("TASKLY_PROXY_TOKEN", PROXY_TOKEN)
        .env("RUST_LOG", "trace")
        .env("TASKLY_THEME", theme)
        .env("NO_PROXY", "127.0.0.1,localhost")
        // No update check from tests: nothing may leave this machine.
        .env("TASKLY_UPDATE_CHECK", "off")
        .envs(keyring.envs())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tauri-driver");
    children.0.push(driver);

    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let base = format!("http://127.0.0.1:{port}");
    let caps = json!({ "capabilities": { "alwaysMatch": { "tauri:options": { "application": app_binary() } } } });
    let deadline = Instant::now() + Duration::from_secs(30);
    let session = loop {
        if let Ok(response) = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            && let Ok(value) = response.json::<Value>().await
            && let Some(id) = value["value"]["sessionId"].as_str()
        {
            break id.to_owned();
        }
        assert!(Instant::now() < deadline, "no WebDriver session");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let d = Driver {
        http,
        base,
        session,
        shots,
    };

    // Home.
    d.wait_for(
        "//button[contains(normalize-space(), 'Settings')]",
        "the main window",
    )
    .await;
    d.shot("01-home").await;

    // Settings → AI keys: add a valid key, switched on.
    d.click(
        "//button[contains(normalize-space(), 'Settings')]",
        "Settings",
    )
    .await;
    let key_field = d.field("OpenAI API key").await;
    d.type_into(&key_field, &canary).await;
    let use_now = d.field("Use this key for OpenAI requests").await;
    let selected = d
        .call(
            reqwest::Method::GET,
            &format!("/element/{use_now}/selected"),
            None,
        )
        .await;
    if selected != json!(true) {
        d.call(
            reqwest::Method::POST,
            &format!("/element/{use_now}/click"),
            Some(json!({})),
        )
        .await;
    }
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
    assert_eq!(keyring.lookup(&stored[0]).as_deref(), Some(canary.as_str()));

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
    d.close_dialogs().await;
    d.click(
        "//button[contains(normalize-space(), 'Settings')]",
        "Settings",
    )
    .await;
    d.click("//button[starts-with(@aria-label, 'Delete “')]", "Delete")
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
    let _ = d
        .http
        .delete(format!("{}/session/{}", d.base, d.session))
        .send()
        .await;
    drop(children);
    // HOME holds the data folder (SQLite, WAL, logs) and XDG data/cache/config (WebKit's
    // localStorage, IndexedDB and caches).
    let hits = files_containing(home.path(), &canary);
    assert!(hits.is_empty(), "the key leaked into {hits:?}");
    assert!(
        data.join("logs").exists(),
        "the app logged (at trace level) into its data folder"
    );
    for request in proxy.requests() {
        assert!(!format!("{:?} {}", request.headers, request.body_text()).contains(&canary));
    }
}
