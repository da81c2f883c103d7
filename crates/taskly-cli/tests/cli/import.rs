//! `taskly keys import` and the prompt guard, as a new user meets them (issue 14's "Done when"):
//! an `export OPENAI_API_KEY=…` line in `~/.bashrc` and a Continue config holding an Anthropic
//! key are listed masked with their sources, imported (validated, into the real Secret Service),
//! and their plaintext copies commented out, after which no copy of either key is anywhere under
//! HOME; a key pasted into a question is stopped before anything is sent.

use std::path::Path;

use taskly_testkit::files_containing;

use crate::support::Sandbox;

const OPENAI: &str = "sk-proj-CANARYbashrcImport0123456789abcdWXYZ";
const ANTHROPIC: &str = "sk-ant-api03-CANARYcontinueImport0123456789abcdQRST";

fn write_home(home: &Path) {
    std::fs::write(
        home.join(".bashrc"),
        format!(
            "# ~/.bashrc\nalias ll='ls -l'\nexport OPENAI_API_KEY={OPENAI}\nexport EDITOR=vim\n"
        ),
    )
    .expect("write bashrc");
    std::fs::create_dir_all(home.join(".continue")).expect("mkdir");
    std::fs::write(
        home.join(".continue/config.yaml"),
        format!(
            "name: Local Assistant\nversion: 1.0.0\nschema: v1\nmodels:\n  - name: Claude\n    provider: anthropic\n    model: claude-sonnet-4-5\n    apiKey: {ANTHROPIC}\n    roles:\n      - chat\n"
        ),
    )
    .expect("write continue config");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bashrc_and_continue_keys_move_into_the_credential_store() {
    let mut sb = Sandbox::new().await;
    sb.extra_env.push(("RUST_LOG".into(), "trace".into()));
    sb.fake.add_provider_key(OPENAI);
    sb.fake.add_provider_key(ANTHROPIC);
    let home = sb.data_dir().to_path_buf();
    write_home(&home);
    let mut outputs = Vec::new();

    let listed = sb.run(&["--verbose", "keys", "import", "--scan"], "").ok();
    outputs.push(format!("{}{}", listed.stdout, listed.stderr));
    for expected in [
        "sk-proj-…WXYZ",
        "~/.bashrc line 3 (OPENAI_API_KEY)",
        "sk-ant-api03-…QRST",
        "~/.continue/config.yaml line 8 (models[0].apiKey)",
        "Import with: taskly keys import f_",
    ] {
        assert!(
            listed.stdout.contains(expected),
            "{expected:?} missing:\n{}",
            listed.stdout
        );
    }

    let report = sb.run(&["keys", "import", "--scan", "--json"], "").ok();
    outputs.push(report.stdout.clone());
    let report = report.json();
    let finds = report["finds"].as_array().expect("finds");
    assert_eq!(finds.len(), 2, "{report}");
    let ids: Vec<&str> = finds
        .iter()
        .map(|f| f["id"].as_str().expect("id"))
        .collect();
    assert_eq!(finds[0]["provider"], "openai");
    assert_eq!(finds[1]["provider"], "anthropic");
    assert!(finds.iter().all(|f| f["already_held"].is_null()));

    // --yes without ids is refused by the command line itself: nothing is imported unnamed.
    let unnamed = sb.run(&["keys", "import", "--yes"], "");
    assert_ne!(unnamed.code, 0);
    assert!(sb.list().is_empty());

    let mut args = vec!["--verbose", "keys", "import"];
    args.extend(&ids);
    args.extend(["--yes", "--remove-plaintext", "comment", "--json"]);
    let imported = sb.run(&args, "").ok();
    outputs.push(format!("{}{}", imported.stdout, imported.stderr));
    let imported = imported.json();
    for outcome in imported["imported"].as_array().expect("imported") {
        assert_eq!(outcome["result"]["outcome"], "saved", "{outcome}");
        assert_eq!(
            outcome["result"]["saved"]["key"]["verification"],
            "verified"
        );
    }
    let plan = &imported["plan"];
    assert_eq!(plan[0]["path"], "~/.bashrc");
    assert_eq!(plan[0]["changes"][0]["line"], 3);
    assert_eq!(
        plan[0]["changes"][0]["before"],
        "export OPENAI_API_KEY=sk-proj-…WXYZ"
    );
    assert!(
        imported["scrubbed"]
            .as_array()
            .expect("scrubbed")
            .iter()
            .all(|s| s["outcome"] == "rewritten")
    );

    assert_eq!(
        std::fs::read_to_string(home.join(".bashrc")).expect("read"),
        "# ~/.bashrc\nalias ll='ls -l'\n# OPENAI_API_KEY moved to the system credential store by Taskly\nexport EDITOR=vim\n"
    );
    let labels: Vec<String> = sb
        .list()
        .iter()
        .map(|k| k["label"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(labels.len(), 2);
    assert!(labels.contains(&"From ~/.bashrc".to_owned()), "{labels:?}");
    assert!(
        labels.contains(&"From ~/.continue/config.yaml".to_owned()),
        "{labels:?}"
    );

    // The question with a pasted key is stopped before anything is sent.
    let before = sb.fake.requests().len();
    let blocked = sb.run(
        &[
            "chat",
            "--provider",
            "openai",
            "--json",
            &format!("why does {OPENAI} fail?"),
        ],
        "",
    );
    outputs.push(format!("{}{}", blocked.stdout, blocked.stderr));
    assert_eq!(blocked.code, 2, "{blocked:?}");
    assert!(
        blocked.stdout.contains("prompt_has_secret"),
        "{}",
        blocked.stdout
    );
    let shaped = sb.run(
        &[
            "chat",
            "--provider",
            "openai",
            "what is gsk_AbCdEf0123456789GhIjKlMnOpQr?",
        ],
        "",
    );
    outputs.push(format!("{}{}", shaped.stdout, shaped.stderr));
    assert!(
        shaped.stderr.contains("error[prompt_has_secret]"),
        "{}",
        shaped.stderr
    );
    assert!(
        shaped.stderr.contains("--allow-secrets"),
        "the CLI says how to send anyway"
    );
    assert_eq!(
        sb.fake.requests().len(),
        before,
        "nothing reached the provider"
    );
    let sent = sb.run(
        &[
            "chat",
            "--provider",
            "openai",
            "--allow-secrets",
            "what is gsk_AbCdEf0123456789GhIjKlMnOpQr?",
        ],
        "",
    );
    assert_eq!(sent.code, 0, "{sent:?}");

    // No copy of either key anywhere under HOME (the data folder, its database and logs
    // included) but the credential store, and none in any output.
    for key in [OPENAI, ANTHROPIC] {
        assert_eq!(
            files_containing(&home, key),
            Vec::<std::path::PathBuf>::new(),
            "{key}"
        );
        for output in &outputs {
            assert!(!output.contains(key), "an output holds the key: {output}");
        }
    }
    let rescan = sb
        .run(&["keys", "import", "--scan", "--json"], "")
        .ok()
        .json();
    assert!(
        rescan["finds"].as_array().expect("finds").is_empty(),
        "{rescan}"
    );
}

/// On a terminal (a pseudo-terminal from util-linux's `script`), `taskly keys import` lists the
/// finds, asks which to import, shows the lines that change and asks before rewriting them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_it_asks_which_keys_and_before_rewriting() {
    let sb = Sandbox::new().await;
    sb.fake.add_provider_key(OPENAI);
    sb.fake.add_provider_key(ANTHROPIC);
    let home = sb.data_dir().to_path_buf();
    write_home(&home);
    let report = sb
        .run(&["keys", "import", "--scan", "--json"], "")
        .ok()
        .json();
    let openai = report["finds"][0]["id"].as_str().expect("id").to_owned();

    let prepared = sb.command(&[]);
    let mut cmd = std::process::Command::new("script");
    cmd.env_clear();
    for (name, value) in prepared.get_envs() {
        if let Some(value) = value {
            cmd.env(name, value);
        }
    }
    cmd.current_dir(&home).args([
        "--quiet",
        "--return",
        "--command",
        &format!(
            "{} keys import --remove-plaintext remove",
            env!("CARGO_BIN_EXE_taskly")
        ),
        "/dev/null",
    ]);
    let run = crate::support::run_command(cmd, &format!("{openai}\ny\n"));
    assert_eq!(run.code, 0, "{run:?}");
    for expected in [
        "Import which?",
        "~/.bashrc:",
        "line 3: - export OPENAI_API_KEY=sk-proj-…WXYZ",
        "(removed)",
        "Rewrite these lines? [y/N]",
        "Rewrote ~/.bashrc: 1 line changed",
    ] {
        assert!(
            run.stdout.contains(expected),
            "{expected:?} missing:\n{}",
            run.stdout
        );
    }
    assert!(
        !run.stdout.contains(OPENAI) && !run.stdout.contains(ANTHROPIC),
        "{}",
        run.stdout
    );
    assert_eq!(
        std::fs::read_to_string(home.join(".bashrc")).expect("read"),
        "# ~/.bashrc\nalias ll='ls -l'\nexport EDITOR=vim\n"
    );
    // Only the key named was imported; the Continue key is still where it was.
    assert_eq!(sb.list().len(), 1);
    assert!(
        std::fs::read_to_string(home.join(".continue/config.yaml"))
            .expect("read")
            .contains(ANTHROPIC)
    );
}

/// The canary scan: every fixture of every tool (50 canary keys, each holding `CANARY`) scanned
/// at trace level, as text and as JSON, and no canary anywhere in what the scan printed or
/// logged. A masked key never shows the part of a canary that spells it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scan_prints_and_logs_no_key() {
    let mut sb = Sandbox::new().await;
    sb.extra_env.push(("RUST_LOG".into(), "trace".into()));
    let fixtures = Path::new("../taskly-core/tests/fixtures/import");
    taskly_testkit::copy_tree(&fixtures.join("home"), sb.data_dir());
    let project = tempfile::tempdir().expect("project");
    taskly_testkit::copy_tree(&fixtures.join("project"), project.path());
    let mut printed = String::new();
    for args in [
        &["--verbose", "keys", "import", "--scan"][..],
        &["--verbose", "keys", "import", "--scan", "--json"][..],
    ] {
        let mut cmd = sb.command(args);
        cmd.current_dir(project.path());
        let run = crate::support::run_command(cmd, "").ok();
        printed.push_str(&run.stdout);
        printed.push_str(&run.stderr);
    }
    assert!(printed.contains("Found 50 keys in plain text"), "{printed}");
    assert!(!printed.contains("CANARY"), "a key was printed:\n{printed}");
    let logs = files_containing(&sb.log_dir(), "CANARY");
    assert!(logs.is_empty(), "a key was logged: {logs:?}");
    assert!(sb.log_dir().exists(), "the scan logged (at trace level)");
}
