//! Keeping the session: access tokens refreshed before they expire with the refresh token
//! rotated, one refresh for two cores (two processes) at once, a grant revoked at the issuer
//! ending the session, and the proxy's 401 answered with one refresh.

use std::time::Duration;

use taskly_core::ErrorCode;
use taskly_fake_ai::{Fault, Flavor, ScriptedFault};
use taskly_testkit::oidc::{Issuer, IssuerOptions};

use crate::common::{self, World, answered_by_taskly_for, ask, defaults, session_entries, tokens};
use crate::private_keyring;

/// Access tokens that live two seconds: always within the core's minute of early refresh, so
/// every use refreshes.
fn short_lived() -> IssuerOptions {
    IssuerOptions {
        access_token_ttl: Duration::from_secs(2),
        ..IssuerOptions::default()
    }
}

#[test]
fn expired_tokens_are_refreshed_and_the_refresh_token_rotates() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "expired_tokens_are_refreshed_and_the_refresh_token_rotates",
        ),
        async {
            let world = World::start_with(short_lived()).await;
            let w = &world;
            let signin = w.signin().await;
            w.sign_in(&signin, "ana", defaults()).await;
            let (access0, refresh0) = tokens(w, "ana");
            assert_eq!(w.grants("refresh_token").await, 0);
            let expires0 = signin.status().await.expect("status").accounts[0]
                .access_expires_at
                .clone();
            // Let the first access token really expire.
            tokio::time::sleep(Duration::from_millis(2100)).await;
            assert!(!w.active(&access0).await, "the first access token expired");

            let vault = w.vault().await;
            let first = ask(&vault).await;
            answered_by_taskly_for(&first, "ana@example.com");
            assert_eq!(w.grants("refresh_token").await, 1);
            let (access1, refresh1) = tokens(w, "ana");
            assert_ne!(access1, access0);
            // Rotated: the store holds only the new refresh token, the old one is spent.
            assert_ne!(refresh1, refresh0);
            assert!(!w.active(&refresh0).await, "the old refresh token is spent");
            assert!(w.active(&refresh1).await, "the new refresh token works");
            let calls = w.proxy_chats();
            assert_eq!(
                calls[0].header("authorization"),
                Some(format!("Bearer {access1}").as_str()),
                "the refreshed token was sent"
            );
            assert_eq!(calls[0].proxy_subject, Some(Issuer::sub_of("ana")));
            let expires1 = signin.status().await.expect("status").accounts[0]
                .access_expires_at
                .clone();
            assert!(expires1 > expires0, "{expires1:?} after {expires0:?}");

            // Again on the same core: due again, refreshed again with the rotated token.
            let second = ask(&vault).await;
            answered_by_taskly_for(&second, "ana@example.com");
            assert_eq!(w.grants("refresh_token").await, 2);
            let (_, refresh2) = tokens(w, "ana");
            assert!(!w.active(&refresh1).await && w.active(&refresh2).await);
            assert_eq!(w.proxy_chats().len(), 2);
            assert!(
                w.proxy_chats()
                    .iter()
                    .all(|c| c.proxy_subject == Some(Issuer::sub_of("ana")))
            );
            // Reusing a spent refresh token would have ended the grant: none was reused.
            assert_eq!(w.stat("token_errors").await, 0);
            let status = signin.status().await.expect("status");
            assert!(status.accounts[0].has_session);
        },
    );
}

#[test]
fn two_cores_due_at_once_refresh_once() {
    private_keyring::run(
        &common::name(module_path!(), "two_cores_due_at_once_refresh_once"),
        async {
            // A lifetime just over the core's minute of early refresh: fresh for about 7 s
            // after signing in and again after a refresh, due after that. The core that waited
            // for the other one's refresh must then use its token rather than refresh again.
            let world = World::start_with(IssuerOptions {
                access_token_ttl: Duration::from_secs(68),
                ..IssuerOptions::default()
            })
            .await;
            let w = &world;
            let signin = w.signin().await;
            w.sign_in(&signin, "ana", defaults()).await;
            let (_, refresh0) = tokens(w, "ana");
            // Two processes (each its own core: own caches, own SQLite and keyring
            // connections; the same data folder and keyring) used the session while fresh...
            let (a, b) = (w.vault().await, w.vault().await);
            answered_by_taskly_for(&ask(&a).await, "ana@example.com");
            answered_by_taskly_for(&ask(&b).await, "ana@example.com");
            assert_eq!(w.grants("refresh_token").await, 0);
            // ...and both find it due at the same moment.
            tokio::time::sleep(Duration::from_secs(9)).await;
            w.proxy.clear_requests();
            let (first, second) = tokio::join!(ask(&a), ask(&b));
            answered_by_taskly_for(&first, "ana@example.com");
            answered_by_taskly_for(&second, "ana@example.com");
            assert_eq!(
                w.grants("refresh_token").await,
                1,
                "one refresh at the issuer for both"
            );
            assert_eq!(w.stat("token_errors").await, 0, "no refresh token reused");
            let calls = w.proxy_chats();
            assert_eq!(calls.len(), 2);
            let (access1, refresh1) = tokens(w, "ana");
            for call in &calls {
                assert_eq!(
                    call.header("authorization"),
                    Some(format!("Bearer {access1}").as_str()),
                    "both sent the one refreshed token"
                );
                assert_eq!(call.proxy_subject, Some(Issuer::sub_of("ana")));
            }
            assert!(!w.active(&refresh0).await && w.active(&refresh1).await);
        },
    );
}

