//! Keys out of plaintext (issue 14), across the scan, the vault and the file system: the scan
//! finds every key in the fixtures (each tool's real format, written from its documentation,
//! `tests/fixtures/import/README.md`) and nothing that is a reference or a placeholder; a
//! symlinked, unreadable or huge file is skipped; an imported key's plaintext copy is removed
//! only from a file that did not change since the scan, and never before the key is stored.
//!
//! Keys are kept in a real GNOME Keyring on a private D-Bus session
//! (`support/private_keyring.rs`); the provider is the loopback fake.
#![allow(clippy::expect_used)]

#[path = "support/private_keyring.rs"]
mod private_keyring;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use taskly_core::import::{ImportResult, Places, Scan, ScrubMode, ScrubOutcome, Tool};
use taskly_core::prompt_guard::borrow_held;
use taskly_core::{Config, ProviderId};
use taskly_fake_ai::Flavor;

/// Relative to the package folder, where cargo runs its tests.
const FIXTURES: &str = "tests/fixtures/import";

/// A throwaway copy of the fixture tree (home/ and project/).
fn fixture_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    taskly_testkit::copy_tree(Path::new(FIXTURES), dir.path());
    dir
}

fn places(home: &Path, cwd: Option<&Path>) -> Places {
    Places {
        home: home.to_path_buf(),
        cwd: cwd.map(Path::to_path_buf),
        env: Vec::new(),
    }
}

/// One row of the fixtures README: the file, its line, the provider and the key.
struct Row {
    file: String,
    line: u32,
    provider: String,
    value: String,
}

/// The README's tables: the keys to report (both tables) and the values never to report.
fn readme_rows() -> (Vec<Row>, Vec<Row>) {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("README.md")).expect("README");
    let mut report = Vec::new();
    let mut never = Vec::new();
    let mut section = 0;
    for line in text.lines() {
        if line.starts_with("## ") {
            section += 1;
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 5
            || !cells[1].starts_with('`') && !cells[1].chars().all(|c| c.is_ascii_digit())
        {
            continue;
        }
        let unquote = |s: &str| s.trim_matches('`').to_owned();
        match section {
            1 | 2 if cells[1].chars().all(|c| c.is_ascii_digit()) && !cells[1].is_empty() => {
                report.push(Row {
                    file: unquote(cells[2]),
                    line: cells[3].parse().expect("line"),
                    provider: cells[4].to_owned(),
                    value: unquote(cells[5]).replace("\\x2d", "-"),
                });
            }
            3 if cells[1].starts_with('`') => never.push(Row {
                file: unquote(cells[1]),
                line: cells[2].parse().expect("line"),
                provider: String::new(),
                value: unquote(cells[3]),
            }),
            _ => {}
        }
    }
    (report, never)
}

/// `home/.bashrc` → `~/.bashrc`; `project/.env` → the project folder's path.
fn shown(file: &str, root: &Path) -> String {
    match file.strip_prefix("home/") {
        Some(rest) => format!("~/{rest}"),
        None => root.join(file).display().to_string(),
    }
}

#[test]
fn the_scan_finds_every_documented_key_and_nothing_else() {
    let root = fixture_copy();
    let home = root.path().join("home");
    let project = root.path().join("project");
    let scan = Scan::run(&places(&home, Some(&project)), &[]);
    let report = &scan.report;
    let (expected, never) = readme_rows();
    assert!(
        expected.len() >= 45,
        "the README lists the canaries ({})",
        expected.len()
    );
    assert!(
        never.len() >= 30,
        "the README lists the non-keys ({})",
        never.len()
    );

    for row in &expected {
        let path = shown(&row.file, root.path());
        let tail = &row.value[row.value.len() - 4..];
        let find = report
            .finds
            .iter()
            .find(|f| {
                f.places
                    .iter()
                    .any(|p| p.path.as_deref() == Some(path.as_str()) && p.line == Some(row.line))
            })
            .unwrap_or_else(|| panic!("{path} line {} ({}) not found", row.line, row.provider));
        assert_eq!(
            find.provider.as_str(),
            row.provider,
            "{path} line {}",
            row.line
        );
        assert!(
            find.masked.ends_with(tail),
            "{path} line {}: {}",
            row.line,
            find.masked
        );
        assert!(!find.masked.contains("CANARY"), "masked: {}", find.masked);
        assert_eq!(find.already_held, None);
    }
    for row in &never {
        let path = shown(&row.file, root.path());
        assert!(
            !report.finds.iter().any(|f| f
                .places
                .iter()
                .any(|p| p.path.as_deref() == Some(path.as_str()) && p.line == Some(row.line))),
            "{path} line {} ({}) must not be reported",
            row.line,
            row.value
        );
    }
    assert_eq!(
        report.finds.len(),
        expected.len(),
        "one find per canary, no extras"
    );
    // Every fixture is a file its tool would read: none was skipped as unreadable.
    assert!(
        report
            .skipped
            .iter()
            .all(|s| !s.reason.contains("could not be read as")),
        "{:?}",
        report.skipped
    );
    // The report (what `--json` and the app show) holds no key.
    let json = serde_json::to_string(report).expect("serializes");
    assert!(!json.contains("CANARY"), "the report holds a key: {json}");
    // fish's universal variables are found, but fish keeps that file itself.
    let fish = report
        .finds
        .iter()
        .flat_map(|f| &f.places)
        .find(|p| p.path.as_deref() == Some("~/.config/fish/fish_variables"))
        .expect("fish_variables find");
    assert!(
        fish.cannot_remove
            .as_deref()
            .is_some_and(|r| r.contains("set -eU"))
    );
    // Continue's company gateway key is a custom endpoint's, with its base URL.
    let gateway = report
        .finds
        .iter()
        .find(|f| f.provider == ProviderId::Custom)
        .expect("custom find");
    assert_eq!(
        gateway.base_url.as_deref(),
        Some("https://llm.example.internal/v1")
    );
}

