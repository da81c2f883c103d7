//! Network and provider faults, in-process against loopback servers: each ends in its typed
//! error within its timeout, and the elapsed time is asserted against the configured bounds.
//!
//! The rule for time: one attempt waits at most `first_byte_timeout` for its headers and first
//! token together, then at most `idle_timeout` between two pieces, and at most
//! `answer_timeout` from request to end however steadily the answer trickles in. Failures
//! before any text are retried at most 3 times (backoff from `retry_base`, `Retry-After`
//! honoured up to `retry_max_wait`); failures after text are not retried and keep the text.
//!
//! The key is kept in a real GNOME Keyring on a private D-Bus session, as the app does
//! (`support/private_keyring.rs`): each test runs in a child process on that bus.
#![allow(clippy::expect_used, clippy::print_stdout)] // figures are printed for the record

#[path = "support/private_keyring.rs"]
mod private_keyring;

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use taskly_core::chat::ChatRequest;
use taskly_core::chat::run::{ChatEvent, ChatService};
use taskly_core::{ApiKey, Config, Error, NewKey, ProviderId};
use taskly_fake_ai::{FakeAi, Fault, Flavor, ScriptedFault};
use taskly_testkit::drain::{Drained, drain};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const KEY: &str = "sk-proj-faultFaultFault0123456789abcdWXYZ";

const FIRST_BYTE: Duration = Duration::from_millis(400);
const IDLE: Duration = Duration::from_millis(400);
const ANSWER: Duration = Duration::from_millis(1500);
const RETRY_BASE: Duration = Duration::from_millis(20);
const RETRY_MAX_WAIT: Duration = Duration::from_secs(2);
/// Room for scheduling on a busy machine, on top of every bound.
const SLACK: Duration = Duration::from_millis(1500);
/// The most the three backoffs add up to: 20 + 40 + 80 ms, +25 % jitter.
const BACKOFFS: Duration = Duration::from_millis(175);

/// One chat read to its end: its events, its error and how long it took.
type Run = Drained<ChatEvent, Error>;

/// What the fault tests read from a [`Run`].
trait RunExt {
    fn retries(&self) -> Vec<u64>;
    fn text(&self) -> String;
    fn error(&self) -> &Error;
    fn within(&self, bound: Duration);
}

impl RunExt for Run {
    fn retries(&self) -> Vec<u64> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ChatEvent::Retrying { wait_ms, .. } => Some(*wait_ms),
                _ => None,
            })
            .collect()
    }

    fn text(&self) -> String {
        self.events
            .iter()
            .filter_map(|e| match e {
                ChatEvent::Delta { text } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    fn error(&self) -> &Error {
        self.error.as_ref().expect("the request failed")
    }

    fn within(&self, bound: Duration) {
        // Printed for the record (`--nocapture`): the figures in docs/security.md.
        println!(
            "elapsed {:?} (bound {bound:?} + slack), ended in {:?}",
            self.elapsed,
            self.error.as_ref().map(Error::code)
        );
        assert!(
            self.elapsed <= bound + SLACK,
            "took {:?}, bound {bound:?} (+{SLACK:?}): {:?}",
            self.elapsed,
            self.error
        );
    }
}

/// A vault whose one OpenAI key points at `base`, and a chat service over it.
async fn service(dir: &tempfile::TempDir, base: &str) -> Arc<ChatService> {
    service_for(dir, ProviderId::Openai, base).await
}

/// A vault whose one key, for `provider`, points at `base`, and a chat service over it.
async fn service_for(
    dir: &tempfile::TempDir,
    provider: ProviderId,
    base: &str,
) -> Arc<ChatService> {
    service_with(dir, provider, base, |_| {}).await
}

/// As [`service_for`], with the settings changed by `tweak` first.
async fn service_with(
    dir: &tempfile::TempDir,
    provider: ProviderId,
    base: &str,
    tweak: impl FnOnce(&mut Config),
) -> Arc<ChatService> {
    let mut config = Config::new(dir.path());
    config.chat.first_byte_timeout = FIRST_BYTE;
    config.chat.idle_timeout = IDLE;
    config.chat.answer_timeout = ANSWER;
    config.chat.retry_base = RETRY_BASE;
    config.chat.retry_max_wait = RETRY_MAX_WAIT;
    // No Taskly: a failing key must end in its own error, never quietly somewhere else.
    config.chat.proxy_url = "http://127.0.0.1:9/v1".into();
    tweak(&mut config);
    let vault = Arc::new(private_keyring::open(config).await);
    vault
        .add(NewKey {
            provider,
            label: None,
            base_url: Some(base.to_owned()),
            secret: ApiKey::parse(KEY).expect("key"),
            verify: false,
            enable: taskly_core::Enable::Yes,
        })
        .await
        .expect("added");
    Arc::new(ChatService::new(vault))
}

async fn fake() -> FakeAi {
    taskly_testkit::fake::provider(&[KEY]).await
}

async fn chat(service: &Arc<ChatService>) -> Run {
    chat_with(service, ProviderId::Openai).await
}

async fn chat_with(service: &Arc<ChatService>, provider: ProviderId) -> Run {
    // A hard stop far beyond every bound, so a broken timeout fails the test instead of hanging it.
    drain(
        || service.start(ChatRequest::ask(provider, "tell me something")),
        Duration::from_secs(30),
    )
    .await
}

/// A fault on every OpenAI chat request, however many.
fn always(fault: Fault) -> ScriptedFault {
    ScriptedFault::new(fault)
        .for_flavor(Flavor::OpenAi)
        .on_path("chat")
        .times(u32::MAX)
}

fn chat_requests(fake: &FakeAi) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.path.contains("chat"))
        .count()
}

