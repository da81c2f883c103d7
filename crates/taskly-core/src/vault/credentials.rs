//! The OS credential store behind a tiny trait: write, read, delete, list.
//!
//! Entries use the service name [`SERVICE`] and a user name that carries the account, the key
//! id and a generation (`local:k_3f9a2c1b:1`), so an entry is only ever read for the key it was
//! written for. Store calls may block (a D-Bus call waiting on an unlock prompt), so the async
//! [`Credentials`] runs them on the blocking pool with a timeout that ends in a typed error.
//! There is no fallback store: no secure store means no saving.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::config::StoreChoice;
pub use crate::store_kind::StoreKind;
use crate::{ApiKey, Error, Result};

/// The service name of every credential entry we write.
pub const SERVICE: &str = "chat.taskly.desktop";

impl StoreKind {
    /// Refuses, before anything is sent or stored, a key this store cannot hold: Windows
    /// Credential Manager keeps at most 2,560 bytes per secret and the store crate writes UTF-16,
    /// so 1,280 characters (keys are ASCII), and the entry holds the key's bound origin too
    /// (see [`seal`]). Without this the store's own error would surface as a generic "the
    /// credential store failed" after validation.
    pub fn check_fits(self, secret: &ApiKey, origin: &str) -> Result<(), crate::KeyInputError> {
        match self {
            StoreKind::WindowsCredentialManager
                if secret.len() + sealed_overhead(origin) > WINDOWS_MAX_KEY_CHARS =>
            {
                Err(crate::KeyInputError::TooLongForWindows)
            }
            _ => Ok(()),
        }
    }
}

/// The longest key Windows Credential Manager holds (2,560 bytes of UTF-16).
pub const WINDOWS_MAX_KEY_CHARS: usize = 1280;

/// What went wrong inside a store, before we know which key it was about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreFailure {
    /// No store (no D-Bus, no Secret Service on the bus).
    Unavailable(String),
    /// Locked or access refused.
    Locked(String),
    /// Anything else.
    Failed(String),
    /// The entry is there but what it holds is not a key we could have written (not UTF-8, or
    /// failing the input rules): damaged or changed outside Taskly. Reading treats it as a
    /// missing secret, whose advice (re-enter the key) is the one that helps; "try again" would
    /// fail the same way forever.
    Unreadable(String),
}

/// What an entry holds: the secret and the origin (scheme, host, port) it was validated on and
/// may be sent to. `origin` is `None` for an entry written before keys were bound to their
/// origin (version 0.1); the vault binds it on first use.
#[derive(Debug)]
pub struct StoredKey {
    /// The secret.
    pub key: ApiKey,
    /// The origin it is bound to.
    pub origin: Option<String>,
}

/// The marker of an entry that holds an origin and a key: `taskly/1 <origin> <key>`. A key has
/// no spaces (input rules), so an entry without one is a bare key from before binding.
const SEALED_MARKER: &str = "taskly/1";

/// How many characters the marker and origin add to a key in its entry.
fn sealed_overhead(origin: &str) -> usize {
    SEALED_MARKER.len() + 1 + origin.len() + 1
}

/// The entry text for `key` bound to `origin`, in a buffer wiped on drop and sized up front so
/// it is never reallocated (leaving a copy behind).
fn seal(key: &ApiKey, origin: &str) -> zeroize::Zeroizing<String> {
    let mut text =
        zeroize::Zeroizing::new(String::with_capacity(sealed_overhead(origin) + key.len()));
    text.push_str(SEALED_MARKER);
    text.push(' ');
    text.push_str(origin);
    text.push(' ');
    text.push_str(key.expose_secret());
    text
}

/// Reads an entry's text (wiping it); `Unreadable` if it is neither a sealed entry nor a key.
fn open_sealed(stored: String) -> Result<StoredKey, StoreFailure> {
    let stored = zeroize::Zeroizing::new(stored);
    let unreadable = || StoreFailure::Unreadable("the stored secret is not a valid key".into());
    let (origin, key) = match stored.split_once(' ') {
        None => (None, stored.as_str()),
        Some((SEALED_MARKER, rest)) => {
            let (origin, key) = rest.split_once(' ').ok_or_else(unreadable)?;
            if origin.is_empty() {
                return Err(unreadable());
            }
            (Some(origin.to_owned()), key)
        }
        Some(_) => return Err(unreadable()),
    };
    let key = ApiKey::parse(key).map_err(|_| unreadable())?;
    Ok(StoredKey { key, origin })
}

