//! The data folder under stress, across processes: SQLite locked by another process past the
//! busy timeout, a read-only folder, a damaged file, a file from a newer Taskly, a secret
//! deleted or damaged behind our back; and file modes: everything private (0700 / 0600) whatever
//! the umask, unreadable by a second local user, wider folders tightened, shared ones refused.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use taskly_fake_ai::Fault;

use crate::support::{Run, Sandbox, VALID_KEY, entry, finish, spawn_command};

const NOBODY: u32 = 65534;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o7777
}

fn db_path(sb: &Sandbox) -> PathBuf {
    sb.data_dir().join("data/taskly.db")
}

/// Runs `taskly ARGS` as another local user (`nobody`), from a copy of the binary that user can
/// execute (the build folder is under /root).
fn run_as_nobody(sb: &Sandbox, exe: &Path, args: &[&str]) -> Run {
    let cmd = sb.command(args);
    let mut wrapped = Command::new("setpriv");
    wrapped
        .args([
            &format!("--reuid={NOBODY}"),
            &format!("--regid={NOBODY}"),
            "--clear-groups",
        ])
        .arg(exe)
        .args(args)
        .env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            wrapped.env(k, v);
        }
    }
    finish(wrapped.stdin(Stdio::null()).output().expect("setpriv runs"))
}

