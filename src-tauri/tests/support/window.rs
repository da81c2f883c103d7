//! Harness for the real-window tests: Xvfb, tauri-driver and WebKitWebDriver around the release
//! app, with a private GNOME Keyring, a private HOME (so the web view's storage and caches land
//! where the tests can search them), and the app's stdout and stderr kept in a file.
//!
//! Each test file includes it with `#[path = "support/window.rs"] mod window;`.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stderr,
    dead_code,
    missing_debug_implementations
)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};
use taskly_fake_ai::{FakeAi, Flavor};
use taskly_testkit::SecretService;

pub const W3C_ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The token the fake Taskly proxy accepts and the app is given.
pub const PROXY_TOKEN: &str = "e2e-taskly-token-0123456789";

/// The app's environment for the fake provider (OpenAI) and the fake proxy, in `theme`.
pub fn app_env(fake: &FakeAi, proxy: &FakeAi, theme: &str) -> Vec<(&'static str, String)> {
    vec![
        ("TASKLY_OPENAI_BASE_URL", fake.base_url(Flavor::OpenAi)),
        ("TASKLY_PROXY_URL", proxy.base_url(Flavor::Proxy)),
        ("TASKLY_PROXY_TOKEN", PROXY_TOKEN.into()),
        ("TASKLY_THEME", theme.into()),
    ]
}

/// A stand-in for the system browser: a folder with an `xdg-open` that writes down the address it
/// was given (one line per call, in `opened.txt` there) and opens nothing. Put the folder first
/// on the app's PATH ([`StandInOpener::path_env`]).
pub struct StandInOpener {
    pub dir: tempfile::TempDir,
}

