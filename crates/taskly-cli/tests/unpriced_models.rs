//! `scripts/unpriced-models.sh` against the real `taskly usage --json`: usage recorded in a data
//! folder through the core, the script run with this build's binary, and only the models the
//! core's price lookup does not know are reported (a dated id of a priced model is not, custom
//! endpoints are counted apart).
#![allow(clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use taskly_core::ProviderId;
use taskly_core::db::Db;
use taskly_core::usage::{UsageEvent, record};

fn event(provider: ProviderId, model: &str) -> UsageEvent {
    UsageEvent {
        account: "local".into(),
        // Through Taskly: no key to create for the count.
        key_id: None,
        provider,
        model: model.into(),
        input_tokens: 1_000,
        output_tokens: 500,
        succeeded: true,
    }
}

fn script(data: &Path, args: &[&str]) -> std::process::Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    Command::new("bash")
        .arg(root.join("scripts/unpriced-models.sh"))
        .args(args)
        .env("TASKLY", env!("CARGO_BIN_EXE_taskly"))
        .env("TASKLY_DATA_DIR", data)
        .output()
        .expect("the script runs")
}

#[tokio::test]
async fn the_script_lists_only_the_models_without_a_price() {
    let home = tempfile::tempdir().expect("tempdir");
    let data = home.path().join("data");
    std::fs::create_dir_all(&data).expect("data folder");
    let db = Db::open(data.join("taskly.db")).await.expect("open");

    // Nothing recorded yet: nothing to report.
    let out = script(&data, &["--check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Every model seen has a price."), "{stdout}");

    for (provider, model) in [
        (ProviderId::Openai, "gpt-4o-mini"),
        (ProviderId::Openai, "gpt-4o-mini-2024-07-18"),
        (ProviderId::Openai, "gpt-4o-mini-tts"),
        (ProviderId::Openai, "gpt-4o-mini-tts"),
        (ProviderId::Anthropic, "claude-opus-9"),
        (ProviderId::Custom, "llama3"),
    ] {
        record(&db, event(provider, model)).await.expect("record");
    }
    let out = script(&data, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|first| first.contains('/'))
        .collect();
    assert_eq!(
        listed,
        ["openai/gpt-4o-mini-tts", "anthropic/claude-opus-9"],
        "{stdout}"
    );
    let tts = stdout
        .lines()
        .find(|l| l.starts_with("openai/gpt-4o-mini-tts"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>());
    assert_eq!(
        tts.as_deref().map(|cols| &cols[1..4]),
        Some(&["2", "2000", "1000"][..]),
        "requests and tokens are summed: {stdout}"
    );
    assert!(stdout.contains("2 model(s) without a price"), "{stdout}");
    assert!(
        stdout.contains("(1 request(s) to custom endpoints"),
        "{stdout}"
    );

    // --check makes it a failing check.
    assert_eq!(script(&data, &["--check"]).status.code(), Some(1));
}