#[test]
fn connection_refused_is_a_network_error_after_bounded_retries() {
    private_keyring::run(
        "connection_refused_is_a_network_error_after_bounded_retries",
        async {
            let port = {
                let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
                listener.local_addr().expect("addr").port()
            };
            let dir = tempfile::tempdir().expect("dir");
            let service = service(&dir, &format!("http://127.0.0.1:{port}/v1")).await;
            let run = chat(&service).await;
            assert!(
                matches!(run.error(), Error::NetworkError { host, .. } if host == "127.0.0.1"),
                "{:?}",
                run.error
            );
            assert_eq!(run.retries().len(), 3);
            run.within(BACKOFFS);
        },
    );
}

#[test]
fn a_reset_mid_stream_keeps_the_partial_answer() {
    private_keyring::run("a_reset_mid_stream_keeps_the_partial_answer", async {
        // A raw server: headers and two pieces of a chunked SSE answer, then a TCP reset.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut buf = vec![0u8; 64 * 1024];
            let _ = socket.read(&mut buf).await;
            let piece = |text: &str| {
                let event = format!(
                    "data: {{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{text}\"}},\"finish_reason\":null}}]}}\n\n"
                );
                format!("{:x}\r\n{event}\r\n", event.len())
            };
            let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
            let all = format!("{head}{}{}", piece("Hello"), piece(" world"));
            socket.write_all(all.as_bytes()).await.expect("write");
            socket.flush().await.expect("flush");
            tokio::time::sleep(Duration::from_millis(100)).await;
            socket.set_zero_linger().expect("linger");
            drop(socket);
        });
        let dir = tempfile::tempdir().expect("dir");
        let service = service(&dir, &format!("http://127.0.0.1:{port}/v1")).await;
        let run = chat(&service).await;
        server.await.expect("server");
        assert!(
            matches!(run.error(), Error::StreamCut { partial, .. } if partial == "Hello world"),
            "{:?}",
            run.error
        );
        assert_eq!(run.text(), "Hello world");
        assert!(run.retries().is_empty(), "text had arrived: no retry");
        run.within(Duration::from_millis(100));
    });
}

#[test]
fn a_slow_drip_that_never_ends_is_cut_at_the_answer_timeout() {
    private_keyring::run(
        "a_slow_drip_that_never_ends_is_cut_at_the_answer_timeout",
        async {
            let fake = fake().await;
            fake.push_fault(always(Fault::DripForever(Duration::from_millis(100))));
            let dir = tempfile::tempdir().expect("dir");
            let service = service(&dir, &fake.base_url(Flavor::OpenAi)).await;
            let run = chat(&service).await;
            assert!(
                matches!(run.error(), Error::StreamCut { detail, partial, .. }
                if detail.contains("longer than") && partial.starts_with("Echo:Echo:")),
                "{:?}",
                run.error
            );
            assert!(run.retries().is_empty());
            assert!(run.elapsed >= ANSWER, "{:?}", run.elapsed);
            run.within(ANSWER);
        },
    );
}

