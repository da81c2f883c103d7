//! The entry point for every non-control request: record it, apply any queued fault, ask the
//! issuer about a proxy token, then let the flavor answer.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::CONNECTION;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::call::Call;
use crate::fault::{Failure, Fault, Plan};
use crate::flavor::Flavor;
use crate::introspect::Verdict;
use crate::providers;
use crate::record::RecordedRequest;
use crate::reply::{Payload, Reply, Shape};
use crate::state::Shared;

/// Bodies above this are refused; generous, because clients may send long chats.
const MAX_BODY: usize = 64 * 1024 * 1024;

pub(crate) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let (body, too_large) = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => (body, false),
        Err(_) => (Bytes::new(), true),
    };
    let call = Call {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
    };
    let flavor = Flavor::of_path(&call.path);
    tracing::debug!(method = %call.method, path = %call.path, ?flavor, "request");
    let number = shared.record(record(&call, flavor));

    if too_large {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            axum::Json(json!({"error": {"message": "Request body too large.", "code": "payload_too_large"}})),
        )
            .into_response();
    }
    let Some(flavor) = flavor else {
        return unknown_path(&call).deliver(Shape::Plain, &shared);
    };

    let fault = shared.take_fault(flavor, &call.path).map(|f| f.fault);
    let shape = match fault.as_ref().map(Fault::plan) {
        None => Shape::Plain,
        Some(Plan::Redirect(status)) => {
            let location = match &fault {
                Some(Fault::Redirect { location, .. }) => location.clone(),
                _ => String::new(),
            };
            return redirect(status, &location);
        }
        Some(Plan::HugeError(size)) => {
            let reply = providers::failure(flavor, Failure::ServerError, &call, &shared);
            return reply.deliver(Shape::Huge(size), &shared);
        }
        Some(Plan::Fail(failure)) => {
            return providers::failure(flavor, failure, &call, &shared)
                .deliver(Shape::Plain, &shared);
        }
        Some(Plan::Hang) => {
            shared.stopped().await;
            return stopping();
        }
        Some(Plan::Slow(delay)) => {
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = shared.stopped() => {}
            }
            Shape::Plain
        }
        Some(Plan::Cut(after)) => Shape::Cut(after),
        Some(Plan::Huge(size)) => Shape::Huge(size),
        Some(Plan::Stall(after)) => Shape::Stall(after),
        Some(Plan::KeepAlive(every)) => Shape::KeepAlive(every),
        Some(Plan::Drip(every)) => Shape::Drip(every),
        Some(Plan::Whole) => {
            return answer(flavor, &unstreamed(call), &shared, number)
                .await
                .deliver(Shape::Plain, &shared);
        }
        Some(Plan::Insert) => {
            let text = match &fault {
                Some(Fault::InsertEvent(text)) => text.clone(),
                _ => String::new(),
            };
            let mut reply = answer(flavor, &call, &shared, number).await;
            if let Payload::Frames { frames, .. } = &mut reply.payload {
                frames.insert(0, text);
            }
            return reply.deliver(Shape::Plain, &shared);
        }
    };
    answer(flavor, &call, &shared, number)
        .await
        .deliver(shape, &shared)
}

/// The flavor's answer, after the issuer (for a proxy call) has had its say; an accepted
/// token's subject goes on the call's record.
async fn answer(flavor: Flavor, call: &Call, shared: &Shared, number: usize) -> Reply {
    let verdict = providers::introspect(flavor, call, shared).await;
    if let Verdict::Active {
        subject: Some(subject),
    } = &verdict
    {
        shared.note_subject(number, subject.clone());
    }
    providers::answer(flavor, call, shared, &verdict)
}

/// The same request asking for a whole answer: `"stream": false` in a JSON body (OpenAI,
/// Anthropic, the proxy), `:generateContent` instead of `:streamGenerateContent` (Gemini).
fn unstreamed(mut call: Call) -> Call {
    if let Some(path) = call.path.strip_suffix(":streamGenerateContent") {
        call.path = format!("{path}:generateContent");
        call.query = call.query.and_then(|q| {
            let kept: Vec<&str> = q.split('&').filter(|pair| *pair != "alt=sse").collect();
            (!kept.is_empty()).then(|| kept.join("&"))
        });
    }
    if let Ok(mut body) = call.json()
        && let Some(object) = body.as_object_mut()
        && object.contains_key("stream")
    {
        object.insert("stream".into(), serde_json::Value::Bool(false));
        call.body = Bytes::from(body.to_string());
    }
    call
}

fn record(call: &Call, flavor: Option<Flavor>) -> RecordedRequest {
    RecordedRequest {
        method: call.method.to_string(),
        path: call.path.clone(),
        query: call.query.clone(),
        headers: call
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: call.body.to_vec(),
        flavor,
        proxy_subject: None,
    }
}

fn unknown_path(call: &Call) -> Reply {
    let prefixes: Vec<&str> = Flavor::ALL.iter().map(Flavor::base_path).collect();
    Reply::json(
        StatusCode::NOT_FOUND,
        json!({"error": {
            "message": format!(
                "No route for {} {}. Known prefixes: {}, /_control.",
                call.method,
                call.path,
                prefixes.join(", ")
            ),
            "code": "not_found",
        }}),
    )
}

/// What a hung request finally gets when the server stops: a refusal, and the connection closed.
fn stopping() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(CONNECTION, "close")],
        axum::Json(json!({"error": {"message": "The fake server is shutting down.", "code": "shutting_down"}})),
    )
        .into_response()
}

/// A redirect to `location`, with a body as a real server would send.
fn redirect(status: u16, location: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::FOUND);
    let mut response = (
        status,
        axum::Json(json!({"error": {"message": "Moved.", "code": "moved"}})),
    )
        .into_response();
    if let Ok(value) = axum::http::HeaderValue::from_str(location) {
        response
            .headers_mut()
            .insert(axum::http::header::LOCATION, value);
    }
    response
}