/// The smallest interface to a credential store. Implementations block.
pub trait CredentialStore: Send + Sync + fmt::Debug {
    /// Which store this is.
    fn kind(&self) -> StoreKind;
    /// Whether entries survive a reboot.
    fn survives_reboot(&self) -> bool;
    /// Creates or replaces the entry: `secret`, bound to `origin`.
    fn write(
        &self,
        entry: &str,
        secret: &ApiKey,
        origin: &str,
        label: &str,
    ) -> Result<(), StoreFailure>;
    /// Reads the entry; `None` if there is none.
    fn read(&self, entry: &str) -> Result<Option<StoredKey>, StoreFailure>;
    /// Deletes the entry; `false` if there was none.
    fn delete(&self, entry: &str) -> Result<bool, StoreFailure>;
    /// The user names of every entry under [`SERVICE`]; `None` if the store cannot list.
    fn list_entries(&self) -> Result<Option<Vec<String>>, StoreFailure>;
}

/// A store reached through `keyring-core`.
#[derive(Debug)]
pub struct KeyringStore {
    kind: StoreKind,
    inner: Arc<keyring_core::CredentialStore>,
}

impl KeyringStore {
    /// Wraps a keyring-core store.
    pub fn new(kind: StoreKind, inner: Arc<keyring_core::CredentialStore>) -> Self {
        Self { kind, inner }
    }

    fn entry(&self, user: &str, label: Option<&str>) -> Result<keyring_core::Entry, StoreFailure> {
        let result = match (self.kind, label) {
            (StoreKind::SecretService, Some(label)) => {
                let mods = std::collections::HashMap::from([("label", label)]);
                keyring_core::Entry::new_in_store_with_modifiers(&self.inner, SERVICE, user, &mods)
            }
            _ => keyring_core::Entry::new_in_store(&self.inner, SERVICE, user),
        };
        result.map_err(|e| map_failure(self.kind, e))
    }
}

impl CredentialStore for KeyringStore {
    fn kind(&self) -> StoreKind {
        self.kind
    }

    fn survives_reboot(&self) -> bool {
        matches!(
            self.inner.persistence(),
            keyring_core::CredentialPersistence::UntilDelete
        )
    }

    fn write(
        &self,
        entry: &str,
        secret: &ApiKey,
        origin: &str,
        label: &str,
    ) -> Result<(), StoreFailure> {
        self.entry(entry, Some(label))?
            .set_password(&seal(secret, origin))
            .map_err(|e| map_failure(self.kind, e))
    }

    fn read(&self, entry: &str) -> Result<Option<StoredKey>, StoreFailure> {
        match self.entry(entry, None)?.get_password() {
            Ok(stored) => open_sealed(stored).map(Some),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) if vanished(&e) => Ok(None),
            Err(keyring_core::Error::BadEncoding(mut bytes)) => {
                // The error carries the stored bytes: wipe them rather than leave them behind.
                zeroize::Zeroize::zeroize(&mut bytes);
                Err(StoreFailure::Unreadable(
                    "the stored secret is not readable text".into(),
                ))
            }
            Err(keyring_core::Error::BadDataFormat(mut bytes, _)) => {
                zeroize::Zeroize::zeroize(&mut bytes);
                Err(StoreFailure::Unreadable(
                    "the stored secret is not readable text".into(),
                ))
            }
            Err(e) => Err(map_failure(self.kind, e)),
        }
    }

    fn delete(&self, entry: &str) -> Result<bool, StoreFailure> {
        match self.entry(entry, None)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) if vanished(&e) => Ok(false),
            Err(e) => Err(map_failure(self.kind, e)),
        }
    }

    fn list_entries(&self) -> Result<Option<Vec<String>>, StoreFailure> {
        let spec = std::collections::HashMap::from([("service", SERVICE)]);
        match self.inner.search(&spec) {
            Ok(entries) => Ok(Some(
                entries
                    .iter()
                    .filter_map(keyring_core::Entry::get_specifiers)
                    .filter(|(service, _)| service == SERVICE)
                    .map(|(_, user)| user)
                    .collect(),
            )),
            Err(keyring_core::Error::NotSupportedByStore(_)) => Ok(None),
            Err(e) => Err(map_failure(self.kind, e)),
        }
    }
}

