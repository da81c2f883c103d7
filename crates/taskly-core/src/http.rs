//! The HTTP clients of the process: shared connection pools, timeouts, no redirects, and no
//! proxy for loopback.
//!
//! Redirects are never followed: a provider that answers 3xx would otherwise get us to send the
//! key's request on to a host the user never confirmed. TLS verification is always on. A
//! system proxy (`HTTPS_PROXY`, …) is honoured for remote hosts, but never for this machine: a
//! local model server is reached on loopback with plain `http://`, and sending that request to a
//! proxy would carry the key in cleartext off the machine.

use std::time::Duration;

use crate::{Error, Result};

/// Timeouts for provider calls.
#[derive(Debug, Clone, Copy)]
pub struct HttpTimeouts {
    /// TCP + TLS connect.
    pub connect: Duration,
    /// A whole non-streaming request (validation, list models).
    pub request: Duration,
}

impl Default for HttpTimeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(20),
        }
    }
}

/// One client for remote hosts (proxies honoured) and one for loopback (never proxied).
/// Clones share their connection pools.
#[derive(Debug, Clone)]
pub struct HttpClients {
    remote: reqwest::Client,
    loopback: reqwest::Client,
}

impl HttpClients {
    /// Builds both clients. Call once per process and clone the result.
    pub fn new(timeouts: HttpTimeouts) -> Result<Self> {
        Ok(Self {
            remote: builder(timeouts).build().map_err(cannot)?,
            loopback: builder(timeouts).no_proxy().build().map_err(cannot)?,
        })
    }

    /// The client for requests to this machine (`to_this_machine`: never through a system proxy)
    /// or elsewhere; `BaseUrl::is_loopback` says which a base URL is.
    pub fn client(&self, to_this_machine: bool) -> &reqwest::Client {
        if to_this_machine {
            &self.loopback
        } else {
            &self.remote
        }
    }
}

fn builder(timeouts: HttpTimeouts) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("TasklyDesktop/", env!("CARGO_PKG_VERSION")))
        // Loopback http is allowed by `providers::base_url`, which checks every URL first.
        .https_only(false)
}

fn cannot(e: reqwest::Error) -> Error {
    Error::Internal(format!("cannot build the HTTP client: {e}"))
}

/// Whether a transport error's innermost message is rustls refusing the server's certificate
/// (unknown issuer, expired, wrong name, ...). Such a failure is not transient and not the
/// network's: it is never retried and never answered with "save without checking".
pub(crate) fn is_untrusted_certificate(detail: &str) -> bool {
    detail.contains("invalid peer certificate")
}

/// The innermost message of an error's source chain (what actually failed: refused, DNS, TLS).
pub(crate) fn innermost(err: &dyn std::error::Error) -> String {
    let mut detail = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        detail = e.to_string();
        source = e.source();
    }
    detail
}

/// Reads a response body up to `limit` bytes and stops there: a hostile or broken server never
/// makes us hold more than that.
pub async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> reqwest::Result<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= limit {
            break;
        }
    }
    Ok(body)
}
