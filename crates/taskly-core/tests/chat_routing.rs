//! The chat path in-process, against the loopback fake provider and a separate fake proxy:
//! streaming really streams, cancelling closes the upstream, a key changed through another
//! handle on the database is honoured on the next request, budgets refuse before sending, and
//! no Debug output of a decision or error carries the key.
//!
//! Keys are kept in a real GNOME Keyring on a private D-Bus session, as the app does
//! (`support/private_keyring.rs`): each test runs in a child process on that bus.
#![allow(clippy::expect_used)]

#[path = "support/private_keyring.rs"]
mod private_keyring;

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use taskly_core::chat::ChatRequest;
use taskly_core::chat::run::{ChatEvent, ChatService};
use taskly_core::usage::budget::{self, Budget};
use taskly_core::vault::KeyUpdate;
use taskly_core::{ApiKey, Config, Error, NewKey, ProviderId, Vault};
use taskly_fake_ai::{FakeAi, FakeAiConfig, Flavor};
use taskly_testkit::drain::drain;

const KEY: &str = "sk-proj-chatChatChat0123456789abcdEFGH";
const NEW_KEY: &str = "sk-proj-freshFreshFresh0123456789IJKL";
const TOKEN: &str = "taskly-token-0123456789";

struct Setup {
    dir: tempfile::TempDir,
    fake: FakeAi,
    proxy: FakeAi,
}

impl Setup {
    async fn new(chunk_delay: Duration) -> Self {
        let fake = FakeAi::start(FakeAiConfig {
            provider_keys: vec![KEY.into(), NEW_KEY.into()],
            chunk_delay,
            ..FakeAiConfig::default()
        })
        .await
        .expect("fake");
        let proxy = FakeAi::start(FakeAiConfig {
            proxy_tokens: vec![TOKEN.into()],
            chunk_delay,
            ..FakeAiConfig::default()
        })
        .await
        .expect("proxy");
        Self {
            dir: tempfile::tempdir().expect("dir"),
            fake,
            proxy,
        }
    }

    /// A vault handle of its own (its own SQLite connection and keyring connection, as another
    /// process would have).
    async fn vault(&self) -> Arc<Vault> {
        let mut config = Config::new(self.dir.path());
        for (provider, flavor) in [
            (ProviderId::Openai, Flavor::OpenAi),
            (ProviderId::Anthropic, Flavor::Anthropic),
            (ProviderId::Gemini, Flavor::Gemini),
        ] {
            config
                .base_url_overrides
                .insert(provider, self.fake.base_url(flavor));
        }
        config.chat.proxy_url = self.proxy.base_url(Flavor::Proxy);
        config.chat.proxy_token = Some(Arc::new(ApiKey::parse(TOKEN).expect("token")));
        config.chat.retry_base = Duration::from_millis(20);
        Arc::new(private_keyring::open(config).await)
    }
}

/// Far beyond any answer here: a request that never ends fails its test instead of hanging it.
const DEADLINE: Duration = Duration::from_secs(30);

async fn add(vault: &Vault, key: &str) -> String {
    add_for(vault, ProviderId::Openai, key).await
}

/// Adds `key` for `provider` (validated, switched on) and checks the real keyring holds it.
async fn add_for(vault: &Vault, provider: ProviderId, key: &str) -> String {
    let new = NewKey {
        provider,
        label: None,
        base_url: None,
        secret: ApiKey::parse(key).expect("key"),
        verify: true,
        enable: taskly_core::Enable::Yes,
    };
    let id = vault.add(new).await.expect("added").key.id;
    assert!(
        private_keyring::keyring_holds(vault.account().as_str(), &id, key),
        "the key is in the real keyring"
    );
    id
}

/// Asks `provider` (the fake pausing 80 ms between chunks) and checks the answer arrives piece
/// by piece as the fake sends it, not all at once at the end.
async fn streams_token_by_token(provider: ProviderId) {
    let s = Setup::new(Duration::from_millis(80)).await;
    let vault = s.vault().await;
    add_for(&vault, provider, KEY).await;
    let service = Arc::new(ChatService::new(vault));
    let started = Instant::now();
    let mut stream = service.start(ChatRequest::ask(provider, "tell me"));
    let mut deltas = Vec::new();
    let mut finished = None;
    while let Some(event) = stream.next().await {
        match event.expect("event") {
            ChatEvent::Delta { text } => deltas.push((started.elapsed(), text)),
            ChatEvent::Finished { .. } => finished = Some(started.elapsed()),
            _ => {}
        }
    }
    let end = finished.expect("finished");
    let first = deltas.first().expect("a delta").0;
    let text: String = deltas.iter().map(|(_, piece)| piece.as_str()).collect();
    assert_eq!(
        text, "Echo: tell me This reply comes from taskly-fake-ai.",
        "{provider:?}"
    );
    // The fake sends it in 8 word-sized chunks.
    assert!(
        deltas.len() >= 5,
        "{provider:?}: {} pieces: not streamed",
        deltas.len()
    );
    assert!(
        end - first >= Duration::from_millis(300),
        "{provider:?}: first token at {first:?}, end at {end:?}: not streamed"
    );
}

