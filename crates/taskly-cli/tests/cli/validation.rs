//! Every validation class against the fake provider: what is saved, what is refused, and why.

use taskly_fake_ai::{Fault, Flavor};

use crate::support::{Sandbox, VALID_KEY, entry};

fn add_json(sb: &Sandbox, provider: &str, key: &str, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["keys", "add", "--provider", provider, "--json"];
    args.extend_from_slice(extra);
    sb.run(&args, key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_key_is_not_saved() {
    let sb = Sandbox::new().await;
    let wrong = "sk-proj-wrongWrongWrong0123456789abcd0000";
    let run = add_json(&sb, "openai", wrong, &[]);
    assert_eq!(run.code, 4, "{run:?}");
    let error = &run.json()["error"];
    assert_eq!(error["code"], "invalid_key");
    assert_eq!(error["action"], "update_key");
    assert_eq!(error["link"], "https://platform.openai.com/api-keys");
    assert!(!run.stdout.contains(wrong) && !run.stderr.contains(wrong));
    assert!(
        !run.stdout.contains("sk-pr***"),
        "the provider's partial echo is scrubbed: {}",
        run.stdout
    );
    assert!(sb.list().is_empty());
    assert!(sb.keyring.usernames().is_empty());
    assert_eq!(sb.db_rows(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_echoes_the_key_never_gets_it_printed() {
    let sb = Sandbox::new().await;
    sb.fake.push_fault(Fault::EchoKeyInError);
    let run = add_json(&sb, "openai", VALID_KEY, &[]);
    assert_eq!(run.error_code(), "invalid_key");
    assert!(
        !run.stdout.contains(VALID_KEY) && !run.stderr.contains(VALID_KEY),
        "{run:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_and_out_of_quota_keys_are_saved_with_a_note() {
    let sb = Sandbox::new().await;
    sb.fake.push_fault(Fault::RateLimited {
        retry_after_secs: 7,
    });
    let run = add_json(&sb, "openai", VALID_KEY, &[]).ok();
    assert_eq!(run.json()["key"]["verification"], "rate_limited");
    assert_eq!(
        run.json()["key"]["verification_note"],
        "OpenAI accepted the key but is rate limiting it right now (try again in 7 s)."
    );

    sb.fake.push_fault(Fault::QuotaExhausted);
    let run = add_json(&sb, "openai", VALID_KEY, &[]).ok();
    assert_eq!(run.json()["key"]["verification"], "quota_exhausted");
    let note = run.json()["key"]["verification_note"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        note.contains("out of quota or credit") && note.contains("billing"),
        "{note}"
    );
    assert_eq!(sb.keyring.usernames().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_trouble_saves_nothing_unless_told_to_save_without_checking() {
    let sb = Sandbox::new().await;
    for (fault, code) in [
        (Fault::ServerError, "provider_error"),
        (Fault::Unavailable, "provider_error"),
        (Fault::Hang, "provider_timeout"),
    ] {
        sb.fake.push_fault(fault);
        let run = add_json(&sb, "openai", VALID_KEY, &[]);
        assert_eq!(run.code, 4, "{run:?}");
        assert_eq!(run.error_code(), code);
        assert_eq!(
            run.json()["error"]["action"],
            "retry_or_save_without_checking"
        );
    }
    assert!(sb.keyring.usernames().is_empty());
    assert_eq!(sb.db_rows(), 0);

    sb.fake.push_fault(Fault::ServerError);
    let before = sb.fake.requests().len();
    let run = add_json(&sb, "openai", VALID_KEY, &["--no-verify"]).ok();
    assert_eq!(run.json()["key"]["verification"], "unverified");
    assert_eq!(sb.keyring.usernames().len(), 1);
    // "Without checking" means the key went nowhere: neither the provider nor Taskly's proxy
    // received a request, let alone one carrying the key.
    let sent = sb.fake.requests().split_off(before);
    assert!(
        sent.is_empty(),
        "--no-verify sent {} request(s) to the provider: {:?}",
        sent.len(),
        sent.iter()
            .map(|r| (&r.method, &r.path))
            .collect::<Vec<_>>()
    );
    for request in sb.proxy.requests() {
        let everything = format!(
            "{} {:?} {:?} {}",
            request.path,
            request.query,
            request.headers,
            request.body_text()
        );
        assert!(!everything.contains(VALID_KEY), "a request carried the key");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_provider_is_named() {
    let mut sb = Sandbox::new().await;
    // A port nothing listens on: bind, note, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    sb.extra_env.push((
        "TASKLY_OPENAI_BASE_URL".into(),
        format!("http://127.0.0.1:{port}/v1"),
    ));
    let run = add_json(&sb, "openai", VALID_KEY, &[]);
    assert_eq!(run.error_code(), "provider_unreachable", "{run:?}");
    assert!(
        run.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Could not reach OpenAI at 127.0.0.1")
    );
    assert_eq!(sb.db_rows(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anthropic_and_gemini_speak_their_own_dialects() {
    let sb = Sandbox::new().await;
    let run = add_json(&sb, "anthropic", VALID_KEY, &[]).ok();
    assert_eq!(
        run.json()["key"]["models"],
        serde_json::json!(["claude-haiku-4-5", "claude-sonnet-4-5"])
    );
    let warnings = run.json()["warnings"].clone();
    assert!(
        warnings[0]
            .as_str()
            .unwrap_or_default()
            .contains("usually start with"),
        "{warnings}"
    );
    let sent = sb.fake.requests().pop().expect("request");
    assert_eq!(sent.header("x-api-key"), Some(VALID_KEY));
    assert_eq!(sent.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(sent.header("authorization"), None);

    let run = add_json(&sb, "gemini", VALID_KEY, &[]).ok();
    assert_eq!(
        run.json()["key"]["models"],
        serde_json::json!(["gemini-2.5-flash", "gemini-2.5-pro"])
    );
    let sent = sb.fake.requests().pop().expect("request");
    assert_eq!(sent.header("x-goog-api-key"), Some(VALID_KEY));
    assert_eq!(sent.query, None, "the key never goes in the URL");

    for provider in ["anthropic", "gemini"] {
        let run = add_json(&sb, provider, "sk-wrong-0123456789abcdefghijklmnop", &[]);
        assert_eq!(run.error_code(), "invalid_key", "{provider}: {run:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azure_and_custom_need_a_base_url_and_use_it() {
    let sb = Sandbox::new().await;
    let run = add_json(&sb, "azure-openai", VALID_KEY, &[]);
    assert_eq!(run.error_code(), "base_url_required");
    assert_eq!(sb.provider_requests(), 0);

    let azure = sb.fake.base_url(Flavor::Azure);
    let run = add_json(&sb, "azure-openai", VALID_KEY, &["--base-url", &azure]).ok();
    assert_eq!(run.json()["key"]["custom_base_url"], true);
    let sent = sb.fake.requests().pop().expect("request");
    assert_eq!(sent.header("api-key"), Some(VALID_KEY));

    let run = add_json(
        &sb,
        "custom",
        VALID_KEY,
        &["--base-url", "http://192.0.2.10/v1"],
    );
    assert_eq!(
        run.error_code(),
        "invalid_base_url",
        "plain http only to loopback"
    );
    let run = add_json(
        &sb,
        "custom",
        VALID_KEY,
        &["--base-url", &format!("{}/nothing-here", sb.fake.url())],
    );
    assert_eq!(run.error_code(), "endpoint_not_found", "{run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_a_key_to_another_host_revalidates_there_first() {
    let sb = Sandbox::new().await;
    let id = sb.add(
        VALID_KEY,
        &[
            "--provider",
            "custom",
            "--base-url",
            &sb.fake.base_url(Flavor::OpenAi),
        ],
    );
    let second = taskly_fake_ai::FakeAi::start(taskly_fake_ai::FakeAiConfig::default())
        .await
        .expect("second fake");
    // The second host does not accept the key: the move is refused and the key stays put.
    let target = second
        .base_url(Flavor::OpenAi)
        .replace("127.0.0.1", "localhost");
    let run = sb.run(
        &["keys", "update", &id, "--base-url", &target, "--json"],
        "",
    );
    assert_eq!(run.error_code(), "invalid_key", "{run:?}");
    assert_eq!(
        second.requests().len(),
        1,
        "only the validation call went there"
    );
    assert_eq!(sb.list()[0]["base_url"], sb.fake.base_url(Flavor::OpenAi));
    // Once it accepts it, the move goes through.
    second.add_provider_key(VALID_KEY);
    sb.run(&["keys", "update", &id, "--base-url", &target], "")
        .ok();
    assert_eq!(sb.list()[0]["base_url"], target);
    // Rewritten under a new generation, bound to the new origin; the old entry is gone.
    let origin = target.trim_end_matches("/openai/v1");
    assert_eq!(
        sb.keyring.lookup(&entry(&id, 1)),
        Some(format!("taskly/1 {origin} {VALID_KEY}"))
    );
    assert_eq!(sb.keyring.lookup(&entry(&id, 0)), None);
    // A refused key is noted when validated again.
    second.remove_provider_key(VALID_KEY);
    let run = sb.run(&["keys", "validate", &id, "--json"], "");
    assert_eq!(run.error_code(), "invalid_key");
    assert_eq!(sb.list()[0]["verification"], "invalid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_key_is_not_saved_and_says_so() {
    let sb = Sandbox::new().await;
    sb.fake.push_fault(Fault::Forbidden);
    let run = add_json(&sb, "openai", VALID_KEY, &[]);
    assert_eq!(run.code, 4, "{run:?}");
    let error = &run.json()["error"];
    assert_eq!(
        error["code"], "invalid_key",
        "a 403 is a refused key: {run:?}"
    );
    assert_eq!(error["action"], "update_key");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("OpenAI") && message.contains("not allowed"),
        "the message names the provider and what it said: {message}"
    );
    assert!(!run.stdout.contains(VALID_KEY) && !run.stderr.contains(VALID_KEY));
    assert_eq!(
        sb.fake.requests().len(),
        1,
        "one validation call, not retried"
    );
    assert!(sb.list().is_empty());
    assert!(sb.keyring.usernames().is_empty());
    assert_eq!(sb.db_rows(), 0);
    // The same in words, without --json: the error goes to stderr with the same exit code.
    sb.fake.push_fault(Fault::Forbidden);
    let run = sb.run(&["keys", "add", "--provider", "openai"], VALID_KEY);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("not allowed"), "{run:?}");
    assert!(
        !run.stdout.contains("Saved") && !run.stderr.contains("Saved"),
        "{run:?}"
    );
    assert!(sb.keyring.usernames().is_empty());
}

/// A host name the system resolver refuses by itself, before any query is sent: its first
/// label is 64 characters, one more than DNS allows, so glibc cannot even encode the question
/// (checked with `strace -f -e trace=network`: no socket to the name server is opened). A
/// `.invalid` or `*.localhost` name would not do: glibc 2.36 with `hosts: files dns` asks the
/// configured name server for both.
fn unresolvable_base_url() -> String {
    format!("https://{}.invalid/v1", "a".repeat(64))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_really_unreachable_provider_saves_only_without_checking() {
    // A port nothing listens on: bind, note, close.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    for (case, base) in [
        ("closed port", format!("http://127.0.0.1:{closed}/v1")),
        ("name that does not resolve", unresolvable_base_url()),
    ] {
        let mut sb = Sandbox::new().await;
        sb.extra_env
            .push(("TASKLY_OPENAI_BASE_URL".into(), base.clone()));
        let run = add_json(&sb, "openai", VALID_KEY, &[]);
        assert_eq!(run.code, 4, "{case}: {run:?}");
        let error = &run.json()["error"];
        assert_eq!(error["code"], "provider_unreachable", "{case}: {run:?}");
        assert_eq!(error["action"], "retry_or_save_without_checking", "{case}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("Could not reach OpenAI") && message.contains("save without checking"),
            "{case}: {message}"
        );
        assert_eq!(sb.db_rows(), 0, "{case}: nothing saved");
        assert!(sb.keyring.usernames().is_empty(), "{case}: nothing stored");

        // Told to save without checking, it is saved, marked unverified, and says so.
        let run = add_json(&sb, "openai", VALID_KEY, &["--no-verify"]).ok();
        let key = &run.json()["key"];
        assert_eq!(key["verification"], "unverified", "{case}: {run:?}");
        assert_eq!(key["base_url"], base.as_str(), "{case}");
        let id = key["id"].as_str().expect("id").to_owned();
        let stored = sb.keyring.lookup(&entry(&id, 0)).unwrap_or_default();
        assert!(
            stored.ends_with(VALID_KEY),
            "{case}: the key is in the credential store: {stored:?}"
        );
        assert_eq!(sb.list()[0]["verification"], "unverified", "{case}");
        // Checking it again still cannot reach the provider, and says so.
        let run = sb.run(&["keys", "validate", &id, "--json"], "");
        assert_eq!(run.error_code(), "provider_unreachable", "{case}: {run:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_only_rate_limit_headers_is_saved_with_the_wait() {
    let sb = Sandbox::new().await;
    // OpenAI's 429 without Retry-After: only `x-ratelimit-reset-requests: 6m0s`.
    sb.fake.push_fault(Fault::RateLimitedNoRetryAfter);
    let run = add_json(&sb, "openai", VALID_KEY, &[]).ok();
    let key = &run.json()["key"];
    assert_eq!(key["verification"], "rate_limited", "{run:?}");
    let sent = sb.fake.requests();
    assert_eq!(sent.len(), 1, "validated once, not retried");
    assert_eq!(
        sb.keyring.usernames().len(),
        1,
        "the key works, so it is saved"
    );
    let note = key["verification_note"].as_str().unwrap_or_default();
    assert!(
        note.contains("rate limiting") && note.contains("try again in 360 s"),
        "the wait comes from the rate-limit headers: {note}"
    );
}