/// `cat FILE` as `nobody`: whether a second local user can read it.
fn nobody_can_read(path: &Path) -> (bool, String) {
    let out = Command::new("setpriv")
        .args([
            &format!("--reuid={NOBODY}"),
            &format!("--regid={NOBODY}"),
            "--clear-groups",
            "cat",
        ])
        .arg(path)
        .output()
        .expect("setpriv runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A copy of the `taskly` binary in a folder `nobody` can enter.
fn binary_for_nobody(dir: &Path) -> PathBuf {
    let exe = dir.join("taskly");
    std::fs::copy(env!("CARGO_BIN_EXE_taskly"), &exe).expect("copy binary");
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    exe
}

fn chown_tree(path: &Path, uid: u32) {
    let status = Command::new("chown")
        .args(["-R", &format!("{uid}:{uid}")])
        .arg(path)
        .status()
        .expect("chown");
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_private_whatever_the_umask_and_another_user_cannot_read_them() {
    let sb = Sandbox::new().await;
    // umask 000 would make tracing-appender's and SQLite's defaults world-writable: the modes
    // below come from our code setting them explicitly.
    let spawn = |args: &[&str], stdin: &str| {
        let cmd = sb.command(&[]);
        let mut sh = Command::new("sh");
        sh.arg("-c")
            .arg("umask 000; exec \"$0\" \"$@\"")
            .arg(env!("CARGO_BIN_EXE_taskly"))
            .args(args)
            .env_clear();
        for (k, v) in cmd.get_envs() {
            if let Some(v) = v {
                sh.env(k, v);
            }
        }
        spawn_command(sh, stdin)
    };
    finish(
        spawn(
            &["keys", "add", "--json", "--provider", "openai", "--enable"],
            VALID_KEY,
        )
        .wait_with_output()
        .expect("wait"),
    )
    .ok();
    // A slow answer from the provider (the key is switched on, so the chat goes there and not
    // to the proxy) keeps the process (and its database connection, so the WAL files) alive
    // while we look.
    sb.fake.push_fault(Fault::Slow(Duration::from_millis(2500)));
    let chat = spawn(&["chat", "hello"], "");
    let wal_seen = Instant::now() + Duration::from_secs(10);
    let data = sb.data_dir().join("data");
    while !(data.join("taskly.db-wal").exists() && data.join("taskly.db-shm").exists()) {
        assert!(Instant::now() < wal_seen, "the WAL files appear");
        std::thread::sleep(Duration::from_millis(20));
    }
    let db = db_path(&sb);
    let wal = data.join("taskly.db-wal");
    let shm = data.join("taskly.db-shm");
    assert_eq!(mode(&data), 0o700, "data folder");
    assert_eq!(mode(&sb.log_dir()), 0o700, "logs folder");
    for file in [&db, &wal, &shm] {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    for log in std::fs::read_dir(sb.log_dir()).expect("logs").flatten() {
        assert_eq!(mode(&log.path()), 0o600, "{}", log.path().display());
    }
    finish(chat.wait_with_output().expect("chat")).ok();
    // A second local user is refused, even with the way to the folder open to them.
    std::fs::set_permissions(sb.data_dir(), std::fs::Permissions::from_mode(0o755))
        .expect("open the sandbox root");
    let logs: Vec<PathBuf> = std::fs::read_dir(sb.log_dir())
        .expect("logs")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(!logs.is_empty(), "the CLI wrote a log");
    for file in std::iter::once(&db).chain(logs.iter()) {
        let (ok, stderr) = nobody_can_read(file);
        assert!(!ok, "nobody read {}", file.display());
        assert!(stderr.contains("Permission denied"), "{stderr}");
    }
    // Even with the folder opened up, the database file itself stays closed to them.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let (ok, stderr) = nobody_can_read(&db);
    assert!(!ok && stderr.contains("Permission denied"), "{stderr}");
    // ...and the next start closes the folder again, saying so in the log.
    sb.run(&["keys", "list"], "").ok();
    assert_eq!(mode(&data), 0o700, "the folder was tightened again");
    let said = taskly_testkit::files_containing(&sb.log_dir(), "made it private");
    assert!(!said.is_empty(), "the tightening is logged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_folder_is_refused_and_a_wide_database_file_is_tightened() {
    let sb = Sandbox::new().await;
    let data = sb.data_dir().join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o1777)).expect("chmod");
    let run = sb.run(&["keys", "list", "--json"], "");
    assert_ne!(run.code, 0);
    assert_eq!(run.error_code(), "data_dir_unusable", "{run:?}");
    assert!(run.stdout.contains("shared with other users"), "{run:?}");
    assert_eq!(mode(&data), 0o1777, "a shared folder is not changed");

    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    sb.run(&["keys", "list"], "").ok();
    let db = db_path(&sb);
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    sb.run(&["keys", "list"], "").ok();
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&db), 0o600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_locked_by_another_process_ends_in_a_typed_error_in_bounded_time() {
    let sb = Sandbox::new().await;
    let id = sb.add(VALID_KEY, &["--enable"]);
    // This test process is the other program: it takes the write lock and keeps it.
    let holder = rusqlite::Connection::open(db_path(&sb)).expect("open");
    holder
        .execute_batch("BEGIN IMMEDIATE; UPDATE keys SET label = label;")
        .expect("lock");
    let started = Instant::now();
    let run = sb.run(&["keys", "disable", "--json", &id], "");
    let took = started.elapsed();
    assert_ne!(run.code, 0, "{run:?}");
    let error = &run.json()["error"];
    assert_eq!(error["code"], "database_error", "{run:?}");
    assert_eq!(error["action"], "retry");
    let message = error["message"].as_str().expect("message");
    assert!(
        message.contains("kept it locked for more than 10 s") && message.contains("close it"),
        "{message}"
    );
    assert!(
        took >= Duration::from_secs(9) && took < Duration::from_secs(25),
        "waited the busy timeout, then gave up: {took:?}"
    );
    // Reading still works while another process writes (WAL), and the lock's end ends the
    // trouble.
    assert_eq!(sb.list().len(), 1);
    holder.execute_batch("ROLLBACK").expect("unlock");
    drop(holder);
    sb.run(&["keys", "disable", &id], "").ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_data_folder_is_named_in_a_typed_error() {
    let sb = Sandbox::new().await;
    let bin = tempfile::Builder::new()
        .prefix("taskly-bin-")
        .tempdir()
        .expect("dir");
    std::fs::set_permissions(bin.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let exe = binary_for_nobody(bin.path());
    std::fs::set_permissions(sb.data_dir(), std::fs::Permissions::from_mode(0o755)).expect("chmod");

    // 1. The folder does not exist yet and cannot be created.
    let parent = sb.data_dir();
    chown_tree(parent, 0);
    let run = run_as_nobody(&sb, &exe, &["keys", "list", "--json"]);
    assert_eq!(run.error_code(), "data_dir_unusable", "{run:?}");
    assert!(run.stdout.contains("/data"), "{run:?}");

    // 2. A database made by this user, whose folder then became read-only (a WAL file cannot be
    //    created next to it).
    sb.run(&["keys", "list"], "").ok();
    let data = sb.data_dir().join("data");
    chown_tree(&data, NOBODY);
    let before = std::fs::read(db_path(&sb)).expect("read");
    for sidecar in ["taskly.db-wal", "taskly.db-shm"] {
        let _ = std::fs::remove_file(data.join(sidecar));
    }
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o500)).expect("chmod");
    let run = run_as_nobody(&sb, &exe, &["keys", "list", "--json"]);
    assert_ne!(run.code, 0, "{run:?}");
    assert_eq!(run.error_code(), "data_dir_unusable", "{run:?}");
    let message = run.json()["error"]["message"]
        .as_str()
        .expect("message")
        .to_owned();
    assert!(message.contains(&data.display().to_string()), "{message}");
    assert!(!message.contains("damaged"), "{message}");
    assert_eq!(std::fs::read(db_path(&sb)).expect("read"), before);

    // 3. The database file itself read-only, in a writable folder.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    std::fs::set_permissions(db_path(&sb), std::fs::Permissions::from_mode(0o400)).expect("chmod");
    let run = run_as_nobody(&sb, &exe, &["keys", "list", "--json"]);
    assert_eq!(run.error_code(), "data_dir_unusable", "{run:?}");
    assert_eq!(std::fs::read(db_path(&sb)).expect("read"), before);
}

/// Damaged files of several kinds: each refused with `database_corrupt`, kept byte for byte
/// (no WAL left to change it later), never renamed or recreated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_database_is_refused_and_kept_byte_for_byte() {
    let sb = Sandbox::new().await;
    sb.add(VALID_KEY, &["--enable"]);
    let db = db_path(&sb);
    // Fold the WAL into the file so the damage below is what SQLite reads.
    rusqlite::Connection::open(&db)
        .expect("open")
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
        .expect("checkpoint");
    let good = std::fs::read(&db).expect("read");
    assert!(good.len() >= 4 * 4096, "several pages");

    let mut garbage = good.clone();
    garbage[..100].fill(0x42); // the header
    let mut pages = good.clone();
    let page = 4096;
    for b in &mut pages[page..] {
        *b = 0xA5; // every page but the first (the schema still reads)
    }
    let truncated = good[..good.len() / 3 + 7].to_vec();
    for (what, bytes) in [
        ("header overwritten", garbage),
        ("pages overwritten", pages),
        ("truncated", truncated),
    ] {
        for sidecar in ["taskly.db-wal", "taskly.db-shm"] {
            let _ = std::fs::remove_file(db.with_file_name(sidecar));
        }
        std::fs::write(&db, &bytes).expect("write");
        for args in [
            vec!["keys", "list", "--json"],
            vec![
                "keys",
                "add",
                "--json",
                "--provider",
                "openai",
                "--no-verify",
            ],
        ] {
            let run = sb.run(&args, VALID_KEY);
            assert_ne!(run.code, 0, "{what}: {run:?}");
            assert_eq!(run.error_code(), "database_corrupt", "{what}: {run:?}");
            let message = run.json()["error"]["message"]
                .as_str()
                .expect("message")
                .to_owned();
            assert!(
                message.contains("left untouched") && message.contains("move it aside"),
                "{message}"
            );
            assert_eq!(
                std::fs::read(&db).expect("read"),
                bytes,
                "{what}: kept as it was"
            );
        }
        let names: Vec<String> = std::fs::read_dir(db.parent().expect("dir"))
            .expect("list")
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.starts_with("taskly.db"))
            .collect();
        assert!(
            names.iter().all(|n| n == "taskly.db"
                || std::fs::metadata(db.with_file_name(n))
                    .map(|m| m.len() == 0)
                    .unwrap_or(true)),
            "{what}: nothing else written beside it: {names:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_a_newer_taskly_is_refused_and_not_downgraded() {
    let sb = Sandbox::new().await;
    sb.add(VALID_KEY, &["--enable"]);
    let db = db_path(&sb);
    {
        let c = rusqlite::Connection::open(&db).expect("open");
        c.execute_batch(
            "CREATE TABLE from_the_future (x); PRAGMA user_version = 99; \
             PRAGMA wal_checkpoint(TRUNCATE);",
        )
        .expect("future");
    }
    let before = std::fs::read(&db).expect("read");
    let modified = std::fs::metadata(&db).expect("meta").mtime_nsec();
    for args in [
        vec!["keys", "list", "--json"],
        vec![
            "keys",
            "add",
            "--json",
            "--provider",
            "openai",
            "--no-verify",
        ],
        vec!["chat", "--json", "hi"],
    ] {
        let run = sb.run(&args, VALID_KEY);
        assert_ne!(run.code, 0, "{run:?}");
        let text = format!("{}{}", run.stdout, run.stderr);
        assert!(text.contains("database_too_new"), "{run:?}");
        assert!(text.contains("update_app"), "{run:?}");
    }
    assert_eq!(std::fs::read(&db).expect("read"), before, "not downgraded");
    assert_eq!(std::fs::metadata(&db).expect("meta").mtime_nsec(), modified);
    let c = rusqlite::Connection::open(&db).expect("open");
    let version: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, 99);
}

/// The secret deleted from the keyring (secret-tool), or replaced there by something that is
/// not a key: the key still lists, and using it says "re-enter", never "try again".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_deleted_or_damaged_behind_our_back_asks_to_re_enter_the_key() {
    let sb = Sandbox::new().await;
    let id = sb.add(VALID_KEY, &["--enable"]);
    for damage in ["deleted", "not a key (two words)"] {
        sb.keyring.clear_raw(&entry(&id, 0));
        if damage != "deleted" {
            sb.keyring.store_raw(&entry(&id, 0), damage);
        }
        assert_eq!(sb.list().len(), 1, "{damage}: still listed");
        for args in [
            vec!["chat", "--json", "hi"],
            vec!["keys", "validate", "--json", &id],
        ] {
            let run = sb.run(&args, "");
            assert_ne!(run.code, 0, "{damage}: {run:?}");
            let text = format!("{}{}", run.stdout, run.stderr);
            assert!(text.contains("credential_missing"), "{damage}: {run:?}");
            assert!(text.contains("re_enter_key"), "{damage}: {run:?}");
            assert!(text.contains("Enter the key again"), "{damage}: {run:?}");
            assert!(!text.contains(damage) || damage == "deleted", "{run:?}");
        }
    }
    // The advice works: replacing the secret brings the key back.
    sb.run(
        &["keys", "update", &id, "--replace-secret", "--json"],
        VALID_KEY,
    )
    .ok();
    sb.run(&["chat", "hi"], "").ok();
}
