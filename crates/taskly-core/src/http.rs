//! The one HTTP client of the process: shared connection pool, timeouts, no redirects.
//!
//! Redirects are never followed: a provider that answers 3xx would otherwise get us to send the
//! key's request on to a host the user never confirmed. TLS verification is always on.

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

/// Builds the shared client. Call once per process and clone the result (clones share the pool).
pub fn build_client(timeouts: HttpTimeouts) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("TasklyDesktop/", env!("CARGO_PKG_VERSION")))
        .https_only(false) // loopback http is allowed by `providers::base_url`; it checks every URL first.
        .build()
        .map_err(|e| Error::Internal(format!("cannot build the HTTP client: {e}")))
}
