//! The `taskly` binary, run as a person would, beside a long-lived core in the test's own
//! process: one home folder (data in `home/data`), the fake provider and proxy, and the private
//! bus the test process was started on. Included by `soak.rs` and `two_processes.rs` with
//! `#[path = "support/taskly_binary.rs"] mod taskly_binary;`.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub struct Cli {
    pub home: PathBuf,
    pub fake_url: String,
    pub proxy_url: String,
    /// The Taskly proxy token the fake proxy accepts.
    pub token: &'static str,
}

impl Cli {
    /// The data folder, as the long-lived core's `Config` names it.
    pub fn data_dir(&self) -> PathBuf {
        self.home.join("data")
    }

    /// Runs `taskly ARGS` with `stdin` as input; its output, and whether `stdin` was written
    /// (the caller decides whether a command that stopped reading early is a failure).
    pub fn output(&self, args: &[&str], stdin: &str) -> (Output, std::io::Result<()>) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_taskly"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("TASKLY_DATA_DIR", self.data_dir())
            .env("TASKLY_HTTP_TIMEOUT_MS", "5000")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("TASKLY_OPENAI_BASE_URL", &self.fake_url)
            .env("TASKLY_PROXY_URL", &self.proxy_url)
            .env("TASKLY_PROXY_TOKEN", self.token)
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                std::env::var("DBUS_SESSION_BUS_ADDRESS").expect("the private bus"),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("taskly");
        let written = child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes());
        (child.wait_with_output().expect("wait"), written)
    }
}
