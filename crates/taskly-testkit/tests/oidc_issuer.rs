//! The test OpenID Provider as the sign-in client will use it, driven by hand with plain HTTP:
//! discovery, the code flow with PKCE, refresh-token rotation and reuse, the device flow,
//! introspection and revocation, and the test-only faults and counters. The client's own tests
//! rely on each of these behaving as checked here.
#![allow(clippy::expect_used)]

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use taskly_testkit::oidc::{Issuer, IssuerOptions};

const SCOPE: &str = "openid offline_access email profile";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a client")
}

fn form(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

fn random() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// A PKCE pair: a 64-character verifier and its S256 challenge.
fn pkce() -> (String, String) {
    let verifier = random();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn jwt_part(jwt: &str, index: usize) -> Value {
    let part = jwt.split('.').nth(index).expect("a JWT part");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
}

fn claims(jwt: &str) -> Value {
    jwt_part(jwt, 1)
}

async fn discovery(issuer: &Issuer) -> Value {
    http()
        .get(format!("{}/.well-known/openid-configuration", issuer.url()))
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("the discovery document")
}

fn endpoint(discovery: &Value, name: &str) -> String {
    discovery[name]
        .as_str()
        .unwrap_or_else(|| panic!("discovery has no {name}"))
        .to_owned()
}

/// POSTs a form and returns the status and the JSON answer (`null` for an empty body).
async fn post(url: &str, fields: &[(&str, &str)]) -> (u16, Value) {
    let response = http()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(fields))
        .send()
        .await
        .expect("the request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("the body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
    };
    (status, body)
}

/// One browser sign-in's request, as the client builds it.
struct Authorization {
    url: String,
    redirect_uri: String,
    state: String,
    nonce: String,
    verifier: String,
}

fn authorization(discovery: &Value, port: u16) -> Authorization {
    let (verifier, challenge) = pkce();
    let (state, nonce) = (random(), random());
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let mut url = url::Url::parse(&endpoint(discovery, "authorization_endpoint")).expect("a URL");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", Issuer::CLIENT_ID)
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("scope", SCOPE)
        .append_pair("prompt", "consent")
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    Authorization {
        url: url.to_string(),
        redirect_uri,
        state,
        nonce,
        verifier,
    }
}

fn query(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .expect("a URL")
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

async fn exchange(discovery: &Value, auth: &Authorization, code: &str) -> (u16, Value) {
    post(
        &endpoint(discovery, "token_endpoint"),
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &auth.redirect_uri),
            ("client_id", Issuer::CLIENT_ID),
            ("code_verifier", &auth.verifier),
        ],
    )
    .await
}

/// A whole browser sign-in as `login`: the token response and the nonce it was asked with.
async fn sign_in(issuer: &Issuer, discovery: &Value, login: &str) -> (Value, String) {
    let auth = authorization(discovery, 49_152);
    let callback = issuer.authorize(&auth.url, login).await.expect("signed in");
    let code = query(&callback, "code").unwrap_or_else(|| panic!("no code in {callback}"));
    let (status, tokens) = exchange(discovery, &auth, &code).await;
    assert_eq!(status, 200, "{tokens}");
    (tokens, auth.nonce)
}

async fn refresh(discovery: &Value, refresh_token: &str) -> (u16, Value) {
    post(
        &endpoint(discovery, "token_endpoint"),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", Issuer::CLIENT_ID),
        ],
    )
    .await
}

fn str_of<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {value}"))
}

