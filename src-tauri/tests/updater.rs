//! The updater against a loopback update server: a correctly signed newer release is found and
//! its download verifies; a tampered artifact, a signature from another key, a missing signature,
//! a signature for another version and an older release are refused with a stable code and a
//! sentence a person can act on, nothing is installed and the running binary is untouched.
//!
//! The app is tauri's mock runtime with the real updater plugin, configured the way the app is
//! (`plugins.updater` plus `TASKLY_UPDATE_ENDPOINT`'s loopback override). The signing key pair is
//! made here, at test time; no key file exists in the repository.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest, Sha256};
use taskly_desktop_lib::updates::{self, Policy, UpdateError, UpdateErrorCode, Updates};
use tauri::test::MockRuntime;

/// The running version of the mock app.
const CURRENT: &str = "0.1.0";

/// A throwaway minisign key pair, in the forms the Tauri CLI writes (base64 of the text boxes).
struct Keys {
    pk: minisign::PublicKey,
    sk: minisign::SecretKey,
}

impl Keys {
    fn new() -> Self {
        let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        Self {
            pk: kp.pk,
            sk: kp.sk,
        }
    }

    /// What goes into `plugins.updater.pubkey`.
    fn tauri_pubkey(&self) -> String {
        B64.encode(self.pk.to_box().unwrap().to_string())
    }

    /// What goes into the manifest's `signature`: the `.sig` file, base64, bound to `version`
    /// in the trusted comment as the Tauri CLI does.
    fn sign(&self, data: &[u8], version: &str) -> String {
        let comment =
            format!("timestamp:1795600000\tfile:taskly-desktop.AppImage\tversion:{version}");
        let sig = minisign::sign(
            Some(&self.pk),
            &self.sk,
            Cursor::new(data),
            Some(&comment),
            None,
        )
        .unwrap();
        B64.encode(sig.to_string())
    }
}

/// A loopback update server: serves `files` by path and records every path asked for.
#[derive(Clone, Default)]
struct Server {
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    hits: Arc<Mutex<Vec<String>>>,
}

impl Server {
    async fn start() -> (Self, String) {
        let server = Server::default();
        let app = axum::Router::new()
            .fallback(serve)
            .with_state(server.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (server, base)
    }

    fn put(&self, path: &str, body: Vec<u8>) {
        self.files.lock().unwrap().insert(path.to_owned(), body);
    }

    fn hits(&self) -> Vec<String> {
        self.hits.lock().unwrap().clone()
    }
}

async fn serve(State(server): State<Server>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    server.hits.lock().unwrap().push(path.clone());
    match server.files.lock().unwrap().get(&path) {
        Some(body) => body.clone().into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The updater's name for this system in a static manifest (`linux-x86_64`, …).
fn platform_key() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        os => os,
    };
    format!("{os}-{}", std::env::consts::ARCH)
}

/// The manifest path the app asks for, with the endpoint's variables filled in.
fn manifest_path() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        os => os,
    };
    format!("/desktop/{os}/{}/{CURRENT}", std::env::consts::ARCH)
}

/// A static `latest.json`; `signature: None` leaves the field out.
fn manifest(base: &str, version: &str, signature: Option<&str>) -> Vec<u8> {
    let mut platform = serde_json::json!({ "url": format!("{base}/artifact") });
    if let Some(sig) = signature {
        platform["signature"] = sig.into();
    }
    serde_json::to_vec(&serde_json::json!({
        "version": version,
        "notes": "Faster key checks.\n\n- Fixes a crash on start",
        "pub_date": "2026-11-20T10:00:00Z",
        "platforms": { platform_key(): platform },
    }))
    .unwrap()
}

/// The artifact: a stand-in for an AppImage, big enough to arrive in several chunks.
fn artifact() -> Vec<u8> {
    (0..300_000u32).map(|i| (i % 251) as u8).collect()
}

