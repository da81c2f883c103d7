//! Two accounts on one machine never see each other's keys.

use crate::support::{OTHER_VALID_KEY, Sandbox, VALID_KEY};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_are_isolated() {
    let sb = Sandbox::new().await;
    let alice = sb.add(VALID_KEY, &["--account", "alice@example.com", "--enable"]);
    let bob = sb.add(OTHER_VALID_KEY, &["--account", "bob", "--enable"]);
    let list = |account: &str| {
        sb.run(&["keys", "list", "--json", "--account", account], "")
            .ok()
            .json()["keys"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let alices = list("alice@example.com");
    assert_eq!(alices.len(), 1);
    assert_eq!(alices[0]["id"], alice.as_str());
    assert_eq!(
        list("bob")[0]["id"],
        bob.as_str(),
        "both enabled: one per provider per account"
    );
    assert!(list("local").is_empty());
    for cmd in ["enable", "disable", "validate"] {
        let run = sb.run(&["keys", cmd, &alice, "--account", "bob", "--json"], "");
        assert_eq!(
            run.error_code(),
            "key_not_found",
            "bob cannot {cmd} alice's key"
        );
    }
    let run = sb.run(
        &[
            "keys",
            "update",
            &alice,
            "--label",
            "mine now",
            "--account",
            "bob",
            "--json",
        ],
        "",
    );
    assert_eq!(
        run.error_code(),
        "key_not_found",
        "bob cannot rename alice's key"
    );
    let run = sb.run(
        &[
            "keys",
            "update",
            &alice,
            "--replace-secret",
            "--account",
            "bob",
            "--json",
        ],
        OTHER_VALID_KEY,
    );
    assert_eq!(
        run.error_code(),
        "key_not_found",
        "bob cannot replace alice's secret"
    );
    let run = sb.run(
        &[
            "keys",
            "remove",
            &alice,
            "--yes",
            "--account",
            "bob",
            "--json",
        ],
        "",
    );
    assert_eq!(run.error_code(), "key_not_found");
    let mut users = sb.keyring.usernames();
    users.sort();
    assert_eq!(
        users,
        vec![
            format!("alice@example.com:{alice}:0"),
            format!("bob:{bob}:0")
        ]
    );
    let run = sb.run(&["keys", "list", "--account", "a:b", "--json"], "");
    assert_eq!(run.error_code(), "invalid_account");
}
