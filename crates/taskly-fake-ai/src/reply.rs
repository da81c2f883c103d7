//! What a handler answers, and how it goes on the wire (plain, streamed, cut short or padded).

mod huge;
mod stream;

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::Value;

use crate::state::Shared;
use stream::Emitter;

pub(crate) const SSE: &str = "text/event-stream; charset=utf-8";
pub(crate) const JSON: &str = "application/json";

/// A handler's answer before delivery.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(&'static str, String)>,
    pub payload: Payload,
}

#[derive(Debug, Clone)]
pub(crate) enum Payload {
    Json(Value),
    /// Pieces sent one by one with the configured delay between them: SSE events, or a streamed JSON array.
    Frames {
        content_type: &'static str,
        frames: Vec<String>,
    },
}

/// How a fault bends delivery of an otherwise normal answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Plain,
    Cut(usize),
    Huge(usize),
    /// Send this many pieces, then go silent with the connection open.
    Stall(usize),
    /// Stream SSE comment lines at this pace forever.
    KeepAlive(std::time::Duration),
    /// Repeat the first text piece at this pace forever.
    Drip(std::time::Duration),
}

impl Reply {
    pub(crate) fn json(status: StatusCode, body: Value) -> Self {
        Self {
            status,
            headers: Vec::new(),
            payload: Payload::Json(body),
        }
    }

    pub(crate) fn ok(body: Value) -> Self {
        Self::json(StatusCode::OK, body)
    }

    pub(crate) fn frames(content_type: &'static str, frames: Vec<String>) -> Self {
        Self {
            status: StatusCode::OK,
            headers: Vec::new(),
            payload: Payload::Frames {
                content_type,
                frames,
            },
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Turn into an HTTP response; faults only bend successful answers (a 401 stays a plain
    /// 401), except padding, which a huge error body needs.
    pub(crate) fn deliver(self, shape: Shape, shared: &Arc<Shared>) -> Response {
        let shape = if self.status.is_success() || matches!(shape, Shape::Huge(_)) {
            shape
        } else {
            Shape::Plain
        };
        let (content_type, pieces, streamed) = match self.payload {
            Payload::Json(value) => (JSON, vec![value.to_string()], false),
            Payload::Frames {
                content_type,
                frames,
            } => (content_type, frames, true),
        };
        let pieces: Vec<Bytes> = pieces.into_iter().map(Bytes::from).collect();
        let mut response = Response::new(Body::empty());
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        if streamed {
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        }
        for (name, value) in self.headers {
            match (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            ) {
                (Ok(name), Ok(value)) => {
                    headers.append(name, value);
                }
                _ => tracing::warn!(name, "dropping a header that is not valid HTTP"),
            }
        }
        let body = match shape {
            Shape::Plain if !streamed => Body::from(pieces.concat()),
            Shape::Plain => Emitter::frames(pieces, None, shared).into_body(),
            Shape::Cut(after) if streamed => {
                // Never let the terminator out, whatever N says.
                let after = after.min(pieces.len().saturating_sub(1));
                Emitter::frames(pieces, Some(after), shared).into_body()
            }
            Shape::Cut(_) => Emitter::halved(pieces.concat(), shared).into_body(),
            Shape::Stall(after) => stream::stalled(pieces, after, shared),
            Shape::KeepAlive(every) if streamed => stream::endless(
                Vec::new(),
                Bytes::from_static(b": keep-alive\n\n"),
                every,
                shared,
            ),
            Shape::Drip(every) if streamed && pieces.len() > 1 => {
                let piece = pieces[1].clone();
                stream::endless(pieces[..2].to_vec(), piece, every, shared)
            }
            // Not a stream: nothing to drip, so go silent instead.
            Shape::KeepAlive(_) | Shape::Drip(_) => stream::stalled(pieces, 0, shared),
            Shape::Huge(target) => {
                let (body, length) = huge::padded(pieces, target);
                if !streamed {
                    headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
                }
                body
            }
        };
        *response.body_mut() = body;
        response
    }
}