fn sha256(path: &Path) -> Vec<u8> {
    Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

/// The mock app, configured as the real one: the updater plugin reading `plugins.updater`, and
/// the endpoint override applied by [`Policy`] exactly as `run()` does.
struct TestApp {
    app: tauri::App<MockRuntime>,
    /// The file an install would replace (a copy, so the test binary is never at risk).
    installed: PathBuf,
    _dir: tempfile::TempDir,
}

fn app(pubkey: &str, policy: Policy) -> TestApp {
    let mut context = tauri::test::mock_context(tauri::test::noop_assets());
    context.package_info_mut().version = CURRENT.parse().unwrap();
    let plugins = &mut context.config_mut().plugins.0;
    plugins.insert(
        "updater".into(),
        serde_json::json!({
            "pubkey": pubkey,
            "endpoints": ["https://releases.taskly.chat/desktop/{{target}}/{{arch}}/{{current_version}}"],
            "requireSignedVersion": true,
        }),
    );
    policy.apply(plugins);
    let dir = tempfile::tempdir().unwrap();
    let installed = dir.path().join("taskly-desktop");
    std::fs::write(&installed, b"the installed app, version 0.1.0").unwrap();
    let app = tauri::test::mock_builder()
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(Updates::new(policy).with_executable_path(installed.clone()))
        .build(context)
        .unwrap();
    TestApp {
        app,
        installed,
        _dir: dir,
    }
}

fn loopback(base: &str) -> Policy {
    let policy = Policy::from_values(
        None,
        Some(&format!(
            "{base}/desktop/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}"
        )),
    );
    assert!(
        matches!(
            policy,
            Policy::Override {
                loopback_http: true,
                ..
            }
        ),
        "{policy:?}"
    );
    policy
}

/// Hashes of the running test binary and of the installed-app stand-in, to prove nothing moved.
fn fingerprints(t: &TestApp) -> (Vec<u8>, Vec<u8>) {
    (
        sha256(&std::env::current_exe().unwrap()),
        sha256(&t.installed),
    )
}

/// Checks, then downloads; answers the check's error or the download's. Asserts that a refusal
/// leaves nothing to install and changes no file.
async fn refused(t: &TestApp, expected: UpdateErrorCode) -> UpdateError {
    let before = fingerprints(t);
    let handle = t.app.handle();
    let err = match updates::check(handle).await {
        Err(err) => err,
        Ok(found) => {
            assert!(
                found.available.is_some(),
                "the check found nothing to refuse"
            );
            updates::download(handle, |_| {})
                .await
                .expect_err("the download must be refused")
        }
    };
    assert_eq!(err.code(), expected, "{err}");
    assert!(err.is_refusal(), "{err}");
    let install = updates::install(handle).expect_err("nothing may be installable after a refusal");
    assert_eq!(install.code(), UpdateErrorCode::UpdateNothingPending);
    assert_eq!(fingerprints(t), before, "a refused update changed a file");
    let json = serde_json::to_value(err.payload()).unwrap();
    assert!(json["code"].as_str().unwrap().starts_with("update_"));
    assert_eq!(json["action"], "none");
    err
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correctly_signed_newer_release_is_found_and_its_download_verifies() {
    let keys = Keys::new();
    let (server, base) = Server::start().await;
    let bytes = artifact();
    server.put("/artifact", bytes.clone());
    server.put(
        &manifest_path(),
        manifest(&base, "0.2.0", Some(&keys.sign(&bytes, "0.2.0"))),
    );
    let t = app(&keys.tauri_pubkey(), loopback(&base));
    let before = fingerprints(&t);

    let found = updates::check(t.app.handle()).await.unwrap();
    assert_eq!(found.current_version, CURRENT);
    let available = found.available.expect("an update");
    assert_eq!(available.version, "0.2.0");
    assert!(available.notes.unwrap().contains("Faster key checks"));
    assert_eq!(available.date.as_deref(), Some("2026-11-20T10:00:00Z"));

    let mut seen = Vec::new();
    let version = updates::download(t.app.handle(), |p| seen.push(p))
        .await
        .unwrap();
    assert_eq!(version, "0.2.0");
    let last = seen.last().expect("progress was reported");
    assert_eq!(last.downloaded, bytes.len() as u64);
    assert_eq!(last.total, Some(bytes.len() as u64));
    assert!(seen.len() > 1, "progress arrives as the bytes do");

    // Only the manifest and the artifact were asked for, on loopback; downloading installs nothing.
    assert_eq!(server.hits(), vec![manifest_path(), "/artifact".to_owned()]);
    assert_eq!(fingerprints(&t), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_artifact_is_refused() {
    let keys = Keys::new();
    let (server, base) = Server::start().await;
    let bytes = artifact();
    let signature = keys.sign(&bytes, "0.2.0");
    let mut tampered = bytes;
    tampered[1234] ^= 0x01;
    server.put("/artifact", tampered);
    server.put(&manifest_path(), manifest(&base, "0.2.0", Some(&signature)));
    let t = app(&keys.tauri_pubkey(), loopback(&base));
    let err = refused(&t, UpdateErrorCode::UpdateSignatureInvalid).await;
    let message = err.to_string();
    assert!(
        message.contains("does not match its signature"),
        "{message}"
    );
    assert!(message.contains("Nothing was installed"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signature_from_another_key_is_refused() {
    let ours = Keys::new();
    let theirs = Keys::new();
    let (server, base) = Server::start().await;
    let bytes = artifact();
    server.put("/artifact", bytes.clone());
    server.put(
        &manifest_path(),
        manifest(&base, "0.2.0", Some(&theirs.sign(&bytes, "0.2.0"))),
    );
    let t = app(&ours.tauri_pubkey(), loopback(&base));
    let err = refused(&t, UpdateErrorCode::UpdateSignatureInvalid).await;
    assert!(
        err.to_string().contains("signed with a different key"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_signature_is_refused() {
    let keys = Keys::new();
    let (server, base) = Server::start().await;
    server.put("/artifact", artifact());
    let t = app(&keys.tauri_pubkey(), loopback(&base));

    // No `signature` field at all: refused at the check, nothing downloaded.
    server.put(&manifest_path(), manifest(&base, "0.2.0", None));
    let err = refused(&t, UpdateErrorCode::UpdateSignatureMissing).await;
    assert!(err.to_string().contains("it is not signed"), "{err}");

    // An empty one: refused before the download.
    server.put(&manifest_path(), manifest(&base, "0.2.0", Some("")));
    refused(&t, UpdateErrorCode::UpdateSignatureMissing).await;
    assert!(
        !server.hits().contains(&"/artifact".to_owned()),
        "an unsigned update was downloaded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_release_is_refused_and_the_same_one_is_up_to_date() {
    let keys = Keys::new();
    let (server, base) = Server::start().await;
    let bytes = artifact();
    server.put("/artifact", bytes.clone());
    let t = app(&keys.tauri_pubkey(), loopback(&base));

    server.put(
        &manifest_path(),
        manifest(&base, "0.0.9", Some(&keys.sign(&bytes, "0.0.9"))),
    );
    let err = refused(&t, UpdateErrorCode::UpdateDowngradeRefused).await;
    let message = err.to_string();
    assert!(
        message.contains("0.0.9") && message.contains("older than the version you have (0.1.0)"),
        "{message}"
    );

    server.put(
        &manifest_path(),
        manifest(&base, CURRENT, Some(&keys.sign(&bytes, CURRENT))),
    );
    let before = fingerprints(&t);
    let found = updates::check(t.app.handle()).await.unwrap();
    assert!(
        found.available.is_none(),
        "the same version is not an update"
    );
    assert_eq!(
        updates::download(t.app.handle(), |_| {})
            .await
            .unwrap_err()
            .code(),
        UpdateErrorCode::UpdateNothingPending
    );
    assert_eq!(fingerprints(&t), before);
    assert!(!server.hits().contains(&"/artifact".to_owned()));
}

/// An old, genuinely signed release announced under a new version number (a replayed downgrade)
/// is refused: the signature names the version it was made for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_release_announced_as_new_is_refused() {
    let keys = Keys::new();
    let (server, base) = Server::start().await;
    let bytes = artifact();
    server.put("/artifact", bytes.clone());
    server.put(
        &manifest_path(),
        manifest(&base, "9.0.0", Some(&keys.sign(&bytes, "0.0.9"))),
    );
    let t = app(&keys.tauri_pubkey(), loopback(&base));
    let err = refused(&t, UpdateErrorCode::UpdateVersionMismatch).await;
    assert!(
        err.to_string()
            .contains("its signature is for version 0.0.9"),
        "{err}"
    );
}

/// A loopback stand-in for an HTTP proxy: records the request line of every connection made
/// to it (`GET http://host/path HTTP/1.1`, `CONNECT host:443 HTTP/1.1`) and answers 502. With
/// every proxy variable pointing at it, a request to any host, remote or not, lands here
/// instead of leaving the machine, and no name is looked up (the proxy would do that).
struct Recorder {
    url: String,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    async fn start() -> Self {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let lines: Arc<Mutex<Vec<String>>> = Arc::default();
        let seen = lines.clone();
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(2).any(|w| w == b"\r\n") && head.len() < 8192 {
                        match conn.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let text = String::from_utf8_lossy(&head);
                    let line = text.lines().next().unwrap_or("(nothing sent)").to_owned();
                    seen.lock().unwrap().push(line);
                    let _ = conn
                        .write_all(
                            b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        )
                        .await;
                    let _ = conn.shutdown().await;
                });
            }
        });
        Self { url, lines }
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

/// Set in the child process of [`switched_off_or_unsafe_endpoints_make_no_request`]: a
/// loopback port nothing listens on, for the control request.
const CHILD_CONTROL_PORT: &str = "TASKLY_UPDATER_TEST_CONTROL_PORT";

/// Switched off or given an unsafe endpoint, the updater asks nothing of anyone. Proven in a
/// child process whose every proxy variable points at a [`Recorder`] (the environment is the
/// process's, so this cannot share the process with the other tests): a request to any host,
/// remote included, would land in the recorder rather than leave the machine. A control check
/// against an allowed endpoint shows that the recorder does see the updater's requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switched_off_or_unsafe_endpoints_make_no_request() {
    let recorder = Recorder::start().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child
        .args([
            "--exact",
            "endpoint_checks_behind_a_recording_proxy",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_CONTROL_PORT, closed.to_string())
        .env_remove("NO_PROXY")
        .env_remove("no_proxy");
    for name in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        child.env(name, &recorder.url);
    }
    let out = tokio::task::spawn_blocking(move || child.output().unwrap())
        .await
        .unwrap();
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = recorder.lines();
    let control = format!("GET http://127.0.0.1:{closed}/desktop/");
    assert!(
        lines.first().is_some_and(|l| l.starts_with(&control)),
        "the control request went through the recording proxy: {lines:?}\n{output}"
    );
    assert_eq!(
        lines.len(),
        1,
        "switched off or unsafe, the updater made a request: {lines:?}"
    );
    assert!(out.status.success(), "the child's checks failed:\n{output}");
    assert!(
        output.contains("test result: ok. 1 passed"),
        "the child ran its checks:\n{output}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by switched_off_or_unsafe_endpoints_make_no_request, in a child process behind a recording proxy"]
async fn endpoint_checks_behind_a_recording_proxy() {
    // Run directly, without the recording proxy around it, there is nothing to prove.
    let Ok(port) = std::env::var(CHILD_CONTROL_PORT) else {
        return;
    };
    let keys = Keys::new();
    let control = format!("http://127.0.0.1:{port}");

    // Control: an allowed endpoint is asked for, through the proxy, which answers 502.
    let t = app(&keys.tauri_pubkey(), loopback(&control));
    let err = updates::check(t.app.handle()).await.unwrap_err();
    assert!(
        !matches!(
            err.code(),
            UpdateErrorCode::UpdateChecksOff | UpdateErrorCode::UpdateEndpointInvalid
        ),
        "the control check was refused before asking: {err}"
    );

    let off = Policy::from_values(Some("off"), Some(&format!("{control}/desktop/off")));
    let t = app(&keys.tauri_pubkey(), off);
    let err = updates::check(t.app.handle()).await.unwrap_err();
    assert_eq!(err.code(), UpdateErrorCode::UpdateChecksOff);

    let remote = Policy::from_values(None, Some("http://releases.taskly.chat/desktop/x"));
    let t = app(&keys.tauri_pubkey(), remote);
    let err = updates::check(t.app.handle()).await.unwrap_err();
    assert_eq!(err.code(), UpdateErrorCode::UpdateEndpointInvalid);
    assert!(err.to_string().contains("loopback"), "{err}");
}
