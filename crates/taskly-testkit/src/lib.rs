//! Test support: real parts started privately for one test, and scanners that prove no leak.
//!
//! [`SecretService`] starts a private D-Bus session bus (no service activation, so nothing else
//! starts on it) and, unless asked not to, a real GNOME Keyring unlocked with a throwaway
//! password, keeping its files in a temporary folder. Everything is stopped on drop. Child
//! processes are pointed at it with [`SecretService::envs`]; `secret-tool` reads the store
//! independently of our code.
//!
//! [`oidc::Issuer`] starts a real OpenID Provider (panva's `oidc-provider`, from
//! `tests/oidc-provider/`) on 127.0.0.1 and plays the person in the browser: its login, consent
//! and device-code pages, over plain HTTP.
#![allow(clippy::expect_used, clippy::print_stderr, missing_docs)]

pub mod drain;
pub mod fake;
pub mod oidc;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BUS_CONFIG: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=@DIR@</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

/// A private session bus, with or without a running Secret Service.
#[derive(Debug)]
pub struct SecretService {
    dir: tempfile::TempDir,
    bus: Child,
    keyring: Option<Child>,
    address: String,
}

impl SecretService {
    /// A bus with an unlocked GNOME Keyring on it.
    pub fn start() -> Self {
        let mut service = Self::bus_only();
        service.start_keyring();
        service
    }

