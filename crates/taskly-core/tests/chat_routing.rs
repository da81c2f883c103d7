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
use taskly_core::chat::run::{ChatEvent, ChatService};
use taskly_core::chat::{ChatRequest, Message, Role};
use taskly_core::usage::budget::{self, Budget};
use taskly_core::vault::KeyUpdate;
use taskly_core::{ApiKey, Config, Error, NewKey, ProviderId, Vault};
use taskly_fake_ai::{FakeAi, FakeAiConfig, Flavor};

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
        config
            .base_url_overrides
            .insert(ProviderId::Openai, self.fake.base_url(Flavor::OpenAi));
        config.chat.proxy_url = self.proxy.base_url(Flavor::Proxy);
        config.chat.proxy_token = Some(Arc::new(ApiKey::parse(TOKEN).expect("token")));
        config.chat.retry_base = Duration::from_millis(20);
        Arc::new(private_keyring::open(config).await)
    }
}

fn question(text: &str) -> ChatRequest {
    ChatRequest {
        provider: ProviderId::Openai,
        model: None,
        messages: vec![Message {
            role: Role::User,
            content: text.into(),
        }],
        max_tokens: None,
    }
}

async fn add(vault: &Vault, key: &str) -> String {
    let new = NewKey {
        provider: ProviderId::Openai,
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

#[test]
fn tokens_arrive_before_the_answer_ends() {
    private_keyring::run("tokens_arrive_before_the_answer_ends", async {
        let s = Setup::new(Duration::from_millis(80)).await;
        let vault = s.vault().await;
        add(&vault, KEY).await;
        let service = Arc::new(ChatService::new(vault));
        let started = Instant::now();
        let mut stream = service.start(question("tell me"));
        let mut first_delta = None;
        let mut finished = None;
        while let Some(event) = stream.next().await {
            match event.expect("event") {
                ChatEvent::Delta { .. } if first_delta.is_none() => {
                    first_delta = Some(started.elapsed())
                }
                ChatEvent::Finished { .. } => finished = Some(started.elapsed()),
                _ => {}
            }
        }
        let (first, end) = (first_delta.expect("a delta"), finished.expect("finished"));
        assert!(
            end - first >= Duration::from_millis(300),
            "first token at {first:?}, end at {end:?}: not streamed"
        );
    });
}

#[test]
fn cancelling_closes_the_upstream_connection() {
    private_keyring::run("cancelling_closes_the_upstream_connection", async {
        let s = Setup::new(Duration::from_millis(150)).await;
        let vault = s.vault().await;
        add(&vault, KEY).await;
        let service = Arc::new(ChatService::new(vault));
        let mut stream = service.start(question("a long answer please"));
        loop {
            if let ChatEvent::Delta { .. } = stream.next().await.expect("event").expect("ok") {
                break;
            }
        }
        drop(stream);
        let deadline = Instant::now() + Duration::from_secs(3);
        while s.fake.disconnects() == 0 {
            assert!(
                Instant::now() < deadline,
                "the provider never saw the disconnect"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
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
            let drain = |service: &Arc<ChatService>| {
                let mut stream = service.start(question("hi"));
                async move {
                    let mut route = None;
                    while let Some(event) = stream.next().await {
                        if let ChatEvent::Finished { route: r, .. } = event.expect("event") {
                            route = Some(r);
                        }
                    }
                    route.expect("finished")
                }
            };
            drain(&service).await;
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
            drain(&service).await;
            assert_eq!(auth_of_last(&s.fake), Some(format!("Bearer {NEW_KEY}")));

            // Switched off there: Taskly answers next, and never sees the key.
            cli.set_enabled(&id, false).await.expect("off");
            let route = drain(&service).await;
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
        let mut stream = service.start(question("hi"));
        let mut error = None;
        while let Some(event) = stream.next().await {
            if let Err(e) = event {
                error = Some(e);
            }
        }
        assert!(
            matches!(error, Some(Error::BudgetExceeded { .. })),
            "{error:?}"
        );
        assert!(s.fake.requests().is_empty(), "nothing was sent");
    });
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
        let mut stream = service.start(question("hi"));
        let mut error = None;
        while let Some(event) = stream.next().await {
            if let Err(e) = event {
                error = Some(e);
            }
        }
        let error = error.expect("an error");
        for text in [
            format!("{error:?}"),
            error.to_string(),
            serde_json::to_string(&error.payload()).expect("json"),
        ] {
            assert!(!text.contains(KEY), "{text}");
        }
    });
}