#[test]
fn keep_alives_without_text_end_in_a_first_token_timeout() {
    private_keyring::run(
        "keep_alives_without_text_end_in_a_first_token_timeout",
        async {
            let fake = fake().await;
            fake.push_fault(always(Fault::KeepAliveForever(Duration::from_millis(50))));
            let dir = tempfile::tempdir().expect("dir");
            let service = service(&dir, &fake.base_url(Flavor::OpenAi)).await;
            let run = chat(&service).await;
            assert!(
                matches!(
                    run.error(),
                    Error::UpstreamTimeout {
                        phase: "first token",
                        ..
                    }
                ),
                "{:?}",
                run.error
            );
            assert_eq!(run.retries().len(), 3);
            assert_eq!(chat_requests(&fake), 4);
            run.within(FIRST_BYTE * 4 + BACKOFFS);
        },
    );
}

#[test]
fn a_hang_before_the_headers_ends_in_a_timeout() {
    private_keyring::run("a_hang_before_the_headers_ends_in_a_timeout", async {
        let fake = fake().await;
        fake.push_fault(always(Fault::Hang));
        let dir = tempfile::tempdir().expect("dir");
        let service = service(&dir, &fake.base_url(Flavor::OpenAi)).await;
        let run = chat(&service).await;
        assert!(
            matches!(
                run.error(),
                Error::UpstreamTimeout {
                    phase: "response",
                    ..
                }
            ),
            "{:?}",
            run.error
        );
        assert_eq!(chat_requests(&fake), 4);
        assert!(run.elapsed >= FIRST_BYTE * 4);
        run.within(FIRST_BYTE * 4 + BACKOFFS);
    });
}

#[test]
fn headers_then_silence_waits_one_first_byte_timeout_not_two() {
    private_keyring::run(
        "headers_then_silence_waits_one_first_byte_timeout_not_two",
        async {
            // The fake's headers-then-silence: one first-byte timeout per attempt.
            let fake = fake().await;
            fake.push_fault(always(Fault::HangAfterHeaders));
            let dir = tempfile::tempdir().expect("dir");
            let first = service(&dir, &fake.base_url(Flavor::OpenAi)).await;
            let run = chat(&first).await;
            assert!(
                matches!(run.error(), Error::UpstreamTimeout { .. }),
                "{:?}",
                run.error
            );
            assert_eq!(chat_requests(&fake), 4);
            run.within(FIRST_BYTE * 4 + BACKOFFS);

            // Headers late (just inside the timeout), then silence: still one first-byte timeout per
            // attempt. Timed separately, headers and first token took 300 + 400 ms a try, 2.8 s in all.
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let port = listener.local_addr().expect("addr").port();
            tokio::spawn(async move {
                let mut open = Vec::new();
                while let Ok((mut socket, _)) = listener.accept().await {
                    let mut buf = vec![0u8; 64 * 1024];
                    let _ = socket.read(&mut buf).await;
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
                    let _ = socket.write_all(head.as_bytes()).await;
                    // Held open, silent.
                    open.push(socket);
                }
            });
            let dir = tempfile::tempdir().expect("dir");
            let late = service(&dir, &format!("http://127.0.0.1:{port}/v1")).await;
            let run = chat(&late).await;
            assert!(
                matches!(
                    run.error(),
                    Error::UpstreamTimeout {
                        phase: "first token",
                        ..
                    }
                ),
                "{:?}",
                run.error
            );
            assert_eq!(run.retries().len(), 3);
            assert!(
                run.elapsed < FIRST_BYTE * 5 + BACKOFFS,
                "{:?}: headers and first token share one deadline",
                run.elapsed
            );
            run.within(FIRST_BYTE * 4 + BACKOFFS);
        },
    );
}

