//! `taskly doctor` reports orphans and missing secrets, and never deletes what it finds.

use crate::support::{Sandbox, VALID_KEY, entry};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_orphans_and_missing_secrets_without_deleting() {
    let sb = Sandbox::new().await;
    let healthy = sb.run(&["doctor", "--json"], "").ok().json();
    assert_eq!(healthy["credential_store"]["kind"], "secret-service");
    assert_eq!(healthy["credential_store"]["working"], true);
    assert_eq!(healthy["credential_store"]["survives_reboot"], true);
    assert_eq!(
        healthy["schema_version"],
        healthy["supported_schema_version"]
    );
    assert_eq!(healthy["healthy"], true);

    let id = sb.add(VALID_KEY, &[]);
    sb.keyring
        .store_raw("local:k_leftover00:0", "sk-leftover-0123456789");
    sb.keyring.clear_raw(&entry(&id, 0));
    let run = sb.run(&["doctor", "--json"], "");
    assert_eq!(run.code, 1);
    let report = run.json();
    assert_eq!(
        report["orphaned_credentials"],
        serde_json::json!(["local:k_leftover00:0"])
    );
    assert_eq!(report["missing_secrets"], serde_json::json!([id]));
    assert!(
        sb.keyring.lookup("local:k_leftover00:0").is_some(),
        "an orphan is never deleted blindly"
    );

    // The missing secret is reported as such, with the way out.
    let run = sb.run(&["keys", "validate", &id, "--json"], "");
    assert_eq!(run.error_code(), "credential_missing");
    assert_eq!(run.json()["error"]["action"], "re_enter_key");
    sb.run(&["keys", "update", &id, "--replace-secret"], VALID_KEY)
        .ok();
    sb.run(&["keys", "validate", &id], "").ok();

    let human = sb.run(&["doctor"], "");
    assert!(
        human
            .stdout
            .contains("Orphaned secret:    local:k_leftover00:0"),
        "{}",
        human.stdout
    );
}
