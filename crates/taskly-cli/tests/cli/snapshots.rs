//! What people read: `keys list`, `providers` and error output, pinned and reviewed.

use crate::support::{Sandbox, VALID_KEY};

fn filtered(f: impl FnOnce()) {
    insta::with_settings!({
        filters => vec![
            (r"k_[0-9a-f]{10}", "k_XXXXXXXXXX"),
            (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[time]"),
            (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        ],
        prepend_module_to_snapshot => false,
    }, { f() });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_output() {
    let sb = Sandbox::new().await;
    let empty = sb.run(&["keys", "list"], "").ok();
    sb.add(VALID_KEY, &["--label", "Work", "--enable"]);
    sb.add(
        "AIzaSyExampleExampleExample1234567",
        &["--provider", "gemini", "--no-verify", "--disable"],
    );
    let list = sb.run(&["keys", "list"], "").ok();
    let json = sb.run(&["keys", "list", "--json"], "").ok();
    filtered(|| {
        insta::assert_snapshot!("keys_list_empty", empty.stdout);
        insta::assert_snapshot!("keys_list", list.stdout);
        insta::assert_snapshot!("keys_list_json", json.stdout);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn providers_output() {
    let sb = Sandbox::new().await;
    let text = sb.run(&["providers"], "").ok();
    let json = sb.run(&["providers", "--json"], "").ok();
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("providers", text.stdout);
        insta::assert_snapshot!("providers_json", json.stdout);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_output() {
    let sb = Sandbox::new().await;
    let invalid = sb.run(
        &["keys", "add", "--provider", "openai"],
        "sk-proj-notValidNotValid0123456789abcdefgh",
    );
    let invalid_json = sb.run(
        &["keys", "add", "--provider", "openai", "--json"],
        "sk-proj-notValidNotValid0123456789abcdefgh",
    );
    let multi = sb.run(&["keys", "add", "--provider", "openai"], "sk-one\nsk-two");
    let missing = sb.run(&["keys", "enable", "k_0000000000"], "");
    let base = sb.run(
        &[
            "keys",
            "add",
            "--provider",
            "custom",
            "--base-url",
            "http://example.com/v1",
        ],
        VALID_KEY,
    );
    let saved = sb.run(
        &["keys", "add", "--provider", "openai", "--label", "Work"],
        VALID_KEY,
    );
    filtered(|| {
        insta::assert_snapshot!(
            "error_invalid_key",
            format!("exit {}\n{}", invalid.code, invalid.stderr)
        );
        insta::assert_snapshot!("error_invalid_key_json", invalid_json.stdout);
        insta::assert_snapshot!(
            "error_multi_line",
            format!("exit {}\n{}", multi.code, multi.stderr)
        );
        insta::assert_snapshot!(
            "error_not_found",
            format!("exit {}\n{}", missing.code, missing.stderr)
        );
        insta::assert_snapshot!(
            "error_http_base_url",
            format!("exit {}\n{}", base.code, base.stderr)
        );
        insta::assert_snapshot!(
            "add_output",
            format!("exit {}\n{}{}", saved.code, saved.stdout, saved.stderr)
        );
    });
}
