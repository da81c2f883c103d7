//! A tiny stand-in for an OpenID issuer's introspection endpoint (RFC 7662), on loopback, that
//! tests can steer: which tokens are active for whom, revocation, and being down.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;
use taskly_fake_ai::Introspection;
use tokio::net::TcpListener;

pub const PATH: &str = "/token/introspection";
pub const CLIENT_ID: &str = "taskly-proxy";
pub const SECRET: &str = "issuer-secret";
/// `taskly-proxy:issuer-secret` in Base64, written out so the test does not trust the encoder
/// under test.
pub const BASIC: &str = "Basic dGFza2x5LXByb3h5Omlzc3Vlci1zZWNyZXQ=";
pub const DESKTOP: &str = "taskly-desktop";

/// Active, issued to Taskly Desktop for account `sub-a`.
pub const TOKEN_A: &str = "at-desktop-sub-a-0001";
/// Active, but issued to some other application.
pub const TOKEN_OTHER_APP: &str = "at-other-app-sub-b-0002";
/// Not known to the issuer.
pub const TOKEN_UNKNOWN: &str = "at-unknown-0003";

/// One request the issuer received.
#[derive(Debug, Clone)]
pub struct Asked {
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: String,
}

#[derive(Debug, Default)]
struct Book {
    /// token → (sub, client_id, active)
    tokens: HashMap<String, (String, String, bool)>,
    down: bool,
    asked: Vec<Asked>,
}

/// A running issuer; stops when the test's runtime ends.
#[derive(Debug, Clone)]
pub struct Issuer {
    url: String,
    book: Arc<Mutex<Book>>,
}

impl Issuer {
    pub async fn start() -> Issuer {
        let book = Arc::new(Mutex::new(Book::default()));
        {
            let mut b = book.lock().unwrap();
            b.tokens
                .insert(TOKEN_A.into(), ("sub-a".into(), DESKTOP.into(), true));
            b.tokens.insert(
                TOKEN_OTHER_APP.into(),
                ("sub-b".into(), "other-app".into(), true),
            );
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new()
            .route(PATH, post(introspect))
            .with_state(Arc::clone(&book));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Issuer { url, book }
    }

    pub fn endpoint(&self) -> String {
        format!("{}{PATH}", self.url)
    }

    /// Settings for a fake that asks this issuer, accepting only Taskly Desktop's tokens.
    pub fn settings(&self) -> Introspection {
        Introspection {
            endpoint: self.endpoint(),
            client_id: CLIENT_ID.into(),
            client_secret: SECRET.into(),
            audience_client: Some(DESKTOP.into()),
        }
    }

    /// The token stops being active, as after sign-out or revocation.
    pub fn revoke(&self, token: &str) {
        if let Some(entry) = self.book.lock().unwrap().tokens.get_mut(token) {
            entry.2 = false;
        }
    }

    /// Answer every introspection with a `500` (or go back to normal).
    pub fn set_down(&self, down: bool) {
        self.book.lock().unwrap().down = down;
    }

    pub fn asked(&self) -> Vec<Asked> {
        self.book.lock().unwrap().asked.clone()
    }
}

async fn introspect(
    State(book): State<Arc<Mutex<Book>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let body = String::from_utf8_lossy(&body).into_owned();
    let mut book = book.lock().unwrap();
    let authorization = header("authorization");
    book.asked.push(Asked {
        authorization: authorization.clone(),
        content_type: header("content-type"),
        body: body.clone(),
    });
    if book.down {
        return (StatusCode::INTERNAL_SERVER_ERROR, "issuer down").into_response();
    }
    // As a real issuer does: no answer about tokens for an unauthenticated caller.
    if authorization.as_deref() != Some(BASIC) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let token = body
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .unwrap_or_default();
    // A revoked token keeps its `sub` and `client_id` in the answer (RFC 7662 only says an
    // issuer SHOULD drop them), so a proxy that ignored `active` would be caught.
    match book.tokens.get(token) {
        Some((sub, client_id, active)) => axum::Json(json!({
            "active": active,
            "sub": sub,
            "client_id": client_id,
            "token_type": "Bearer",
            "scope": "openid offline_access email profile",
        }))
        .into_response(),
        None => axum::Json(json!({"active": false})).into_response(),
    }
}
