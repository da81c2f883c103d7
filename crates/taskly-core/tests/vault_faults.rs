//! Fault injection with keyring-core's mock store: a credential-store call that fails at any
//! step leaves no half-saved key behind, and is reported as the store's fault, never the key's.
#![allow(clippy::expect_used)]

use std::sync::{Arc, Mutex};

use taskly_core::vault::KeyUpdate;
use taskly_core::vault::credentials::{
    CredentialStore, KeyringStore, SERVICE, StoreFailure, StoreKind, StoredKey,
};
use taskly_core::{ApiKey, Config, Error, NewKey, ProviderId, Vault};
use taskly_fake_ai::{FakeAi, Flavor};

const KEY: &str = "sk-proj-faultFaultFault0123456789abcdEFGH";
const NEW_KEY: &str = "sk-proj-secondSecondSecond0123456789IJKL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Write,
    Read,
    Delete,
}

/// An armed fault: which call fails, and how.
type Armed = Option<(Op, fn() -> keyring_core::Error)>;

/// The mock store, with a switch that makes the next call of one kind fail through the mock's
/// own error mechanism.
#[derive(Debug)]
struct FaultyStore {
    mock: Arc<keyring_core::mock::Store>,
    inner: KeyringStore,
    armed: Mutex<Armed>,
    /// Whether entries survive a reboot (false plays the kernel keyring).
    persistent: std::sync::atomic::AtomicBool,
}

impl FaultyStore {
    fn new() -> Arc<Self> {
        let mock = keyring_core::mock::Store::new().expect("mock store");
        let inner = KeyringStore::new(StoreKind::Mock, mock.clone());
        Arc::new(Self {
            mock,
            inner,
            armed: Mutex::new(None),
            persistent: std::sync::atomic::AtomicBool::new(true),
        })
    }

    fn fail_next(&self, op: Op, err: fn() -> keyring_core::Error) {
        *self.armed.lock().expect("lock") = Some((op, err));
    }

    fn arm_if(&self, op: Op, entry: &str) {
        let mut armed = self.armed.lock().expect("lock");
        if let Some((wanted, make)) = *armed
            && wanted == op
        {
            *armed = None;
            let store: Arc<keyring_core::CredentialStore> = self.mock.clone();
            let mock_entry =
                keyring_core::Entry::new_in_store(&store, SERVICE, entry).expect("entry");
            let cred: &keyring_core::mock::Cred = mock_entry
                .as_any()
                .downcast_ref()
                .expect("a mock credential");
            cred.set_error(make());
        }
    }

    /// Entries holding a secret (the mock also lists entries that were only looked up).
    fn entries(&self) -> Vec<String> {
        let all = self
            .inner
            .list_entries()
            .expect("search")
            .unwrap_or_default();
        all.into_iter()
            .filter(|e| matches!(self.inner.read(e), Ok(Some(_))))
            .collect()
    }
}

impl CredentialStore for FaultyStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Mock
    }
    fn survives_reboot(&self) -> bool {
        self.persistent.load(std::sync::atomic::Ordering::SeqCst)
    }
    fn write(
        &self,
        entry: &str,
        secret: &ApiKey,
        origin: &str,
        label: &str,
    ) -> Result<(), StoreFailure> {
        self.arm_if(Op::Write, entry);
        self.inner.write(entry, secret, origin, label)
    }
    fn read(&self, entry: &str) -> Result<Option<StoredKey>, StoreFailure> {
        self.arm_if(Op::Read, entry);
        self.inner.read(entry)
    }
    fn delete(&self, entry: &str) -> Result<bool, StoreFailure> {
        self.arm_if(Op::Delete, entry);
        self.inner.delete(entry)
    }
    fn list_entries(&self) -> Result<Option<Vec<String>>, StoreFailure> {
        self.inner.list_entries()
    }
}

fn platform_failure() -> keyring_core::Error {
    keyring_core::Error::PlatformFailure("injected: the store fell over".into())
}

fn no_access() -> keyring_core::Error {
    keyring_core::Error::NoStorageAccess("injected: collection is locked".into())
}

struct Setup {
    _dir: tempfile::TempDir,
    _fake: FakeAi,
    store: Arc<FaultyStore>,
    vault: Vault,
}