impl StandInOpener {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("taskly-e2e-opener-")
            .tempdir()
            .expect("opener folder");
        let script = dir.path().join("xdg-open");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\necho \"$*\" >> '{}'\n",
                dir.path().join("opened.txt").display()
            ),
        )
        .expect("xdg-open");
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
                .expect("chmod");
        }
        Self { dir }
    }

    /// `PATH` for the app: this folder first.
    pub fn path_env(&self) -> (&'static str, String) {
        (
            "PATH",
            format!(
                "{}:{}",
                self.dir.path().display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
    }

    /// The addresses opened so far.
    pub fn opened(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("opened.txt"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// Child processes stopped, with every process below them, by pid when dropped (or on
/// [`Killed::stop_all`]), the last started first.
pub struct Killed(pub Vec<Child>);

impl Killed {
    pub fn stop_all(&mut self) {
        while let Some(child) = self.0.pop() {
            stop_tree(child);
        }
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// Stops `child` and everything it started, by pid. The processes below it are listed first:
/// once their parent is gone they are re-parented and could not be found any more, and they do
/// not all go with it (tauri-driver kills WebKitWebDriver on SIGTERM, but not the app that
/// WebKitWebDriver started when no session closed it, e.g. after a failed assertion; the app's
/// WebKit processes are its children). Each is asked with SIGTERM, then killed after 3 s. A pid
/// is only signalled while it still belongs to the process listed (same start time).
fn stop_tree(mut child: Child) {
    let root = child.id();
    let mut tree = vec![(root, started_at(root))];
    let mut i = 0;
    while i < tree.len() {
        for (pid, _) in children_of(tree[i].0) {
            tree.push((pid, started_at(pid)));
        }
        i += 1;
    }
    let alive = |(pid, start): &(u32, Option<u64>)| start.is_some() && started_at(*pid) == *start;
    let signal = |name: &str, pid: u32| {
        let _ = Command::new("kill")
            .args([format!("-{name}"), pid.to_string()])
            .stderr(Stdio::null())
            .status();
    };
    for process in &tree {
        if alive(process) {
            signal("TERM", process.0);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        // Reaps the child as soon as it ends, so it is not left a zombie that looks alive.
        let _ = child.try_wait();
        if !tree.iter().any(alive) || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    for process in tree.iter().skip(1) {
        if alive(process) {
            signal("KILL", process.0);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// When process `pid` started (field 22 of /proc/PID/stat), or `None` if it is gone or a zombie.
fn started_at(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name (field 2) is in parentheses and may hold spaces: count from the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    (fields.first() != Some(&"Z")).then_some(())?;
    fields.get(19)?.parse().ok()
}

pub struct Driver {
    pub http: reqwest::Client,
    pub base: String,
    pub session: String,
    pub shots: PathBuf,
}

impl Driver {
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
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

    pub async fn find(&self, xpath: &str) -> Option<String> {
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
        value["value"][W3C_ELEMENT].as_str().map(str::to_owned)
    }

    /// The element at `xpath` if it appears within `within`, else `None` (no failure).
    pub async fn appears(&self, xpath: &str, within: Duration) -> Option<String> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(id) = self.find(xpath).await {
                return Some(id);
            }
            if Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Opens something through a sequence of clicks (`steps`: xpath and name) until `expect`
    /// appears, starting again from no dialog at most three times: a click that lands while a
    /// dialog is still animating in or out can dismiss it instead (seen under load), and what
    /// is being tested is what the opened form does, not the animation.
    pub async fn open_until(&self, steps: &[(&str, &str)], expect: &str, what: &str) {
        for _ in 0..3 {
            self.close_dialogs().await;
            for (xpath, name) in steps {
                self.click(xpath, name).await;
            }
            if self.appears(expect, Duration::from_secs(5)).await.is_some() {
                return;
            }
        }
        self.wait_for(expect, what).await;
    }

    pub async fn wait_for(&self, xpath: &str, what: &str) -> String {
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

    /// Presses Escape until no dialog is left (closing animations included). One Escape may
    /// land while a nested dialog (a confirmation) is still closing and close only that one,
    /// so it is pressed again every second while a dialog remains.
    pub async fn close_dialogs(&self) {
        self.keys("\u{E00C}").await;
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut next_escape = Instant::now() + Duration::from_secs(1);
        while self
            .find("//*[@role='dialog' or @role='alertdialog']")
            .await
            .is_some()
        {
            assert!(Instant::now() < deadline, "a dialog did not close");
            if Instant::now() > next_escape {
                self.keys("\u{E00C}").await;
                next_escape = Instant::now() + Duration::from_secs(1);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }

    /// Clicks the element once it is there and interactable, retrying the transient answers
    /// of a dialog still animating in or a list that re-rendered.
    pub async fn click(&self, xpath: &str, what: &str) {
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

    pub async fn type_into(&self, element: &str, text: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    pub async fn keys(&self, keys: &str) {
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

    /// Runs an async script (its last argument is the callback) with `args`.
    pub async fn script_with(&self, source: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({ "script": source, "args": args })),
        )
        .await
    }

    pub async fn script(&self, source: &str) -> Value {
        self.script_with(source, json!([])).await
    }

    /// Calls an IPC command from the page the way any script in it could, and returns
    /// `{"ok": value}` or `{"err": rejection}`.
    pub async fn invoke(&self, command: &str, args: Value) -> Value {
        self.script_with(
            "const [cmd, args, done] = arguments;\
             window.__TAURI_INTERNALS__.invoke(cmd, args)\
               .then((ok) => done({ ok: ok === undefined ? null : ok }), (err) => done({ err: err === undefined ? null : err }));",
            json!([command, args]),
        )
        .await
    }

    pub async fn shot(&self, name: &str) {
        let value = self.call(reqwest::Method::GET, "/screenshot", None).await;
        if let Some(data) = value.as_str()
            && let Ok(png) = base64::engine::general_purpose::STANDARD.decode(data)
        {
            let _ = std::fs::write(self.shots.join(format!("{name}.png")), png);
        }
    }

    /// An element's DOM property (an input's `value`, say).
    pub async fn property(&self, element: &str, name: &str) -> Value {
        self.call(
            reqwest::Method::GET,
            &format!("/element/{element}/property/{name}"),
            None,
        )
        .await
    }

    /// The input labelled `label` (an element id).
    pub async fn field(&self, label: &str) -> String {
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

    /// Ticks the checkbox labelled `label` unless it is ticked already.
    pub async fn tick(&self, label: &str) {
        let element = self.field(label).await;
        let path = format!("/element/{element}/selected");
        if self.call(reqwest::Method::GET, &path, None).await != json!(true) {
            let click = format!("/element/{element}/click");
            self.call(reqwest::Method::POST, &click, Some(json!({})))
                .await;
        }
    }

    /// Ends the WebDriver session (the app is closed with it).
    pub async fn quit(&self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
    }
}

pub fn which(tool: &str) -> PathBuf {
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

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

pub fn app_binary() -> PathBuf {
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

/// The running app and everything around it.
pub struct Window {
    pub driver: Driver,
    /// The app's HOME: data folder, logs, XDG data/cache/config (WebKit's storage).
    pub home: tempfile::TempDir,
    /// `TASKLY_DATA_DIR`.
    pub data: PathBuf,
    /// Where tauri-driver's (and so the app's) stdout and stderr go; outside HOME.
    pub output: PathBuf,
    pub keyring: SecretService,
    /// The Xvfb display the app runs on (`:92`…), for tools that talk to its X server.
    pub display: String,
    _outdir: tempfile::TempDir,
    children: Killed,
}

impl Window {
    /// Starts Xvfb, tauri-driver and the app with `envs` added to its environment, and waits
    /// for the main window. `name` picks the screenshot folder and display number.
    pub async fn start(name: &str, display_base: u32, envs: &[(&str, String)]) -> Self {
        let keyring = SecretService::start();
        let home = tempfile::Builder::new()
            .prefix("taskly-e2e-home-")
            .tempdir()
            .expect("home");
        let outdir = tempfile::Builder::new()
            .prefix("taskly-e2e-out-")
            .tempdir()
            .expect("output folder");
        let output = outdir.path().join("app-output.log");
        let data = home.path().join("data");
        let shots = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../artifacts/e2e")
            .join(name);
        std::fs::create_dir_all(&shots).expect("artifacts folder");

        let display = format!(":{}", display_base + 10 * (std::process::id() % 9));
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
        let log = std::fs::File::create(&output).expect("output file");
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
            .env("XDG_STATE_HOME", home.path().join("state"))
            .env("TASKLY_DATA_DIR", &data)
            .env("TASKLY_UPDATE_CHECK", "off")
            .env("RUST_LOG", "trace")
            .env("RUST_BACKTRACE", "1")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .envs(keyring.envs())
            .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(log.try_clone().expect("output file"))
            .stderr(log)
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
        let driver = Driver {
            http,
            base,
            session,
            shots,
        };
        driver
            .wait_for(
                "//button[contains(normalize-space(), 'Settings')]",
                "the main window",
            )
            .await;
        Self {
            driver,
            home,
            data,
            output,
            keyring,
            display,
            _outdir: outdir,
            children,
        }
    }

    /// The app's process id (a child of WebKitWebDriver, found by its executable).
    pub fn app_pid(&self) -> Option<u32> {
        let binary = std::fs::canonicalize(app_binary()).ok()?;
        let home = self.home.path().as_os_str().to_owned();
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let exe = std::fs::read_link(entry.path().join("exe")).ok();
            if exe.as_deref() != Some(binary.as_path()) {
                continue;
            }
            // Several tests may run apps at once: ours is the one with our HOME.
            let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
            let ours = environ.split(|b| *b == 0).any(|var| {
                var.strip_prefix(b"HOME=")
                    .is_some_and(|v| v == home.as_encoded_bytes())
            });
            if ours {
                return Some(pid);
            }
        }
        None
    }

    /// What the app (and the drivers) wrote to stdout and stderr so far.
    pub fn output_text(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.output).unwrap_or_default()).into_owned()
    }

    /// Closes the app and stops the drivers and Xvfb, and with them the app and its WebKit
    /// processes if the session's end left any (waiting until they are gone).
    pub async fn stop(&mut self) {
        self.driver.quit().await;
        // The session's end closes the app: let it exit on its own (and write its last log
        // lines) before anything left is stopped.
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.app_pid().is_some() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.children.stop_all();
    }
}

impl Drop for Window {
    /// A test that fails before `stop` still stops the app, the drivers and Xvfb, and does so
    /// before the private keyring (a field, dropped after this) goes away under the app.
    fn drop(&mut self) {
        self.children.stop_all();
    }
}

/// Counts the copies of `needle` in the memory of process `pid` (root, or the same user with
/// ptrace allowed): every page that is present or swapped out (per `/proc/PID/pagemap`) in a
/// readable mapping, except read-only file mappings (program code, libraries, fonts: a secret
/// cannot be there). Reserved but untouched memory (WebKit reserves tens of GB) is skipped.
/// Returns `None` when the memory cannot be read at all.
pub fn memory_copies(pid: u32, needle: &[u8]) -> Option<usize> {
    use std::io::{Read, Seek, SeekFrom};
    const PAGE: u64 = 4096;
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).ok()?;
    let mut mem = std::fs::File::open(format!("/proc/{pid}/mem")).ok()?;
    let mut pagemap = std::fs::File::open(format!("/proc/{pid}/pagemap")).ok()?;
    let mut count = 0;
    let mut read_any = false;
    for line in maps.lines() {
        let mut parts = line.split_whitespace();
        let (Some(range), Some(perms)) = (parts.next(), parts.next()) else {
            continue;
        };
        let path = parts.nth(3).unwrap_or("");
        if !perms.starts_with('r')
            || (!perms.contains('w') && path.starts_with('/'))
            || path.starts_with("[vvar")
            || path.starts_with("[vsyscall")
        {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else {
            continue;
        };
        let (Ok(start), Ok(end)) = (u64::from_str_radix(start, 16), u64::from_str_radix(end, 16))
        else {
            continue;
        };
        // Walk the mapping's pages in batches; read each run of pages that hold data, carrying
        // the tail of a run so a copy across a read boundary is still found.
        let mut window: Vec<u8> = Vec::new();
        let mut last_end = 0u64;
        let batch_pages: u64 = 65_536;
        let mut page = start / PAGE;
        let end_page = end / PAGE;
        while page < end_page {
            let n = (end_page - page).min(batch_pages);
            let mut entries = vec![0u8; usize::try_from(n * 8).unwrap_or(0)];
            if pagemap.seek(SeekFrom::Start(page * 8)).is_err()
                || pagemap.read_exact(&mut entries).is_err()
            {
                break;
            }
            let present: Vec<bool> = entries
                .chunks_exact(8)
                .map(|e| {
                    let v = u64::from_le_bytes(e.try_into().unwrap_or([0; 8]));
                    v & (3 << 62) != 0
                })
                .collect();
            let mut i = 0usize;
            while i < present.len() {
                if !present[i] {
                    i += 1;
                    continue;
                }
                let run_start = i;
                while i < present.len() && present[i] && i - run_start < 2048 {
                    i += 1;
                }
                let from = (page + run_start as u64) * PAGE;
                let to = (page + i as u64) * PAGE;
                if from != last_end {
                    window.clear();
                }
                let keep = needle.len().saturating_sub(1).min(window.len());
                window.drain(..window.len() - keep);
                let old = window.len();
                window.resize(old + usize::try_from(to - from).unwrap_or(0), 0);
                if mem.seek(SeekFrom::Start(from)).is_err()
                    || mem.read_exact(&mut window[old..]).is_err()
                {
                    window.clear();
                    last_end = 0;
                    continue;
                }
                read_any = true;
                count += count_in(&window, needle);
                last_end = to;
            }
            page += n;
        }
    }
    read_any.then_some(count)
}

/// Occurrences of `needle` in `haystack`. Jumps between occurrences of the needle's rarest-looking
/// byte with std's (optimised) byte search, so it is quick even in a debug build.
pub fn count_in(haystack: &[u8], needle: &[u8]) -> usize {
    use std::io::BufRead;
    if needle.is_empty() || haystack.len() < needle.len() {
        return 0;
    }
    let k = needle
        .iter()
        .rposition(|b| b.is_ascii_uppercase() && *b != b'A')
        .unwrap_or(0);
    let probe = needle[k];
    let mut count = 0;
    let mut offset = 0;
    while offset < haystack.len() {
        let mut cursor = &haystack[offset..];
        let skipped = cursor.skip_until(probe).unwrap_or(0);
        if skipped == 0 {
            break;
        }
        let at = offset + skipped - 1;
        if haystack[at] != probe {
            break;
        }
        if at >= k && haystack[at - k..].starts_with(needle) {
            count += 1;
        }
        offset = at + 1;
    }
    count
}

/// The processes whose parent is `pid`, with their names (WebKit's web and network processes
/// are children of the app).
pub fn children_of(pid: u32) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in entries.flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_owned())
        };
        if field("PPid:").and_then(|p| p.parse::<u32>().ok()) == Some(pid) {
            out.push((child, field("Name:").unwrap_or_default()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_every_copy_including_at_the_edges() {
        let needle = b"sk-proj-CANARYx1Zz9";
        let mut hay = needle.to_vec();
        hay.extend_from_slice(b"ZZZ sk-proj-CANARYx1Zz sk-proj-CANARYx1Zz9");
        hay.extend_from_slice(needle);
        assert_eq!(super::count_in(&hay, needle), 3);
        assert_eq!(super::count_in(b"Zz9", needle), 0);
        assert_eq!(super::count_in(b"", needle), 0);
    }
}