#[test]
fn an_environment_variable_names_the_file_that_sets_it() {
    let home = tempfile::tempdir().expect("home");
    let key = "sk-proj-EnvEnvEnv0123456789abcdefGhIjKlMn";
    std::fs::write(
        home.path().join(".bashrc"),
        format!("export OPENAI_API_KEY={key}\n"),
    )
    .expect("write");
    let mut p = places(home.path(), None);
    p.env.push(("OPENAI_API_KEY".into(), key.to_owned().into()));
    p.env.push((
        "ANTHROPIC_API_KEY".into(),
        "sk-ant-api03-OnlyInTheEnv0123456789abcdef"
            .to_owned()
            .into(),
    ));
    let scan = Scan::run(&p, &[]);
    let finds = &scan.report.finds;
    assert_eq!(finds.len(), 2, "{finds:?}");
    let openai = &finds[0];
    assert_eq!(
        openai.places.len(),
        2,
        "the file and the environment are one find"
    );
    assert_eq!(openai.places[1].tool, Tool::Environment);
    assert!(openai.places[1].cannot_remove.is_some());
    assert_eq!(
        openai.note.as_deref(),
        Some(
            "OPENAI_API_KEY is set in this session's environment by ~/.bashrc (line 1): remove it there and open a new terminal."
        )
    );
    assert!(
        finds[1]
            .note
            .as_deref()
            .is_some_and(|n| n.contains("not by a start-up file"))
    );
}

#[test]
fn symlinked_unreadable_and_huge_files_are_skipped() {
    let home = tempfile::tempdir().expect("home");
    let elsewhere = tempfile::tempdir().expect("elsewhere");
    let key = "sk-proj-LinkedLinked0123456789abcdefGhIjKl";
    let target = elsewhere.path().join("real-bashrc");
    std::fs::write(&target, format!("export OPENAI_API_KEY={key}\n")).expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&target, home.path().join(".bashrc")).expect("symlink");
    // 10 MB of start-up file, with a key at its start.
    let huge = home.path().join(".zshrc");
    let mut text = String::from("export GROQ_API_KEY=gsk_HugeHugeHuge0123456789abcdefGhIj\n");
    text.push_str(&"# padding\n".repeat(1024 * 1024));
    std::fs::write(&huge, text).expect("write");
    // A `.profile` nobody may read (root reads it anyway; then this part proves nothing and says so).
    let locked = home.path().join(".profile");
    std::fs::write(
        &locked,
        "export XAI_API_KEY=xai-LockedLocked0123456789abcdefGhIjKl\n",
    )
    .expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    }
    let root_reads_anyway = std::fs::read(&locked).is_ok();

    let started = Instant::now();
    let scan = Scan::run(&places(home.path(), None), &[]);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    let skipped = &scan.report.skipped;
    let reason = |path: &str| {
        skipped
            .iter()
            .find(|s| s.path == path)
            .map(|s| s.reason.clone())
    };
    assert!(
        reason("~/.bashrc").is_some_and(|r| r.contains("symbolic link")),
        "{skipped:?}"
    );
    assert!(
        reason("~/.zshrc").is_some_and(|r| r.contains("1 MiB")),
        "{skipped:?}"
    );
    if root_reads_anyway {
        eprintln!("running as root: the unreadable-file case cannot be made here");
    } else {
        assert!(
            reason("~/.profile").is_some_and(|r| r.contains("could not")),
            "{skipped:?}"
        );
        assert!(scan.report.finds.is_empty(), "{:?}", scan.report.finds);
    }
    assert!(
        !scan
            .report
            .finds
            .iter()
            .any(|f| f.provider == ProviderId::Openai || f.provider == ProviderId::Groq)
    );
}

