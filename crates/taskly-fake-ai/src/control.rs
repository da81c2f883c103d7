//! `/_control/*`: the HTTP face of the test controls, for tests and demos in another process.
//! These requests are not recorded and never hit faults.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::fault::ScriptedFault;
use crate::state::Shared;

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/health", get(health))
        .route("/stats", get(stats))
        .route("/requests", get(list_requests).delete(clear_requests))
        .route(
            "/faults",
            get(list_faults).post(push_fault).delete(clear_faults),
        )
        .route("/keys", post(add_key).delete(remove_key))
        .fallback(not_found)
}

#[derive(Debug, Deserialize)]
struct KeyBody {
    key: String,
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

async fn stats(State(shared): State<Arc<Shared>>) -> Json<serde_json::Value> {
    Json(json!({
        "disconnects": shared.disconnects(),
        "requests": shared.received(),
        "recorded": shared.recorded(),
    }))
}

async fn list_requests(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.requests()).into_response()
}

async fn clear_requests(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.clear_requests();
    StatusCode::NO_CONTENT
}

async fn list_faults(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.faults()).into_response()
}

async fn push_fault(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match parse::<ScriptedFault>(&body) {
        Ok(fault) => {
            shared.push_fault(fault);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(refusal) => refusal.into_response(),
    }
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.clear_faults();
    StatusCode::NO_CONTENT
}

async fn add_key(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match parse::<KeyBody>(&body) {
        Ok(KeyBody { key }) => {
            shared.add_provider_key(&key);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(refusal) => refusal.into_response(),
    }
}

async fn remove_key(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match parse::<KeyBody>(&body) {
        Ok(KeyBody { key }) => {
            shared.remove_provider_key(&key);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(refusal) => refusal.into_response(),
    }
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": {"message": "Unknown control endpoint.", "code": "not_found"}})),
    )
        .into_response()
}

/// Parse a JSON body, or answer 400 saying what is wrong with it.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Refusal> {
    serde_json::from_slice(body).map_err(|e| {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": format!("Invalid control request: {e}"), "code": "bad_request"}})),
        )
    })
}

type Refusal = (StatusCode, Json<serde_json::Value>);
