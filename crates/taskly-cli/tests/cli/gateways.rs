//! Gateways and upstreams that do not behave like the reference APIs: a complete JSON answer to a
//! streaming request, an in-stream error echoing the key, a chunk nobody can parse.

use taskly_fake_ai::{Fault, Flavor, ScriptedFault};

use crate::support::{Sandbox, VALID_KEY};

/// A key with no prefix, digits or other shape the scrubber could recognise on its own, as
/// Azure, Mistral and company gateways hand out.
const SHAPELESS_KEY: &str = "gatewaysecretwithnoshapeatallQQQ";

fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_json_answer_to_a_streaming_request_is_the_answer_in_every_dialect() {
    let sb = Sandbox::new().await;
    for (provider, flavor) in [
        ("openai", Flavor::OpenAi),
        ("anthropic", Flavor::Anthropic),
        ("gemini", Flavor::Gemini),
    ] {
        sb.add(VALID_KEY, &["--provider", provider, "--enable"]);
        sb.fake
            .push_fault(ScriptedFault::new(Fault::AnswerWhole).for_flavor(flavor));
        sb.fake.clear_requests();
        let run = sb.run(&["chat", "--json", "-p", provider, "hello", "whole"], "");
        assert_eq!(run.code, 0, "{provider}: {run:?}");
        let lines = json_lines(&run.stdout);
        let text: String = lines
            .iter()
            .filter(|l| l["type"] == "delta")
            .filter_map(|l| l["text"].as_str())
            .collect();
        assert!(
            text.starts_with("Echo: hello whole"),
            "{provider}: {lines:?}"
        );
        let finished = lines.last().expect("a line");
        assert_eq!(finished["type"], "finished", "{provider}: {lines:?}");
        // The fake really answered whole: one request, answered as application/json.
        assert_eq!(sb.fake.requests().len(), 1, "{provider}: not retried");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_stream_error_never_shows_the_key_that_was_sent() {
    let sb = Sandbox::new().await;
    sb.fake.add_provider_key(SHAPELESS_KEY);
    let anthropic_error = format!(
        "event: error\ndata: {{\"type\":\"error\",\"error\":{{\"type\":\"overloaded_error\",\"message\":\"Overloaded for key {SHAPELESS_KEY} right now\"}}}}\n\n"
    );
    let gemini_error = format!(
        "data: {{\"error\":{{\"code\":503,\"message\":\"The key {SHAPELESS_KEY} is overloaded\",\"status\":\"UNAVAILABLE\"}}}}\r\n\r\n"
    );
    for (provider, flavor, event) in [
        ("anthropic", Flavor::Anthropic, anthropic_error),
        ("gemini", Flavor::Gemini, gemini_error),
    ] {
        sb.add(SHAPELESS_KEY, &["--provider", provider, "--enable"]);
        sb.fake.push_fault(
            ScriptedFault::new(Fault::InsertEvent(event))
                .for_flavor(flavor)
                .times(10),
        );
        let run = sb.run(&["chat", "--json", "-p", provider, "hello"], "");
        assert_ne!(run.code, 0, "{provider}: {run:?}");
        let lines = json_lines(&run.stdout);
        let error = &lines.last().expect("a line")["error"];
        assert_eq!(error["code"], "upstream_outage", "{provider}: {run:?}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains("[redacted]"), "{provider}: {message}");
        assert!(
            !run.stdout.contains(SHAPELESS_KEY) && !run.stderr.contains(SHAPELESS_KEY),
            "{provider}: the key was shown: {run:?}"
        );
        sb.fake.clear_faults();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_nobody_can_parse_reaches_no_log_even_at_trace() {
    let mut sb = Sandbox::new().await;
    sb.extra_env.push(("RUST_LOG".into(), "trace".into()));
    sb.add(VALID_KEY, &["--enable"]);
    let sentence = "the-canary-sentence-of-a-private-conversation";
    sb.fake.push_fault(
        ScriptedFault::new(Fault::InsertEvent(format!(
            "data: {{not json, echoing {VALID_KEY} and {sentence}\n\n"
        )))
        .for_flavor(Flavor::OpenAi)
        .times(10),
    );
    let run = sb.run(&["chat", "--json", "hello"], "");
    assert_ne!(run.code, 0, "an unreadable answer is an error: {run:?}");
    assert!(run.stdout.contains("\"code\":\"bad_response\""), "{run:?}");
    for text in [VALID_KEY, sentence] {
        assert!(
            !run.stdout.contains(text) && !run.stderr.contains(text),
            "{text} was printed: {run:?}"
        );
    }
    // The log really was written at trace, and holds neither the key nor the sentence.
    let logs = std::fs::read_dir(sb.log_dir())
        .expect("log dir")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("read"))
        .collect::<String>();
    assert!(logs.contains(" TRACE "), "nothing was logged at trace");
    for text in [VALID_KEY, sentence, "failed deserialization"] {
        assert!(!logs.contains(text), "{text} reached the log");
    }
}
