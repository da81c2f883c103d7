//! A hostile or misconfigured endpoint never gets the key: redirects are not followed to another
//! origin, `http://` to a remote host is refused before any connection, certificate errors are
//! never ignored, and the Taskly proxy receives nothing derived from a personal key.
//!
//! Every vault here keeps its keys in a real GNOME Keyring on a private D-Bus session, as the app
//! does (`support/private_keyring.rs`): each test runs in a child process on that bus.
#![allow(clippy::expect_used, clippy::print_stdout)] // figures are printed for the record

#[path = "support/private_keyring.rs"]
mod private_keyring;

use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use taskly_core::chat::ChatRequest;
use taskly_core::chat::run::{ChatEvent, ChatService};
use taskly_core::{ApiKey, Config, Error, NewKey, ProviderId, Vault};
use taskly_fake_ai::{FakeAi, FakeAiConfig, Fault, Flavor, ScriptedFault};
use taskly_testkit::drain::drain;

const KEY: &str = "sk-proj-attackQ7zXv0123456789abcdJKLMnopq";
const TOKEN: &str = "taskly-token-proxyOnly-WWVVUUTT";

async fn vault(dir: &tempfile::TempDir, proxy: Option<&FakeAi>) -> Arc<Vault> {
    let mut config = Config::new(dir.path());
    config.chat.first_byte_timeout = Duration::from_secs(2);
    config.chat.idle_timeout = Duration::from_secs(2);
    config.chat.retry_base = Duration::from_millis(10);
    config.http.request = Duration::from_secs(3);
    config.chat.proxy_url = match proxy {
        Some(proxy) => proxy.base_url(Flavor::Proxy),
        None => "http://127.0.0.1:9/v1".into(),
    };
    config.chat.proxy_token = Some(Arc::new(ApiKey::parse(TOKEN).expect("token")));
    Arc::new(private_keyring::open(config).await)
}

fn new_key(provider: ProviderId, base: &str, verify: bool) -> NewKey {
    NewKey {
        provider,
        label: None,
        base_url: Some(base.to_owned()),
        secret: ApiKey::parse(KEY).expect("key"),
        verify,
        enable: taskly_core::Enable::Yes,
    }
}

async fn fake(keys: &[&str], tokens: &[&str]) -> FakeAi {
    FakeAi::start(FakeAiConfig {
        provider_keys: keys.iter().map(|k| (*k).to_owned()).collect(),
        proxy_tokens: tokens.iter().map(|k| (*k).to_owned()).collect(),
        ..FakeAiConfig::default()
    })
    .await
    .expect("fake")
}

/// Runs one chat; the events and the error, if any.
async fn chat(service: &Arc<ChatService>, provider: ProviderId) -> (Vec<ChatEvent>, Option<Error>) {
    let run = drain(
        || service.start(ChatRequest::ask(provider, "hello")),
        Duration::from_secs(20),
    )
    .await;
    (run.events, run.error)
}

// ---------------------------------------------------------------------------------------------
// Redirects

