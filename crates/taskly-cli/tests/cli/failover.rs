//! A backup key from the command line (issue 13): `keys enable --backup`, the order and the rest
//! in `keys list`, a rate-limited primary answered by the backup with a receipt that says why,
//! and `usage --requests`.

use taskly_fake_ai::{Fault, Flavor, ScriptedFault};

use crate::support::{OTHER_VALID_KEY, Sandbox, VALID_KEY};

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limited_primary_is_answered_by_the_backup_with_a_receipt() {
    let sb = Sandbox::new().await;
    let primary = sb.add(VALID_KEY, &["--label", "Main", "--enable"]);
    let backup = sb.add(OTHER_VALID_KEY, &["--label", "Work"]);
    let made = sb.run(&["keys", "enable", &backup, "--backup"], "").ok();
    assert!(made.stdout.contains("backup 1"), "{}", made.stdout);
    let list = sb.run(&["keys", "list"], "").ok();
    assert!(list.stdout.contains("backup 1"), "{}", list.stdout);

    sb.fake.push_fault(
        ScriptedFault::new(Fault::RateLimited {
            retry_after_secs: 40,
        })
        .for_flavor(Flavor::OpenAi)
        .on_path("/chat/completions"),
    );
    let chat = sb.run(&["chat", "hi", "--json"], "").ok();
    let events: Vec<serde_json::Value> = chat
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON event"))
        .collect();
    assert!(
        events.iter().any(|e| e["type"] == "failing_over"),
        "{events:?}"
    );
    let finished = events
        .iter()
        .find(|e| e["type"] == "finished")
        .expect("an answer");
    let receipt = &finished["receipt"];
    assert_eq!(receipt["route"]["key_id"], backup.as_str());
    assert_eq!(receipt["route"]["label"], "Work");
    assert!(
        receipt["why"]
            .as_str()
            .is_some_and(|w| w.starts_with("backup: `Main` was rate-limited, free again in ")),
        "{receipt}"
    );
    assert!(receipt["model_answered"].is_string(), "{receipt}");
    assert!(receipt["total_ms"].is_u64(), "{receipt}");

    // Another process sees the primary resting.
    let list = sb.run(&["keys", "list"], "").ok();
    assert!(
        list.stdout.contains(&format!(
            "{primary} is resting: rate-limited, free again in "
        )),
        "{}",
        list.stdout
    );
    let requests = sb.run(&["usage", "--requests", "5"], "").ok();
    assert!(
        requests.stdout.contains("via your OpenAI key"),
        "{}",
        requests.stdout
    );
    assert!(
        requests.stdout.contains("backup: `Main` was rate-limited"),
        "{}",
        requests.stdout
    );
    let json = sb
        .run(&["usage", "--requests", "5", "--json"], "")
        .ok()
        .json();
    assert_eq!(json["requests"].as_array().map(Vec::len), Some(1));
}
