//! The SQLite metadata database: opening it safely and migrating it forward.
//!
//! WAL, foreign keys and a busy timeout; files readable by the user only; migrations are only
//! ever added (`migrations/NNNN_*.sql`, tracked in `PRAGMA user_version`). A database from a
//! newer Taskly or a file that is not ours is refused and left untouched.
//!
//! Failures are told apart for the user: a damaged file (`database_corrupt`, kept byte for
//! byte: we never delete, rename or recreate it), a folder we cannot write (`data_dir_unusable`,
//! naming the folder), and a file another program keeps locked past the busy timeout
//! (`database_error` whose message says so and what to do).
//!
//! Every statement on a table lives in that table's module (`keys`, `journal` for
//! `credential_cleanup`, `usage` for `usage_daily`, `budgets` for `key_budgets`, `settings`, `accounts` for
//! the signed-in accounts);
//! nothing outside `db/` writes SQL. Their functions take the caller's connection or
//! transaction, so the callers keep deciding where a `BEGIN IMMEDIATE` starts and ends.

pub mod accounts;
pub mod balances;
pub mod budgets;
pub mod journal;
pub mod keys;
pub mod receipts;
pub mod rests;
pub mod settings;
pub mod usage;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::private_files::{create_private_dir, create_private_file, tighten_file, unwritable};
use crate::{Error, Result};

/// Migrations, in order. Never edit one that has shipped; add a new one.
const MIGRATIONS: &[&str] = &[
    include_str!("db/migrations/0001_keys.sql"),
    include_str!("db/migrations/0002_usage.sql"),
    include_str!("db/migrations/0003_accounts.sql"),
    include_str!("db/migrations/0004_failover.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// `PRAGMA application_id`: "TSKY", so we never migrate someone else's database.
const APPLICATION_ID: i64 = 0x5453_4B59;

/// How long a write waits for another process's transaction.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A shared connection; every call runs on the blocking pool.
#[derive(Debug, Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl Db {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub async fn open(path: PathBuf) -> Result<Self> {
        Self::open_with(path, Durability::Full).await
    }

    /// A second connection to the same file for writes that may be lost in a power cut without
    /// harm (usage counters): commits do not wait for the disk, and they do not queue behind the
    /// key list's connection.
    pub async fn open_relaxed(path: PathBuf) -> Result<Self> {
        Self::open_with(path, Durability::Relaxed).await
    }

    async fn open_with(path: PathBuf, durability: Durability) -> Result<Self> {
        let for_task = path.clone();
        let conn = tokio::task::spawn_blocking(move || open_blocking(&for_task, durability))
            .await
            .map_err(|e| Error::Internal(format!("database open task failed: {e}")))??;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs a quick read right here if the connection is free, without a trip to the blocking
    /// pool; `None` when another call holds it (the caller then takes the slow path).
    pub fn try_inline<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Option<T> {
        let guard = self.conn.try_lock().ok()?;
        f(&guard).ok()
    }

    /// Runs `f` with the connection on the blocking pool.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| Error::Internal("database lock poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| Error::Internal(format!("database task failed: {e}")))?
        .map_err(|e| refine(&self.path, e))
    }
}

/// `PRAGMA data_version`: moves whenever another connection commits to the file, so a cached
/// answer can tell it is stale. SQLite's own error, so it also fits [`Db::try_inline`].
pub(crate) fn data_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("PRAGMA data_version")?
        .query_row([], |r| r.get(0))
}

/// `PRAGMA user_version`: the schema version the file is at.
pub(crate) fn schema_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// How hard a connection's commits wait for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Durability {
    /// `synchronous = FULL`: the key list.
    Full,
    /// `synchronous = NORMAL` (WAL): durable at the next checkpoint.
    Relaxed,
}