/// Maps keyring-core's error without ever formatting data it may carry (`BadEncoding` holds
/// the stored bytes, so its `Debug` is never used).
fn map_failure(kind: StoreKind, err: keyring_core::Error) -> StoreFailure {
    use keyring_core::Error as E;
    match err {
        E::NoStorageAccess(e) => StoreFailure::Locked(short(&e.to_string())),
        E::PlatformFailure(e) => {
            let text = e.to_string();
            if kind == StoreKind::SecretService && looks_like_no_service(&text) {
                StoreFailure::Unavailable(short(&text))
            } else {
                StoreFailure::Failed(short(&text))
            }
        }
        E::NoDefaultStore => StoreFailure::Unavailable("no credential store is configured".into()),
        E::BadEncoding(_) | E::BadDataFormat(..) => {
            StoreFailure::Failed("the stored secret is not readable".into())
        }
        E::Ambiguous(entries) => {
            StoreFailure::Failed(format!("{} entries match one key", entries.len()))
        }
        other => StoreFailure::Failed(short(&other.to_string())),
    }
}

/// Whether the store says the item went away while we were reaching it: the Secret Service
/// finds an item, then another process deletes it before our `GetSecret` on its object path
/// ("Object does not exist at path …"). That is the entry being gone, not the store failing:
/// found by the soak test, where it read as `credential_store_failed` ("try again").
fn vanished(err: &keyring_core::Error) -> bool {
    let keyring_core::Error::PlatformFailure(inner) = err else {
        return false;
    };
    let text = inner.to_string().to_ascii_lowercase();
    // GNOME Keyring answers either way, depending on how far the deletion has got: the object
    // path is gone, or it is still there without its `Secret.Item` interface.
    text.contains("object does not exist")
        || text.contains("unknownobject")
        || (text.contains("no such interface") && text.contains("org.freedesktop.secret.item"))
}

fn looks_like_no_service(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "serviceunknown",
        "service unknown",
        "was not provided by any",
        "namehasnoowner",
        "no such file",
        "connection refused",
        "dbus_session_bus_address",
        "failed to connect",
    ]
    .iter()
    .any(|needle| lower.contains(needle))
}

fn short(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() > 240 {
        format!("{}…", text.chars().take(239).collect::<String>())
    } else {
        text.to_owned()
    }
}

/// Opens the store `choice` names. Blocking: it may connect to D-Bus.
pub fn open_store(
    choice: StoreChoice,
) -> Result<Arc<dyn CredentialStore>, (StoreKind, StoreFailure)> {
    platform::open(choice)
}

#[cfg(target_os = "linux")]
mod platform {
    use super::*;

    pub(super) fn open(
        choice: StoreChoice,
    ) -> Result<Arc<dyn CredentialStore>, (StoreKind, StoreFailure)> {
        match choice {
            StoreChoice::Default | StoreChoice::SecretService => {
                let kind = StoreKind::SecretService;
                let store = zbus_secret_service_keyring_store::Store::new().map_err(|e| {
                    let failure = match map_failure(kind, e) {
                        StoreFailure::Failed(text) => StoreFailure::Unavailable(text),
                        other => other,
                    };
                    (kind, failure)
                })?;
                Ok(Arc::new(KeyringStore::new(kind, store)))
            }
            StoreChoice::Keyutils => {
                let kind = StoreKind::Keyutils;
                let store = linux_keyutils_keyring_store::Store::new()
                    .map_err(|e| (kind, map_failure(kind, e)))?;
                Ok(Arc::new(KeyringStore::new(kind, store)))
            }
            other => Err((StoreKind::SecretService, wrong_os(other))),
        }
    }
}