#[tokio::test]
async fn discovery_advertises_what_the_client_needs() {
    let issuer = Issuer::start();
    assert!(issuer.url().starts_with("http://127.0.0.1:"));
    assert!(!issuer.url().ends_with('/'));
    assert_eq!(
        issuer.issuer_env(),
        vec![("TASKLY_AUTH_URL".to_owned(), issuer.url().to_owned())]
    );
    let doc = discovery(&issuer).await;
    assert_eq!(doc["issuer"], issuer.url());
    for name in [
        "authorization_endpoint",
        "token_endpoint",
        "device_authorization_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
        "jwks_uri",
    ] {
        assert!(
            endpoint(&doc, name).starts_with(&format!("{}/", issuer.url())),
            "{name}: {}",
            doc[name]
        );
    }
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
    for scope in SCOPE.split(' ') {
        assert!(
            doc["scopes_supported"]
                .as_array()
                .expect("scopes")
                .contains(&json!(scope)),
            "{scope}"
        );
    }
    // The test-kit's endpoint for the proxy is the one discovery names.
    assert_eq!(
        issuer.introspection().0,
        endpoint(&doc, "introspection_endpoint")
    );
    let jwks: Value = http()
        .get(endpoint(&doc, "jwks_uri"))
        .send()
        .await
        .expect("jwks")
        .json()
        .await
        .expect("a JWKS");
    let keys = jwks["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 1, "{jwks}");
    assert_eq!(keys[0]["alg"], "RS256");
    assert!(keys[0].get("d").is_none(), "the JWKS leaks the private key");
}

#[tokio::test]
async fn code_flow_with_pkce_gives_tokens_and_an_id_token_for_the_account() {
    let issuer = Issuer::start();
    let doc = discovery(&issuer).await;
    // Any port: loopback redirects of a native client match without it (RFC 8252 7.3).
    for port in [49_152, 61_000] {
        let auth = authorization(&doc, port);
        let callback = issuer
            .authorize(&auth.url, "alice")
            .await
            .expect("signed in");
        assert!(
            callback.starts_with(&format!("{}?", auth.redirect_uri)),
            "{callback}"
        );
        assert_eq!(query(&callback, "state").as_deref(), Some(&*auth.state));
        assert_eq!(query(&callback, "iss").as_deref(), Some(issuer.url()));
        let code = query(&callback, "code").expect("a code");

        let (status, tokens) = exchange(&doc, &auth, &code).await;
        assert_eq!(status, 200, "{tokens}");
        for name in ["access_token", "refresh_token", "id_token"] {
            assert!(!str_of(&tokens, name).is_empty(), "{name}");
        }
        assert_eq!(tokens["expires_in"], 3600);
        assert_eq!(tokens["token_type"], "Bearer");
        assert!(str_of(&tokens, "scope").contains("offline_access"));

        let id = claims(str_of(&tokens, "id_token"));
        assert_eq!(id["iss"], issuer.url());
        assert_eq!(id["aud"], Issuer::CLIENT_ID);
        assert_eq!(id["sub"], Issuer::sub_of("alice"));
        assert_eq!(id["email"], Issuer::email_of("alice"));
        assert_eq!(id["email"], "alice@example.com");
        assert_eq!(id["email_verified"], true);
        assert_eq!(id["name"], "alice");
        assert_eq!(id["nonce"], auth.nonce.as_str());
        assert_eq!(jwt_part(str_of(&tokens, "id_token"), 0)["alg"], "RS256");

        // A code works once.
        let (status, again) = exchange(&doc, &auth, &code).await;
        assert_eq!((status, str_of(&again, "error")), (400, "invalid_grant"));
    }

    // Another path is not a registered redirect: the issuer shows an error, it does not redirect.
    let auth = authorization(&doc, 49_152);
    let other = auth.url.replace("%2Fcallback", "%2Felsewhere");
    assert_ne!(other, auth.url);
    let refused = issuer.authorize(&other, "alice").await;
    assert!(refused.is_err(), "{refused:?}");
}

#[tokio::test]
async fn pkce_is_required_and_checked() {
    let issuer = Issuer::start();
    let doc = discovery(&issuer).await;

    // No challenge: the issuer sends the browser back with an error, and no code.
    let auth = authorization(&doc, 49_152);
    let without = url::Url::parse(&auth.url).expect("a URL");
    let mut bare = without.clone();
    bare.query_pairs_mut().clear().extend_pairs(
        without
            .query_pairs()
            .filter(|(k, _)| !k.starts_with("code_challenge")),
    );
    let callback = issuer
        .authorize(bare.as_str(), "alice")
        .await
        .expect("a redirect");
    assert_eq!(
        query(&callback, "error").as_deref(),
        Some("invalid_request"),
        "{callback}"
    );
    assert_eq!(query(&callback, "code"), None);

    // `plain` is not accepted either.
    let plain = auth
        .url
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    let callback = issuer.authorize(&plain, "alice").await.expect("a redirect");
    assert!(query(&callback, "error").is_some(), "{callback}");

    // A wrong verifier does not get tokens.
    let callback = issuer
        .authorize(&auth.url, "alice")
        .await
        .expect("signed in");
    let code = query(&callback, "code").expect("a code");
    let wrong = Authorization {
        verifier: random(),
        ..auth
    };
    let (status, body) = exchange(&doc, &wrong, &code).await;
    assert_eq!((status, str_of(&body, "error")), (400, "invalid_grant"));
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_refresh_token_revokes_the_grant() {
    let issuer = Issuer::start();
    let doc = discovery(&issuer).await;
    let (first, nonce) = sign_in(&issuer, &doc, "alice").await;
    let old = str_of(&first, "refresh_token");

    let (status, second) = refresh(&doc, old).await;
    assert_eq!(status, 200, "{second}");
    let new = str_of(&second, "refresh_token");
    assert_ne!(new, old, "the refresh token did not rotate");
    assert_ne!(
        str_of(&second, "access_token"),
        str_of(&first, "access_token")
    );
    // A refreshed ID token is for the same account and keeps the sign-in's nonce.
    let id = claims(str_of(&second, "id_token"));
    assert_eq!(id["sub"], Issuer::sub_of("alice"));
    assert_eq!(id["nonce"], nonce.as_str());

    // The old one again: refused, and the whole grant goes with it.
    let (status, reused) = refresh(&doc, old).await;
    assert_eq!((status, str_of(&reused, "error")), (400, "invalid_grant"));
    let (status, after) = refresh(&doc, new).await;
    assert_eq!((status, str_of(&after, "error")), (400, "invalid_grant"));
    let access = issuer.introspect(str_of(&second, "access_token")).await;
    assert_eq!(access["active"], false, "{access}");
}

#[tokio::test]
async fn device_flow_polls_pending_then_slow_down_then_gets_tokens() {
    let issuer = Issuer::start();
    let doc = discovery(&issuer).await;
    let (status, device) = post(
        &endpoint(&doc, "device_authorization_endpoint"),
        &[("client_id", Issuer::CLIENT_ID), ("scope", SCOPE)],
    )
    .await;
    assert_eq!(status, 200, "{device}");
    assert_eq!(device["interval"], 1);
    assert_eq!(device["expires_in"], 600);
    assert_eq!(
        device["verification_uri"],
        format!("{}/device", issuer.url())
    );
    let device_code = str_of(&device, "device_code").to_owned();
    let user_code = str_of(&device, "user_code").to_owned();
    let token_endpoint = endpoint(&doc, "token_endpoint");
    let fields = [
        ("grant_type", DEVICE_GRANT),
        ("device_code", device_code.as_str()),
        ("client_id", Issuer::CLIENT_ID),
    ];
    let poll = || post(&token_endpoint, &fields);

    let (status, first) = poll().await;
    assert_eq!(
        (status, str_of(&first, "error")),
        (400, "authorization_pending")
    );
    // Waiting the interval is fine…
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let (status, waited) = poll().await;
    assert_eq!(
        (status, str_of(&waited, "error")),
        (400, "authorization_pending")
    );
    // …polling again at once is not.
    let (status, hasty) = poll().await;
    assert_eq!((status, str_of(&hasty, "error")), (400, "slow_down"));

    issuer
        .approve_device(&user_code, "bob@example.org")
        .await
        .expect("approved");
    // An approved code gives its tokens even to a hasty poll.
    let (status, tokens) = poll().await;
    assert_eq!(status, 200, "{tokens}");
    assert!(!str_of(&tokens, "access_token").is_empty());
    assert!(!str_of(&tokens, "refresh_token").is_empty());
    let id = claims(str_of(&tokens, "id_token"));
    assert_eq!(id["sub"], Issuer::sub_of("bob@example.org"));
    assert_eq!(id["email"], "bob@example.org");
    assert_eq!(id["name"], "bob");
    assert_eq!(id["aud"], Issuer::CLIENT_ID);

    // Used up.
    let (status, again) = poll().await;
    assert_eq!((status, str_of(&again, "error")), (400, "invalid_grant"));
    // And a code nobody asked for is not approved.
    assert!(issuer.approve_device("BCDF-GHJK", "bob").await.is_err());
}

#[tokio::test]
async fn introspection_says_active_until_the_refresh_token_is_revoked() {
    let issuer = Issuer::start();
    let doc = discovery(&issuer).await;
    let (tokens, _) = sign_in(&issuer, &doc, "alice").await;
    let access = str_of(&tokens, "access_token");
    let refresh_token = str_of(&tokens, "refresh_token");

    let answer = issuer.introspect(access).await;
    assert_eq!(answer["active"], true, "{answer}");
    assert_eq!(answer["client_id"], Issuer::CLIENT_ID);
    assert_eq!(answer["sub"], Issuer::sub_of("alice"));
    assert!(answer["exp"].as_u64().is_some(), "{answer}");
    assert!(str_of(&answer, "scope").contains("openid"));
    assert_eq!(issuer.introspect(refresh_token).await["active"], true);
    assert_eq!(issuer.introspect("not-a-token").await["active"], false);

    // Introspection is the proxy's, with its secret.
    let (endpoint_url, client, _) = issuer.introspection();
    let wrong = http()
        .post(&endpoint_url)
        .basic_auth(client, Some("wrong-secret"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("token", access)]))
        .send()
        .await
        .expect("introspection");
    assert_eq!(wrong.status().as_u16(), 401);

    // Sign-out: the public client revokes its refresh token (RFC 7009, no secret).
    let (status, _) = post(
        &endpoint(&doc, "revocation_endpoint"),
        &[
            ("token", refresh_token),
            ("token_type_hint", "refresh_token"),
            ("client_id", Issuer::CLIENT_ID),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(issuer.introspect(refresh_token).await["active"], false);
    // oidc-provider revokes the grant's other tokens with it.
    assert_eq!(issuer.introspect(access).await["active"], false);
    let (status, refused) = refresh(&doc, refresh_token).await;
    assert_eq!((status, str_of(&refused, "error")), (400, "invalid_grant"));
}

#[tokio::test]
async fn a_faulted_id_token_has_the_claims_asked_for_once_and_the_real_signature() {
    let issuer = Issuer::start();
    let doc = discovery(&issuer).await;
    issuer
        .fault_next_id_token(json!({ "aud": "someone-else" }))
        .await;
    let (faulted, _) = sign_in(&issuer, &doc, "alice").await;
    let id_token = str_of(&faulted, "id_token");
    let id = claims(id_token);
    assert_eq!(id["aud"], "someone-else");
    assert_eq!(id["sub"], Issuer::sub_of("alice"), "the other claims stay");
    assert_eq!(id["iss"], issuer.url());
    assert!(
        verifies(&doc, id_token).await,
        "the faulted ID token is not signed with the issuer's key"
    );
    // A token whose claims were changed without re-signing does not verify: the check can fail.
    let mut parts: Vec<&str> = id_token.split('.').collect();
    let mut unsigned = id.clone();
    unsigned["aud"] = json!(Issuer::CLIENT_ID);
    let forged = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&unsigned).expect("JSON"));
    parts[1] = &forged;
    assert!(!verifies(&doc, &parts.join(".")).await);

    // Once: the next sign-in is for the client again.
    let (clean, _) = sign_in(&issuer, &doc, "alice").await;
    assert_eq!(claims(str_of(&clean, "id_token"))["aud"], Issuer::CLIENT_ID);

    issuer
        .fault_next_id_token(json!({ "iss": "http://127.0.0.1:1" }))
        .await;
    let (status, refreshed) = refresh(&doc, str_of(&clean, "refresh_token")).await;
    assert_eq!(status, 200, "{refreshed}");
    let id_token = str_of(&refreshed, "id_token");
    assert_eq!(claims(id_token)["iss"], "http://127.0.0.1:1");
    assert!(verifies(&doc, id_token).await);
}

/// Whether `jwt` verifies against the issuer's JWKS, checked by node's own crypto (independent
/// of the server's signing code).
async fn verifies(doc: &Value, jwt: &str) -> bool {
    let jwks: Value = http()
        .get(endpoint(doc, "jwks_uri"))
        .send()
        .await
        .expect("jwks")
        .json()
        .await
        .expect("a JWKS");
    let script = r#"
        const crypto = require('node:crypto');
        const [jwks, jwt] = [JSON.parse(process.argv[1]), process.argv[2]];
        const [h, p, s] = jwt.split('.');
        const { kid } = JSON.parse(Buffer.from(h, 'base64url'));
        const jwk = jwks.keys.find((k) => k.kid === kid);
        const ok = !!jwk && crypto.verify('sha256', Buffer.from(`${h}.${p}`),
            crypto.createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
        process.exit(ok ? 0 : 1);
    "#;
    let status = std::process::Command::new("node")
        .args(["-e", script, &jwks.to_string(), jwt])
        .status()
        .expect("node");
    status.success()
}

#[tokio::test]
async fn revoke_grants_ends_every_grant_of_one_account_only() {
    let issuer = Issuer::start();
    let doc = discovery(&issuer).await;
    let (alice_app, _) = sign_in(&issuer, &doc, "alice").await;
    let (alice_cli, _) = sign_in(&issuer, &doc, "alice").await;
    let (bob, _) = sign_in(&issuer, &doc, "bob").await;

    issuer.revoke_grants(&Issuer::sub_of("alice")).await;

    for tokens in [&alice_app, &alice_cli] {
        let (status, refused) = refresh(&doc, str_of(tokens, "refresh_token")).await;
        assert_eq!((status, str_of(&refused, "error")), (400, "invalid_grant"));
        let answer = issuer.introspect(str_of(tokens, "access_token")).await;
        assert_eq!(answer["active"], false, "{answer}");
    }
    assert_eq!(
        issuer.introspect(str_of(&bob, "access_token")).await["active"],
        true
    );
    let (status, refreshed) = refresh(&doc, str_of(&bob, "refresh_token")).await;
    assert_eq!(status, 200, "{refreshed}");
}

#[tokio::test]
async fn stats_count_token_requests_by_grant_type_and_the_other_endpoints() {
    let issuer = Issuer::start();
    let doc = discovery(&issuer).await;
    let (tokens, _) = sign_in(&issuer, &doc, "alice").await;
    let (status, refreshed) = refresh(&doc, str_of(&tokens, "refresh_token")).await;
    assert_eq!(status, 200);
    let (status, _) = refresh(&doc, "not-a-refresh-token").await;
    assert_eq!(status, 400);
    let (status, _) = post(
        &endpoint(&doc, "device_authorization_endpoint"),
        &[("client_id", Issuer::CLIENT_ID), ("scope", SCOPE)],
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = post(
        &endpoint(&doc, "token_endpoint"),
        &[
            ("grant_type", DEVICE_GRANT),
            ("device_code", "unknown"),
            ("client_id", Issuer::CLIENT_ID),
        ],
    )
    .await;
    assert_eq!(status, 400);
    issuer.introspect(str_of(&refreshed, "access_token")).await;
    let (status, _) = post(
        &endpoint(&doc, "revocation_endpoint"),
        &[
            ("token", str_of(&refreshed, "refresh_token")),
            ("client_id", Issuer::CLIENT_ID),
        ],
    )
    .await;
    assert_eq!(status, 200);

    assert_eq!(
        issuer.stats().await,
        json!({
            "token": { "authorization_code": 1, "refresh_token": 2, DEVICE_GRANT: 1 },
            "token_errors": 2,
            "revocation": 1,
            "introspection": 1,
        })
    );
}

#[tokio::test]
async fn short_lifetimes_expire_codes_and_access_tokens() {
    // 2 s, not 1: oidc-provider counts whole seconds, so a 1 s code issued just before a second
    // ticks over is expired at once.
    let issuer = Issuer::start_with(IssuerOptions {
        access_token_ttl: Duration::from_secs(2),
        code_ttl: Duration::from_secs(2),
        ..IssuerOptions::default()
    });
    let doc = discovery(&issuer).await;
    let (tokens, _) = sign_in(&issuer, &doc, "alice").await;
    assert_eq!(tokens["expires_in"], 2);
    let auth = authorization(&doc, 49_152);
    let callback = issuer
        .authorize(&auth.url, "alice")
        .await
        .expect("signed in");
    let code = query(&callback, "code").expect("a code");

    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let (status, late) = exchange(&doc, &auth, &code).await;
    assert_eq!((status, str_of(&late, "error")), (400, "invalid_grant"));
    let answer = issuer.introspect(str_of(&tokens, "access_token")).await;
    assert_eq!(answer["active"], false, "{answer}");
    // The refresh token outlives the access token.
    let (status, refreshed) = refresh(&doc, str_of(&tokens, "refresh_token")).await;
    assert_eq!(status, 200, "{refreshed}");
}

#[tokio::test]
async fn the_issuer_exits_when_its_handle_is_dropped() {
    let issuer = Issuer::start();
    let url = issuer.url().to_owned();
    drop(issuer);
    let gone = http()
        .get(format!("{url}/.well-known/openid-configuration"))
        .send()
        .await;
    assert!(gone.is_err(), "still answering after drop");
}

/// The server on its own: it must end when its parent's pipe to it closes (a parent killed
/// without dropping its handle), and on SIGTERM.
#[test]
fn the_server_exits_when_its_stdin_closes_or_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let server = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/oidc-provider/server.mjs");
    for how in ["stdin", "sigterm"] {
        let mut child = Command::new("node")
            .arg(&server)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the issuer line");
        let printed: Value = serde_json::from_str(&line).expect("one JSON line");
        assert!(
            printed["issuer"]
                .as_str()
                .is_some_and(|i| i.starts_with("http://127.0.0.1:"))
        );
        let stdin = child.stdin.take();
        if how == "stdin" {
            drop(stdin);
        } else {
            let status = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .expect("kill");
            assert!(status.success());
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let exited = loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                break Some(status);
            }
            if std::time::Instant::now() > deadline {
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if exited.is_none() {
            let _ = child.kill();
            let _ = child.wait();
        }
        assert!(exited.is_some_and(|s| s.success()), "{how}: {exited:?}");
    }
}
