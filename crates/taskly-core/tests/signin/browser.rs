//! The browser flow as the app drives it: the URL opened, the person at the issuer, the return to
//! the one-shot listener. Then everything that must be refused, each time with a typed error,
//! the port closed and nothing stored.

use std::time::Duration;

use serde_json::json;
use taskly_core::routing::RouteKind;
use taskly_core::{ErrorCode, SignInOptions};
use taskly_testkit::oidc::{Issuer, IssuerOptions};

use crate::common::{
    self, World, answered_by_taskly_for, ask, assert_nothing_stored, browser, defaults,
    listener_port, port_open, session_entries, tokens, with_param,
};
use crate::private_keyring;

fn query(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .expect("a URL")
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[test]
fn signs_in_through_the_browser_and_chats_through_taskly_as_that_account() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "signs_in_through_the_browser_and_chats_through_taskly_as_that_account",
        ),
        async {
            let world = World::start().await;
            let w = &world;
            let vault = w.vault().await;
            assert_eq!(vault.account().as_str(), "local");
            // Not signed in: the Taskly route says so.
            let before = ask(&vault).await;
            let err = before.error.as_ref().expect("refused");
            assert_eq!(err.code(), ErrorCode::SignInRequired, "{err}");
            assert!(w.proxy_chats().is_empty(), "nothing reached the proxy");

            let signin = taskly_core::SignIn::new(vault.core().clone());
            let pending = signin.start_browser(defaults()).await.expect("started");
            let url = pending.url().to_owned();
            // The request as RFC 8252 and the issue ask: PKCE S256, state, nonce, the scopes, a
            // loopback redirect.
            assert!(url.starts_with(&format!("{}/", w.issuer().url())), "{url}");
            assert_eq!(query(&url, "client_id").as_deref(), Some(Issuer::CLIENT_ID));
            assert_eq!(query(&url, "response_type").as_deref(), Some("code"));
            assert_eq!(
                query(&url, "code_challenge_method").as_deref(),
                Some("S256")
            );
            assert!(query(&url, "code_challenge").is_some_and(|c| c.len() >= 43));
            assert!(query(&url, "state").is_some_and(|s| s.len() >= 16));
            assert!(query(&url, "nonce").is_some_and(|s| s.len() >= 16));
            let scope = query(&url, "scope").expect("scope");
            for wanted in ["openid", "offline_access", "email", "profile"] {
                assert!(scope.split(' ').any(|s| s == wanted), "{scope}");
            }
            let port = listener_port(&url);
            assert!(port_open(port), "the listener waits");

            let (page, done) = tokio::join!(
                w.issuer().sign_in_through_browser(&url, "ana"),
                pending.finish(std::future::pending())
            );
            let signed_in = done.expect("signed in");
            let (status, body) = page.expect("the browser side");
            assert_eq!(status, 200, "{body}");
            assert!(body.contains("You are signed in"), "{body}");
            assert!(!port_open(port), "the listener is closed once it answered");

            let account = &signed_in.account;
            assert_eq!(account.email.as_deref(), Some("ana@example.com"));
            assert_eq!(account.subject, Issuer::sub_of("ana"));
            assert_eq!(account.issuer, w.issuer().url());
            assert_eq!(account.id, w.account_of("ana"));
            assert!(account.active && account.has_session);
            assert!(account.access_expires_at.is_some());
            assert!(signed_in.local_keys.is_empty());

            let status = signin.status().await.expect("status");
            assert_eq!(status.active.as_ref(), Some(account));
            assert_eq!(status.accounts, vec![account.clone()]);
            assert_eq!(status.issuer, w.issuer().url());
            assert!(!status.token_override);
            assert_eq!(w.grants("authorization_code").await, 1);

            // Both tokens are in the keyring, bound to the issuer; nothing else of the session.
            let mut entries = session_entries(&account.id);
            entries.sort();
            assert_eq!(
                entries,
                vec![
                    format!("session/{}/access", account.id),
                    format!("session/{}/refresh", account.id)
                ]
            );
            let (access, refresh) = tokens(w, "ana");
            assert!(w.active(&access).await && w.active(&refresh).await);

            // A process starting now opens the account, and asks through Taskly with its token;
            // the proxy (asking the issuer) bills ana.
            let vault = w.vault().await;
            assert_eq!(vault.account().as_str(), account.id);
            let chat = ask(&vault).await;
            answered_by_taskly_for(&chat, "ana@example.com");
            let calls = w.proxy_chats();
            assert_eq!(calls.len(), 1);
            assert_eq!(
                calls[0].header("authorization"),
                Some(format!("Bearer {access}").as_str())
            );
            assert_eq!(calls[0].proxy_subject, Some(Issuer::sub_of("ana")));
            let started = chat.events.iter().find_map(|e| match e {
                taskly_core::chat::run::ChatEvent::Started { route, .. } => Some(route.clone()),
                _ => None,
            });
            assert_eq!(started.map(|r| r.kind), Some(RouteKind::Taskly));
        },
    );
}

