//! Accounts on one machine: two signed-in people never see each other's keys, sessions or
//! usage; switching is one call; the local profile's keys are offered to the first account
//! signed in, once, and brought over whole (row, secret, usage) when accepted.

use std::sync::Arc;

use taskly_core::routing::RouteKind;
use taskly_core::usage::{self, UsageRow};
use taskly_core::{ErrorCode, Vault};
use taskly_testkit::oidc::Issuer;

use crate::common::{
    self, KEY, World, answered, answered_by_taskly_for, ask, defaults, fresh, keyring_users,
    session_entries,
};
use crate::private_keyring;

async fn usage_of(vault: &Arc<Vault>) -> Vec<UsageRow> {
    usage::report(vault.db(), vault.account().as_str(), &usage::days_ago(1))
        .await
        .expect("usage")
}

fn requests(rows: &[UsageRow]) -> u64 {
    rows.iter().map(|r| r.requests).sum()
}

#[test]
fn two_accounts_keep_their_keys_sessions_and_usage_apart() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "two_accounts_keep_their_keys_sessions_and_usage_apart",
        ),
        async {
            let world = World::start().await;
            let w = &world;
            let signin = w.signin().await;
            let ana = w.sign_in(&signin, "ana", defaults()).await.account;
            let vault = w.vault().await;
            assert_eq!(vault.account().as_str(), ana.id);
            let key = w.add_key(&vault).await;
            assert!(private_keyring::keyring_holds(&ana.id, &key, KEY));
            let route = answered(&ask(&vault).await);
            assert_eq!(route.kind, RouteKind::Personal);
            assert_eq!(requests(&usage_of(&vault).await), 1);

            // Another person signs in on the same machine (a fresh login at the issuer).
            let bob = w.sign_in(&signin, "bob", fresh()).await;
            assert!(bob.local_keys.is_empty());
            let bob = bob.account;
            assert_ne!(bob.id, ana.id);
            assert_eq!(bob.subject, Issuer::sub_of("bob"));
            let status = signin.status().await.expect("status");
            assert_eq!(status.accounts.len(), 2);
            assert_eq!(
                status.active.as_ref().map(|a| a.id.as_str()),
                Some(bob.id.as_str())
            );
            // Each has its own session.
            assert_eq!(session_entries(&ana.id).len(), 2);
            assert_eq!(session_entries(&bob.id).len(), 2);

            // A process starting now opens bob's account: none of ana's keys or usage, and its
            // chats go through Taskly, paid by bob.
            let vault = w.vault().await;
            assert_eq!(vault.account().as_str(), bob.id);
            assert!(vault.list().await.expect("list").is_empty());
            let err = vault.get(&key).await.expect_err("not bob's");
            assert_eq!(err.code(), ErrorCode::KeyNotFound, "{err}");
            assert!(usage_of(&vault).await.is_empty());
            answered_by_taskly_for(&ask(&vault).await, "bob@example.com");
            assert_eq!(
                w.proxy_chats().last().and_then(|c| c.proxy_subject.clone()),
                Some(Issuer::sub_of("bob"))
            );
            let bobs = usage_of(&vault).await;
            assert_eq!(requests(&bobs), 1);
            assert!(bobs.iter().all(|r| r.key_id.is_none()), "through Taskly");
            // No key entry of bob's in the keyring.
            let users = keyring_users();
            assert!(
                !users.iter().any(|u| u.starts_with(&format!("{}:", bob.id))),
                "{users:?}"
            );

            // Switching back is one call; the next process opens ana's account again.
            let switched = signin.switch("ana@example.com").await.expect("switched");
            assert_eq!(switched.id, ana.id);
            assert!(switched.active);
            let vault = w.vault().await;
            assert_eq!(vault.account().as_str(), ana.id);
            let keys = vault.list().await.expect("list");
            assert_eq!(keys.len(), 1);
            assert_eq!(keys[0].id, key);
            let anas = usage_of(&vault).await;
            assert_eq!(requests(&anas), 1);
            assert!(
                anas.iter()
                    .all(|r| r.key_id.as_deref() == Some(key.as_str()))
            );
            assert_eq!(answered(&ask(&vault).await).kind, RouteKind::Personal);

            // An account by its name or id works too; an unknown one is refused.
            assert_eq!(signin.switch(&bob.id).await.expect("by id").id, bob.id);
            assert_eq!(signin.switch(&ana.name).await.expect("by name").id, ana.id);
            let err = signin
                .switch("carol@example.com")
                .await
                .expect_err("unknown");
            assert_eq!(err.code(), ErrorCode::AccountNotFound);
            // Named explicitly (--account), a process opens that account whatever is active.
            let mut config = w.config();
            config.account = taskly_core::AccountId::new("bob@example.com").expect("name");
            config.account_named = true;
            let named = w.vault_with(config).await;
            assert_eq!(named.account().as_str(), bob.id);
            assert!(named.list().await.expect("list").is_empty());
        },
    );
}