/// Every file under `root` holding `needle`.
fn holding(root: &Path, needle: &str) -> Vec<PathBuf> {
    taskly_testkit::files_containing(root, needle)
}

const OPENAI_KEY: &str = "sk-proj-MoveMeMoveMe0123456789abcdefGhIjKl";
const ANTHROPIC_KEY: &str = "sk-ant-api03-MoveMeToo0123456789abcdefGhIjKlMn";

fn write_home(home: &Path) {
    std::fs::write(
        home.join(".bashrc"),
        format!("alias ll='ls -l'\nexport OPENAI_API_KEY=\"{OPENAI_KEY}\"\nexport EDITOR=vim\n"),
    )
    .expect("write");
    std::fs::create_dir_all(home.join(".continue")).expect("mkdir");
    std::fs::write(
        home.join(".continue/config.yaml"),
        format!(
            "name: Local\nversion: 0.0.1\nschema: v1\nmodels:\n  - name: Claude\n    provider: anthropic\n    model: claude-sonnet-4-5\n    apiKey: {ANTHROPIC_KEY}\n    roles:\n      - chat\n"
        ),
    )
    .expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(home.join(".bashrc"), std::fs::Permissions::from_mode(0o640))
            .expect("chmod");
    }
}

#[test]
fn import_then_remove_the_plaintext_copies() {
    private_keyring::run("import_then_remove_the_plaintext_copies", async {
        let fake = taskly_testkit::fake::provider(&[OPENAI_KEY, ANTHROPIC_KEY]).await;
        let home = tempfile::tempdir().expect("home");
        let data = home.path().join("data");
        write_home(home.path());
        let mut config = Config::new(&data);
        config
            .base_url_overrides
            .insert(ProviderId::Openai, fake.base_url(Flavor::OpenAi));
        config
            .base_url_overrides
            .insert(ProviderId::Anthropic, fake.base_url(Flavor::Anthropic));
        let vault = private_keyring::open(config).await;

        let scan = Scan::run(&places(home.path(), None), &[]);
        let ids: Vec<String> = scan.report.finds.iter().map(|f| f.id.clone()).collect();
        assert_eq!(ids.len(), 2, "{:?}", scan.report);

        // Before the import nothing may be removed: the copy is the only one.
        let plan = scan.plan_scrub(&ids, ScrubMode::Comment, &[]);
        assert!(
            plan.iter().all(|p| p
                .refused
                .as_deref()
                .is_some_and(|r| r.contains("import it first"))),
            "{plan:?}"
        );

        let outcomes = taskly_core::import::import(&vault, &scan, &ids, true)
            .await
            .expect("imports");
        for outcome in &outcomes {
            match &outcome.result {
                ImportResult::Saved { saved } => {
                    assert_eq!(saved.key.verification.as_str(), "verified");
                    assert!(
                        saved.key.label.starts_with("From ~/."),
                        "{}",
                        saved.key.label
                    );
                }
                other => panic!("not saved: {other:?}"),
            }
        }
        // A second import of the same finds adds nothing.
        let again = taskly_core::import::import(&vault, &scan, &ids, true)
            .await
            .expect("imports");
        assert!(
            again
                .iter()
                .all(|o| matches!(o.result, ImportResult::AlreadyHeld { .. }))
        );
        assert_eq!(vault.list().await.expect("list").len(), 2);

        let held = vault.held_keys().await.expect("held");
        let held = borrow_held(&held);
        let plan = scan.plan_scrub(&ids, ScrubMode::Comment, &held);
        let bashrc = plan
            .iter()
            .find(|p| p.path == "~/.bashrc")
            .expect("bashrc plan");
        assert_eq!(bashrc.refused, None);
        assert_eq!(bashrc.changes.len(), 1);
        assert_eq!(bashrc.changes[0].line, 2);
        assert_eq!(
            bashrc.changes[0].before,
            "export OPENAI_API_KEY=\"sk-proj-…IjKl\""
        );
        assert!(
            !serde_json::to_string(&plan)
                .expect("json")
                .contains(OPENAI_KEY)
        );

        let outcomes = scan.scrub(&ids, ScrubMode::Comment, &held);
        assert!(
            outcomes
                .iter()
                .all(|o| matches!(o, ScrubOutcome::Rewritten { lines: 1, .. })),
            "{outcomes:?}"
        );
        assert_eq!(
            std::fs::read_to_string(home.path().join(".bashrc")).expect("read"),
            "alias ll='ls -l'\n# OPENAI_API_KEY moved to the system credential store by Taskly\nexport EDITOR=vim\n"
        );
        let continue_cfg =
            std::fs::read_to_string(home.path().join(".continue/config.yaml")).expect("read");
        assert!(
            continue_cfg.contains(
                "    # apiKey moved to the system credential store by Taskly\n    roles:"
            ),
            "{continue_cfg}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(home.path().join(".bashrc"))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o640, "the mode is kept");
        }
        // No copy of either key anywhere under HOME (the data folder included), no sibling left.
        for key in [OPENAI_KEY, ANTHROPIC_KEY] {
            assert_eq!(holding(home.path(), key), Vec::<PathBuf>::new());
        }
        let leftovers: Vec<_> = std::fs::read_dir(home.path())
            .expect("read")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".taskly-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        // The keys are in the credential store.
        let held = vault.held_keys().await.expect("held");
        assert_eq!(held.len(), 2);
    });
}