#[test]
fn a_grant_revoked_at_the_issuer_ends_the_session() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "a_grant_revoked_at_the_issuer_ends_the_session",
        ),
        async {
            let world = World::start_with(short_lived()).await;
            let w = &world;
            let signin = w.signin().await;
            let account = w.sign_in(&signin, "ana", defaults()).await.account;
            w.issuer().revoke_grants(&Issuer::sub_of("ana")).await;
            tokio::time::sleep(Duration::from_millis(2100)).await;

            let vault = w.vault().await;
            let chat = ask(&vault).await;
            let err = chat.error.as_ref().expect("refused");
            assert_eq!(err.code(), ErrorCode::SignInRequired, "{err}");
            assert!(err.to_string().contains("taskly auth login"), "{err}");
            assert!(w.proxy_chats().is_empty(), "no expired token was sent");
            let status = signin.status().await.expect("status");
            assert_eq!(status.accounts.len(), 1, "the account stays, for its keys");
            assert!(!status.accounts[0].has_session);
            assert!(status.accounts[0].access_expires_at.is_none());
            assert!(
                session_entries(&account.id).is_empty(),
                "the tokens are gone"
            );
            // It stays ended without asking the issuer again.
            let refreshes = w.grants("refresh_token").await;
            let again = ask(&vault).await;
            assert_eq!(
                again.error.as_ref().map(taskly_core::Error::code),
                Some(ErrorCode::SignInRequired)
            );
            assert_eq!(w.grants("refresh_token").await, refreshes);

            // Signing in again brings the session back.
            w.sign_in(&signin, "ana", defaults()).await;
            answered_by_taskly_for(&ask(&w.vault().await).await, "ana@example.com");
        },
    );
}

#[test]
fn a_grant_revoked_while_the_token_looks_fresh_ends_the_session_after_the_proxy_refuses() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "a_grant_revoked_while_the_token_looks_fresh_ends_the_session_after_the_proxy_refuses",
        ),
        async {
            let world = World::start().await;
            let w = &world;
            let signin = w.signin().await;
            let account = w.sign_in(&signin, "ana", defaults()).await.account;
            let vault = w.vault().await;
            answered_by_taskly_for(&ask(&vault).await, "ana@example.com");
            w.issuer().revoke_grants(&Issuer::sub_of("ana")).await;

            // The core still thinks its token good for an hour; the proxy (asking the issuer)
            // refuses it, the one refresh is refused too: sign in again.
            let chat = ask(&vault).await;
            let err = chat.error.as_ref().expect("refused");
            assert_eq!(err.code(), ErrorCode::SignInRequired, "{err}");
            assert_eq!(w.grants("refresh_token").await, 1);
            assert_eq!(
                w.proxy_chats().len(),
                2,
                "one answered, one refused; no retry"
            );
            let status = signin.status().await.expect("status");
            assert!(!status.accounts[0].has_session);
            assert!(session_entries(&account.id).is_empty());
        },
    );
}

#[test]
fn a_token_the_proxy_refuses_is_refreshed_once() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "a_token_the_proxy_refuses_is_refreshed_once",
        ),
        async {
            let world = World::start().await;
            let w = &world;
            let signin = w.signin().await;
            w.sign_in(&signin, "ana", defaults()).await;
            let (access0, _) = tokens(w, "ana");
            let vault = w.vault().await;

            // One 401 from the proxy: the chat refreshes and answers with the new token.
            w.proxy
                .push_fault(ScriptedFault::new(Fault::Unauthorized).for_flavor(Flavor::Proxy));
            let chat = ask(&vault).await;
            answered_by_taskly_for(&chat, "ana@example.com");
            assert_eq!(w.grants("refresh_token").await, 1);
            let (access1, _) = tokens(w, "ana");
            assert_ne!(access1, access0);
            let calls = w.proxy_chats();
            assert_eq!(calls.len(), 2);
            assert_eq!(
                calls[0].header("authorization"),
                Some(format!("Bearer {access0}").as_str())
            );
            assert_eq!(
                calls[1].header("authorization"),
                Some(format!("Bearer {access1}").as_str())
            );
            assert_eq!(calls[1].proxy_subject, Some(Issuer::sub_of("ana")));

            // The next chat uses the new token without refreshing.
            answered_by_taskly_for(&ask(&vault).await, "ana@example.com");
            assert_eq!(w.grants("refresh_token").await, 1);

            // Refused again after the refresh: once only, then the proxy's refusal is the answer.
            w.proxy.clear_requests();
            w.proxy.push_fault(
                ScriptedFault::new(Fault::Unauthorized)
                    .for_flavor(Flavor::Proxy)
                    .times(2),
            );
            let chat = ask(&vault).await;
            let err = chat.error.as_ref().expect("refused");
            assert_eq!(err.code(), ErrorCode::ProxyTokenRejected, "{err}");
            assert_eq!(w.grants("refresh_token").await, 2);
            assert_eq!(w.proxy_chats().len(), 2);
            // The session itself is fine: the proxy refused, not the issuer.
            assert!(signin.status().await.expect("status").accounts[0].has_session);
            answered_by_taskly_for(&ask(&vault).await, "ana@example.com");
        },
    );
}