#[test]
fn local_keys_are_brought_into_the_first_account_signed_in() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "local_keys_are_brought_into_the_first_account_signed_in",
        ),
        async {
            let world = World::start().await;
            let w = &world;
            // Before any sign-in: a key in the local profile, used once.
            let local = w.vault().await;
            assert_eq!(local.account().as_str(), "local");
            let key = w.add_key(&local).await;
            let masked = local.get(&key).await.expect("key").masked;
            assert!(private_keyring::keyring_holds("local", &key, KEY));
            answered(&ask(&local).await);
            assert_eq!(requests(&usage_of(&local).await), 1);

            let signin = signin_of(&local);
            let signed_in = w.sign_in(&signin, "ana", defaults()).await;
            let account = signed_in.account;
            // Offered, masked.
            assert_eq!(signed_in.local_keys.len(), 1);
            assert_eq!(signed_in.local_keys[0].id, key);
            assert_eq!(signed_in.local_keys[0].masked, masked);
            assert!(!signed_in.local_keys[0].masked.contains(&KEY[8..]));

            let moved = signin
                .adopt_local_keys(&account.id, true)
                .await
                .expect("adopted");
            assert_eq!(moved, 1);
            // The local profile is empty, its entry gone from the keyring.
            assert!(local.list().await.expect("list").is_empty());
            assert!(!private_keyring::keyring_holds("local", &key, KEY));
            let users = keyring_users();
            assert!(
                !users
                    .iter()
                    .any(|u| u.starts_with(&format!("local:{key}:"))),
                "{users:?}"
            );
            // The account has it, secret and usage with it, and it works.
            let vault = w.vault().await;
            assert_eq!(vault.account().as_str(), account.id);
            let keys = vault.list().await.expect("list");
            assert_eq!(keys.len(), 1);
            assert_eq!(keys[0].id, key);
            assert!(keys[0].enabled);
            assert!(private_keyring::keyring_holds(&account.id, &key, KEY));
            assert_eq!(requests(&usage_of(&vault).await), 1);
            let route = answered(&ask(&vault).await);
            assert_eq!(route.kind, RouteKind::Personal);
            assert_eq!(requests(&usage_of(&vault).await), 2);

            // Another account signed in later is not asked.
            let bob = w.sign_in(&signin, "bob", fresh()).await;
            assert!(bob.local_keys.is_empty());
        },
    );
}

#[test]
fn local_keys_kept_are_not_offered_again() {
    private_keyring::run(
        &common::name(module_path!(), "local_keys_kept_are_not_offered_again"),
        async {
            let world = World::start().await;
            let w = &world;
            let local = w.vault().await;
            let key = w.add_key(&local).await;
            let signin = signin_of(&local);
            let ana = w.sign_in(&signin, "ana", defaults()).await;
            assert_eq!(ana.local_keys.len(), 1);
            let moved = signin
                .adopt_local_keys(&ana.account.id, false)
                .await
                .expect("answered");
            assert_eq!(moved, 0);
            // Kept where they were: the local profile still has its key, the account none.
            assert_eq!(local.list().await.expect("list")[0].id, key);
            assert!(private_keyring::keyring_holds("local", &key, KEY));
            assert!(w.vault().await.list().await.expect("list").is_empty());
            // Asked once: neither signing in again nor another account asks again.
            let again = w.sign_in(&signin, "ana", defaults()).await;
            assert!(again.local_keys.is_empty());
            let bob = w.sign_in(&signin, "bob", fresh()).await;
            assert!(bob.local_keys.is_empty());
        },
    );
}

/// The sign-in service of an open vault's core.
fn signin_of(vault: &Arc<Vault>) -> taskly_core::SignIn {
    taskly_core::SignIn::new(vault.core().clone())
}

#[test]
fn an_account_name_in_use_is_refused_and_nothing_is_stored() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "an_account_name_in_use_is_refused_and_nothing_is_stored",
        ),
        async {
            let world = World::start().await;
            let w = &world;
            let signin = w.signin().await;
            let named = |name: &str| taskly_core::SignInOptions {
                name: Some(name.to_owned()),
                fresh_login: true,
            };
            let ana = w.sign_in(&signin, "ana", named("work")).await.account;
            assert_eq!(ana.name, "work");
            assert_eq!(signin.switch("work").await.expect("by name").id, ana.id);

            for name in ["work", "not a valid name"] {
                let pending = signin.start_browser(named(name)).await.expect("started");
                let url = pending.url().to_owned();
                let (page, done) = tokio::join!(
                    w.issuer().sign_in_through_browser(&url, "bob"),
                    pending.finish(std::future::pending())
                );
                let err = done.expect_err("refused");
                assert_eq!(err.code(), ErrorCode::InvalidAccount, "{name}: {err}");
                let (status, _) = page.expect("the browser side");
                assert_eq!(status, 400, "{name}");
                // Nothing of bob's stayed, and ana is still the one signed in.
                let entries = session_entries(&w.account_of("bob"));
                assert!(entries.is_empty(), "{name}: {entries:?}");
                let status = signin.status().await.expect("status");
                assert_eq!(status.accounts.len(), 1, "{name}");
                assert_eq!(status.active.map(|a| a.id), Some(ana.id.clone()));
            }
        },
    );
}