/// Cancels an answer from `provider` (the fake pausing 150 ms between chunks) after its first
/// piece, and checks the fake sees the connection closed before the answer's end and is asked
/// nothing more.
async fn cancelling_closes_the_connection_to(provider: ProviderId) {
    let s = Setup::new(Duration::from_millis(150)).await;
    let vault = s.vault().await;
    add_for(&vault, provider, KEY).await;
    let service = Arc::new(ChatService::new(vault));
    let mut stream = service.start(ChatRequest::ask(provider, "a long answer please"));
    loop {
        if let ChatEvent::Delta { .. } = stream.next().await.expect("event").expect("ok") {
            break;
        }
    }
    assert_eq!(s.fake.disconnects(), 0, "{provider:?}: still streaming");
    drop(stream);
    let deadline = Instant::now() + Duration::from_secs(3);
    // Counted only for an answer dropped before its end: the fake stops sending it.
    while s.fake.disconnects() == 0 {
        assert!(
            Instant::now() < deadline,
            "{provider:?}: the provider never saw the disconnect"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The request's task is gone too, and it asked nothing more (validation is a GET).
    while Arc::strong_count(&service) > 1 {
        assert!(
            Instant::now() < deadline,
            "{provider:?}: the request still runs"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let asked = s
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(asked, 1, "{provider:?}");
}

#[test]
fn tokens_arrive_before_the_answer_ends() {
    private_keyring::run("tokens_arrive_before_the_answer_ends", async {
        streams_token_by_token(ProviderId::Openai).await;
    });
}

#[test]
fn tokens_arrive_before_the_answer_ends_from_anthropic_and_gemini() {
    private_keyring::run(
        "tokens_arrive_before_the_answer_ends_from_anthropic_and_gemini",
        async {
            // Our own adapters and SSE decoder, not async-openai's: side by side.
            futures::join!(
                streams_token_by_token(ProviderId::Anthropic),
                streams_token_by_token(ProviderId::Gemini)
            );
        },
    );
}

#[test]
fn cancelling_closes_the_upstream_connection() {
    private_keyring::run("cancelling_closes_the_upstream_connection", async {
        cancelling_closes_the_connection_to(ProviderId::Openai).await;
    });
}

#[test]
fn cancelling_closes_the_upstream_connection_on_anthropic_and_gemini() {
    private_keyring::run(
        "cancelling_closes_the_upstream_connection_on_anthropic_and_gemini",
        async {
            futures::join!(
                cancelling_closes_the_connection_to(ProviderId::Anthropic),
                cancelling_closes_the_connection_to(ProviderId::Gemini)
            );
        },
    );
}

#[test]
fn a_key_changed_elsewhere_counts_on_the_next_request() {
    private_keyring::run(
        "a_key_changed_elsewhere_counts_on_the_next_request",
        async {
            let s = Setup::new(Duration::ZERO).await;
            let app = s.vault().await;
            let cli = s.vault().await;
            let id = add(&cli, KEY).await;
            let service = Arc::new(ChatService::new(app));
            let auth_of_last = |fake: &FakeAi| {
                fake.requests()
                    .last()
                    .and_then(|r| r.header("authorization").map(str::to_owned))
            };
            let route_of_next = |service: &Arc<ChatService>| {
                let service = service.clone();
                async move {
                    let run = drain(
                        || service.start(ChatRequest::ask(ProviderId::Openai, "hi")),
                        DEADLINE,
                    )
                    .await;
                    assert!(run.error.is_none(), "event: {:?}", run.error);
                    run.events
                        .into_iter()
                        .find_map(|event| match event {
                            ChatEvent::Finished { route, .. } => Some(route),
                            _ => None,
                        })
                        .expect("finished")
                }
            };
            route_of_next(&service).await;
            assert_eq!(auth_of_last(&s.fake), Some(format!("Bearer {KEY}")));

            // Replaced through the other handle: the very next request uses the new secret.
            cli.update(
                &id,
                KeyUpdate {
                    secret: Some(ApiKey::parse(NEW_KEY).expect("key")),
                    verify: true,
                    ..KeyUpdate::default()
                },
            )
            .await
            .expect("replaced");
            route_of_next(&service).await;
            assert_eq!(auth_of_last(&s.fake), Some(format!("Bearer {NEW_KEY}")));

            // Switched off there: Taskly answers next, and never sees the key.
            cli.set_enabled(&id, false).await.expect("off");
            let route = route_of_next(&service).await;
            assert_eq!(route.describe(), "Taskly");
            for request in s.proxy.requests() {
                let all = format!("{:?} {}", request.headers, request.body_text());
                assert!(!all.contains(KEY) && !all.contains(NEW_KEY));
                assert_eq!(
                    request.header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
            }
        },
    );
}

#[test]
fn a_key_removed_elsewhere_leaves_this_process_at_its_next_decision() {
    private_keyring::run(
        "a_key_removed_elsewhere_leaves_this_process_at_its_next_decision",
        async {
            let s = Setup::new(Duration::ZERO).await;
            let app = s.vault().await;
            let cli = s.vault().await;
            let id = add(&cli, KEY).await;
            let service = Arc::new(ChatService::new(app));
            service
                .router()
                .decide(ProviderId::Openai)
                .await
                .expect("personal route");
            assert_eq!(service.router().cached_secrets(), 1);

            // Removed by another process; the next decision, for any provider, lets the secret go
            // (dropping its last reference zeroizes it) instead of keeping it until OpenAI is asked.
            cli.remove(&id).await.expect("removed");
            let other = service
                .router()
                .decide(ProviderId::Anthropic)
                .await
                .expect("Taskly route");
            assert_eq!(other.info.describe(), "Taskly");
            assert_eq!(service.router().cached_secrets(), 0);
            let openai = service
                .router()
                .decide(ProviderId::Openai)
                .await
                .expect("Taskly route");
            assert_eq!(openai.info.describe(), "Taskly");
        },
    );
}

#[test]
fn a_hard_budget_refuses_before_sending() {
    private_keyring::run("a_hard_budget_refuses_before_sending", async {
        let s = Setup::new(Duration::ZERO).await;
        let vault = s.vault().await;
        let id = add(&vault, KEY).await;
        budget::set_budget(
            vault.db(),
            "local",
            &id,
            Budget {
                daily_hard_usd: Some(0.0),
                ..Budget::default()
            },
        )
        .await
        .expect("budget");
        s.fake.clear_requests();
        let service = Arc::new(ChatService::new(vault));
        let error = drain(
            || service.start(ChatRequest::ask(ProviderId::Openai, "hi")),
            DEADLINE,
        )
        .await
        .error;
        assert!(
            matches!(error, Some(Error::BudgetExceeded { .. })),
            "{error:?}"
        );
        assert!(s.fake.requests().is_empty(), "nothing was sent");
    });
}

#[test]
fn a_request_that_would_pass_a_hard_budget_is_refused_with_its_estimate() {
    private_keyring::run(
        "a_request_that_would_pass_a_hard_budget_is_refused_with_its_estimate",
        async {
            let s = Setup::new(Duration::ZERO).await;
            let vault = s.vault().await;
            let id = add(&vault, KEY).await;
            // Nothing spent yet: only this request's worst case can pass the $0.01.
            vault
                .usage()
                .set_budget(
                    &id,
                    Budget {
                        daily_hard_usd: Some(0.01),
                        ..Budget::default()
                    },
                )
                .await
                .expect("budget");
            s.fake.clear_requests();
            let service = Arc::new(ChatService::new(vault.clone()));
            let long = "Summarise the history of distributed systems in detail. ".repeat(400);
            let mut request = ChatRequest::ask(ProviderId::Openai, &long);
            request.model = Some("gpt-4o".into());
            let error = drain(|| service.start(request), DEADLINE).await.error;
            let Some(err @ Error::BudgetExceeded { .. }) = &error else {
                panic!("{error:?}");
            };
            let text = err.to_string();
            assert!(text.contains("could cost up to"), "{text}");
            assert!(text.contains("nothing was sent"), "{text}");
            assert!(s.fake.requests().is_empty(), "nothing was sent");
            // A short question with a small answer fits and is sent.
            let mut small = ChatRequest::ask(ProviderId::Openai, "hi");
            small.max_tokens = Some(50);
            let chat = drain(|| service.start(small), DEADLINE).await;
            assert!(chat.error.is_none(), "{:?}", chat.error);
        },
    );
}

#[test]
fn no_debug_output_carries_the_key() {
    private_keyring::run("no_debug_output_carries_the_key", async {
        let s = Setup::new(Duration::ZERO).await;
        let vault = s.vault().await;
        add(&vault, KEY).await;
        let service = ChatService::new(vault.clone());
        let decision = service
            .router()
            .decide(ProviderId::Openai)
            .await
            .expect("decision");
        for text in [
            format!("{decision:?}"),
            format!("{:?}", decision.endpoint),
            format!("{:?}", vault.config()),
            format!("{service:?}"),
        ] {
            assert!(!text.contains(KEY) && !text.contains(TOKEN), "{text}");
        }
        s.fake.push_fault(taskly_fake_ai::Fault::EchoKeyInError);
        let service = Arc::new(service);
        let error = drain(
            || service.start(ChatRequest::ask(ProviderId::Openai, "hi")),
            DEADLINE,
        )
        .await
        .error
        .expect("an error");
        for text in [
            format!("{error:?}"),
            error.to_string(),
            serde_json::to_string(&error.payload()).expect("json"),
        ] {
            assert!(!text.contains(KEY), "{text}");
        }
    });
}