#[test]
fn a_refreshed_id_token_for_another_person_is_refused() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "a_refreshed_id_token_for_another_person_is_refused",
        ),
        async {
            let world = World::start_with(short_lived()).await;
            let w = &world;
            let signin = w.signin().await;
            w.sign_in(&signin, "ana", defaults()).await;
            // The issuer's next refresh answer (signed with its real key) names someone else.
            w.issuer()
                .fault_next_id_token(serde_json::json!({ "sub": Issuer::sub_of("mallory") }))
                .await;
            tokio::time::sleep(Duration::from_millis(2100)).await;
            let vault = w.vault().await;
            let chat = ask(&vault).await;
            let err = chat.error.as_ref().expect("refused");
            assert_eq!(err.code(), ErrorCode::SignInRejected, "{err}");
            assert_eq!(w.grants("refresh_token").await, 1);
            // Its tokens were not used, for anyone.
            assert!(w.proxy_chats().is_empty());
            let status = signin.status().await.expect("status");
            assert_eq!(status.accounts.len(), 1);
            assert_eq!(status.accounts[0].subject, Issuer::sub_of("ana"));
            assert!(session_entries(&w.account_of("mallory")).is_empty());
            // That answer spent ana's refresh token: the session is ended at once (presenting
            // the spent token again would only make the issuer revoke the grant), and the next
            // try says to sign in again without asking the issuer.
            assert!(!signin.status().await.expect("status").accounts[0].has_session);
            assert!(session_entries(&w.account_of("ana")).is_empty());
            let again = ask(&vault).await;
            assert_eq!(
                again.error.as_ref().map(taskly_core::Error::code),
                Some(ErrorCode::SignInRequired)
            );
            assert_eq!(w.grants("refresh_token").await, 1);
            assert!(w.proxy_chats().is_empty());
        },
    );
}

#[test]
fn taskly_proxy_token_overrides_the_session() {
    private_keyring::run(
        &common::name(module_path!(), "taskly_proxy_token_overrides_the_session"),
        async {
            const TOKEN: &str = "taskly-managed-token-0123456789";
            let world = World::start().await;
            let w = &world;
            let signin = w.signin().await;
            w.sign_in(&signin, "ana", defaults()).await;
            let managed = taskly_fake_ai::FakeAi::start(taskly_fake_ai::FakeAiConfig {
                proxy_tokens: vec![TOKEN.to_owned()],
                ..taskly_fake_ai::FakeAiConfig::default()
            })
            .await
            .expect("a proxy");
            let mut config = w.config();
            config.chat.proxy_url = managed.base_url(Flavor::Proxy);
            config.chat.proxy_token = Some(std::sync::Arc::new(
                taskly_core::ApiKey::parse(TOKEN).expect("token"),
            ));
            let vault = w.vault_with(config).await;
            let status = taskly_core::SignIn::new(vault.core().clone())
                .status()
                .await
                .expect("status");
            assert!(status.token_override);
            assert!(status.active.is_some(), "still signed in");
            let route = common::answered(&ask(&vault).await);
            assert_eq!(route.kind, taskly_core::routing::RouteKind::Taskly);
            assert_eq!(route.account, None, "not the session's token");
            assert_eq!(route.describe(), "Taskly");
            let calls: Vec<_> = managed
                .requests()
                .into_iter()
                .filter(|r| r.method == "POST")
                .collect();
            assert_eq!(calls.len(), 1);
            assert_eq!(
                calls[0].header("authorization"),
                Some(format!("Bearer {TOKEN}").as_str())
            );
            assert_eq!(w.grants("refresh_token").await, 0);
        },
    );
}

#[test]
fn an_unreachable_issuer_in_the_last_minute_leaves_the_still_valid_token_in_use() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "an_unreachable_issuer_in_the_last_minute_leaves_the_still_valid_token_in_use",
        ),
        async {
            // 30 s left: inside the core's early-refresh minute, still valid.
            let mut world = World::start_with(IssuerOptions {
                access_token_ttl: Duration::from_secs(30),
                ..IssuerOptions::default()
            })
            .await;
            let signin = world.signin().await;
            world.sign_in(&signin, "ana", defaults()).await;
            world.stop_issuer();
            let vault = world.vault().await;
            let router = taskly_core::routing::Router::new(vault.clone());
            let decision = router
                .decide(taskly_core::ProviderId::Openai)
                .await
                .expect("the still-valid token is used while the issuer is away");
            assert_eq!(decision.info.kind, taskly_core::routing::RouteKind::Taskly);
            assert_eq!(decision.info.account.as_deref(), Some("ana@example.com"));
        },
    );
}