async fn setup() -> Setup {
    let fake = taskly_testkit::fake::provider(&[KEY, NEW_KEY]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::new(dir.path());
    config
        .base_url_overrides
        .insert(ProviderId::Openai, fake.base_url(Flavor::OpenAi));
    let store = FaultyStore::new();
    let vault = Vault::open_with_store(config, store.clone())
        .await
        .expect("vault");
    Setup {
        _dir: dir,
        _fake: fake,
        store,
        vault,
    }
}

fn new_key(secret: &str) -> NewKey {
    NewKey {
        provider: ProviderId::Openai,
        label: None,
        base_url: None,
        secret: ApiKey::parse(secret).expect("valid"),
        verify: true,
        enable: taskly_core::Enable::Yes,
    }
}

async fn rows(vault: &Vault) -> i64 {
    vault
        .db()
        .call(|c| Ok(c.query_row("SELECT count(*) FROM keys", [], |r| r.get(0))?))
        .await
        .expect("count")
}

#[tokio::test]
async fn a_failing_write_saves_nothing() {
    let s = setup().await;
    s.store.fail_next(Op::Write, platform_failure);
    let err = s.vault.add(new_key(KEY)).await.expect_err("write fails");
    assert!(
        matches!(err, Error::CredentialStoreFailed { .. }),
        "{err:?}"
    );
    assert!(err.is_credential_store());
    assert_eq!(rows(&s.vault).await, 0, "no row, pending or active");
    assert!(s.store.entries().is_empty());
}

#[tokio::test]
async fn a_locked_store_is_reported_as_locked_not_as_a_bad_key() {
    let s = setup().await;
    s.store.fail_next(Op::Write, no_access);
    let err = s.vault.add(new_key(KEY)).await.expect_err("locked");
    assert!(
        matches!(err, Error::CredentialStoreLocked { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.payload().action,
        taskly_core::ErrorAction::UnlockCredentialStore
    );
    assert_eq!(rows(&s.vault).await, 0);
}

#[tokio::test]
async fn a_failing_read_back_rolls_the_add_back() {
    let s = setup().await;
    s.store.fail_next(Op::Read, platform_failure);
    let err = s
        .vault
        .add(new_key(KEY))
        .await
        .expect_err("read-back fails");
    assert!(err.is_credential_store(), "{err:?}");
    assert_eq!(rows(&s.vault).await, 0);
    assert!(
        s.store.entries().is_empty(),
        "the written credential was removed again"
    );
}

#[tokio::test]
async fn a_failing_delete_keeps_the_key_whole_and_enabled() {
    let s = setup().await;
    let saved = s.vault.add(new_key(KEY)).await.expect("added");
    s.store.fail_next(Op::Delete, platform_failure);
    let err = s
        .vault
        .remove(&saved.key.id)
        .await
        .expect_err("delete fails");
    assert!(err.is_credential_store(), "{err:?}");
    let keys = s.vault.list().await.expect("list");
    assert_eq!(keys.len(), 1, "still listed");
    assert!(keys[0].enabled, "still enabled as before");
    assert!(
        s.vault.read_secret(&saved.key.id).await.is_ok(),
        "secret still readable"
    );
    s.vault
        .remove(&saved.key.id)
        .await
        .expect("works once the store does");
    assert_eq!(rows(&s.vault).await, 0);
    assert!(s.store.entries().is_empty());
}

#[tokio::test]
async fn a_failing_replace_keeps_the_old_secret() {
    let s = setup().await;
    let saved = s.vault.add(new_key(KEY)).await.expect("added");
    s.store.fail_next(Op::Write, platform_failure);
    let update = KeyUpdate {
        secret: Some(ApiKey::parse(NEW_KEY).expect("valid")),
        verify: true,
        ..KeyUpdate::default()
    };
    let err = s
        .vault
        .update(&saved.key.id, update)
        .await
        .expect_err("write fails");
    assert!(err.is_credential_store(), "{err:?}");
    let secret = s
        .vault
        .read_secret(&saved.key.id)
        .await
        .expect("old secret");
    let old = ApiKey::parse(KEY).expect("valid");
    assert_eq!(format!("{secret:?}"), format!("{old:?}"));
    assert_eq!(s.store.entries().len(), 1);
    let journal: i64 = s
        .vault
        .db()
        .call(|c| Ok(c.query_row("SELECT count(*) FROM credential_cleanup", [], |r| r.get(0))?))
        .await
        .expect("count");
    assert_eq!(journal, 0);
    assert_eq!(
        s.vault.get(&saved.key.id).await.expect("key").masked,
        saved.key.masked
    );
}

#[tokio::test]
async fn a_secret_deleted_behind_our_back_is_reported_as_missing() {
    let s = setup().await;
    let saved = s.vault.add(new_key(KEY)).await.expect("added");
    for entry in s.store.entries() {
        s.store.inner.delete(&entry).expect("delete");
    }
    let err = s
        .vault
        .read_secret(&saved.key.id)
        .await
        .expect_err("missing");
    assert!(matches!(err, Error::CredentialMissing { .. }), "{err:?}");
    assert_eq!(err.payload().action, taskly_core::ErrorAction::ReEnterKey);
}

#[tokio::test]
async fn a_store_that_forgets_at_reboot_says_so_on_every_save() {
    let s = setup().await;
    let saved = s.vault.add(new_key(KEY)).await.expect("added");
    assert!(saved.warnings.is_empty(), "{:?}", saved.warnings);

    s.store
        .persistent
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let forgets = |warnings: &[String]| {
        warnings
            .iter()
            .any(|w| w.contains("forgets keys when this machine restarts"))
    };
    let saved = s.vault.add(new_key(NEW_KEY)).await.expect("added");
    assert!(forgets(&saved.warnings), "{:?}", saved.warnings);
    let update = KeyUpdate {
        secret: Some(ApiKey::parse(KEY).expect("valid")),
        verify: true,
        ..KeyUpdate::default()
    };
    let replaced = s
        .vault
        .update(&saved.key.id, update)
        .await
        .expect("replaced");
    assert!(forgets(&replaced.warnings), "{:?}", replaced.warnings);
}
