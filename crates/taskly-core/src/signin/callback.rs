//! The one-shot loopback listener the browser returns to (RFC 8252 §7.3).
//!
//! Bound to `127.0.0.1` on a port the system picks, it answers exactly one `GET /callback`:
//! anything else (another path, another method, a `Host` that is not this listener, as a DNS
//! rebinding page would send) gets an error page and the listener keeps waiting. After that one
//! request it stops accepting, so a replayed or second callback finds the port closed. The
//! browser's page is written after the code has been exchanged, so it can say whether signing in
//! worked.

use std::collections::HashMap;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::{Error, Result};

/// The most of a request we read: a callback URL is well under this.
const MAX_REQUEST: usize = 16 * 1024;

/// The most connections read at once.
const MAX_CONNECTIONS: usize = 16;

/// A bound listener, not yet answered.
#[derive(Debug)]
pub(crate) struct Listener {
    listener: TcpListener,
    port: u16,
}

/// The callback's query parameters and the connection to answer on.
#[derive(Debug)]
pub(crate) struct Callback {
    /// The query parameters (code, state, iss, or error, error_description).
    pub params: HashMap<String, String>,
    stream: TcpStream,
}

impl Listener {
    /// Binds `127.0.0.1:0`.
    pub(crate) async fn bind() -> Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| {
            Error::Internal(format!(
                "cannot listen on this machine for the sign-in: {e}"
            ))
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::Internal(format!("cannot read the listener's port: {e}")))?
            .port();
        Ok(Self { listener, port })
    }

    /// The redirect URI to register with the request.
    pub(crate) fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}/callback", self.port)
    }

    /// Waits for the one `GET /callback`, answering anything else with an error page. The
    /// listener is closed when this returns (it is consumed), and so is every other connection.
    ///
    /// Connections are read side by side: browsers open spare connections they may never send
    /// a request on, and the callback must not wait behind one of them.
    pub(crate) async fn accept(self) -> Result<Callback> {
        let mut reading = futures::stream::FuturesUnordered::new();
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    // A bound on what a local process can make us hold open; a browser needs
                    // a few.
                    if reading.len() < MAX_CONNECTIONS {
                        reading.push(read_request(stream, self.port));
                    }
                }
                Some(callback) = futures::StreamExt::next(&mut reading), if !reading.is_empty() => {
                    if let Some(callback) = callback {
                        return Ok(callback);
                    }
                }
            }
        }
    }
}

/// The callback on `stream`, or `None` after answering anything else with an error page.
async fn read_request(mut stream: TcpStream, port: u16) -> Option<Callback> {
    let Some(head) = read_head(&mut stream).await else {
        let _ = respond(&mut stream, 400, "This is not a request Taskly expects.").await;
        return None;
    };
    match route(&head, port) {
        Ok(params) => Some(Callback { params, stream }),
        Err((status, message)) => {
            let _ = respond(&mut stream, status, message).await;
            None
        }
    }
}

impl Callback {
    /// Answers the browser: signed in, or why not.
    pub(crate) async fn finish(mut self, outcome: std::result::Result<(), &str>) {
        let (status, text) = match outcome {
            Ok(()) => (
                200,
                "You are signed in to Taskly Desktop. You can close this tab and go back to the app.",
            ),
            Err(why) => (400, why),
        };
        let _ = respond(&mut self.stream, status, text).await;
    }
}

/// The request line and headers, up to the blank line; `None` if not HTTP or too long.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout_at(deadline, stream.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > MAX_REQUEST {
            return None;
        }
    }
    String::from_utf8(buf).ok()
}

/// The callback's parameters, or the status and page for anything else.
fn route(
    head: &str,
    port: u16,
) -> std::result::Result<HashMap<String, String>, (u16, &'static str)> {
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (method, target) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let host = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("host"))
        .map(|(_, value)| value.trim().to_owned());
    let expected = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    if !host.is_some_and(|h| expected.iter().any(|e| e.eq_ignore_ascii_case(&h))) {
        return Err((400, "This address only answers Taskly Desktop's sign-in."));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != "/callback" {
        return Err((404, "Not found."));
    }
    if method != "GET" {
        return Err((405, "Only the sign-in's return is answered here."));
    }
    let params = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    Ok(params)
}

async fn respond(stream: &mut TcpStream, status: u16, text: &str) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Bad Request",
    };
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Taskly Desktop</title></head>\
         <body style=\"font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;line-height:1.5\">\
         <h1 style=\"font-size:1.25rem\">Taskly Desktop</h1><p>{}</p></body></html>",
        escape(text)
    );
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n\
         Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_get_callback_on_this_listener() {
        let get =
            |target: &str, host: &str| format!("GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n");
        let ok = route(&get("/callback?code=c&state=s", "127.0.0.1:5000"), 5000).expect("ok");
        assert_eq!(ok.get("code").map(String::as_str), Some("c"));
        assert_eq!(ok.get("state").map(String::as_str), Some("s"));
        assert_eq!(
            route(&get("/favicon.ico", "127.0.0.1:5000"), 5000)
                .err()
                .map(|e| e.0),
            Some(404)
        );
        assert_eq!(
            route(&get("/callback?code=c", "evil.example:5000"), 5000)
                .err()
                .map(|e| e.0),
            Some(400)
        );
        assert_eq!(
            route(&get("/callback?code=c", "127.0.0.1:5001"), 5000)
                .err()
                .map(|e| e.0),
            Some(400)
        );
        let post = "POST /callback HTTP/1.1\r\nHost: 127.0.0.1:5000\r\n\r\n";
        assert_eq!(route(post, 5000).err().map(|e| e.0), Some(405));
    }
}
