//! `taskly chat` through the router: Taskly without a key, the provider with one, never the key
//! to Taskly, typed failures without silent fallback.

use std::time::Duration;

use taskly_fake_ai::{Fault, Flavor, ScriptedFault};

use crate::support::{PROXY_TOKEN, Sandbox, VALID_KEY};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_key_goes_through_taskly_then_the_key_then_taskly_again() {
    let sb = Sandbox::new().await;
    // No key: Taskly answers, with the Taskly token, model named provider/model.
    let run = sb.run(&["chat", "hello"], "").ok();
    assert!(run.stdout.starts_with("Echo: hello"), "{run:?}");
    assert!(run.stderr.contains("via Taskly"), "{}", run.stderr);
    let sent = sb.proxy.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].header("authorization"),
        Some(format!("Bearer {PROXY_TOKEN}").as_str())
    );
    assert_eq!(
        sent[0].body_json().expect("json")["model"],
        "openai/gpt-4o-mini"
    );
    assert_eq!(sb.provider_requests(), 0, "the provider was not called");

    // With an enabled key: straight to the provider, with the key; the proxy is untouched.
    let id = sb.add(VALID_KEY, &["--enable"]);
    sb.fake.clear_requests();
    sb.proxy.clear_requests();
    let run = sb.run(&["chat", "hello", "again"], "").ok();
    assert!(run.stdout.starts_with("Echo: hello again"), "{run:?}");
    assert!(
        run.stderr.contains("via your OpenAI key sk-proj-…WXYZ"),
        "{}",
        run.stderr
    );
    let sent = sb.fake.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].path, "/openai/v1/chat/completions");
    assert_eq!(
        sent[0].header("authorization"),
        Some(format!("Bearer {VALID_KEY}").as_str())
    );
    assert!(sb.proxy.requests().is_empty(), "Taskly was not called");

    // Switched off: Taskly again.
    sb.run(&["keys", "disable", &id], "").ok();
    let run = sb.run(&["chat", "--json", "once more"], "").ok();
    let first: serde_json::Value =
        serde_json::from_str(run.stdout.lines().next().expect("line")).expect("json");
    assert_eq!(first["type"], "started");
    assert_eq!(first["route"]["kind"], "taskly");
    assert_eq!(sb.proxy.requests().len(), 1);

    // Nothing the proxy ever received contains the key.
    for request in sb.proxy.requests() {
        let everything = format!(
            "{} {:?} {:?} {}",
            request.path,
            request.query,
            request.headers,
            request.body_text()
        );
        assert!(
            !everything.contains(VALID_KEY),
            "the key reached Taskly: {everything}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_key_fails_with_the_wait_and_never_falls_back() {
    let sb = Sandbox::new().await;
    sb.add(VALID_KEY, &["--enable"]);
    sb.fake.clear_requests();
    sb.fake.push_fault(
        ScriptedFault::new(Fault::RateLimited {
            retry_after_secs: 1,
        })
        .for_flavor(Flavor::OpenAi)
        .times(4),
    );
    let started = std::time::Instant::now();
    let run = sb.run(&["chat", "--json", "hello"], "");
    assert_eq!(run.code, 4, "{run:?}");
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let retries: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l["type"] == "retrying").collect();
    assert_eq!(retries.len(), 3, "three retries, then give up: {lines:?}");
    assert_eq!(retries[0]["wait_ms"], 1000);
    let error = &lines.last().expect("line")["error"];
    assert_eq!(error["code"], "rate_limited");
    assert_eq!(error["retry_after_secs"], 1);
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("try again in 1 s")
    );
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "the waits were honoured"
    );
    assert!(
        sb.proxy.requests().is_empty(),
        "no silent fallback to Taskly"
    );
    assert_eq!(sb.fake.requests().len(), 4);

    // A wait longer than the cap is returned at once, not sat through.
    sb.fake.push_fault(
        ScriptedFault::new(Fault::RateLimited {
            retry_after_secs: 600,
        })
        .for_flavor(Flavor::OpenAi),
    );
    let started = std::time::Instant::now();
    let run = sb.run(&["chat", "--json", "hello"], "");
    assert_eq!(run.code, 4);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(
        run.stdout.contains("\"retry_after_secs\":600"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_typed() {
    let sb = Sandbox::new().await;
    sb.add(VALID_KEY, &["--enable"]);
    let cases = [
        (Fault::Unauthorized, "invalid_key"),
        (Fault::QuotaExhausted, "quota_exhausted"),
        (Fault::ModelNotFound, "model_not_available"),
    ];
    let mut sb = sb;
    sb.extra_env
        .push(("TASKLY_FIRST_BYTE_TIMEOUT_MS".into(), "1000".into()));
    for (fault, code) in cases {
        sb.fake
            .push_fault(ScriptedFault::new(fault).for_flavor(Flavor::OpenAi));
        let run = sb.run(&["chat", "--json", "hello"], "");
        assert_eq!(run.code, 4, "{code}: {run:?}");
        assert!(
            run.stdout.contains(&format!("\"code\":\"{code}\"")),
            "{code}: {}",
            run.stdout
        );
    }
    // Timeouts are retried like outages; four in a row end in the typed error.
    sb.fake.push_fault(
        ScriptedFault::new(Fault::Hang)
            .for_flavor(Flavor::OpenAi)
            .times(4),
    );
    let run = sb.run(&["chat", "--json", "hello"], "");
    assert!(
        run.stdout.contains("\"code\":\"upstream_timeout\""),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches("\"type\":\"retrying\"").count(), 3);
    // Outages are retried, then reported.
    sb.fake.push_fault(
        ScriptedFault::new(Fault::Unavailable)
            .for_flavor(Flavor::OpenAi)
            .times(4),
    );
    let run = sb.run(&["chat", "--json", "hello"], "");
    assert!(
        run.stdout.contains("\"code\":\"upstream_outage\""),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches("\"type\":\"retrying\"").count(), 3);
    // A cut stream keeps what arrived.
    sb.fake
        .push_fault(ScriptedFault::new(Fault::CutStreamAfter(3)).for_flavor(Flavor::OpenAi));
    let run = sb.run(&["chat", "--json", "hello"], "");
    assert!(
        run.stdout.contains("\"code\":\"stream_cut\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\"partial_text\":\"Echo:"),
        "{}",
        run.stdout
    );
    assert!(sb.proxy.requests().is_empty());
    // A refused Taskly token is its own error.
    let mut cmd_env = std::mem::take(&mut sb.extra_env);
    cmd_env.push(("TASKLY_PROXY_TOKEN".into(), "wrong-token-000000".into()));
    sb.extra_env = cmd_env;
    let run = sb.run(&["chat", "--json", "-p", "gemini", "hello"], "");
    assert!(
        run.stdout.contains("\"code\":\"proxy_token_rejected\""),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_pointing_at_the_taskly_proxy_is_refused() {
    let sb = Sandbox::new().await;
    let code = |run: &crate::support::Run| run.json()["error"]["code"].clone();
    // Even a proxy that would accept the key never sees it: not to validate it, not when saved
    // without checking, not when a key is moved there.
    sb.proxy.add_provider_key(VALID_KEY);
    let proxy_base = sb.proxy.base_url(Flavor::OpenAi);
    for extra in [&[][..], &["--no-verify"][..]] {
        let mut args = vec!["keys", "add", "--json", "--provider", "custom"];
        args.extend_from_slice(&["--base-url", &proxy_base, "--enable"]);
        args.extend_from_slice(extra);
        let run = sb.run(&args, VALID_KEY);
        assert_eq!(code(&run), "unsafe_route", "{extra:?}: {}", run.stdout);
    }
    for taskly_host in ["https://api.taskly.chat/v1", "https://taskly.chat/v1"] {
        let run = sb.run(
            &[
                "keys",
                "add",
                "--json",
                "--provider",
                "custom",
                "--base-url",
                taskly_host,
            ],
            VALID_KEY,
        );
        assert_eq!(code(&run), "unsafe_route", "{}", run.stdout);
    }
    let id = sb.add(VALID_KEY, &["--enable"]);
    let moved = sb.run(
        &[
            "keys",
            "update",
            "--json",
            &id,
            "--base-url",
            &proxy_base,
            "--no-verify",
        ],
        "",
    );
    assert_eq!(code(&moved), "unsafe_route", "{}", moved.stdout);
    assert!(sb.proxy.requests().is_empty(), "the proxy saw nothing");

    // A base URL changed in SQLite behind our back is refused again when routing.
    let db = rusqlite::Connection::open(sb.data_dir().join("data/taskly.db")).expect("db");
    db.execute("UPDATE keys SET base_url = ?1", [&proxy_base])
        .expect("tamper");
    let run = sb.run(&["chat", "--json", "hello"], "");
    assert_eq!(code(&run), "unsafe_route", "{}", run.stdout);
    assert!(sb.proxy.requests().is_empty(), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fallback_only_when_switched_on_and_usage_is_counted() {
    let sb = Sandbox::new().await;
    let id = sb.add(VALID_KEY, &["--enable"]);
    let off = sb.run(&["settings", "--json"], "").ok();
    assert_eq!(off.json()["fallback_to_taskly"], false, "off by default");
    sb.run(&["settings", "fallback-to-taskly", "on"], "").ok();
    sb.fake
        .push_fault(ScriptedFault::new(Fault::Unauthorized).for_flavor(Flavor::OpenAi));
    let run = sb.run(&["chat", "--json", "hello"], "").ok();
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["type"] == "falling_back" && l["error"]["code"] == "invalid_key"),
        "{lines:?}"
    );
    let finished = lines.last().expect("finished");
    assert_eq!(finished["route"]["kind"], "taskly");
    assert_eq!(
        finished["route"]["fallback"], true,
        "the answer says Taskly stood in"
    );
    assert_eq!(sb.proxy.requests().len(), 1);

    let usage = sb.run(&["usage", "--json"], "").ok().json();
    let rows = usage["rows"].as_array().cloned().unwrap_or_default();
    let mine = rows
        .iter()
        .find(|r| r["key_id"] == id.as_str())
        .expect("a row for the key");
    assert_eq!(
        (mine["requests"].as_u64(), mine["failures"].as_u64()),
        (Some(1), Some(1))
    );
    let taskly = rows
        .iter()
        .find(|r| r["key_id"].is_null())
        .expect("a row for Taskly");
    assert_eq!(taskly["requests"], 1);
    assert!(taskly["output_tokens"].as_u64().unwrap_or(0) > 0);
    assert!(
        sb.list()[0]["last_used_at"].is_string(),
        "last used is recorded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anthropic_and_gemini_answer_through_their_own_apis() {
    let sb = Sandbox::new().await;
    sb.add(VALID_KEY, &["--provider", "anthropic", "--enable"]);
    sb.add(VALID_KEY, &["--provider", "gemini", "--enable"]);
    sb.fake.clear_requests();
    let run = sb
        .run(&["chat", "-p", "anthropic", "hello", "claude"], "")
        .ok();
    assert!(run.stdout.starts_with("Echo: hello claude"), "{run:?}");
    assert!(
        run.stderr.contains("via your Anthropic key"),
        "{}",
        run.stderr
    );
    let run = sb
        .run(&["chat", "-p", "gemini", "--json", "hello", "gemini"], "")
        .ok();
    assert!(
        run.stdout.contains("\"finish_reason\":\"STOP\""),
        "{}",
        run.stdout
    );
    let sent = sb.fake.requests();
    assert_eq!(sent[0].path, "/anthropic/v1/messages");
    assert_eq!(sent[0].header("x-api-key"), Some(VALID_KEY));
    assert_eq!(
        sent[0].body_json().expect("json")["model"],
        "claude-sonnet-4-5"
    );
    assert_eq!(
        sent[1].path,
        "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    );
    assert_eq!(
        sent[1].query.as_deref(),
        Some("alt=sse"),
        "the key never goes in the URL"
    );
    assert_eq!(sent[1].header("x-goog-api-key"), Some(VALID_KEY));
    assert!(sb.proxy.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_environment_variables_are_never_used() {
    let mut sb = Sandbox::new().await;
    let stray = "sk-proj-StrayEnvironmentKey0123456789abcd";
    sb.extra_env.push(("OPENAI_API_KEY".into(), stray.into()));
    sb.extra_env
        .push(("OPENAI_BASE_URL".into(), sb.fake.base_url(Flavor::OpenAi)));
    sb.run(&["chat", "hello"], "").ok();
    assert!(
        sb.fake.requests().is_empty(),
        "OPENAI_BASE_URL did not redirect anything"
    );
    let sent = sb.proxy.requests();
    assert_eq!(sent.len(), 1);
    assert!(
        !format!("{:?} {}", sent[0].headers, sent[0].body_text()).contains(stray),
        "OPENAI_API_KEY was not sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_cancels_and_closes_the_upstream_connection() {
    use std::io::{BufRead, BufReader};
    let mut sb = Sandbox::new().await;
    let slow = taskly_fake_ai::FakeAi::start(taskly_fake_ai::FakeAiConfig {
        provider_keys: vec![VALID_KEY.into()],
        chunk_delay: Duration::from_millis(300),
        ..taskly_fake_ai::FakeAiConfig::default()
    })
    .await
    .expect("slow fake");
    sb.extra_env.push((
        "TASKLY_OPENAI_BASE_URL".into(),
        slow.base_url(Flavor::OpenAi),
    ));
    sb.add(VALID_KEY, &["--enable"]);
    let mut child = sb.spawn(&["chat", "--json", "tell", "me", "a", "long", "story"], "");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    assert!(
        lines.any(|l| l.is_ok_and(|l| l.contains("\"type\":\"delta\""))),
        "the answer started"
    );
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let code = child.wait().expect("wait").code();
    assert_eq!(code, Some(130), "{rest:?}");
    assert!(
        rest.iter().any(|l| l.contains("\"code\":\"cancelled\"")),
        "{rest:?}"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while slow.disconnects() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the provider never saw the disconnect"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_soft_budget_warns_and_a_hard_one_refuses() {
    let sb = Sandbox::new().await;
    let id = sb.add(VALID_KEY, &["--enable"]);
    sb.run(&["chat", "hello"], "").ok();
    // Any spend at all passes a zero soft limit: the answer comes, with a warning.
    sb.run(&["keys", "budget", &id, "--daily-soft", "0"], "")
        .ok();
    let run = sb.run(&["chat", "hello"], "").ok();
    assert!(run.stderr.contains("soft budget"), "{}", run.stderr);
    // A zero hard limit refuses before anything is sent.
    sb.run(&["keys", "budget", &id, "--daily-hard", "0"], "")
        .ok();
    sb.fake.clear_requests();
    let run = sb.run(&["chat", "--json", "hello"], "");
    assert_eq!(run.code, 4);
    assert!(
        run.stdout.contains("\"code\":\"budget_exceeded\""),
        "{}",
        run.stdout
    );
    assert!(sb.fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_come_from_the_route_a_question_would_take() {
    let sb = Sandbox::new().await;
    let taskly = sb.run(&["models", "--json"], "").ok().json();
    assert_eq!(taskly["route"]["kind"], "taskly");
    assert_eq!(
        taskly["models"],
        serde_json::json!(["gpt-4o", "gpt-4o-mini"]),
        "the proxy's openai/* list, prefix removed"
    );
    sb.add(VALID_KEY, &["--enable"]);
    let personal = sb.run(&["models", "--json"], "").ok().json();
    assert_eq!(personal["route"]["kind"], "personal");
    assert_eq!(
        personal["models"],
        serde_json::json!(["gpt-4o", "gpt-4o-mini"]),
        "remembered from validation"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_only_rate_limit_headers_names_the_wait_from_them() {
    let sb = Sandbox::new().await;
    sb.add(VALID_KEY, &["--enable"]);
    sb.fake.clear_requests();
    // OpenAI's 429 without Retry-After: only `x-ratelimit-reset-requests: 6m0s` (and a
    // `x-ratelimit-reset-tokens` of a few ms, which is not the limit that was hit).
    sb.fake.push_fault(
        ScriptedFault::new(Fault::RateLimitedNoRetryAfter)
            .for_flavor(Flavor::OpenAi)
            .times(4),
    );
    let started = std::time::Instant::now();
    let run = sb.run(&["chat", "--json", "hello"], "");
    assert_eq!(run.code, 4, "{run:?}");
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let error = &lines.last().expect("line")["error"];
    assert_eq!(error["code"], "rate_limited", "{lines:?}");
    assert_eq!(error["action"], "wait_and_retry");
    assert_eq!(
        error["retry_after_secs"], 360,
        "the wait is read from the rate-limit headers: {error}"
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("try again in 360 s"),
        "{error}"
    );
    // Six minutes is beyond the retry cap: returned at once, not sat through or hammered.
    assert!(started.elapsed() < Duration::from_secs(3), "waited");
    assert!(
        lines.iter().all(|l| l["type"] != "retrying"),
        "no retry within a six-minute limit: {lines:?}"
    );
    assert_eq!(sb.fake.requests().len(), 1);
    assert!(
        sb.proxy.requests().is_empty(),
        "no silent fallback to Taskly"
    );
}