/// Runs a browser sign-in whose browser side is `browser_side` (given the authorization URL)
/// and returns the flow's result and the listener's port.
async fn sign_in_with<F, Fut>(
    w: &World,
    signin: &taskly_core::SignIn,
    options: SignInOptions,
    browser_side: F,
) -> (taskly_core::Result<taskly_core::SignedIn>, u16)
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let _ = w;
    let pending = signin.start_browser(options).await.expect("started");
    let url = pending.url().to_owned();
    let port = listener_port(&url);
    let (outcome, ()) = tokio::join!(pending.finish(std::future::pending()), browser_side(url));
    (outcome, port)
}

#[test]
fn a_return_for_another_sign_in_or_issuer_is_refused_and_nothing_is_stored() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "a_return_for_another_sign_in_or_issuer_is_refused_and_nothing_is_stored",
        ),
        async {
            let world = World::start().await;
            let w = &world;
            let signin = w.signin().await;
            for (param, value) in [
                ("state", Some("not-the-state-taskly-sent")),
                ("state", None),
                ("iss", Some("http://127.0.0.1:1")),
                // The issuer says it sends `iss` (RFC 9207): an answer without it is not its.
                ("iss", None),
            ] {
                let (outcome, port) = sign_in_with(w, &signin, defaults(), |url| async move {
                    let callback = w.issuer().authorize(&url, "ana").await.expect("authorized");
                    assert!(query(&callback, param).is_some(), "{callback}");
                    let forged = with_param(&callback, param, value);
                    let response = browser().get(&forged).send().await.expect("delivered");
                    assert_eq!(response.status().as_u16(), 400, "{param}");
                    let page = response.text().await.expect("page");
                    assert!(page.contains("could not sign you in"), "{page}");
                })
                .await;
                let err = outcome.expect_err("refused");
                assert_eq!(err.code(), ErrorCode::SignInRejected, "{param}: {err}");
                assert!(!port_open(port), "{param}: the port is closed");
                assert_eq!(
                    w.grants("authorization_code").await,
                    0,
                    "{param}: never exchanged"
                );
            }
            assert_nothing_stored(w, &signin, &["ana"]).await;
        },
    );
}

#[test]
fn a_replayed_callback_finds_the_port_closed() {
    private_keyring::run(
        &common::name(module_path!(), "a_replayed_callback_finds_the_port_closed"),
        async {
            let world = World::start().await;
            let w = &world;
            let signin = w.signin().await;
            let (outcome, port) = sign_in_with(w, &signin, defaults(), |url| async move {
                let callback = w.issuer().authorize(&url, "ana").await.expect("authorized");
                let first = browser().get(&callback).send().await.expect("delivered");
                assert_eq!(first.status().as_u16(), 200);
                // The same return again (a reload, or someone who saw the URL).
                match browser().get(&callback).send().await {
                    Err(e) => assert!(e.is_connect(), "{e}"),
                    Ok(r) => panic!("a replayed callback was answered: {}", r.status()),
                }
            })
            .await;
            let signed_in = outcome.expect("signed in once");
            assert!(!port_open(port));
            assert_eq!(signed_in.account.subject, Issuer::sub_of("ana"));
            assert_eq!(w.grants("authorization_code").await, 1);
            assert_eq!(signin.status().await.expect("status").accounts.len(), 1);
        },
    );
}

