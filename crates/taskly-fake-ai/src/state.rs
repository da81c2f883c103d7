//! The state one server shares between its connections: accepted keys, the issuer to ask about
//! proxy tokens, the log, the fault queue, counters.

use std::io;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::watch;

use crate::config::FakeAiConfig;
use crate::fault::ScriptedFault;
use crate::flavor::Flavor;
use crate::introspect::Introspector;
use crate::record::RecordedRequest;

#[derive(Debug)]
pub(crate) struct Shared {
    pub config: FakeAiConfig,
    /// Built from `config.introspection`, once, so every call reuses its connections.
    pub introspector: Option<Introspector>,
    provider_keys: Mutex<Vec<String>>,
    /// Each request under the number [`Shared::record`] gave it, so a verdict reached later
    /// lands on the right one even if the log was cleared in between.
    requests: Mutex<Vec<(usize, RecordedRequest)>>,
    faults: Mutex<Vec<ScriptedFault>>,
    received: AtomicUsize,
    disconnects: AtomicUsize,
    sequence: AtomicU64,
    stopping: watch::Receiver<bool>,
}

/// A poisoned lock only means a test panicked while holding it; the data is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Fails only when the introspection settings are unusable (an endpoint off loopback).
    pub(crate) fn new(config: FakeAiConfig, stopping: watch::Receiver<bool>) -> io::Result<Self> {
        let introspector = config
            .introspection
            .as_ref()
            .map(Introspector::new)
            .transpose()?;
        Ok(Self {
            introspector,
            provider_keys: Mutex::new(config.provider_keys.clone()),
            config,
            requests: Mutex::default(),
            faults: Mutex::default(),
            received: AtomicUsize::new(0),
            disconnects: AtomicUsize::new(0),
            sequence: AtomicU64::new(0),
            stopping,
        })
    }

    pub(crate) fn accepts_provider_key(&self, key: &str) -> bool {
        lock(&self.provider_keys).iter().any(|k| k == key)
    }

    pub(crate) fn accepts_proxy_token(&self, token: &str) -> bool {
        self.config.proxy_tokens.iter().any(|t| t == token)
    }

    pub(crate) fn add_provider_key(&self, key: &str) {
        let mut keys = lock(&self.provider_keys);
        if !keys.iter().any(|k| k == key) {
            keys.push(key.to_owned());
        }
    }

    pub(crate) fn remove_provider_key(&self, key: &str) {
        lock(&self.provider_keys).retain(|k| k != key);
    }

    /// Log a request; returns its number, for [`Shared::note_subject`].
    pub(crate) fn record(&self, request: RecordedRequest) -> usize {
        let mut requests = lock(&self.requests);
        let number = self.received.fetch_add(1, Ordering::Relaxed);
        requests.push((number, request));
        number
    }

    /// The account the issuer said a recorded proxy call's token belongs to.
    pub(crate) fn note_subject(&self, number: usize, subject: String) {
        if let Some((_, request)) = lock(&self.requests)
            .iter_mut()
            .rev()
            .find(|(n, _)| *n == number)
        {
            request.proxy_subject = Some(subject);
        }
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests)
            .iter()
            .map(|(_, request)| request.clone())
            .collect()
    }

    pub(crate) fn recorded(&self) -> usize {
        lock(&self.requests).len()
    }

    pub(crate) fn received(&self) -> usize {
        self.received.load(Ordering::Relaxed)
    }

    pub(crate) fn clear_requests(&self) {
        lock(&self.requests).clear();
    }

    pub(crate) fn push_fault(&self, fault: ScriptedFault) {
        lock(&self.faults).push(fault);
    }

    pub(crate) fn faults(&self) -> Vec<ScriptedFault> {
        lock(&self.faults).clone()
    }

    pub(crate) fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    /// Use up one hit of the oldest queued fault that matches, if any.
    pub(crate) fn take_fault(&self, flavor: Flavor, path: &str) -> Option<ScriptedFault> {
        let mut faults = lock(&self.faults);
        let index = faults.iter().position(|f| f.matches(flavor, path))?;
        let entry = &mut faults[index];
        let taken = entry.clone();
        entry.times = entry.times.saturating_sub(1);
        if entry.times == 0 {
            faults.remove(index);
        }
        Some(taken)
    }

    pub(crate) fn count_disconnect(&self) {
        self.disconnects.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn disconnects(&self) -> usize {
        self.disconnects.load(Ordering::Relaxed)
    }

    /// A fresh number for ids (`chatcmpl-…`, `msg_…`), so answers are deterministic per server.
    pub(crate) fn next_id(&self) -> u64 {
        self.sequence.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Resolves once the server has been told to stop.
    pub(crate) async fn stopped(&self) {
        let mut stopping = self.stopping.clone();
        // An error means the sender is gone, which also means stop.
        let _ = stopping.wait_for(|stop| *stop).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::Fault;

    #[test]
    fn faults_are_used_up_in_order() {
        let (_tx, rx) = watch::channel(false);
        let shared = Shared::new(FakeAiConfig::default(), rx).expect("no introspection to set up");
        shared.push_fault(ScriptedFault::new(Fault::Hang).for_flavor(Flavor::Gemini));
        shared.push_fault(ScriptedFault::new(Fault::ServerError).times(2));
        shared.push_fault(ScriptedFault::new(Fault::Forbidden).times(0));
        let take = |flavor| shared.take_fault(flavor, "/x").map(|f| f.fault);
        assert_eq!(take(Flavor::OpenAi), Some(Fault::ServerError));
        assert_eq!(take(Flavor::Gemini), Some(Fault::Hang));
        assert_eq!(take(Flavor::Gemini), Some(Fault::ServerError));
        assert_eq!(take(Flavor::Gemini), Some(Fault::Forbidden));
        assert_eq!(take(Flavor::Gemini), None);
    }
}