#[cfg(target_os = "macos")]
mod platform {
    use super::*;

    pub(super) fn open(
        choice: StoreChoice,
    ) -> Result<Arc<dyn CredentialStore>, (StoreKind, StoreFailure)> {
        let kind = StoreKind::Keychain;
        match choice {
            StoreChoice::Default | StoreChoice::Keychain => {
                let store = apple_native_keyring_store::keychain::Store::new()
                    .map_err(|e| (kind, map_failure(kind, e)))?;
                Ok(Arc::new(KeyringStore::new(kind, store)))
            }
            other => Err((kind, wrong_os(other))),
        }
    }
}

#[cfg(target_os = "windows")]
mod platform {
    use super::*;

    pub(super) fn open(
        choice: StoreChoice,
    ) -> Result<Arc<dyn CredentialStore>, (StoreKind, StoreFailure)> {
        let kind = StoreKind::WindowsCredentialManager;
        match choice {
            StoreChoice::Default | StoreChoice::Windows => {
                let store = windows_native_keyring_store::Store::new()
                    .map_err(|e| (kind, map_failure(kind, e)))?;
                Ok(Arc::new(KeyringStore::new(kind, store)))
            }
            other => Err((kind, wrong_os(other))),
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
mod platform {
    use super::*;

    pub(super) fn open(
        choice: StoreChoice,
    ) -> Result<Arc<dyn CredentialStore>, (StoreKind, StoreFailure)> {
        Err((StoreKind::SecretService, wrong_os(choice)))
    }
}

#[allow(dead_code)] // unused on platforms where every choice is valid
fn wrong_os(choice: StoreChoice) -> StoreFailure {
    StoreFailure::Unavailable(format!(
        "the {choice:?} store does not exist on this operating system"
    ))
}

/// The async face of a store: every call on the blocking pool, bounded by a timeout.
#[derive(Debug, Clone)]
pub struct Credentials {
    store: Arc<dyn CredentialStore>,
    timeout: Duration,
}

impl Credentials {
    /// Wraps an opened store.
    pub fn new(store: Arc<dyn CredentialStore>, timeout: Duration) -> Self {
        Self { store, timeout }
    }

    /// Opens the configured store off the async workers, within `timeout`.
    pub async fn open(choice: StoreChoice, timeout: Duration) -> Result<Self> {
        let kind_guess = match choice {
            StoreChoice::Keyutils => StoreKind::Keyutils,
            StoreChoice::Keychain => StoreKind::Keychain,
            StoreChoice::Windows => StoreKind::WindowsCredentialManager,
            _ if cfg!(target_os = "macos") => StoreKind::Keychain,
            _ if cfg!(target_os = "windows") => StoreKind::WindowsCredentialManager,
            _ => StoreKind::SecretService,
        };
        let opened = bounded(kind_guess, timeout, move || open_store(choice)).await?;
        match opened {
            Ok(store) => Ok(Self::new(store, timeout)),
            Err((kind, failure)) => Err(to_error(kind, failure)),
        }
    }

    /// Which kind of store this is (for messages and per-store limits).
    pub fn kind(&self) -> StoreKind {
        self.store.kind()
    }

    /// Whether entries survive a reboot.
    pub fn survives_reboot(&self) -> bool {
        self.store.survives_reboot()
    }

    /// Writes `secret` under `entry`, bound to `origin`.
    pub async fn write(
        &self,
        entry: String,
        secret: Arc<ApiKey>,
        origin: String,
        label: String,
    ) -> Result<()> {
        let store = self.store.clone();
        self.call(move || store.write(&entry, &secret, &origin, &label))
            .await
    }

    /// Reads `entry`. An entry whose content is not a valid key reads as `None` (see
    /// [`StoreFailure::Unreadable`]): callers then report the secret as missing, with "re-enter
    /// the key" as the action, and an add's read-back as "the store did not keep the key".
    pub async fn read(&self, entry: String) -> Result<Option<StoredKey>> {
        let store = self.store.clone();
        let kind = self.store.kind();
        match bounded(kind, self.timeout, move || store.read(&entry)).await? {
            Ok(found) => Ok(found),
            Err(StoreFailure::Unreadable(detail)) => {
                tracing::warn!(%detail, "a stored secret cannot be used; reporting it as missing");
                Ok(None)
            }
            Err(failure) => Err(to_error(kind, failure)),
        }
    }

    /// Deletes `entry`; `false` if it was not there.
    pub async fn delete(&self, entry: String) -> Result<bool> {
        let store = self.store.clone();
        self.call(move || store.delete(&entry)).await
    }

    /// Every entry user name under our service, if the store can list.
    pub async fn list_entries(&self) -> Result<Option<Vec<String>>> {
        let store = self.store.clone();
        self.call(move || store.list_entries()).await
    }

    async fn call<T: Send + 'static>(
        &self,
        op: impl FnOnce() -> Result<T, StoreFailure> + Send + 'static,
    ) -> Result<T> {
        let kind = self.store.kind();
        bounded(kind, self.timeout, op)
            .await?
            .map_err(|failure| to_error(kind, failure))
    }
}

/// Runs a blocking store call on the blocking pool. If it outlives `timeout`, the caller gets a
/// typed error at once; the abandoned thread finishes (or stays blocked) on its own.
async fn bounded<T: Send + 'static>(
    kind: StoreKind,
    timeout: Duration,
    op: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    let task = tokio::task::spawn_blocking(op);
    match tokio::time::timeout(timeout, task).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(join)) => Err(Error::CredentialStoreFailed {
            store: kind,
            detail: format!("the store call crashed ({join})"),
        }),
        Err(_) => Err(Error::CredentialStoreTimeout {
            store: kind,
            after: timeout,
        }),
    }
}

