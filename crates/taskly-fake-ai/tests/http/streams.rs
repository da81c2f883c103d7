//! Timing and transport faults: slow, hang, cut streams, huge bodies, client disconnects, shutdown.

use std::time::{Duration, Instant};

use futures::StreamExt;
use taskly_fake_ai::{FakeAiConfig, Fault, Flavor, ScriptedFault};

use crate::support::{self, chat, eventually, parse_sse, read_until_end, server, server_with};

#[tokio::test]
async fn slow_answers_normally_after_the_delay() {
    let fake = server().await;
    fake.push_fault(Fault::Slow(Duration::from_millis(300)));
    let started = Instant::now();
    let response = chat(&fake, Flavor::OpenAi, "hi", false)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn hang_never_answers_and_is_recorded() {
    let fake = server().await;
    fake.push_fault(ScriptedFault::new(Fault::Hang).for_flavor(Flavor::Anthropic));
    let client = support::client_with_timeout(Duration::from_millis(300));
    let error = client
        .post(format!("{}/messages", fake.base_url(Flavor::Anthropic)))
        .send()
        .await
        .expect_err("a hung request times out");
    assert!(error.is_timeout(), "{error}");
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn shutdown_releases_hung_requests() {
    let fake = server().await;
    fake.push_fault(Fault::Hang);
    let url = format!("{}/models", fake.base_url(Flavor::OpenAi));
    let hung = tokio::spawn(async move { support::client().get(url).send().await });
    assert!(eventually(|| fake.requests().len() == 1).await);
    let started = Instant::now();
    fake.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "shutdown waited {:?}",
        started.elapsed()
    );
    let outcome = tokio::time::timeout(Duration::from_secs(2), hung)
        .await
        .expect("the hung request ends");
    if let Ok(response) = outcome.unwrap() {
        assert_eq!(response.status(), 503);
    }
}

#[tokio::test]
async fn cut_streams_end_without_their_terminator() {
    let cases = [
        (Flavor::OpenAi, "[DONE]"),
        (Flavor::Anthropic, "message_stop"),
        (Flavor::Gemini, "STOP"),
        (Flavor::Proxy, "[DONE]"),
    ];
    for (flavor, terminator) in cases {
        let fake = server().await;
        fake.push_fault(ScriptedFault::new(Fault::CutStreamAfter(3)).for_flavor(flavor));
        let response = chat(&fake, flavor, "cut me off please", true)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let (body, errored) = read_until_end(response).await;
        assert!(errored, "{flavor}: the connection drops");
        assert!(!body.contains(terminator), "{flavor}: {body}");
        assert_eq!(parse_sse(&body).len(), 3, "{flavor}: {body}");
        assert_eq!(
            fake.disconnects(),
            0,
            "a scripted cut is not the client's doing"
        );
    }
}

#[tokio::test]
async fn cut_plain_answers_stop_mid_body() {
    let fake = server().await;
    fake.push_fault(Fault::CutStreamAfter(1));
    let response = chat(&fake, Flavor::OpenAi, "hi", false)
        .send()
        .await
        .unwrap();
    let (body, errored) = read_until_end(response).await;
    assert!(errored);
    assert!(
        serde_json::from_str::<serde_json::Value>(&body).is_err(),
        "half a body: {body}"
    );
}

#[tokio::test]
async fn huge_bodies_have_the_requested_size_and_stay_json() {
    let fake = server().await;
    let size = 3 * 1024 * 1024 + 17;
    fake.push_fault(Fault::HugeBody(size));
    let response = chat(&fake, Flavor::OpenAi, "hi", false)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.content_length(), Some(size as u64));
    let bytes = response.bytes().await.unwrap();
    assert_eq!(bytes.len(), size);
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["object"], "chat.completion");
    assert!(body["padding"].as_str().unwrap().len() > size - 4096);
}

fn paced() -> FakeAiConfig {
    FakeAiConfig {
        chunk_delay: Duration::from_millis(40),
        ..support::config()
    }
}

#[tokio::test]
async fn chunks_are_paced_by_the_chunk_delay() {
    let fake = server_with(paced()).await;
    let started = Instant::now();
    let response = chat(&fake, Flavor::Anthropic, "hi", true)
        .send()
        .await
        .unwrap();
    let (body, errored) = read_until_end(response).await;
    assert!(!errored);
    let events = parse_sse(&body).len();
    let least = Duration::from_millis(40) * u32::try_from(events - 1).unwrap();
    assert!(
        started.elapsed() >= least,
        "{events} events in {:?}",
        started.elapsed()
    );
    assert_eq!(
        fake.disconnects(),
        0,
        "a stream read to its end is no disconnect"
    );
}

#[tokio::test]
async fn dropping_a_stream_midway_counts_a_disconnect() {
    let fake = server_with(paced()).await;
    for flavor in [Flavor::OpenAi, Flavor::Gemini] {
        let response = chat(&fake, flavor, "a long enough answer to drop", true)
            .send()
            .await
            .unwrap();
        let mut stream = response.bytes_stream();
        let first = stream.next().await.unwrap().unwrap();
        assert!(!first.is_empty());
        drop(stream);
    }
    assert!(
        eventually(|| fake.disconnects() == 2).await,
        "disconnects: {}",
        fake.disconnects()
    );
}