fn open_blocking(path: &Path, durability: Durability) -> Result<Connection> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    create_private_file(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags).map_err(|e| classify(path, e))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // The first read tells a damaged or foreign file apart before anything is written. One
    // statement reads one snapshot, so a process migrating the file at this very moment is seen
    // either before or after, never half way.
    let (app_id, version, tables): (i64, i64, i64) = conn
        .query_row(
            "SELECT (SELECT application_id FROM pragma_application_id()), \
                    (SELECT user_version FROM pragma_user_version()), \
                    (SELECT count(*) FROM sqlite_master)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        // Not every failure here means a damaged file: a read-only folder (no room for the WAL
        // index) or a lock also fail this first read, and must not be reported as damage.
        .map_err(|e| classify(path, e))?;
    if app_id != 0 && app_id != APPLICATION_ID {
        return Err(Error::DatabaseCorrupt {
            path: path.display().to_string(),
            detail: "it belongs to another application".into(),
        });
    }
    if app_id == 0 && version == 0 && tables > 0 {
        return Err(Error::DatabaseCorrupt {
            path: path.display().to_string(),
            detail: "it is not a Taskly database".into(),
        });
    }
    if version > SCHEMA_VERSION {
        return Err(Error::DatabaseTooNew {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if tables > 0 && durability == Durability::Full {
        // Before anything is written (switching to WAL writes the header, a migration writes
        // pages): damage found only later would already have been written over. The file is
        // small (keys and daily counters), so this costs a few milliseconds per start. Only the
        // main connection checks: the relaxed one (usage counters) is opened after it, by the
        // same process, and would scan the same file again on the first chat.
        let verdict: String = conn
            .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
            .map_err(|e| classify(path, e))?;
        if verdict != "ok" {
            return Err(Error::DatabaseCorrupt {
                path: path.display().to_string(),
                detail: verdict,
            });
        }
    }
    enable_wal(&conn, path)?;
    // The WAL and its index take the database file's mode from SQLite; ones left behind by an
    // older build (or copied in) may be wider.
    for sidecar in ["-wal", "-shm"] {
        tighten_file(&sidecar_path(path, sidecar))?;
    }
    // FULL, not NORMAL: the credential store's deletes are durable at once, so a commit that
    // could be lost at power failure would let recovery delete the secret a row points to.
    let synchronous = if durability == Durability::Full {
        "FULL"
    } else {
        "NORMAL"
    };
    conn.pragma_update(None, "synchronous", synchronous)
        .map_err(|e| classify(path, e))?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(|e| classify(path, e))?;
    migrate(&mut conn, version).map_err(|e| refine(path, e))?;
    Ok(conn)
}

/// Switches a new file to WAL. Changing the journal mode needs a moment alone with the file,
/// and SQLite answers "busy" at once instead of waiting when another process (opening the same
/// new file) holds it, so this retries within the busy timeout.
fn enable_wal(conn: &Connection, path: &Path) -> Result<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        let mode: rusqlite::Result<String> =
            conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0));
        match mode {
            Ok(mode) if mode.eq_ignore_ascii_case("wal") => return Ok(()),
            Ok(_) => {}
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy) => {}
            Err(e) => return Err(classify(path, e)),
        }
        if std::time::Instant::now() >= deadline {
            return Err(Error::Database {
                detail: "could not switch the database to WAL mode: it stayed busy".into(),
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn migrate(conn: &mut Connection, from: i64) -> Result<()> {
    for (index, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(from).unwrap_or(0))
    {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another process may have migrated while we waited for the write lock.
        let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if now > index as i64 {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
        tracing::info!(version = index + 1, "database migrated");
    }
    Ok(())
}

fn classify(path: &Path, err: rusqlite::Error) -> Error {
    match err.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => Error::DatabaseCorrupt {
            path: path.display().to_string(),
            detail: err.to_string(),
        },
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => {
            unwritable(path, &err.to_string())
        }
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => busy(),
        _ => Error::from(err),
    }
}

/// Gives a database failure that reached us as a plain `Error::Database` (rusqlite's errors are
/// converted by `?` inside the closures, before the path is known) its proper kind. SQLite's
/// messages for these codes are fixed strings (`sqlite3ErrStr`), so matching them is stable.
pub(crate) fn refine(path: &Path, err: Error) -> Error {
    let Error::Database { detail } = &err else {
        return err;
    };
    let lower = detail.to_ascii_lowercase();
    if lower.contains("database disk image is malformed")
        || lower.contains("file is not a database")
    {
        Error::DatabaseCorrupt {
            path: path.display().to_string(),
            detail: detail.clone(),
        }
    } else if lower.contains("database is locked")
        || lower.contains("database table is locked")
        || lower.contains("database is busy")
    {
        busy()
    } else if lower.contains("readonly database")
        || lower.contains("unable to open database file")
        || lower.contains("access permission denied")
    {
        unwritable(path, detail)
    } else {
        err
    }
}

/// Another program held the file past [`BUSY_TIMEOUT`].
fn busy() -> Error {
    Error::Database {
        detail: format!(
            "another program kept it locked for more than {} s (a Taskly window or `taskly` \
             command still running, or a backup or sync tool holding taskly.db); close it or \
             wait for it to finish",
            BUSY_TIMEOUT.as_secs()
        ),
    }
}

fn sidecar_path(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fresh_database_is_migrated_and_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("data").join("taskly.db");
        let db = Db::open(path.clone()).await.expect("open");
        let (version, mode): (i64, String) = db
            .call(|c| {
                Ok((
                    c.query_row("PRAGMA user_version", [], |r| r.get(0))?,
                    c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?,
                ))
            })
            .await
            .expect("query");
        assert_eq!(version, SCHEMA_VERSION);
        assert_eq!(mode, "wal");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let file_mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            let dir_mode = std::fs::metadata(path.parent().expect("dir"))
                .expect("meta")
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(file_mode, 0o600);
            assert_eq!(dir_mode, 0o700);
        }
        drop(db);
        Db::open(path).await.expect("reopens at the same version");
    }

    #[tokio::test]
    async fn refuses_newer_and_foreign_and_damaged_files_without_touching_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let newer = dir.path().join("newer.db");
        {
            let c = Connection::open(&newer).expect("open");
            c.pragma_update(None, "application_id", APPLICATION_ID)
                .expect("id");
            c.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .expect("v");
        }
        let before = std::fs::read(&newer).expect("read");
        assert!(matches!(
            Db::open(newer.clone()).await,
            Err(Error::DatabaseTooNew { .. })
        ));
        assert_eq!(std::fs::read(&newer).expect("read"), before);

        let foreign = dir.path().join("foreign.db");
        Connection::open(&foreign)
            .expect("open")
            .execute_batch("CREATE TABLE t (x)")
            .expect("create");
        assert!(matches!(
            Db::open(foreign).await,
            Err(Error::DatabaseCorrupt { .. })
        ));

        let garbage = dir.path().join("garbage.db");
        let junk = vec![0x42u8; 8192];
        std::fs::write(&garbage, &junk).expect("write");
        assert!(matches!(
            Db::open(garbage.clone()).await,
            Err(Error::DatabaseCorrupt { .. })
        ));
        assert_eq!(std::fs::read(&garbage).expect("read"), junk);
    }
}