#[test]
fn a_hang_mid_stream_ends_at_the_idle_timeout_with_the_text() {
    private_keyring::run(
        "a_hang_mid_stream_ends_at_the_idle_timeout_with_the_text",
        async {
            let fake = fake().await;
            fake.push_fault(always(Fault::StallAfter(3)));
            let dir = tempfile::tempdir().expect("dir");
            let service = service(&dir, &fake.base_url(Flavor::OpenAi)).await;
            let run = chat(&service).await;
            assert!(
                matches!(run.error(), Error::StreamCut { detail, partial, .. }
                if detail.contains("nothing arrived") && partial.starts_with("Echo:")),
                "{:?}",
                run.error
            );
            assert!(run.retries().is_empty());
            assert!(run.elapsed >= IDLE);
            run.within(IDLE);
        },
    );
}

#[test]
fn a_429_storm_honours_retry_after_then_ends_rate_limited() {
    private_keyring::run(
        "a_429_storm_honours_retry_after_then_ends_rate_limited",
        async {
            let fake = fake().await;
            fake.push_fault(always(Fault::RateLimited {
                retry_after_secs: 1,
            }));
            let dir = tempfile::tempdir().expect("dir");
            let service = service(&dir, &fake.base_url(Flavor::OpenAi)).await;
            let run = chat(&service).await;
            assert!(
                matches!(run.error(), Error::RateLimited { retry_after: Some(d), .. } if *d == Duration::from_secs(1)),
                "{:?}",
                run.error
            );
            assert_eq!(run.retries(), [1000, 1000, 1000], "Retry-After honoured");
            assert_eq!(chat_requests(&fake), 4, "at most 3 retries");
            assert!(run.elapsed >= Duration::from_secs(3));
            run.within(Duration::from_secs(3));
        },
    );
}

#[test]
fn an_absurd_retry_after_is_capped_and_ends_the_request_at_once() {
    private_keyring::run(
        "an_absurd_retry_after_is_capped_and_ends_the_request_at_once",
        async {
            let fake = fake().await;
            fake.push_fault(always(Fault::RateLimited {
                retry_after_secs: 1_000_000_000_000,
            }));
            let dir = tempfile::tempdir().expect("dir");
            let service = service(&dir, &fake.base_url(Flavor::OpenAi)).await;
            let run = chat(&service).await;
            assert!(
                matches!(run.error(), Error::RateLimited { retry_after: Some(d), .. } if *d == Duration::from_secs(86_400)),
                "{:?}",
                run.error
            );
            assert!(
                run.retries().is_empty(),
                "longer than retry_max_wait: no wait"
            );
            assert_eq!(chat_requests(&fake), 1);
            run.within(Duration::ZERO);
        },
    );
}

/// The headers of the answer `flavor` gives while `fault` is queued for it: a control that the
/// fault announces what the test below relies on (and nothing more).
async fn headers_under(fake: &FakeAi, flavor: Flavor, fault: Fault) -> reqwest::header::HeaderMap {
    fake.push_fault(ScriptedFault::new(fault).for_flavor(flavor));
    let answer = reqwest::get(format!("{}/models", fake.base_url(flavor)))
        .await
        .expect("the fake answers");
    assert_eq!(answer.status(), 429);
    fake.clear_requests();
    answer.headers().clone()
}

