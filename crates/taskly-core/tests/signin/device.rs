//! The device flow (RFC 8628) for terminals without a browser: a code shown, the person
//! confirming it at the issuer elsewhere, the poll ending in the same signed-in account.

use std::time::Duration;

use taskly_core::ErrorCode;
use taskly_testkit::oidc::Issuer;

use crate::common::{
    self, World, answered_by_taskly_for, ask, assert_nothing_stored, defaults, tokens,
};
use crate::private_keyring;

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

#[test]
fn signs_in_with_a_device_code() {
    private_keyring::run(
        &common::name(module_path!(), "signs_in_with_a_device_code"),
        async {
            let world = World::start().await;
            let w = &world;
            let signin = w.signin().await;
            let pending = signin.start_device(defaults()).await.expect("started");
            assert!(
                pending
                    .verification_uri()
                    .starts_with(&format!("{}/", w.issuer().url())),
                "{}",
                pending.verification_uri()
            );
            let code = pending.user_code().to_owned();
            assert!(!code.is_empty());
            assert!(pending.expires_in() > Duration::from_secs(60));
            let started = std::time::Instant::now();
            let (approved, done) = tokio::join!(
                async {
                    // The person takes a moment to get to the page: the poll waits meanwhile.
                    tokio::time::sleep(Duration::from_millis(1500)).await;
                    w.issuer().approve_device(&code, "bob").await
                },
                pending.finish(std::future::pending())
            );
            approved.expect("approved at the issuer");
            let signed_in = done.expect("signed in");
            let account = &signed_in.account;
            assert_eq!(account.email.as_deref(), Some("bob@example.com"));
            assert_eq!(account.subject, Issuer::sub_of("bob"));
            assert_eq!(account.issuer, w.issuer().url());
            assert!(account.active && account.has_session);
            let status = signin.status().await.expect("status");
            assert_eq!(status.active.as_ref(), Some(account));
            // It polled, and no faster than the issuer's interval (1 s here) allows.
            let polls = w.grants(DEVICE_GRANT).await;
            let most = started.elapsed().as_secs() + 2;
            assert!(polls >= 2 && polls <= most, "{polls} polls, at most {most}");

            let (access, _) = tokens(w, "bob");
            assert!(w.active(&access).await);
            let chat = ask(&w.vault().await).await;
            answered_by_taskly_for(&chat, "bob@example.com");
            assert_eq!(
                w.proxy_chats()[0].proxy_subject,
                Some(Issuer::sub_of("bob"))
            );
        },
    );
}

#[test]
fn a_device_code_nobody_confirms_times_out() {
    private_keyring::run(
        &common::name(module_path!(), "a_device_code_nobody_confirms_times_out"),
        async {
            let world = World::start().await;
            let w = &world;
            let mut config = w.config();
            config.auth.sign_in_timeout = Duration::from_secs(2);
            let signin = taskly_core::SignIn::new(w.vault_with(config).await.core().clone());
            let pending = signin.start_device(defaults()).await.expect("started");
            let started = std::time::Instant::now();
            let err = pending
                .finish(std::future::pending())
                .await
                .expect_err("timed out");
            assert_eq!(err.code(), ErrorCode::SignInTimedOut, "{err}");
            assert!(started.elapsed() < Duration::from_secs(10));
            assert_nothing_stored(w, &signin, &["bob"]).await;
        },
    );
}

#[test]
fn a_cancelled_device_sign_in_stores_nothing() {
    private_keyring::run(
        &common::name(module_path!(), "a_cancelled_device_sign_in_stores_nothing"),
        async {
            let world = World::start().await;
            let w = &world;
            let signin = w.signin().await;
            let pending = signin.start_device(defaults()).await.expect("started");
            let code = pending.user_code().to_owned();
            let err = pending
                .finish(std::future::ready(()))
                .await
                .expect_err("cancelled");
            assert_eq!(err.code(), ErrorCode::Cancelled, "{err}");
            // The person confirms after all: this app no longer waits, nothing is stored.
            w.issuer()
                .approve_device(&code, "bob")
                .await
                .expect("approved");
            tokio::time::sleep(Duration::from_millis(1500)).await;
            assert_nothing_stored(w, &signin, &["bob"]).await;
        },
    );
}
