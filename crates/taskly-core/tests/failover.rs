//! A provider's backup keys and failover by cause (issue 13), against the loopback fake with
//! its real error answers: a rate-limited primary hands over to the backup at once and rests
//! until the announced time; a primary out of quota rests until it is checked again; a refused
//! one is marked invalid and not tried again; nothing is retried after text arrived; Taskly is
//! only ever the last step, with the setting on. Every answer's receipt says why its route.
//!
//! Keys are kept in a real GNOME Keyring on a private D-Bus session
//! (`support/private_keyring.rs`).
#![allow(clippy::expect_used)]

#[path = "support/private_keyring.rs"]
mod private_keyring;

use std::sync::Arc;
use std::time::Duration;

use taskly_core::chat::ChatRequest;
use taskly_core::chat::receipt::Receipt;
use taskly_core::chat::run::{ChatEvent, ChatService};
use taskly_core::db::rests::RestCause;
use taskly_core::routing::RouteKind;
use taskly_core::{ApiKey, Config, Enable, Error, ErrorCode, NewKey, ProviderId, Vault};
use taskly_fake_ai::{FakeAi, FakeAiConfig, Fault, Flavor, ScriptedFault};
use taskly_testkit::drain::{Drained, drain};

const PRIMARY: &str = "sk-proj-primaryPrimary0123456789abcdPRIM";
const BACKUP: &str = "sk-proj-backupBackup0123456789abcdefBACK";
const TOKEN: &str = "taskly-token-0123456789";
const DEADLINE: Duration = Duration::from_secs(30);

struct Setup {
    dir: tempfile::TempDir,
    fake: FakeAi,
    proxy: FakeAi,
}

impl Setup {
    async fn new() -> Self {
        let fake = FakeAi::start(FakeAiConfig {
            provider_keys: vec![PRIMARY.into(), BACKUP.into()],
            ..FakeAiConfig::default()
        })
        .await
        .expect("fake");
        let proxy = taskly_testkit::fake::proxy(TOKEN).await;
        Self {
            dir: tempfile::tempdir().expect("dir"),
            fake,
            proxy,
        }
    }

    async fn vault(&self) -> Arc<Vault> {
        let mut config = Config::new(self.dir.path());
        config
            .base_url_overrides
            .insert(ProviderId::Openai, self.fake.base_url(Flavor::OpenAi));
        config.chat.proxy_url = self.proxy.base_url(Flavor::Proxy);
        config.chat.proxy_token = Some(Arc::new(ApiKey::parse(TOKEN).expect("token")));
        config.chat.retry_base = Duration::from_millis(20);
        config.chat.retry_max_wait = Duration::from_secs(2);
        Arc::new(private_keyring::open(config).await)
    }

    /// A primary ("Main") and a backup ("Work") OpenAI key.
    async fn two_keys(&self, vault: &Vault) -> (String, String) {
        let primary = add(vault, PRIMARY, "Main", Enable::Yes).await;
        let backup = add(vault, BACKUP, "Work", Enable::No).await;
        vault.set_backup(&backup).await.expect("made a backup");
        (primary, backup)
    }

    /// The keys the fake's chat requests were made with, in order (by their last 4 characters).
    fn chat_keys(&self) -> Vec<String> {
        self.fake
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with("/chat/completions"))
            .filter_map(|r| {
                r.header("authorization")
                    .map(|a| a[a.len() - 4..].to_owned())
            })
            .collect()
    }
}

async fn add(vault: &Vault, key: &str, label: &str, enable: Enable) -> String {
    vault
        .add(NewKey {
            provider: ProviderId::Openai,
            label: Some(label.into()),
            base_url: None,
            secret: ApiKey::parse(key).expect("key"),
            verify: true,
            enable,
        })
        .await
        .expect("added")
        .key
        .id
}

async fn ask(vault: &Arc<Vault>) -> Drained<ChatEvent, Error> {
    let service = Arc::new(ChatService::new(vault.clone()));
    drain(
        || service.start(ChatRequest::ask(ProviderId::Openai, "hi")),
        DEADLINE,
    )
    .await
}