/// A 429 from `provider` announcing its wait only in rate-limit header `header` (no
/// `Retry-After`), `wait` seconds: the error carries that wait and says it, at once (it is longer
/// than `retry_max_wait`).
async fn a_header_only_429_ends_with_its_wait(
    provider: ProviderId,
    flavor: Flavor,
    header: &str,
    wait: u64,
) {
    let fake = fake().await;
    let headers = headers_under(&fake, flavor, Fault::RateLimitedNoRetryAfter).await;
    assert!(headers.get("retry-after").is_none(), "{provider:?}");
    assert!(headers.get(header).is_some(), "{provider:?}: {headers:?}");

    fake.push_fault(
        ScriptedFault::new(Fault::RateLimitedNoRetryAfter)
            .for_flavor(flavor)
            .times(u32::MAX),
    );
    let dir = tempfile::tempdir().expect("dir");
    let service = service_for(&dir, provider, &fake.base_url(flavor)).await;
    let run = chat_with(&service, provider).await;
    let Error::RateLimited {
        retry_after: Some(announced),
        ..
    } = run.error()
    else {
        panic!("{provider:?}: no wait from the headers: {:?}", run.error);
    };
    // A reset given as a time is in whole seconds: a minute from the fake's "now" may be a
    // second or two less from ours.
    assert!(
        announced.as_secs() + 2 >= wait && announced.as_secs() <= wait,
        "{provider:?}: {announced:?}, the headers said {wait} s"
    );
    // The person reading the error sees it, in the CLI and the UI alike.
    let shown = (announced.as_secs_f64().ceil() as u64).max(1);
    let message = run.error().to_string();
    assert!(
        message.contains(&format!("try again in {shown} s")),
        "{provider:?}: {message}"
    );
    assert_eq!(run.error().payload().message, message);
    // Longer than `retry_max_wait`: said at once, not waited for.
    assert!(run.retries().is_empty(), "{provider:?}");
    assert_eq!(fake.requests().len(), 1, "{provider:?}");
    run.within(Duration::ZERO);
}

#[test]
fn a_429_announced_only_in_rate_limit_headers_ends_with_the_wait_they_give() {
    private_keyring::run(
        "a_429_announced_only_in_rate_limit_headers_ends_with_the_wait_they_give",
        async {
            // OpenAI's `x-ratelimit-reset-requests: 6m0s`.
            a_header_only_429_ends_with_its_wait(
                ProviderId::Openai,
                Flavor::OpenAi,
                "x-ratelimit-reset-requests",
                360,
            )
            .await;
        },
    );
}

#[test]
fn an_anthropic_429_announced_only_in_its_rate_limit_headers_ends_with_their_wait() {
    private_keyring::run(
        "an_anthropic_429_announced_only_in_its_rate_limit_headers_ends_with_their_wait",
        async {
            // Anthropic's `anthropic-ratelimit-requests-reset`: a time (RFC 3339) a minute on.
            a_header_only_429_ends_with_its_wait(
                ProviderId::Anthropic,
                Flavor::Anthropic,
                "anthropic-ratelimit-requests-reset",
                60,
            )
            .await;
        },
    );
}