#[test]
fn other_requests_to_the_listener_are_refused_and_the_sign_in_goes_on() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "other_requests_to_the_listener_are_refused_and_the_sign_in_goes_on",
        ),
        async {
            let world = World::start().await;
            let w = &world;
            let signin = w.signin().await;
            let (outcome, _) = sign_in_with(w, &signin, defaults(), |url| async move {
                let callback = w.issuer().authorize(&url, "ana").await.expect("authorized");
                let parsed = url::Url::parse(&callback).expect("a URL");
                let origin = format!("http://127.0.0.1:{}", parsed.port().expect("port"));
                let http = browser();
                // What a browser asks for by itself.
                let favicon = http
                    .get(format!("{origin}/favicon.ico"))
                    .send()
                    .await
                    .expect("answered");
                assert_eq!(favicon.status().as_u16(), 404);
                // Not a GET.
                let post = http.post(&callback).send().await.expect("answered");
                assert_eq!(post.status().as_u16(), 405);
                // A page elsewhere reaching it by a rebound name.
                let rebound = http
                    .get(&callback)
                    .header("host", "evil.example")
                    .send()
                    .await
                    .expect("answered");
                assert_eq!(rebound.status().as_u16(), 400);
                // None of these used the code: the real return still signs in.
                let (status, body) = {
                    let r = http.get(&callback).send().await.expect("delivered");
                    (r.status().as_u16(), r.text().await.expect("page"))
                };
                assert_eq!(status, 200, "{body}");
            })
            .await;
            let signed_in = outcome.expect("signed in");
            assert_eq!(signed_in.account.email.as_deref(), Some("ana@example.com"));
            assert_eq!(w.grants("authorization_code").await, 1);
        },
    );
}

#[test]
fn an_id_token_for_another_audience_or_from_another_issuer_is_refused() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "an_id_token_for_another_audience_or_from_another_issuer_is_refused",
        ),
        async {
            let world = World::start().await;
            let w = &world;
            let signin = w.signin().await;
            for claims in [
                json!({ "aud": "someone-else" }),
                json!({ "iss": "http://127.0.0.1:1" }),
                json!({ "nonce": "a-nonce-of-another-sign-in" }),
                json!({ "exp": 1_000_000_000 }),
            ] {
                w.issuer().fault_next_id_token(claims.clone()).await;
                let (outcome, port) = sign_in_with(w, &signin, defaults(), |url| async move {
                    let (status, page) = w
                        .issuer()
                        .sign_in_through_browser(&url, "ana")
                        .await
                        .expect("the browser side");
                    assert_eq!(status, 400, "{page}");
                    assert!(page.contains("could not sign you in"), "{page}");
                })
                .await;
                let err = outcome.expect_err("refused");
                assert_eq!(err.code(), ErrorCode::SignInRejected, "{claims}: {err}");
                assert!(!port_open(port));
            }
            assert_eq!(w.grants("authorization_code").await, 4);
            assert_nothing_stored(w, &signin, &["ana"]).await;
        },
    );
}

#[test]
fn an_expired_code_fails_and_nothing_is_stored() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "an_expired_code_fails_and_nothing_is_stored",
        ),
        async {
            let world = World::start_with(IssuerOptions {
                code_ttl: Duration::from_secs(2),
                ..IssuerOptions::default()
            })
            .await;
            let w = &world;
            let signin = w.signin().await;
            let (outcome, _) = sign_in_with(w, &signin, defaults(), |url| async move {
                let callback = w.issuer().authorize(&url, "ana").await.expect("authorized");
                tokio::time::sleep(Duration::from_secs(3)).await;
                let response = browser().get(&callback).send().await.expect("delivered");
                assert_eq!(response.status().as_u16(), 400);
            })
            .await;
            let err = outcome.expect_err("refused");
            assert_eq!(err.code(), ErrorCode::SignInFailed, "{err}");
            assert_eq!(w.grants("authorization_code").await, 1);
            assert!(w.stat("token_errors").await >= 1);
            assert_nothing_stored(w, &signin, &["ana"]).await;
        },
    );
}

#[test]
fn a_sign_in_not_finished_in_time_ends_with_the_port_closed() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "a_sign_in_not_finished_in_time_ends_with_the_port_closed",
        ),
        async {
            let world = World::start().await;
            let w = &world;
            let mut config = w.config();
            config.auth.sign_in_timeout = Duration::from_millis(300);
            let signin = taskly_core::SignIn::new(w.vault_with(config).await.core().clone());
            let pending = signin.start_browser(defaults()).await.expect("started");
            let url = pending.url().to_owned();
            let port = listener_port(&url);
            let started = std::time::Instant::now();
            let err = pending
                .finish(std::future::pending())
                .await
                .expect_err("timed out");
            assert_eq!(err.code(), ErrorCode::SignInTimedOut, "{err}");
            assert!(started.elapsed() < Duration::from_secs(5));
            assert!(!port_open(port), "the port is closed");
            // The person comes back late: nothing answers, nothing is stored.
            let callback = w.issuer().authorize(&url, "ana").await.expect("authorized");
            assert!(browser().get(&callback).send().await.is_err());
            assert_nothing_stored(w, &signin, &["ana"]).await;
        },
    );
}