#[test]
fn a_file_changed_since_the_scan_is_left_alone() {
    private_keyring::run("a_file_changed_since_the_scan_is_left_alone", async {
        let fake = taskly_testkit::fake::provider(&[OPENAI_KEY]).await;
        let home = tempfile::tempdir().expect("home");
        write_home(home.path());
        let mut config = Config::new(home.path().join("data"));
        config
            .base_url_overrides
            .insert(ProviderId::Openai, fake.base_url(Flavor::OpenAi));
        let vault = private_keyring::open(config).await;
        let scan = Scan::run(&places(home.path(), None), &[]);
        let id = scan
            .report
            .finds
            .iter()
            .find(|f| f.provider == ProviderId::Openai)
            .map(|f| f.id.clone())
            .expect("openai find");
        taskly_core::import::import(&vault, &scan, std::slice::from_ref(&id), true)
            .await
            .expect("imports");

        // The person edits ~/.bashrc after the scan.
        let bashrc = home.path().join(".bashrc");
        let edited = format!(
            "{}alias gs='git status'\n",
            std::fs::read_to_string(&bashrc).expect("read")
        );
        std::fs::write(&bashrc, &edited).expect("write");

        let held = vault.held_keys().await.expect("held");
        let outcomes = scan.scrub(
            std::slice::from_ref(&id),
            ScrubMode::Remove,
            &borrow_held(&held),
        );
        assert!(
            matches!(&outcomes[..], [ScrubOutcome::NotTouched { reason, .. }] if reason.contains("changed since the scan")),
            "{outcomes:?}"
        );
        assert_eq!(
            std::fs::read_to_string(&bashrc).expect("read"),
            edited,
            "untouched"
        );
    });
}

#[cfg(unix)]
#[test]
fn a_file_with_other_hard_links_is_not_rewritten() {
    let home = tempfile::tempdir().expect("home");
    let key = "sk-proj-HardLinkHardLink0123456789abcdefGh";
    let bashrc = home.path().join(".bashrc");
    std::fs::write(&bashrc, format!("export OPENAI_API_KEY={key}\n")).expect("write");
    std::fs::hard_link(&bashrc, home.path().join("dotfiles-bashrc")).expect("hard link");
    let secret = taskly_core::ApiKey::parse(key).expect("key");
    let held = [taskly_core::prompt_guard::HeldKey {
        id: "k_1",
        provider: ProviderId::Openai,
        secret: &secret,
    }];
    let scan = Scan::run(&places(home.path(), None), &held);
    let find = &scan.report.finds[0];
    assert_eq!(find.already_held.as_deref(), Some("k_1"));
    assert!(
        find.places[0]
            .cannot_remove
            .as_deref()
            .is_some_and(|r| r.contains("hard links")),
        "{find:?}"
    );
    let ids = [find.id.clone()];
    let outcomes = scan.scrub(&ids, ScrubMode::Comment, &held);
    assert!(
        matches!(&outcomes[..], [ScrubOutcome::NotTouched { reason, .. }] if reason.contains("hard links")),
        "{outcomes:?}"
    );
    assert!(
        std::fs::read_to_string(&bashrc)
            .expect("read")
            .contains(key),
        "untouched"
    );
}