    /// A bus on which no Secret Service runs (and none can be activated).
    pub fn bus_only() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("taskly-bus-")
            .tempdir()
            .expect("temp dir");
        for sub in ["home", "run", "sock"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("create dir");
        }
        set_mode_700(&dir.path().join("run"));
        let config = dir.path().join("bus.conf");
        std::fs::write(
            &config,
            BUS_CONFIG.replace("@DIR@", &dir.path().join("sock").display().to_string()),
        )
        .expect("write bus config");
        let mut bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1", "--nosyslog"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon must be installed (Debian package dbus-daemon); run the README's test command");
        let mut line = String::new();
        let stdout = bus.stdout.take().expect("stdout");
        let read = BufReader::new(stdout).read_line(&mut line);
        // Owned (and so stopped on drop) before anything can fail: a failed start kills the bus
        // it started instead of leaving it running.
        let service = Self {
            dir,
            bus,
            keyring: None,
            address: line.trim().to_owned(),
        };
        read.expect("bus address");
        assert!(
            service.address.starts_with("unix:"),
            "dbus-daemon printed {:?}",
            service.address
        );
        service
    }

    fn start_keyring(&mut self) {
        let home = self.dir.path().join("home");
        let mut child = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_RUNTIME_DIR", self.dir.path().join("run"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon must be installed (Debian package gnome-keyring); run the README's test command");
        let stdin = child.stdin.take();
        // Owned before anything can fail, so a failed start still stops it (on drop).
        self.keyring = Some(child);
        {
            let mut stdin = stdin.expect("stdin");
            stdin
                .write_all(b"taskly-test-keyring-password")
                .expect("unlock password");
        }
        // Ready once the login collection answers.
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let ok = self
                .secret_tool(&["search", "--all", "service", "taskly-readiness-probe"])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            let store = self.secret_tool(&[
                "store",
                "--label=probe",
                "service",
                "taskly-readiness-probe",
                "username",
                "probe",
            ]);
            if ok && pipe_into(store, b"probe").success() {
                let _ = self
                    .secret_tool(&["clear", "service", "taskly-readiness-probe"])
                    .status();
                return;
            }
            assert!(
                Instant::now() < deadline,
                "gnome-keyring did not come up on the private bus"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The bus address.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Environment for a child process that should use this bus.
    pub fn envs(&self) -> Vec<(String, String)> {
        vec![("DBUS_SESSION_BUS_ADDRESS".into(), self.address.clone())]
    }

    fn secret_tool(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("secret-tool");
        cmd.args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        cmd
    }

    /// Reads a secret of ours straight from the store with `secret-tool`, not through our code.
    pub fn lookup(&self, user: &str) -> Option<String> {
        let out = self
            .secret_tool(&["lookup", "service", "chat.taskly.desktop", "username", user])
            .output()
            .expect("secret-tool must be installed (Debian package libsecret-tools)");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Every user name stored under our service, read with `secret-tool`.
    pub fn usernames(&self) -> Vec<String> {
        let out = self
            .secret_tool(&["search", "--all", "service", "chat.taskly.desktop"])
            .stderr(Stdio::piped())
            .output()
            .expect("secret-tool");
        // secret-tool prints the attributes on stderr and the secrets on stdout.
        let text = String::from_utf8_lossy(&out.stderr);
        let mut users: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("attribute.username = "))
            .map(str::to_owned)
            .collect();
        users.sort();
        users
    }

    /// Stores an entry under our service directly (to simulate leftovers).
    pub fn store_raw(&self, user: &str, secret: &str) {
        let cmd = self.secret_tool(&[
            "store",
            "--label=planted",
            "service",
            "chat.taskly.desktop",
            "username",
            user,
        ]);
        assert!(
            pipe_into(cmd, secret.as_bytes()).success(),
            "secret-tool store failed"
        );
    }

    /// Deletes an entry directly, behind our code's back.
    pub fn clear_raw(&self, user: &str) {
        let _ = self
            .secret_tool(&["clear", "service", "chat.taskly.desktop", "username", user])
            .status();
    }

    /// Stops the keyring process without killing it: calls to it then never answer.
    pub fn freeze_keyring(&self) {
        if let Some(child) = &self.keyring {
            let _ = Command::new("kill")
                .args(["-STOP", &child.id().to_string()])
                .status();
        }
    }

    /// Lets a frozen keyring run again.
    pub fn thaw_keyring(&self) {
        if let Some(child) = &self.keyring {
            let _ = Command::new("kill")
                .args(["-CONT", &child.id().to_string()])
                .status();
        }
    }

    /// Locks the login collection (with gdbus: `secret-tool lock` crashes on some versions).
    pub fn lock_keyring(&self) {
        let status = Command::new("gdbus")
            .args([
                "call",
                "--session",
                "--dest",
                "org.freedesktop.secrets",
                "--object-path",
                "/org/freedesktop/secrets",
            ])
            .args([
                "--method",
                "org.freedesktop.Secret.Service.Lock",
                "['/org/freedesktop/secrets/collection/login']",
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stdout(Stdio::null())
            .status()
            .expect("gdbus must be installed (Debian package libglib2.0-bin)");
        assert!(status.success(), "locking the keyring failed");
    }

    /// Whether the login collection says it is locked (its `Locked` property, read with gdbus),
    /// so a test knows the lock really took before it relies on it.
    pub fn is_locked(&self) -> bool {
        let out = Command::new("gdbus")
            .args([
                "call",
                "--session",
                "--dest",
                "org.freedesktop.secrets",
                "--object-path",
                "/org/freedesktop/secrets/collection/login",
                "--method",
                "org.freedesktop.DBus.Properties.Get",
                "org.freedesktop.Secret.Collection",
                "Locked",
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stderr(Stdio::null())
            .output()
            .expect("gdbus must be installed (Debian package libglib2.0-bin)");
        assert!(
            out.status.success(),
            "reading the collection's Locked property failed"
        );
        // gdbus prints the variant as `(<true>,)` or `(<false>,)`.
        String::from_utf8_lossy(&out.stdout).contains("true")
    }

    /// The keyring's files (for leak scans: they are encrypted, the canary must not be in them).
    pub fn keyring_dir(&self) -> PathBuf {
        self.dir.path().join("home/.local/share/keyrings")
    }

    /// Runs test `name` of the running test binary again, alone (`--exact`), in a child process
    /// on this bus with `envs` set, and passes on its output. The core finds the Secret Service
    /// through `DBUS_SESSION_BUS_ADDRESS` and a test may not change its own environment
    /// (`set_var` is unsafe), so a test that needs the private keyring runs its body there.
    /// Fails unless the child passed and really ran the test.
    #[allow(clippy::print_stdout)] // the child's output, passed on
    pub fn run_test_in_child(&self, name: &str, envs: &[(&str, &str)]) {
        let out = Command::new(std::env::current_exe().expect("the test binary"))
            // `--include-ignored`: the parent of an ignored test runs only when asked to.
            .args([
                "--exact",
                name,
                "--nocapture",
                "--test-threads=1",
                "--include-ignored",
            ])
            .envs(envs.iter().copied())
            .env("DBUS_SESSION_BUS_ADDRESS", self.address())
            .stdin(Stdio::null())
            .output()
            .expect("the test's keyring process");
        let stdout = String::from_utf8_lossy(&out.stdout);
        print!("{stdout}");
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        assert!(
            out.status.success(),
            "{name} failed in its keyring process ({})",
            out.status
        );
        // A filter that matched nothing would also succeed.
        assert!(
            stdout.contains("1 passed"),
            "{name} did not run in its keyring process"
        );
    }
}

impl Drop for SecretService {
    /// Stops the keyring and the bus by their pids (they were started with `--foreground` and
    /// `--nofork`, so the pids are the daemons themselves) and reaps them.
    fn drop(&mut self) {
        self.thaw_keyring();
        if let Some(mut child) = self.keyring.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

fn pipe_into(mut cmd: Command, input: &[u8]) -> std::process::ExitStatus {
    let mut child = cmd.stdin(Stdio::piped()).spawn().expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write");
    child.wait().expect("wait")
}

fn set_mode_700(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    }
}

/// Copies the folder `from` into `to` (created), folders and files, for a throwaway copy of a
/// fixture tree (symbolic links are not followed).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy's folder");
    for entry in std::fs::read_dir(from)
        .expect("read the fixture folder")
        .flatten()
    {
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a fixture");
        }
    }
}

/// Every file under `root` (recursively) whose bytes contain `needle`.
pub fn files_containing(root: &Path, needle: &str) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(path) = stack.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            for entry in std::fs::read_dir(&path).into_iter().flatten().flatten() {
                stack.push(entry.path());
            }
        } else if meta.is_file() {
            let mut bytes = Vec::new();
            if std::fs::File::open(&path)
                .and_then(|mut f| f.read_to_end(&mut bytes))
                .is_ok()
                && contains(&bytes, needle.as_bytes())
            {
                hits.push(path);
            }
        }
    }
    hits
}

/// Whether `haystack` contains `needle`, also as UTF-16 (some stores and logs use it).
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() {
        return false;
    }
    let utf16: Vec<u8> = needle.iter().flat_map(|b| [*b, 0]).collect();
    haystack.windows(needle.len()).any(|w| w == needle)
        || haystack.windows(utf16.len()).any(|w| w == utf16.as_slice())
}

/// A canary key that is unique per call and shaped like an OpenAI project key.
pub fn canary(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("sk-proj-CANARY{tag}{nanos:x}{}Zz9", std::process::id())
}