#[test]
fn a_cancelled_sign_in_ends_with_the_port_closed() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "a_cancelled_sign_in_ends_with_the_port_closed",
        ),
        async {
            let world = World::start().await;
            let w = &world;
            let signin = w.signin().await;
            let pending = signin.start_browser(defaults()).await.expect("started");
            let port = listener_port(pending.url());
            let err = pending
                .finish(std::future::ready(()))
                .await
                .expect_err("cancelled");
            assert_eq!(err.code(), ErrorCode::Cancelled, "{err}");
            assert!(!port_open(port), "the port is closed");
            assert_nothing_stored(w, &signin, &["ana"]).await;
        },
    );
}

#[test]
fn access_declined_at_the_issuer_fails_and_nothing_is_stored() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "access_declined_at_the_issuer_fails_and_nothing_is_stored",
        ),
        async {
            let world = World::start().await;
            let w = &world;
            let signin = w.signin().await;
            let (outcome, _) = sign_in_with(w, &signin, defaults(), |url| async move {
                // What the issuer sends back when the person declines (RFC 6749 §4.1.2.1).
                let mut back = url::Url::parse(&format!(
                    "http://127.0.0.1:{}/callback",
                    listener_port(&url)
                ))
                .expect("a URL");
                back.query_pairs_mut()
                    .append_pair("error", "access_denied")
                    .append_pair("state", &query(&url, "state").expect("state"))
                    .append_pair("iss", w.issuer().url());
                let response = browser().get(back).send().await.expect("delivered");
                assert_eq!(response.status().as_u16(), 400);
            })
            .await;
            let err = outcome.expect_err("failed");
            assert_eq!(err.code(), ErrorCode::SignInFailed, "{err}");
            assert!(err.to_string().contains("declined"), "{err}");
            assert_nothing_stored(w, &signin, &["ana"]).await;
        },
    );
}

#[test]
fn an_idle_connection_to_the_listener_does_not_hold_up_the_sign_in() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "an_idle_connection_to_the_listener_does_not_hold_up_the_sign_in",
        ),
        async {
            let world = World::start().await;
            let w = &world;
            let signin = w.signin().await;
            let started = std::time::Instant::now();
            let (outcome, _) = sign_in_with(w, &signin, defaults(), |url| async move {
                // Browsers open spare connections ahead of need and may never send a request
                // on them; the callback arrives on another one.
                let idle = tokio::net::TcpStream::connect(("127.0.0.1", listener_port(&url)))
                    .await
                    .expect("connected");
                let (status, page) = w
                    .issuer()
                    .sign_in_through_browser(&url, "ana")
                    .await
                    .expect("the browser side");
                assert_eq!(status, 200, "{page}");
                drop(idle);
            })
            .await;
            outcome.expect("signed in");
            assert!(
                started.elapsed() < Duration::from_secs(8),
                "the idle connection held the sign-in up for {:?}",
                started.elapsed()
            );
        },
    );
}

#[test]
fn an_unreachable_issuer_fails_before_anything_starts() {
    private_keyring::run(
        &common::name(
            module_path!(),
            "an_unreachable_issuer_fails_before_anything_starts",
        ),
        async {
            let mut world = World::start().await;
            let url = world.stop_issuer();
            let mut config = world.config();
            config.auth.issuer = url;
            let signin = taskly_core::SignIn::new(world.vault_with(config).await.core().clone());
            let err = signin
                .start_browser(defaults())
                .await
                .expect_err("unreachable");
            assert_eq!(err.code(), ErrorCode::AuthUnreachable, "{err}");
            let err = signin
                .start_device(defaults())
                .await
                .expect_err("unreachable");
            assert_eq!(err.code(), ErrorCode::AuthUnreachable, "{err}");
            // Plain http is for this machine only.
            let mut config = world.config();
            config.auth.issuer = "http://auth.example.com".into();
            let signin = taskly_core::SignIn::new(world.vault_with(config).await.core().clone());
            let err = signin.start_browser(defaults()).await.expect_err("refused");
            assert_eq!(err.code(), ErrorCode::InvalidConfig, "{err}");
        },
    );
}