fn to_error(store: StoreKind, failure: StoreFailure) -> Error {
    match failure {
        StoreFailure::Unavailable(detail) => Error::CredentialStoreUnavailable { store, detail },
        StoreFailure::Locked(detail) => Error::CredentialStoreLocked { store, detail },
        StoreFailure::Failed(detail) | StoreFailure::Unreadable(detail) => {
            Error::CredentialStoreFailed { store, detail }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Hanging;

    impl CredentialStore for Hanging {
        fn kind(&self) -> StoreKind {
            StoreKind::Mock
        }
        fn survives_reboot(&self) -> bool {
            true
        }
        fn write(&self, _: &str, _: &ApiKey, _: &str, _: &str) -> Result<(), StoreFailure> {
            std::thread::sleep(Duration::from_secs(5));
            Ok(())
        }
        fn read(&self, _: &str) -> Result<Option<StoredKey>, StoreFailure> {
            Err(StoreFailure::Locked("collection is locked".into()))
        }
        fn delete(&self, _: &str) -> Result<bool, StoreFailure> {
            Err(StoreFailure::Unavailable(
                "org.freedesktop.secrets was not provided by any .service files".into(),
            ))
        }
        fn list_entries(&self) -> Result<Option<Vec<String>>, StoreFailure> {
            Ok(None)
        }
    }

    #[tokio::test]
    async fn a_hanging_store_times_out_with_a_typed_error() {
        let creds = Credentials::new(Arc::new(Hanging), Duration::from_millis(200));
        let key = Arc::new(ApiKey::parse("sk-hang-0123456789").expect("valid"));
        let started = std::time::Instant::now();
        let err = creds
            .write(
                "local:k:0".into(),
                key,
                "https://api.example.com".into(),
                "label".into(),
            )
            .await
            .expect_err("times out");
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(
            matches!(err, Error::CredentialStoreTimeout { .. }),
            "{err:?}"
        );
        assert!(matches!(
            creds.read("x".into()).await,
            Err(Error::CredentialStoreLocked { .. })
        ));
        assert!(matches!(
            creds.delete("x".into()).await,
            Err(Error::CredentialStoreUnavailable { .. })
        ));
    }

    #[test]
    fn windows_refuses_keys_longer_than_credential_manager_holds() {
        let origin = "https://api.openai.com";
        // The entry holds marker, origin and key: what is left of 1,280 characters is the key's.
        let room = WINDOWS_MAX_KEY_CHARS - sealed_overhead(origin);
        let longest = ApiKey::parse(&"k".repeat(room)).expect("valid");
        let longer = ApiKey::parse(&"k".repeat(room + 1)).expect("valid");
        assert_eq!(seal(&longest, origin).len(), WINDOWS_MAX_KEY_CHARS);
        let windows = StoreKind::WindowsCredentialManager;
        assert_eq!(windows.check_fits(&longest, origin), Ok(()));
        assert_eq!(
            windows.check_fits(&longer, origin),
            Err(crate::KeyInputError::TooLongForWindows)
        );
        for other in [
            StoreKind::SecretService,
            StoreKind::Keychain,
            StoreKind::Keyutils,
        ] {
            assert_eq!(other.check_fits(&longer, origin), Ok(()), "{other}");
        }
    }

    #[test]
    fn an_entry_holds_the_origin_and_the_key_and_reads_bare_keys_of_before() {
        let key = ApiKey::parse("sk-proj-seal-0123456789").expect("valid");
        let sealed = seal(&key, "https://api.openai.com");
        assert_eq!(
            sealed.as_str(),
            "taskly/1 https://api.openai.com sk-proj-seal-0123456789"
        );
        let back = open_sealed(sealed.to_string()).expect("opens");
        assert!(back.key.same_as(&key));
        assert_eq!(back.origin.as_deref(), Some("https://api.openai.com"));
        let legacy = open_sealed("sk-proj-seal-0123456789".into()).expect("bare key");
        assert!(legacy.key.same_as(&key) && legacy.origin.is_none());
        for bad in [
            "taskly/2 https://a.example sk-x",
            "taskly/1 sk-x",
            "taskly/1  sk-x",
            "taskly/1 https://a.example sk x",
            "",
        ] {
            assert!(
                matches!(open_sealed(bad.into()), Err(StoreFailure::Unreadable(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn an_item_gone_mid_call_is_told_apart_from_a_failing_store() {
        let gone = keyring_core::Error::PlatformFailure(
            "zbus error: org.freedesktop.DBus.Error.UnknownMethod: Object does not exist at path \
             \u{201c}/org/freedesktop/secrets/collection/login/3\u{201d}"
                .into(),
        );
        assert!(vanished(&gone));
        let half_gone = keyring_core::Error::PlatformFailure(
            "zbus error: org.freedesktop.DBus.Error.UnknownMethod: No such interface \
             \u{201c}org.freedesktop.Secret.Item\u{201d} on object at path \
             /org/freedesktop/secrets/collection/login/5"
                .into(),
        );
        assert!(vanished(&half_gone));
        let other_interface = keyring_core::Error::PlatformFailure(
            "zbus error: org.freedesktop.DBus.Error.UnknownMethod: No such interface \
             \u{201c}org.freedesktop.Secret.Service\u{201d}"
                .into(),
        );
        assert!(!vanished(&other_interface));
        let broken = keyring_core::Error::PlatformFailure("the store fell over".into());
        assert!(!vanished(&broken));
        assert!(!vanished(&keyring_core::Error::NoEntry));
    }

    #[test]
    fn mock_store_round_trip_through_keyring_core() {
        let store = KeyringStore::new(
            StoreKind::Mock,
            keyring_core::mock::Store::new().expect("mock"),
        );
        let key = ApiKey::parse("sk-mock-0123456789").expect("valid");
        assert!(store.read("local:k_1:0").expect("read").is_none());
        store
            .write("local:k_1:0", &key, "https://api.example.com", "label")
            .expect("write");
        let back = store.read("local:k_1:0").expect("read").expect("present");
        assert!(back.key.same_as(&key));
        assert_eq!(back.origin.as_deref(), Some("https://api.example.com"));
        assert_eq!(
            store.list_entries().expect("search"),
            Some(vec!["local:k_1:0".to_owned()])
        );
        assert_eq!(store.delete("local:k_1:0"), Ok(true));
        assert_eq!(store.delete("local:k_1:0"), Ok(false));
        assert!(store.read("local:k_1:0").expect("read").is_none());
    }
}
