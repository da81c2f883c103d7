//! The whole life of a key through the real Secret Service, one process per step.

use crate::support::{OTHER_VALID_KEY, Sandbox, VALID_KEY, entry};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_list_update_replace_switch_remove() {
    let sb = Sandbox::new().await;

    // Add: validated against the provider, stored in the Secret Service, listed masked.
    let run = sb
        .run(
            &[
                "keys",
                "add",
                "--provider",
                "openai",
                "--label",
                "Work",
                "--json",
            ],
            &format!("  {VALID_KEY}\n"),
        )
        .ok();
    let saved = run.json();
    let id = saved["key"]["id"].as_str().expect("id").to_owned();
    assert_eq!(saved["key"]["verification"], "verified");
    assert_eq!(saved["key"]["masked"], "sk-proj-…WXYZ");
    assert_eq!(
        saved["key"]["models"],
        serde_json::json!(["gpt-4o", "gpt-4o-mini"])
    );
    assert_eq!(
        saved["key"]["enabled"], true,
        "the provider's first key is on"
    );
    assert_eq!(
        sb.keyring.lookup(&entry(&id, 0)),
        Some(sb.sealed(VALID_KEY)),
        "secret-tool reads the trimmed key, bound to the origin it was checked at"
    );
    let validation = sb.fake.requests();
    assert_eq!(validation.len(), 1);
    assert_eq!(validation[0].path, "/openai/v1/models");
    assert_eq!(
        validation[0].header("authorization"),
        Some(format!("Bearer {VALID_KEY}").as_str())
    );

    // A new process lists it, masked; the plaintext is nowhere in the output.
    let list = sb.run(&["keys", "list"], "").ok();
    assert!(list.stdout.contains("sk-proj-…WXYZ"), "{}", list.stdout);
    assert!(!list.stdout.contains(VALID_KEY));

    // Update the label: no provider call, secret untouched.
    sb.fake.clear_requests();
    sb.run(&["keys", "update", &id, "--label", "Personal"], "")
        .ok();
    assert_eq!(sb.list()[0]["label"], "Personal");
    assert_eq!(sb.provider_requests(), 0);

    // Replace the secret: the new one is validated, stored under a new entry; the old is gone.
    sb.run(
        &["keys", "update", &id, "--replace-secret"],
        OTHER_VALID_KEY,
    )
    .ok();
    assert_eq!(
        sb.keyring.lookup(&entry(&id, 0)),
        None,
        "old credential deleted"
    );
    assert_eq!(
        sb.keyring.lookup(&entry(&id, 1)),
        Some(sb.sealed(OTHER_VALID_KEY))
    );
    assert_eq!(sb.keyring.usernames(), vec![entry(&id, 1)]);
    assert_eq!(sb.list()[0]["masked"], "sk-proj-…QRST");

    // Disable, enable and disable.
    sb.run(&["keys", "disable", &id], "").ok();
    assert_eq!(sb.list()[0]["enabled"], false);
    sb.run(&["keys", "enable", &id], "").ok();
    assert_eq!(sb.list()[0]["enabled"], true);
    let off = sb.run(&["keys", "disable", &id], "").ok();
    assert!(
        off.stdout.contains("now go through Taskly"),
        "{}",
        off.stdout
    );
    assert_eq!(sb.list()[0]["enabled"], false);

    // Validate again.
    sb.run(&["keys", "validate", &id], "").ok();

    // Remove: credential gone, row gone.
    sb.run(&["keys", "remove", &id, "--yes"], "").ok();
    assert!(sb.list().is_empty());
    assert!(
        sb.keyring.usernames().is_empty(),
        "nothing left in the Secret Service"
    );
    assert_eq!(sb.db_rows(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_enabled_key_per_provider() {
    let sb = Sandbox::new().await;
    let first = sb.add(VALID_KEY, &["--enable"]);
    let second = sb.add(OTHER_VALID_KEY, &[]);
    let gemini = sb.add(VALID_KEY, &["--provider", "gemini", "--enable"]);
    let run = sb.run(&["keys", "enable", &second], "").ok();
    assert!(
        run.stdout.contains(&format!(
            "Switched off OpenAI key \"OpenAI key\" (sk-proj-…WXYZ) ({first})"
        )),
        "{}",
        run.stdout
    );
    let keys = sb.list();
    let enabled: Vec<&str> = keys
        .iter()
        .filter(|k| k["enabled"] == true)
        .filter_map(|k| k["id"].as_str())
        .collect();
    assert_eq!(enabled.len(), 2, "{keys:?}");
    assert!(enabled.contains(&second.as_str()) && enabled.contains(&gemini.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ids_and_providers_are_clear_errors() {
    let sb = Sandbox::new().await;
    let run = sb.run(&["keys", "enable", "k_nope", "--json"], "");
    assert_eq!(run.code, 5);
    assert_eq!(run.error_code(), "key_not_found");
    let run = sb.run(
        &["keys", "add", "--provider", "openai2", "--json"],
        VALID_KEY,
    );
    assert_eq!(run.code, 2);
    assert_eq!(run.error_code(), "unknown_provider");
    assert_eq!(sb.provider_requests(), 0);
    let run = sb.run(&["keys", "remove", "k_nope"], "");
    assert_eq!(run.code, 5, "{run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remove_without_a_terminal_needs_yes() {
    let sb = Sandbox::new().await;
    let id = sb.add(VALID_KEY, &[]);
    let run = sb.run(&["keys", "remove", &id, "--json"], "");
    assert_eq!(run.code, 2);
    assert_eq!(run.error_code(), "confirmation_required");
    assert_eq!(sb.list().len(), 1, "nothing removed");
}
