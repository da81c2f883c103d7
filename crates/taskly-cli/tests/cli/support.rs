//! A sandbox per test: private keyring, private data folder, a fake provider, and the binary.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use taskly_fake_ai::{FakeAi, FakeAiConfig, Flavor};
use taskly_testkit::SecretService;

pub const VALID_KEY: &str = "sk-proj-validValidValid0123456789abcdWXYZ";
pub const PROXY_TOKEN: &str = "taskly-proxy-token-0123456789";
pub const OTHER_VALID_KEY: &str = "sk-proj-secondSecondSecond9876543210zyxwQRST";

/// Everything one test needs, stopped on drop.
pub struct Sandbox {
    pub keyring: SecretService,
    pub data: tempfile::TempDir,
    pub fake: FakeAi,
    /// The Taskly proxy stand-in: a separate server, as in production.
    pub proxy: FakeAi,
    pub extra_env: Vec<(String, String)>,
}

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

impl Sandbox {
    pub async fn new() -> Self {
        Self::with_keyring(SecretService::start()).await
    }

    pub async fn with_keyring(keyring: SecretService) -> Self {
        let config = FakeAiConfig {
            provider_keys: vec![VALID_KEY.to_owned(), OTHER_VALID_KEY.to_owned()],
            proxy_tokens: vec!["taskly-proxy-token".to_owned()],
            ..FakeAiConfig::default()
        };
        let fake = FakeAi::start(config).await.expect("fake provider starts");
        let proxy = taskly_testkit::fake::proxy(PROXY_TOKEN).await;
        let data = tempfile::Builder::new()
            .prefix("taskly-data-")
            .tempdir()
            .expect("temp dir");
        Self {
            keyring,
            data,
            fake,
            proxy,
            extra_env: Vec::new(),
        }
    }

    /// What the credential store holds for `key` checked at the fake provider: the origin, then
    /// the key.
    pub fn sealed(&self, key: &str) -> String {
        format!("taskly/1 {} {key}", self.fake.url())
    }

    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_taskly"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.data.path())
            .env("TASKLY_DATA_DIR", self.data.path().join("data"))
            .env("TASKLY_HTTP_TIMEOUT_MS", "3000")
            .env("TASKLY_CREDENTIAL_TIMEOUT_MS", "5000")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("TASKLY_PROXY_URL", self.proxy.base_url(Flavor::Proxy))
            .env("TASKLY_PROXY_TOKEN", PROXY_TOKEN)
            .env("TASKLY_RETRY_BASE_MS", "50")
            .env("TASKLY_RETRY_MAX_WAIT_MS", "3000")
            .envs(self.keyring.envs());
        for flavor in [
            ("OPENAI", Flavor::OpenAi),
            ("ANTHROPIC", Flavor::Anthropic),
            ("GEMINI", Flavor::Gemini),
            ("MISTRAL", Flavor::OpenAi),
            ("GROQ", Flavor::OpenAi),
            ("OPENROUTER", Flavor::OpenAi),
            ("DEEPSEEK", Flavor::OpenAi),
            ("XAI", Flavor::OpenAi),
        ] {
            cmd.env(
                format!("TASKLY_{}_BASE_URL", flavor.0),
                self.fake.base_url(flavor.1),
            );
        }
        cmd.envs(self.extra_env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// Runs `taskly ARGS` with `stdin` as input.
    pub fn run(&self, args: &[&str], stdin: &str) -> Run {
        let child = self.spawn(args, stdin);
        finish(child.wait_with_output().expect("taskly runs"))
    }

    pub fn spawn(&self, args: &[&str], stdin: &str) -> Child {
        spawn_command(self.command(args), stdin)
    }

    /// Adds a key with `--json` and returns its id.
    pub fn add(&self, key: &str, extra: &[&str]) -> String {
        let mut args = vec!["keys", "add", "--json"];
        args.extend_from_slice(extra);
        if !extra.contains(&"--provider") && !extra.contains(&"-p") {
            args.extend_from_slice(&["--provider", "openai"]);
        }
        let run = self.run(&args, key).ok();
        run.json()["key"]["id"].as_str().expect("id").to_owned()
    }

    pub fn list(&self) -> Vec<serde_json::Value> {
        let run = self.run(&["keys", "list", "--json"], "").ok();
        run.json()["keys"].as_array().cloned().unwrap_or_default()
    }

    /// Rows in the keys table, whatever their state, read straight from SQLite.
    pub fn db_rows(&self) -> usize {
        let path = self.data.path().join("data/taskly.db");
        if !path.exists() {
            return 0;
        }
        let conn = rusqlite::Connection::open(&path).expect("open db");
        conn.query_row("SELECT count(*) FROM keys", [], |r| r.get::<_, i64>(0))
            .expect("count") as usize
    }

    pub fn provider_requests(&self) -> usize {
        self.fake.requests().len()
    }

    pub fn log_dir(&self) -> PathBuf {
        self.data.path().join("data/logs")
    }
}

/// Runs a prepared `taskly` command (see [`Sandbox::command`]) with `stdin` as input.
pub fn run_command(cmd: Command, stdin: &str) -> Run {
    finish(
        spawn_command(cmd, stdin)
            .wait_with_output()
            .expect("taskly runs"),
    )
}

/// Starts a prepared `taskly` command with `stdin` written to it and its output piped.
pub fn spawn_command(mut cmd: Command, stdin: &str) -> Child {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("taskly starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child
}

pub fn finish(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The credential entry user name of a key id (generation 0 unless replaced).
pub fn entry(id: &str, generation: u32) -> String {
    format!("local:{id}:{generation}")
}
