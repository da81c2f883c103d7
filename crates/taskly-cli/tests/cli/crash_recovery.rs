//! A process killed between the two stores: the next start repairs the state, so every key is
//! either fully there or fully gone.

use std::io::{BufRead, BufReader};
use std::process::Child;

use crate::support::{OTHER_VALID_KEY, Sandbox, VALID_KEY, entry};

/// Starts `taskly ARGS` paused at `point`, waits for it to get there, and kills it.
fn kill_at(sb: &Sandbox, point: &str, args: &[&str], stdin: &str) {
    let mut cmd = sb.command(args);
    cmd.env("TASKLY_FAULT_PAUSE", point)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child: Child = cmd.spawn().expect("spawn");
    {
        use std::io::Write;
        let mut input = child.stdin.take().expect("stdin");
        input.write_all(stdin.as_bytes()).expect("write");
    }
    let stderr = child.stderr.take().expect("stderr");
    let mut reached = false;
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("line");
        if line == format!("TASKLY_FAULT_PAUSED {point}") {
            reached = true;
            break;
        }
    }
    assert!(reached, "never reached {point}");
    child.kill().expect("kill");
    child.wait().expect("reap");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_during_add_rolls_back() {
    let sb = Sandbox::new().await;
    for point in ["add:after-pending-row", "add:after-credential-write"] {
        kill_at(
            &sb,
            point,
            &["keys", "add", "--provider", "openai"],
            VALID_KEY,
        );
        assert_eq!(
            sb.db_rows(),
            1,
            "{point}: the pending row is there before recovery"
        );
        assert!(
            sb.list().is_empty(),
            "{point}: a pending key is never listed"
        );
        // The next command that opens the credential store repairs.
        sb.run(&["doctor"], "").ok();
        assert_eq!(sb.db_rows(), 0, "{point}: rolled back");
        assert!(
            sb.keyring.usernames().is_empty(),
            "{point}: credential removed"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_during_remove_finishes_the_removal() {
    let sb = Sandbox::new().await;
    for point in ["remove:after-mark", "remove:after-credential-delete"] {
        let id = sb.add(VALID_KEY, &["--enable"]);
        kill_at(&sb, point, &["keys", "remove", &id, "--yes"], "");
        assert!(
            sb.list().is_empty(),
            "{point}: a key being removed is not listed"
        );
        sb.run(&["doctor"], "").ok();
        assert_eq!(sb.db_rows(), 0, "{point}");
        assert!(sb.keyring.usernames().is_empty(), "{point}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_during_replace_keeps_exactly_one_secret() {
    let sb = Sandbox::new().await;
    let id = sb.add(VALID_KEY, &[]);
    // Before the swap: the old secret stays, the new entry is cleaned up.
    kill_at(
        &sb,
        "replace:after-credential-write",
        &["keys", "update", &id, "--replace-secret"],
        OTHER_VALID_KEY,
    );
    sb.run(&["doctor"], "").ok();
    assert_eq!(sb.keyring.usernames(), vec![entry(&id, 0)]);
    assert_eq!(
        sb.keyring.lookup(&entry(&id, 0)),
        Some(sb.sealed(VALID_KEY))
    );
    assert_eq!(sb.list()[0]["masked"], "sk-proj-…WXYZ");
    // After the swap: the new secret stays, the old entry is cleaned up.
    kill_at(
        &sb,
        "replace:after-swap",
        &["keys", "update", &id, "--replace-secret"],
        OTHER_VALID_KEY,
    );
    sb.run(&["doctor"], "").ok();
    assert_eq!(sb.keyring.usernames(), vec![entry(&id, 1)]);
    assert_eq!(
        sb.keyring.lookup(&entry(&id, 1)),
        Some(sb.sealed(OTHER_VALID_KEY))
    );
    assert_eq!(sb.list()[0]["masked"], "sk-proj-…QRST");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_leaves_a_live_process_alone() {
    let sb = Sandbox::new().await;
    let mut cmd = sb.command(&["keys", "add", "--provider", "openai"]);
    cmd.env("TASKLY_FAULT_PAUSE", "add:after-credential-write")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(VALID_KEY.as_bytes())
            .expect("write");
    }
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    assert!(lines.any(|l| l.is_ok_and(|l| l.starts_with("TASKLY_FAULT_PAUSED"))));
    // Another process opens the store (and runs recovery) while the add is under way.
    let doctor = sb.run(&["doctor", "--json"], "").json();
    assert_eq!(
        doctor["orphaned_credentials"],
        serde_json::json!([]),
        "work in progress is not an orphan"
    );
    assert_eq!(sb.db_rows(), 1, "the live add's pending row survives");
    assert_eq!(
        sb.keyring.usernames().len(),
        1,
        "and so does its credential"
    );
    child.kill().expect("kill");
    child.wait().expect("reap");
    sb.run(&["doctor"], "").ok();
    assert_eq!(sb.db_rows(), 0);
    assert!(sb.keyring.usernames().is_empty());
}