/// Waits (a second at most) until the request's task has let go of `service`, which it holds
/// for as long as it runs (sleeping before a retry included).
async fn task_ends(service: &Arc<ChatService>) -> Duration {
    let dropped = Instant::now();
    while Arc::strong_count(service) > 1 {
        assert!(
            dropped.elapsed() < Duration::from_secs(1),
            "the request still runs after it was cancelled"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    dropped.elapsed()
}

/// Starts a chat and reads it up to its first `Retrying` event; the stream and that event's wait.
async fn until_retrying(
    service: &Arc<ChatService>,
) -> (taskly_core::chat::run::ChatStream, u64, String) {
    let mut stream = service.start(ChatRequest::ask(ProviderId::Openai, "tell me something"));
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("an event in time")
            .expect("not ended")
            .expect("not failed");
        if let ChatEvent::Retrying { wait_ms, error, .. } = event {
            return (stream, wait_ms, error.message);
        }
    }
}

#[test]
fn cancelling_during_a_retry_wait_stops_it_and_sends_nothing_more() {
    private_keyring::run(
        "cancelling_during_a_retry_wait_stops_it_and_sends_nothing_more",
        async {
            let fake = fake().await;
            let dir = tempfile::tempdir().expect("dir");
            // Waits of up to ten minutes are waited for, so the six the headers ask for are.
            let service = service_with(
                &dir,
                ProviderId::Openai,
                &fake.base_url(Flavor::OpenAi),
                |c| {
                    c.chat.retry_max_wait = Duration::from_secs(600);
                },
            )
            .await;

            // 1. A 429 announced only in rate-limit headers: the wait shown is theirs (6m0s).
            fake.push_fault(always(Fault::RateLimitedNoRetryAfter).times(1));
            let (stream, wait_ms, why) = until_retrying(&service).await;
            assert_eq!(wait_ms, 360_000, "the wait from x-ratelimit-reset-requests");
            assert!(why.contains("rate limiting"), "{why}");
            assert_eq!(Arc::strong_count(&service), 2, "the request is waiting");
            drop(stream);
            let stopped = task_ends(&service).await;
            println!("a 6-minute retry wait stopped {stopped:?} after the cancel");
            assert_eq!(chat_requests(&fake), 1);

            // 2. A one-second Retry-After, cancelled: nothing is sent when it would have ended.
            fake.clear_requests();
            fake.push_fault(
                always(Fault::RateLimited {
                    retry_after_secs: 1,
                })
                .times(1),
            );
            let (stream, wait_ms, _) = until_retrying(&service).await;
            assert_eq!(wait_ms, 1000);
            drop(stream);
            task_ends(&service).await;
            tokio::time::sleep(Duration::from_millis(1500)).await;
            assert_eq!(chat_requests(&fake), 1, "no retry after the cancel");

            // The control: not cancelled, the same wait ends in a second request, answered.
            fake.clear_requests();
            fake.push_fault(
                always(Fault::RateLimited {
                    retry_after_secs: 1,
                })
                .times(1),
            );
            let run = chat(&service).await;
            assert!(run.error.is_none(), "{:?}", run.error);
            assert_eq!(run.retries(), [1000]);
            assert_eq!(chat_requests(&fake), 2);
        },
    );
}

#[test]
fn a_5xx_burst_is_retried_a_bounded_number_of_times() {
    private_keyring::run("a_5xx_burst_is_retried_a_bounded_number_of_times", async {
        let fake = fake().await;
        fake.push_fault(always(Fault::ServerError));
        let dir = tempfile::tempdir().expect("dir");
        let service = service(&dir, &fake.base_url(Flavor::OpenAi)).await;
        let run = chat(&service).await;
        assert!(
            matches!(run.error(), Error::UpstreamOutage { status: 500, .. }),
            "{:?}",
            run.error
        );
        assert_eq!(run.retries().len(), 3);
        assert_eq!(chat_requests(&fake), 4);
        run.within(BACKOFFS);

        // A shorter burst is ridden out.
        fake.clear_faults();
        fake.push_fault(always(Fault::Unavailable).times(2));
        let run = chat(&service).await;
        assert!(run.error.is_none(), "{:?}", run.error);
        assert_eq!(run.retries().len(), 2);
        assert!(run.text().starts_with("Echo:"));
    });
}

#[test]
fn a_huge_streamed_line_is_refused_at_the_limit() {
    private_keyring::run("a_huge_streamed_line_is_refused_at_the_limit", async {
        let fake = fake().await;
        // One SSE line of 256 MiB: the answer's first event, padded.
        fake.push_fault(always(Fault::HugeBody(256 << 20)));
        let dir = tempfile::tempdir().expect("dir");
        let service = service(&dir, &fake.base_url(Flavor::OpenAi)).await;
        let run = chat(&service).await;
        assert!(
            matches!(run.error(), Error::BadResponse { detail, .. } if detail.contains("longer than 1048576 bytes")),
            "{:?}",
            run.error
        );
        assert!(run.retries().is_empty(), "a broken answer is not retried");
        run.within(Duration::from_millis(500));
    });
}

#[test]
fn a_huge_streamed_line_is_refused_by_our_own_decoder_too() {
    private_keyring::run(
        "a_huge_streamed_line_is_refused_by_our_own_decoder_too",
        async {
            // Anthropic and Gemini go through our SSE decoder rather than async-openai's.
            let fake = fake().await;
            for (provider, flavor) in [
                (ProviderId::Anthropic, Flavor::Anthropic),
                (ProviderId::Gemini, Flavor::Gemini),
            ] {
                fake.push_fault(ScriptedFault::new(Fault::HugeBody(256 << 20)).for_flavor(flavor));
                let dir = tempfile::tempdir().expect("dir");
                let service = service_for(&dir, provider, &fake.base_url(flavor)).await;
                let run = chat_with(&service, provider).await;
                assert!(
                    matches!(run.error(), Error::BadResponse { detail, .. } if detail.contains("longer than 1048576 bytes")),
                    "{provider:?}: {:?}",
                    run.error
                );
                run.within(Duration::from_millis(500));
            }
        },
    );
}

#[test]
fn a_huge_error_body_is_read_only_up_to_the_limit() {
    private_keyring::run("a_huge_error_body_is_read_only_up_to_the_limit", async {
        let fake = fake().await;
        fake.push_fault(always(Fault::HugeErrorBody(256 << 20)));
        let dir = tempfile::tempdir().expect("dir");
        let service = service(&dir, &fake.base_url(Flavor::OpenAi)).await;
        let run = chat(&service).await;
        assert!(
            matches!(run.error(), Error::UpstreamOutage { status: 500, detail, .. } if detail.chars().count() <= 301),
            "{:?}",
            run.error
        );
        assert_eq!(chat_requests(&fake), 4);
        // Four bodies of 256 MiB would take seconds to read; 64 KiB each does not.
        run.within(BACKOFFS + Duration::from_millis(500));
    });
}

#[test]
fn an_answer_that_never_ends_is_cut_at_the_size_cap() {
    private_keyring::run("an_answer_that_never_ends_is_cut_at_the_size_cap", async {
        use taskly_core::chat::run::MAX_ANSWER_BYTES;
        // A raw server streaming 60 KiB text deltas as fast as the socket takes them, for ever.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = sent.clone();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut buf = vec![0u8; 64 * 1024];
            let _ = socket.read(&mut buf).await;
            let head =
                "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
            if socket.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let text = "x".repeat(60 * 1024);
            let event = format!(
                "data: {{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{text}\"}},\"finish_reason\":null}}]}}\n\n"
            );
            while socket.write_all(event.as_bytes()).await.is_ok() {
                counter.fetch_add(event.len(), std::sync::atomic::Ordering::Relaxed);
            }
        });
        let dir = tempfile::tempdir().expect("dir");
        let service = service(&dir, &format!("http://127.0.0.1:{port}/v1")).await;
        let run = chat(&service).await;
        let Error::StreamCut {
            detail, partial, ..
        } = run.error()
        else {
            panic!("{:?}", run.error);
        };
        assert!(detail.contains("grew past"), "{detail}");
        assert!(partial.len() <= MAX_ANSWER_BYTES);
        assert!(partial.len() > MAX_ANSWER_BYTES - 60 * 1024);
        assert!(run.retries().is_empty());
        run.within(ANSWER);
    });
}

