//! A running fake server: start it on loopback, read its URLs, steer it, stop it.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::FakeAiConfig;
use crate::fault::ScriptedFault;
use crate::flavor::Flavor;
use crate::record::RecordedRequest;
use crate::state::Shared;
use crate::{control, dispatch};

/// How long [`FakeAi::shutdown`] waits for open connections to finish before it abandons them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A fake AI server running on a loopback port. Stops on [`FakeAi::shutdown`] or when dropped.
pub struct FakeAi {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl FakeAi {
    /// Start on `127.0.0.1` at a free port.
    pub async fn start(config: FakeAiConfig) -> io::Result<FakeAi> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        Self::start_on(listener, config).await
    }

    /// Start on a listener the caller bound; it must be on a loopback address, since the fake
    /// has no real security and records every key it is sent.
    pub async fn start_on(listener: TcpListener, config: FakeAiConfig) -> io::Result<FakeAi> {
        let addr = listener.local_addr()?;
        if !addr.ip().is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("taskly-fake-ai serves on loopback addresses only, not {addr}"),
            ));
        }
        let (stop, stopping) = watch::channel(false);
        let shared = Arc::new(Shared::new(config, stopping.clone())?);
        let app = Router::new()
            .nest("/_control", control::router())
            .fallback(dispatch::handle)
            .with_state(Arc::clone(&shared));
        let mut signal = stopping;
        // No Nagle delay: streamed chunks are small, and a client on a reused connection would
        // otherwise wait ~40 ms for each (which would show up in benchmarks as our latency).
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::debug!(%error, "TCP_NODELAY not set");
            }
        });
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            // An error means the sender is gone, which also means stop.
            let _ = signal.wait_for(|stop| *stop).await;
        });
        let task = tokio::spawn(async move {
            if let Err(error) = serve.await {
                tracing::warn!(%error, "taskly-fake-ai server stopped with an error");
            }
        });
        tracing::debug!(%addr, "taskly-fake-ai listening");
        Ok(FakeAi {
            addr,
            shared,
            stop,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`, the server root.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL a client is configured with for this flavor, e.g. `http://127.0.0.1:PORT/openai/v1`.
    pub fn base_url(&self, flavor: Flavor) -> String {
        format!("{}{}", self.url(), flavor.base_path())
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received (control endpoints excluded), in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
    }

    /// Forget the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.clear_requests();
    }

    /// Queue a fault; it applies to the next matching request(s), before any auth check.
    pub fn push_fault(&self, fault: impl Into<ScriptedFault>) {
        self.shared.push_fault(fault.into());
    }

    /// Drop every queued fault.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// Accept this provider key from now on (all provider flavors).
    pub fn add_provider_key(&self, key: &str) {
        self.shared.add_provider_key(key);
    }

    /// Stop accepting this provider key, as if it had been revoked.
    pub fn remove_provider_key(&self, key: &str) {
        self.shared.remove_provider_key(key);
    }

    /// How many streamed answers the client dropped before their end.
    pub fn disconnects(&self) -> usize {
        self.shared.disconnects()
    }

    /// Stop accepting, end hung requests and open streams, and wait (a few seconds at most)
    /// for connections to close.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
        {
            tracing::warn!("taskly-fake-ai connections did not close in time; abandoning them");
            task.abort();
        }
    }
}

impl Drop for FakeAi {
    fn drop(&mut self) {
        // The server task notices and stops on its own; nothing here can wait for it.
        self.stop.send_replace(true);
    }
}

impl std::fmt::Debug for FakeAi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeAi")
            .field("url", &self.url())
            .field("received", &self.shared.received())
            .field("disconnects", &self.shared.disconnects())
            .finish_non_exhaustive()
    }
}
