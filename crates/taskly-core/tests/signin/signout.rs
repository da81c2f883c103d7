//! Signing out: the issuer revokes the grant (RFC 7009; introspection then says inactive) and
//! the local session goes; when the issuer cannot be reached, or is no longer the one the
//! account signed in at, the local session goes anyway and the result says it was not revoked.

use taskly_core::ErrorCode;
use taskly_testkit::oidc::Issuer;

use crate::common::{
    self, World, answered_by_taskly_for, ask, defaults, fresh, session_entries, tokens,
};
use crate::private_keyring;

#[test]
fn signing_out_revokes_at_the_issuer_and_forgets_the_session() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "signing_out_revokes_at_the_issuer_and_forgets_the_session",
        ),
        async {
            let world = World::start().await;
            let w = &world;
            let signin = w.signin().await;
            let account = w.sign_in(&signin, "ana", defaults()).await.account;
            answered_by_taskly_for(&ask(&w.vault().await).await, "ana@example.com");
            let (access, refresh) = tokens(w, "ana");

            let out = signin.sign_out(None, false).await.expect("signed out");
            assert!(out.revoked, "{:?}", out.revoke_error);
            assert!(out.revoke_error.is_none());
            assert_eq!(out.accounts.len(), 1);
            assert_eq!(out.accounts[0].id, account.id);
            assert!(w.stat("revocation").await >= 1);
            assert!(!w.active(&refresh).await, "the refresh token is revoked");
            assert!(!w.active(&access).await, "the access token is revoked");

            let status = signin.status().await.expect("status");
            assert!(status.accounts.is_empty() && status.active.is_none());
            assert!(session_entries(&account.id).is_empty());
            // Signed out, the local profile is used again, and Taskly asks to sign in.
            let vault = w.vault().await;
            assert_eq!(vault.account().as_str(), "local");
            let chat = ask(&vault).await;
            assert_eq!(
                chat.error.as_ref().map(taskly_core::Error::code),
                Some(ErrorCode::SignInRequired)
            );
            // Nobody left to sign out.
            let err = signin.sign_out(None, false).await.expect_err("nobody");
            assert_eq!(err.code(), ErrorCode::SignInRequired);
        },
    );
}

#[test]
fn signing_out_all_accounts_revokes_each() {
    private_keyring::run(
        &common::name(module_path!(), "signing_out_all_accounts_revokes_each"),
        async {
            let world = World::start().await;
            let w = &world;
            let signin = w.signin().await;
            w.sign_in(&signin, "ana", defaults()).await;
            let (_, ana) = tokens(w, "ana");
            w.sign_in(&signin, "bob", fresh()).await;
            let (_, bob) = tokens(w, "bob");
            let out = signin.sign_out(None, true).await.expect("signed out");
            assert!(out.revoked, "{:?}", out.revoke_error);
            assert_eq!(out.accounts.len(), 2);
            assert!(!w.active(&ana).await && !w.active(&bob).await);
            assert!(signin.status().await.expect("status").accounts.is_empty());
            for login in ["ana", "bob"] {
                assert!(session_entries(&w.account_of(login)).is_empty(), "{login}");
            }
        },
    );
}

#[test]
fn signing_out_with_the_issuer_unreachable_still_forgets_the_session() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "signing_out_with_the_issuer_unreachable_still_forgets_the_session",
        ),
        async {
            let mut world = World::start().await;
            let signin = world.signin().await;
            let ana = world.sign_in(&signin, "ana", defaults()).await.account;
            let bob = world.sign_in(&signin, "bob", fresh()).await.account;
            world.stop_issuer();

            // A core that knows the issuer already (the app that signed in): revoking fails.
            let out = signin
                .sign_out(Some("ana@example.com"), false)
                .await
                .expect("signed out locally");
            assert!(!out.revoked);
            let why = out.revoke_error.expect("why not");
            assert!(why.contains("cannot be used right now"), "{why}");
            assert!(session_entries(&ana.id).is_empty());

            // A process starting now, which cannot even discover it.
            let later = world.signin().await;
            let out = later
                .sign_out(Some(&bob.name), false)
                .await
                .expect("signed out locally");
            assert!(!out.revoked);
            assert!(out.revoke_error.is_some());
            assert!(session_entries(&bob.id).is_empty());
            let status = later.status().await.expect("status");
            assert!(status.accounts.is_empty() && status.active.is_none());
        },
    );
}

#[test]
fn signing_out_never_sends_a_token_to_another_issuer() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "signing_out_never_sends_a_token_to_another_issuer",
        ),
        async {
            let world = World::start().await;
            let w = &world;
            let signin = w.signin().await;
            let account = w.sign_in(&signin, "ana", defaults()).await.account;
            let (access, refresh) = tokens(w, "ana");
            // The sign-in service configured now is another one (TASKLY_AUTH_URL changed).
            let other = tokio::task::spawn_blocking(Issuer::start)
                .await
                .expect("another issuer");
            let mut config = w.config();
            config.auth.issuer = other.url().to_owned();
            let elsewhere = taskly_core::SignIn::new(w.vault_with(config).await.core().clone());
            let out = elsewhere
                .sign_out(None, false)
                .await
                .expect("signed out locally");
            assert!(
                !out.revoked,
                "not revoked: the account's issuer was not asked"
            );
            assert!(out.revoke_error.is_some());
            assert_eq!(other.stats().await["revocation"].as_u64(), Some(0));
            assert_eq!(other.stats().await["introspection"].as_u64(), Some(0));
            assert!(session_entries(&account.id).is_empty());
            // Its own issuer was not asked either, so the tokens still work there until they
            // expire (which is what `revoked: false` says).
            assert!(w.active(&refresh).await && w.active(&access).await);
        },
    );
}