fn receipt(chat: &Drained<ChatEvent, Error>) -> Receipt {
    chat.events
        .iter()
        .find_map(|e| match e {
            ChatEvent::Finished { receipt, .. } => Some((**receipt).clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no answer: {:?}", chat.error))
}

fn rate_limited(secs: u64) -> ScriptedFault {
    ScriptedFault::new(Fault::RateLimited {
        retry_after_secs: secs,
    })
    .for_flavor(Flavor::OpenAi)
    .on_path("/chat/completions")
}

#[test]
fn a_rate_limited_primary_hands_over_to_the_backup_at_once_and_rests() {
    private_keyring::run(
        "a_rate_limited_primary_hands_over_to_the_backup_at_once_and_rests",
        async {
            let s = Setup::new().await;
            let vault = s.vault().await;
            let (primary, backup) = s.two_keys(&vault).await;
            // 2 s is within the retry cap: without a backup it would be waited out; with one
            // free, the backup answers at once.
            s.fake.push_fault(rate_limited(2));
            let started = std::time::Instant::now();
            let chat = ask(&vault).await;
            let r = receipt(&chat);
            assert!(
                started.elapsed() < Duration::from_millis(1500),
                "no wait: the backup was free"
            );
            assert_eq!(r.route.key_id.as_deref(), Some(backup.as_str()));
            assert!(
                r.why
                    .starts_with("backup: `Main` was rate-limited, free again in "),
                "{}",
                r.why
            );
            assert!(
                chat.events
                    .iter()
                    .any(|e| matches!(e, ChatEvent::FailingOver { .. })),
                "the front end was told"
            );
            assert_eq!(s.chat_keys(), vec!["PRIM", "BACK"]);
            // The primary rests (the CLI and the app see it), and the next question goes straight
            // to the backup without bothering the primary.
            let listed = vault.get(&primary).await.expect("key");
            let rest = listed.rest.expect("resting");
            assert_eq!(rest.cause, RestCause::RateLimited);
            assert!(rest.seconds_left.is_some_and(|s| s <= 2), "{rest:?}");
            let again = receipt(&ask(&vault).await);
            assert_eq!(again.route.key_id.as_deref(), Some(backup.as_str()));
            assert_eq!(s.chat_keys(), vec!["PRIM", "BACK", "BACK"]);
            // Another handle (another process) agrees: the rest is in SQLite.
            let other = s.vault().await;
            assert!(other.get(&primary).await.expect("key").rest.is_some());
            // The receipt is kept, newest first.
            let kept = vault.usage().requests(10).await.expect("receipts");
            assert_eq!(kept.len(), 2);
            assert_eq!(kept[1].why, r.why);
            assert_eq!(kept[0].route.label.as_deref(), Some("Work"));
        },
    );
}

#[test]
fn a_primary_out_of_quota_rests_until_checked_again() {
    private_keyring::run("a_primary_out_of_quota_rests_until_checked_again", async {
        let s = Setup::new().await;
        let vault = s.vault().await;
        let (primary, backup) = s.two_keys(&vault).await;
        s.fake.push_fault(
            ScriptedFault::new(Fault::QuotaExhausted)
                .for_flavor(Flavor::OpenAi)
                .on_path("/chat/completions"),
        );
        let r = receipt(&ask(&vault).await);
        assert_eq!(r.route.key_id.as_deref(), Some(backup.as_str()));
        assert_eq!(r.why, "backup: `Main` is out of quota");
        let rest = vault
            .get(&primary)
            .await
            .expect("key")
            .rest
            .expect("resting");
        assert_eq!(rest.cause, RestCause::Quota);
        // "Check again" with credit back ends the rest.
        vault.validate(&primary).await.expect("valid again");
        assert!(vault.get(&primary).await.expect("key").rest.is_none());
        let r = receipt(&ask(&vault).await);
        assert_eq!(r.route.key_id.as_deref(), Some(primary.as_str()));
        assert_eq!(r.why, "primary");
    });
}

#[test]
fn a_refused_primary_is_marked_invalid_and_not_tried_again() {
    private_keyring::run(
        "a_refused_primary_is_marked_invalid_and_not_tried_again",
        async {
            let s = Setup::new().await;
            let vault = s.vault().await;
            let (primary, backup) = s.two_keys(&vault).await;
            s.fake.push_fault(
                ScriptedFault::new(Fault::Unauthorized)
                    .for_flavor(Flavor::OpenAi)
                    .on_path("/chat/completions"),
            );
            let r = receipt(&ask(&vault).await);
            assert_eq!(r.route.key_id.as_deref(), Some(backup.as_str()));
            assert_eq!(r.why, "backup: `Main` was refused as invalid");
            let rest = vault
                .get(&primary)
                .await
                .expect("key")
                .rest
                .expect("resting");
            assert_eq!(rest.cause, RestCause::Invalid);
            assert_eq!(rest.until, None, "until checked again");
            for _ in 0..2 {
                receipt(&ask(&vault).await);
            }
            assert_eq!(s.chat_keys(), vec!["PRIM", "BACK", "BACK", "BACK"]);
        },
    );
}

#[test]
fn a_lone_key_behaves_as_before_and_a_resting_primary_with_no_free_backup_is_not_sent() {
    private_keyring::run(
        "a_lone_key_behaves_as_before_and_a_resting_primary_with_no_free_backup_is_not_sent",
        async {
            let s = Setup::new().await;
            let vault = s.vault().await;
            let primary = add(&vault, PRIMARY, "Main", Enable::Yes).await;
            let refused = || {
                ScriptedFault::new(Fault::Unauthorized)
                    .for_flavor(Flavor::OpenAi)
                    .on_path("/chat/completions")
            };
            // Without backups there is no failover order: no rest, the next question is sent.
            s.fake.push_fault(refused());
            let first = ask(&vault).await;
            assert_eq!(
                first.error.as_ref().map(Error::code),
                Some(ErrorCode::InvalidKey)
            );
            assert!(vault.get(&primary).await.expect("key").rest.is_none());
            receipt(&ask(&vault).await);
            assert_eq!(s.chat_keys().len(), 2);
            // With a backup that is refused too, both rest and the next question sends nothing.
            let backup = add(&vault, BACKUP, "Work", Enable::No).await;
            vault.set_backup(&backup).await.expect("backup");
            s.fake.push_fault(refused().times(2));
            let both = ask(&vault).await;
            assert_eq!(
                both.error.as_ref().map(Error::code),
                Some(ErrorCode::InvalidKey)
            );
            assert_eq!(s.chat_keys().len(), 4);
            let again = ask(&vault).await;
            let err = again.error.as_ref().expect("refused");
            assert_eq!(err.code(), ErrorCode::InvalidKey);
            assert!(err.to_string().contains("check it again"), "{err}");
            assert_eq!(s.chat_keys().len(), 4, "no resting key was sent again");
            // Failed requests have receipts too.
            let kept = vault.usage().requests(10).await.expect("receipts");
            assert_eq!(kept.len(), 4);
            assert_eq!(kept[0].error, Some(ErrorCode::InvalidKey));
        },
    );
}

#[test]
fn both_keys_rate_limited_waits_out_the_shorter_wait() {
    private_keyring::run("both_keys_rate_limited_waits_out_the_shorter_wait", async {
        let s = Setup::new().await;
        let vault = s.vault().await;
        let (primary, _backup) = s.two_keys(&vault).await;
        s.fake.push_fault(rate_limited(1));
        s.fake.push_fault(rate_limited(30));
        let started = std::time::Instant::now();
        let chat = ask(&vault).await;
        // Main said 1 s, Work 30 s: the request waits the one second and Main answers.
        let r = receipt(&chat);
        assert_eq!(
            r.route.key_id.as_deref(),
            Some(primary.as_str()),
            "{}",
            r.why
        );
        assert!(started.elapsed() >= Duration::from_millis(900));
        assert!(r.why.starts_with("primary, after a wait: "), "{}", r.why);
        assert_eq!(s.chat_keys(), vec!["PRIM", "BACK", "PRIM"]);
    });
}

#[test]
fn taskly_is_only_the_last_step_and_only_with_the_setting_on() {
    private_keyring::run(
        "taskly_is_only_the_last_step_and_only_with_the_setting_on",
        async {
            let s = Setup::new().await;
            let vault = s.vault().await;
            s.two_keys(&vault).await;
            vault
                .settings()
                .set_fallback_to_taskly(true)
                .await
                .expect("setting");
            s.fake.push_fault(
                ScriptedFault::new(Fault::QuotaExhausted)
                    .for_flavor(Flavor::OpenAi)
                    .on_path("/chat/completions")
                    .times(2),
            );
            let r = receipt(&ask(&vault).await);
            assert_eq!(r.route.kind, RouteKind::Taskly);
            assert_eq!(
                r.why,
                "Taskly: fallback is on and `Main` is out of quota; `Work` is out of quota"
            );
            assert_eq!(s.chat_keys(), vec!["PRIM", "BACK"], "both keys first");
        },
    );
}

#[test]
fn nothing_is_retried_after_text_arrived() {
    private_keyring::run("nothing_is_retried_after_text_arrived", async {
        let s = Setup::new().await;
        let vault = s.vault().await;
        s.two_keys(&vault).await;
        s.fake.push_fault(
            ScriptedFault::new(Fault::CutStreamAfter(3))
                .for_flavor(Flavor::OpenAi)
                .on_path("/chat/completions"),
        );
        let chat = ask(&vault).await;
        assert_eq!(
            chat.error.as_ref().map(Error::code),
            Some(ErrorCode::StreamCut)
        );
        assert_eq!(
            s.chat_keys(),
            vec!["PRIM"],
            "half an answer is never sent twice"
        );
    });
}