#[test]
fn a_reader_that_pauses_does_not_let_the_answer_pile_up_in_memory() {
    private_keyring::run(
        "a_reader_that_pauses_does_not_let_the_answer_pile_up_in_memory",
        async {
            use std::sync::atomic::{AtomicUsize, Ordering};
            use taskly_core::chat::upstream::MAX_STREAM_BYTES;
            // A raw server writing 32 KiB deltas as fast as the client reads them, for ever, and
            // counting what the client took.
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let port = listener.local_addr().expect("addr").port();
            let taken = Arc::new(AtomicUsize::new(0));
            let counter = taken.clone();
            tokio::spawn(async move {
                let (mut socket, _) = listener.accept().await.expect("accept");
                let mut buf = vec![0u8; 64 * 1024];
                let _ = socket.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let event = format!(
                    "data: {{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{}\"}},\"finish_reason\":null}}]}}\n\n",
                    "y".repeat(32 * 1024)
                );
                while socket.write_all(event.as_bytes()).await.is_ok() {
                    counter.fetch_add(event.len(), Ordering::Relaxed);
                }
            });
            let dir = tempfile::tempdir().expect("dir");
            let service = service(&dir, &format!("http://127.0.0.1:{port}/v1")).await;
            let mut stream = service.start(ChatRequest::ask(ProviderId::Openai, "go"));
            // Take the first piece, then stop reading, as a paused terminal does.
            while !matches!(
                stream.next().await,
                Some(Ok(ChatEvent::Delta { .. })) | None
            ) {}
            tokio::time::sleep(Duration::from_secs(3)).await;
            let read = taken.load(Ordering::Relaxed);
            println!("the upstream got {read} bytes through while nobody read");
            // What the wire cap allows, plus socket buffers and a chunk or two in flight.
            assert!(read <= MAX_STREAM_BYTES + (8 << 20), "{read} bytes taken");
            drop(stream);
        },
    );
}
