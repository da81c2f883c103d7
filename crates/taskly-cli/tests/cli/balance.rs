//! `taskly keys balance`: the provider's own figures (OpenRouter's usage and limit, DeepSeek's
//! balance) with their time, next to Taskly's local estimate; read at most hourly unless
//! `--refresh`; for a provider without such a call, a sentence that says so, and nothing sent.

use crate::support::{Sandbox, VALID_KEY};

/// How many calls for figures the fake got.
fn figure_calls(sb: &Sandbox) -> usize {
    sb.fake
        .requests()
        .iter()
        .filter(|r| r.path == "/openai/v1/key" || r.path == "/openai/user/balance")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openrouter_figures_with_their_time_and_the_local_estimate() {
    let sb = Sandbox::new().await;
    let id = sb.add(VALID_KEY, &["--provider", "openrouter"]);
    // OpenRouter's key call is also its validation.
    let before = figure_calls(&sb);

    let run = sb.run(&["keys", "balance", &id], "").ok();
    let mut lines = run.stdout.lines();
    let first = lines.next().expect("a line");
    assert!(
        first.starts_with("OpenRouter says: $3.21 used of a $10.00 limit, $6.79 left (as of ")
            && first.ends_with("Z)."),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Taskly's local estimate: $0.00 today, $0.00 this month."),
        "{}",
        run.stdout
    );
    assert_eq!(figure_calls(&sb), before + 1);

    // Within the hour, the stored figures (the same time); --refresh asks again.
    let again = sb.run(&["keys", "balance", &id], "").ok();
    assert_eq!(again.stdout, run.stdout);
    assert_eq!(figure_calls(&sb), before + 1);
    let json = sb
        .run(&["keys", "balance", &id, "--refresh", "--json"], "")
        .ok()
        .json();
    assert_eq!(figure_calls(&sb), before + 2);
    assert_eq!(json["key"], id.as_str());
    assert_eq!(json["provider"], "openrouter");
    assert_eq!(json["balance"]["source"], "openrouter_key");
    assert_eq!(json["balance"]["used"]["amount"], 3.21);
    assert_eq!(json["balance"]["limit"]["currency"], "USD");
    assert!(json["balance"]["fetched_at"].is_string());
    assert!(json["no_call"].is_null());
    assert_eq!(json["local_estimate"]["today_usd"], 0.0);

    // "Check again" reads them again too.
    let checked = sb.run(&["keys", "validate", &id], "").ok();
    assert_eq!(figure_calls(&sb), before + 4);
    assert!(
        checked
            .stdout
            .contains("\nOpenRouter says: $3.21 used of a $10.00 limit"),
        "{}",
        checked.stdout
    );
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(VALID_KEY));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deepseek_balance_and_a_provider_without_a_call() {
    let sb = Sandbox::new().await;
    let deepseek = sb.add(VALID_KEY, &["--provider", "deepseek"]);
    let run = sb.run(&["keys", "balance", &deepseek], "").ok();
    assert!(
        run.stdout
            .starts_with("DeepSeek says: 110.00 CNY balance (as of "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("100.00 CNY topped up and 10.00 CNY granted."),
        "{}",
        run.stdout
    );

    let openai = sb.add(VALID_KEY, &["--provider", "openai"]);
    let requests = sb.provider_requests();
    let run = sb.run(&["keys", "balance", &openai, "--refresh"], "").ok();
    assert_eq!(
        run.stdout.trim(),
        "OpenAI has no call a normal key may use to read its spend; see `taskly usage` for Taskly's local estimate."
    );
    let json = sb
        .run(&["keys", "balance", &openai, "--json"], "")
        .ok()
        .json();
    assert!(json["balance"].is_null());
    assert_eq!(
        json["no_call"],
        "OpenAI has no call a normal key may use to read its spend"
    );
    assert_eq!(sb.provider_requests(), requests, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_key_gets_the_typed_error() {
    let sb = Sandbox::new().await;
    let id = sb.add(VALID_KEY, &["--provider", "openrouter"]);
    sb.fake.remove_provider_key(VALID_KEY);
    let run = sb.run(&["keys", "balance", &id, "--refresh", "--json"], "");
    assert_ne!(run.code, 0);
    assert_eq!(run.error_code(), "invalid_key", "{run:?}");
    assert!(!run.stdout.contains(VALID_KEY) && !run.stderr.contains(VALID_KEY));
    let missing = sb.run(&["keys", "balance", "k_0000000000", "--json"], "");
    assert_eq!(missing.error_code(), "key_not_found");
}
