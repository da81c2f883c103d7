//! What every scenario runs against: the key and model, the counting credential store, one vault
//! and chat service per route, the three loopback fakes, and the TCP connection count.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use taskly_core::chat::run::ChatService;
use taskly_core::vault::credentials::{
    CredentialStore, KeyringStore, StoreFailure, StoreKind, StoredKey,
};
use taskly_core::{ApiKey, Config, NewKey, ProviderId, Vault};
use taskly_fake_ai::{FakeAi, FakeAiConfig};

use crate::BenchResult;

/// The personal key: stored in the vault, accepted by the fake provider, and hard-coded in the
/// bare baseline's header (the same bytes on the wire either way).
pub(crate) const KEY: &str = "sk-proj-benchBenchBench0123456789abcdWXYZ";
pub(crate) const BARE_AUTH: &str = "Bearer sk-proj-benchBenchBench0123456789abcdWXYZ";
pub(crate) const PROXY_TOKEN: &str = "tk-bench-proxy-0123456789abcdef";
pub(crate) const MODEL: &str = "gpt-4o-mini";
pub(crate) const PROMPT: &str = "Say hello to the routing benchmark.";

/// keyring-core's mock store with a read counter: proof that the key is read once per process.
#[derive(Debug)]
pub(crate) struct CountingStore {
    inner: KeyringStore,
    reads: AtomicUsize,
    writes: AtomicUsize,
}

impl CountingStore {
    fn new() -> BenchResult<Arc<Self>> {
        let mock = keyring_core::mock::Store::new()?;
        Ok(Arc::new(Self {
            inner: KeyringStore::new(StoreKind::Mock, mock),
            reads: AtomicUsize::new(0),
            writes: AtomicUsize::new(0),
        }))
    }

    pub(crate) fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
}

impl CredentialStore for CountingStore {
    fn kind(&self) -> StoreKind {
        self.inner.kind()
    }
    fn survives_reboot(&self) -> bool {
        self.inner.survives_reboot()
    }
    fn write(
        &self,
        entry: &str,
        secret: &ApiKey,
        origin: &str,
        label: &str,
    ) -> Result<(), StoreFailure> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.inner.write(entry, secret, origin, label)
    }
    fn read(&self, entry: &str) -> Result<Option<StoredKey>, StoreFailure> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.read(entry)
    }
    fn delete(&self, entry: &str) -> Result<bool, StoreFailure> {
        self.inner.delete(entry)
    }
    fn list_entries(&self) -> Result<Option<Vec<String>>, StoreFailure> {
        self.inner.list_entries()
    }
}

/// One account's vault and chat service, in its own data folder.
pub(crate) struct Route {
    _dir: tempfile::TempDir,
    pub(crate) vault: Arc<Vault>,
    pub(crate) service: Arc<ChatService>,
    pub(crate) store: Arc<CountingStore>,
}

pub(crate) async fn open_route(
    provider_base: &str,
    proxy_base: &str,
    with_key: bool,
) -> BenchResult<Route> {
    let dir = tempfile::tempdir()?;
    let mut config = Config::new(dir.path());
    config.chat.proxy_url = proxy_base.to_owned();
    config.chat.proxy_token = Some(Arc::new(ApiKey::parse(PROXY_TOKEN)?));
    let store = CountingStore::new()?;
    let vault = Vault::open_with_store(config, store.clone()).await?;
    if with_key {
        vault
            .add(NewKey {
                provider: ProviderId::Openai,
                label: Some("benchmark key".into()),
                base_url: Some(provider_base.to_owned()),
                secret: ApiKey::parse(KEY)?,
                verify: false,
                enable: taskly_core::Enable::Yes,
            })
            .await?;
    }
    let vault = Arc::new(vault);
    let service = Arc::new(ChatService::new(vault.clone()));
    Ok(Route {
        _dir: dir,
        vault,
        service,
        store,
    })
}

/// A loopback listener whose accepted sockets send small writes at once. Linux copies
/// `TCP_NODELAY` from the listener to the sockets it accepts; `axum::serve` (inside the fake)
/// does not set it, and then a streamed answer on a reused connection waits for the client's
/// delayed ACK (about 40 ms) after its first segment. Real providers' front ends do set it.
fn nodelay_listener() -> std::io::Result<tokio::net::TcpListener> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.set_nodelay(true)?;
    socket.bind((std::net::Ipv4Addr::LOCALHOST, 0).into())?;
    socket.listen(1024)
}

/// The three fakes: one answering the bare baseline, one the personal key, one the Taskly proxy
/// (separate ports, so connections can be counted per path).
pub(crate) struct Fakes {
    pub(crate) bare: FakeAi,
    pub(crate) provider: FakeAi,
    pub(crate) proxy: FakeAi,
}

impl Fakes {
    pub(crate) async fn start() -> BenchResult<Self> {
        let config = FakeAiConfig {
            provider_keys: vec![KEY.into()],
            chunk_delay: Duration::ZERO,
            ..FakeAiConfig::default()
        };
        let proxy_config = FakeAiConfig {
            provider_keys: Vec::new(),
            proxy_tokens: vec![PROXY_TOKEN.into()],
            ..config.clone()
        };
        Ok(Self {
            bare: FakeAi::start_on(nodelay_listener()?, config.clone()).await?,
            provider: FakeAi::start_on(nodelay_listener()?, config).await?,
            proxy: FakeAi::start_on(nodelay_listener()?, proxy_config).await?,
        })
    }

    pub(crate) fn ports(&self) -> [u16; 3] {
        [&self.bare, &self.provider, &self.proxy].map(|f| f.local_addr().port())
    }

    /// Requests each fake has seen since the last call (and forgets them, to bound memory).
    pub(crate) fn take_seen(&self) -> [usize; 3] {
        [&self.bare, &self.provider, &self.proxy].map(|f| {
            let seen = f.requests().len();
            f.clear_requests();
            seen
        })
    }
}

/// The client-side ports of the TCP connections to `port` on this machine, in any state but
/// LISTEN (TIME_WAIT included, so closed connections stay visible for a minute). Linux only;
/// elsewhere the set is empty.
pub(crate) fn peer_ports(port: u16) -> HashSet<u16> {
    let text = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let port_of = |addr: &str| {
        addr.rsplit(':')
            .next()
            .and_then(|p| u16::from_str_radix(p, 16).ok())
    };
    let mut peers = HashSet::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [_, local, remote, state, ..] = fields.as_slice() else {
            continue;
        };
        if *state == "0A" {
            continue;
        }
        match (port_of(local), port_of(remote)) {
            (Some(l), Some(r)) if r == port => peers.insert(l),
            (Some(l), Some(r)) if l == port => peers.insert(r),
            _ => false,
        };
    }
    peers
}