#[test]
fn a_redirect_to_another_origin_never_carries_the_key() {
    private_keyring::run(
        "a_redirect_to_another_origin_never_carries_the_key",
        async {
            let provider = fake(&[KEY], &[]).await;
            // Another loopback port is another origin, and it would accept the key if it got it.
            let elsewhere = fake(&[KEY], &[]).await;
            let dir = tempfile::tempdir().expect("dir");
            let vault = vault(&dir, None).await;
            let base = provider.base_url(Flavor::OpenAi);
            let target = elsewhere.base_url(Flavor::OpenAi);
            let redirect = |status: u16, path: &str| {
                ScriptedFault::new(Fault::Redirect {
                    status,
                    location: format!("{target}{path}"),
                })
                .for_flavor(Flavor::OpenAi)
            };

            for status in [301, 302, 303, 307, 308] {
                // Validation (GET /models) is redirected: the key is not saved, and not sent on.
                provider.push_fault(redirect(status, "/models"));
                let refused = vault
                    .add(new_key(ProviderId::Openai, &base, true))
                    .await
                    .expect_err("a redirect is no answer");
                assert!(
                    matches!(refused, Error::ProviderError { status: s, .. } if s == status),
                    "{status}: {refused:?}"
                );
            }
            assert!(vault.list().await.expect("list").is_empty());

            let id = vault
                .add(new_key(ProviderId::Openai, &base, true))
                .await
                .expect("added")
                .key
                .id;
            assert!(
                private_keyring::keyring_holds("local", &id, KEY),
                "the key is in the real keyring"
            );
            let service = Arc::new(ChatService::new(vault.clone()));
            for status in [301, 302, 303, 307, 308] {
                provider.push_fault(redirect(status, "/chat/completions"));
                let (_, error) = chat(&service, ProviderId::Openai).await;
                assert!(
                    matches!(error, Some(Error::RequestRefused { status: s, .. }) if s == status),
                    "{status}: {error:?}"
                );
            }
            assert!(
                elsewhere.requests().is_empty(),
                "the other origin was reached: {:?}",
                elsewhere.requests()
            );
            // The provider itself saw the key on every request (the attempts really happened).
            let sent = provider.requests();
            assert_eq!(sent.len(), 5 + 1 + 5);
            assert!(
                sent.iter()
                    .all(|r| r.header("authorization") == Some(&format!("Bearer {KEY}")))
            );
            vault.remove(&id).await.expect("removed");
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Plain http:// to a remote host

#[test]
fn plain_http_to_a_remote_host_is_refused_before_any_connection() {
    private_keyring::run(
        "plain_http_to_a_remote_host_is_refused_before_any_connection",
        async {
            let dir = tempfile::tempdir().expect("dir");
            let vault = vault(&dir, None).await;
            // `.invalid` never resolves (RFC 6761): even a broken check could not reach anything.
            for base in [
                "http://api.openai.invalid/v1",
                "http://localhost.attacker.invalid/v1",
                "HTTP://API.OPENAI.INVALID/v1",
            ] {
                for verify in [true, false] {
                    let started = Instant::now();
                    let refused = vault
                        .add(new_key(ProviderId::Openai, base, verify))
                        .await
                        .expect_err(base);
                    assert!(
                        matches!(refused, Error::InvalidBaseUrl { .. }),
                        "{base}: {refused:?}"
                    );
                    assert!(started.elapsed() < Duration::from_millis(500));
                }
            }
            assert!(vault.list().await.expect("list").is_empty());
        },
    );
}

#[test]
fn a_stored_base_url_changed_behind_our_back_to_remote_http_is_refused() {
    private_keyring::run(
        "a_stored_base_url_changed_behind_our_back_to_remote_http_is_refused",
        async {
            let provider = fake(&[KEY], &[]).await;
            let dir = tempfile::tempdir().expect("dir");
            let vault = vault(&dir, None).await;
            vault
                .add(new_key(
                    ProviderId::Openai,
                    &provider.base_url(Flavor::OpenAi),
                    true,
                ))
                .await
                .expect("added");
            // Someone with write access to the database points the key at a remote http:// host.
            vault
                .db()
                .call(|conn| {
                    conn.execute(
                        "UPDATE keys SET base_url = 'http://exfiltrate.invalid/v1'",
                        [],
                    )?;
                    Ok(())
                })
                .await
                .expect("tampered");
            provider.clear_requests();
            let service = Arc::new(ChatService::new(vault));
            let started = Instant::now();
            let (events, error) = chat(&service, ProviderId::Openai).await;
            assert!(
                matches!(error, Some(Error::InvalidBaseUrl { .. })),
                "{error:?}"
            );
            assert!(events.is_empty(), "nothing started: {events:?}");
            assert!(started.elapsed() < Duration::from_millis(500));
            assert!(provider.requests().is_empty());
        },
    );
}

#[test]
fn a_proxy_url_with_remote_http_is_refused() {
    private_keyring::run("a_proxy_url_with_remote_http_is_refused", async {
        let dir = tempfile::tempdir().expect("dir");
        let mut config = Config::new(dir.path());
        config.chat.proxy_url = "http://proxy.taskly.invalid/v1".into();
        config.chat.proxy_token = Some(Arc::new(ApiKey::parse(TOKEN).expect("token")));
        let vault = Arc::new(private_keyring::open(config).await);
        let service = Arc::new(ChatService::new(vault));
        let (_, error) = chat(&service, ProviderId::Anthropic).await;
        assert!(
            matches!(
                error,
                Some(Error::InvalidConfig {
                    name: "TASKLY_PROXY_URL",
                    ..
                })
            ),
            "{error:?}"
        );
    });
}

// ---------------------------------------------------------------------------------------------
// TLS

/// A loopback HTTPS server with a certificate from a test CA no system trusts, recording what it
/// decrypts.
struct TlsServer {
    port: u16,
    accepted: Arc<AtomicUsize>,
    handshake_errors: Arc<Mutex<Vec<String>>>,
    received: Arc<Mutex<Vec<u8>>>,
}

const CA: &[u8] = include_bytes!("fixtures/test-ca-cert.der");
const CERT: &[u8] = include_bytes!("fixtures/localhost-cert.der");
const CERT_KEY: &[u8] = include_bytes!("fixtures/localhost-key.der");

impl TlsServer {
    fn start() -> Self {
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = Arc::new(
            rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("versions")
                .with_no_client_auth()
                .with_single_cert(
                    vec![CertificateDer::from(CERT.to_vec())],
                    PrivateKeyDer::try_from(CERT_KEY.to_vec()).expect("key"),
                )
                .expect("config"),
        );
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = Self {
            port,
            accepted: Arc::default(),
            handshake_errors: Arc::default(),
            received: Arc::default(),
        };
        let (accepted, errors, received) = (
            server.accepted.clone(),
            server.handshake_errors.clone(),
            server.received.clone(),
        );
        // Blocks in accept for the rest of the test process; nothing to join.
        std::thread::spawn(move || {
            for tcp in listener.incoming() {
                let Ok(mut tcp) = tcp else { return };
                accepted.fetch_add(1, Ordering::SeqCst);
                let _ = tcp.set_read_timeout(Some(Duration::from_secs(3)));
                let Ok(mut tls) = rustls::ServerConnection::new(config.clone()) else {
                    continue;
                };
                let mut failed = false;
                while tls.is_handshaking() {
                    if let Err(e) = tls.complete_io(&mut tcp) {
                        errors.lock().expect("lock").push(e.to_string());
                        failed = true;
                        break;
                    }
                }
                if failed {
                    continue;
                }
                let mut stream = rustls::Stream::new(&mut tls, &mut tcp);
                let mut buf = [0u8; 16 * 1024];
                if let Ok(n) = stream.read(&mut buf) {
                    received.lock().expect("lock").extend_from_slice(&buf[..n]);
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nconnection: close\r\n\r\n{\"data\":[]}",
                );
                let _ = stream.flush();
            }
        });
        server
    }

    fn received(&self) -> String {
        String::from_utf8_lossy(&self.received.lock().expect("lock")).into_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tls_harness_sees_headers_when_the_certificate_is_trusted() {
    // The control for the test below: a client that trusts this certificate gets through, and
    // the server records the header, so an empty record there means nothing was sent.
    let server = TlsServer::start();
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_der(CA).expect("cert")])
        .build()
        .expect("client");
    let answer = client
        .get(format!("https://localhost:{}/v1/models", server.port))
        .header("authorization", "Bearer control-header")
        .send()
        .await
        .expect("trusted: the request goes through");
    assert!(answer.status().is_success());
    assert!(server.received().contains("Bearer control-header"));
}

#[test]
fn certificate_errors_are_never_ignored_and_no_header_is_sent() {
    private_keyring::run(
        "certificate_errors_are_never_ignored_and_no_header_is_sent",
        async {
            let server = TlsServer::start();
            let dir = tempfile::tempdir().expect("dir");
            let vault = vault(&dir, None).await;
            for host in ["localhost", "127.0.0.1"] {
                let base = format!("https://{host}:{}/v1", server.port);
                // Validation: the key is refused as unreachable, and not saved.
                let refused = vault
                    .add(new_key(ProviderId::Openai, &base, true))
                    .await
                    .expect_err("an untrusted certificate");
                // Not "unreachable": saving without checking is not offered for a certificate that
                // is not trusted.
                let Error::UntrustedCertificate { detail, .. } = &refused else {
                    panic!("{host}: {refused:?}");
                };
                assert!(
                    detail.contains("invalid peer certificate") && detail.contains("UnknownIssuer"),
                    "{host}: {detail}"
                );
                println!("validation through an untrusted certificate: {refused}");

                // Chat with a key saved unverified: refused once, naming the certificate; not retried
                // as if the network were down.
                let id = vault
                    .add(new_key(ProviderId::Openai, &base, false))
                    .await
                    .expect("saved without checking")
                    .key
                    .id;
                let service = Arc::new(ChatService::new(vault.clone()));
                let (events, error) = chat(&service, ProviderId::Openai).await;
                let Some(Error::UntrustedCertificate { detail, .. }) = &error else {
                    panic!("{host}: {error:?}");
                };
                assert!(
                    detail.contains("invalid peer certificate") && detail.contains("UnknownIssuer"),
                    "{host}: {detail}"
                );
                assert!(
                    !events.iter().any(|e| matches!(e, ChatEvent::Delta { .. })),
                    "no answer through a bad certificate"
                );
                assert!(
                    !events
                        .iter()
                        .any(|e| matches!(e, ChatEvent::Retrying { .. })),
                    "a certificate that is not trusted is not retried"
                );
                println!(
                    "chat through an untrusted certificate: {}",
                    error.as_ref().map(ToString::to_string).unwrap_or_default()
                );
                vault.remove(&id).await.expect("removed");
            }
            assert!(
                server.accepted.load(Ordering::SeqCst) >= 2,
                "the client really tried"
            );
            assert!(!server.handshake_errors.lock().expect("lock").is_empty());
            let received = server.received();
            assert!(
                received.is_empty(),
                "bytes got through a failed handshake: {received}"
            );
        },
    );
}

// ---------------------------------------------------------------------------------------------
// The Taskly proxy never sees the key

/// Every form of the key a careless change might send: the key, each 6-character piece of its
/// secret part (after the public `sk-proj-` prefix), the masked hint's tail, base64 and hex.
fn derived_forms() -> Vec<String> {
    let secret = &KEY["sk-proj-".len()..];
    let mut forms = vec![KEY.to_owned()];
    for i in 0..=secret.len() - 6 {
        forms.push(secret[i..i + 6].to_owned());
    }
    forms.push(KEY[KEY.len() - 4..].to_owned());
    for text in [KEY.to_owned(), format!("Bearer {KEY}"), format!(":{KEY}")] {
        let b64 = base64(text.as_bytes());
        forms.push(b64.trim_end_matches('=').to_owned());
        forms.push(
            b64.replace('+', "-")
                .replace('/', "_")
                .trim_end_matches('=')
                .to_owned(),
        );
    }
    forms.push(KEY.bytes().map(|b| format!("{b:02x}")).collect());
    forms.push(KEY.bytes().map(|b| format!("{b:02X}")).collect());
    forms
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_is_right() {
    assert_eq!(base64(b"Man"), "TWFu");
    assert_eq!(base64(b"Ma"), "TWE=");
    assert_eq!(base64(b"M"), "TQ==");
}

#[test]
fn the_taskly_proxy_receives_nothing_derived_from_the_key() {
    private_keyring::run(
        "the_taskly_proxy_receives_nothing_derived_from_the_key",
        async {
            let provider = fake(&[KEY], &[]).await;
            let proxy = fake(&[], &[TOKEN]).await;
            let dir = tempfile::tempdir().expect("dir");
            let vault = vault(&dir, Some(&proxy)).await;
            let id = vault
                .add(new_key(
                    ProviderId::Openai,
                    &provider.base_url(Flavor::OpenAi),
                    true,
                ))
                .await
                .expect("added")
                .key
                .id;
            assert!(
                private_keyring::keyring_holds("local", &id, KEY),
                "the key is in the real keyring"
            );
            let service = Arc::new(ChatService::new(vault.clone()));
            let answered_by = |events: &[ChatEvent]| {
                events.iter().find_map(|e| match e {
                    ChatEvent::Finished { route, .. } => Some(route.describe()),
                    _ => None,
                })
            };

            // 1. The personal key answers: the proxy hears nothing at all.
            let (events, error) = chat(&service, ProviderId::Openai).await;
            assert!(error.is_none(), "{error:?}");
            assert!(answered_by(&events).expect("finished").contains("OpenAI"));
            assert!(proxy.requests().is_empty());

            // 2. Another provider, no key there: Taskly answers.
            let (events, error) = chat(&service, ProviderId::Anthropic).await;
            assert!(error.is_none(), "{error:?}");
            assert_eq!(answered_by(&events).as_deref(), Some("Taskly"));

            // 3. The key fails and fallback is on: Taskly answers, told nothing of the key.
            taskly_core::settings::set_fallback_to_taskly(vault.db(), "local", true)
                .await
                .expect("fallback on");
            for fault in [
                Fault::Unauthorized,
                Fault::EchoKeyInError,
                Fault::QuotaExhausted,
            ] {
                provider.push_fault(
                    ScriptedFault::new(fault.clone())
                        .for_flavor(Flavor::OpenAi)
                        .on_path("chat"),
                );
                let (events, error) = chat(&service, ProviderId::Openai).await;
                assert!(error.is_none(), "{fault:?}: {error:?}");
                assert!(
                    answered_by(&events).expect("finished").contains("fallback"),
                    "{fault:?}"
                );
            }

            // 4. A rate-limited key is retried, then falls back.
            provider.push_fault(
                ScriptedFault::new(Fault::RateLimited {
                    retry_after_secs: 0,
                })
                .for_flavor(Flavor::OpenAi)
                .on_path("chat")
                .times(4),
            );
            let (events, error) = chat(&service, ProviderId::Openai).await;
            assert!(error.is_none(), "{error:?}");
            assert!(answered_by(&events).expect("finished").contains("fallback"));

            // 5. The key switched off: Taskly answers.
            vault.set_enabled(&id, false).await.expect("off");
            let (events, error) = chat(&service, ProviderId::Openai).await;
            assert!(error.is_none(), "{error:?}");
            assert_eq!(answered_by(&events).as_deref(), Some("Taskly"));

            // 6. The model list through Taskly.
            let offer =
                taskly_core::chat::models::offered(&vault, service.router(), ProviderId::Openai)
                    .await
                    .expect("models");
            assert_eq!(offer.route.describe(), "Taskly");

            let requests = proxy.requests();
            assert!(requests.len() >= 6, "{} proxy requests", requests.len());
            let forms = derived_forms();
            for request in &requests {
                let seen = format!(
                    "{} {} {} {:?} {}",
                    request.method,
                    request.path,
                    request.query.as_deref().unwrap_or_default(),
                    request.headers,
                    request.body_text()
                );
                for form in &forms {
                    assert!(
                        !seen.contains(form.as_str()),
                        "the proxy received {form:?} in {} {}",
                        request.method,
                        request.path
                    );
                }
                assert_eq!(
                    request.header("authorization"),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
            }
        },
    );
}
