//! No token anywhere it should not be: after a whole session at `RUST_LOG=trace` (signing in,
//! refreshing, the proxy refusing a token once, chatting, signing out), none of the tokens the
//! keyring held, nor the authorization code, is in any file of the data folder (SQLite, its
//! journal, the lock file, the log), in what the app would send over IPC, or in a `Debug`.

use std::time::Duration;

use taskly_fake_ai::{Fault, Flavor, ScriptedFault};
use taskly_testkit::files_containing;
use taskly_testkit::oidc::IssuerOptions;

use crate::common::{self, World, answered_by_taskly_for, ask, browser, defaults, tokens};
use crate::private_keyring;

#[test]
fn no_token_reaches_the_data_folder_or_the_log() {
    private_keyring::run_with_env(
        &common::name(
            module_path!(),
            "no_token_reaches_the_data_folder_or_the_log",
        ),
        &[("RUST_LOG", "trace")],
        async {
            let world = World::start_with(IssuerOptions {
                access_token_ttl: Duration::from_secs(2),
                ..IssuerOptions::default()
            })
            .await;
            let w = &world;
            let log_dir = w.config().log_dir();
            let guard = taskly_core::logging::init(&log_dir, "taskly-test", false);

            let mut secrets: Vec<String> = Vec::new();
            let mut shown: Vec<String> = Vec::new();
            let vault = w.vault().await;
            let signin = taskly_core::SignIn::new(vault.core().clone());
            // The browser side by hand, to know the authorization code too.
            let pending = signin.start_browser(defaults()).await.expect("started");
            let url = pending.url().to_owned();
            let (delivered, signed_in) = tokio::join!(
                async {
                    let callback = w.issuer().authorize(&url, "ana").await.expect("authorized");
                    let code = url::Url::parse(&callback)
                        .expect("a URL")
                        .query_pairs()
                        .find(|(k, _)| k == "code")
                        .map(|(_, v)| v.into_owned())
                        .expect("a code");
                    let page = browser().get(&callback).send().await.expect("delivered");
                    assert_eq!(page.status().as_u16(), 200);
                    code
                },
                pending.finish(std::future::pending())
            );
            let signed_in = signed_in.expect("signed in");
            secrets.push(delivered);
            shown.push(format!("{signed_in:?}"));
            shown.push(serde_json::to_string(&signed_in).expect("json"));
            let (access, refresh) = tokens(w, "ana");
            secrets.extend([access, refresh]);

            // Due at once (two-second tokens): refreshed, rotated.
            let vault = w.vault().await;
            let chat = ask(&vault).await;
            answered_by_taskly_for(&chat, "ana@example.com");
            let (access, refresh) = tokens(w, "ana");
            secrets.extend([access, refresh]);
            // Refused once by the proxy: refreshed again.
            w.proxy
                .push_fault(ScriptedFault::new(Fault::Unauthorized).for_flavor(Flavor::Proxy));
            let retried = ask(&vault).await;
            answered_by_taskly_for(&retried, "ana@example.com");
            let (access, refresh) = tokens(w, "ana");
            secrets.extend([access, refresh]);
            assert!(w.grants("refresh_token").await >= 2);
            for chat in [&chat, &retried] {
                for event in &chat.events {
                    shown.push(format!("{event:?}"));
                    shown.push(serde_json::to_string(event).expect("json"));
                }
            }
            let status = signin.status().await.expect("status");
            shown.push(format!("{status:?}"));
            shown.push(serde_json::to_string(&status).expect("json"));
            let out = signin.sign_out(None, false).await.expect("signed out");
            assert!(out.revoked);
            shown.push(format!("{out:?}"));
            shown.push(serde_json::to_string(&out).expect("json"));
            drop(vault);
            drop(signin);
            // Flushes the log file.
            drop(guard);

            secrets.sort();
            secrets.dedup();
            assert_eq!(secrets.len(), 7, "a code and three pairs of tokens");
            let log: String = std::fs::read_dir(&log_dir)
                .expect("the log folder")
                .flatten()
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .collect();
            // The run was really logged at trace level, sign-in and refresh included.
            assert!(log.contains("TRACE"), "not at trace level");
            assert!(log.contains("signed in"), "{log}");
            assert!(log.contains("refreshed the Taskly session"), "{log}");
            for secret in &secrets {
                let hits = files_containing(w.dir.path(), secret);
                assert!(hits.is_empty(), "a token is in {hits:?}");
                for text in &shown {
                    assert!(!text.contains(secret.as_str()), "a token is in {text}");
                }
            }
        },
    );
}
