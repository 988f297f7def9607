//! SQLite backend: one database file, shared by the processes of one host.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::{DeadJob, Job, JobId, Store, StoreError, delay_millis, ttl_millis};

/// The schema version this code reads and writes, kept in table `wxgate_store_schema`.
const SCHEMA_VERSION: i64 = 1;

/// How long a call waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How often (at most) a handle deletes expired values, in milliseconds.
const PURGE_INTERVAL_MS: i64 = 60_000;

const SCHEMA: &str = "
CREATE TABLE wxgate_kv (
    key        TEXT PRIMARY KEY NOT NULL,
    value      BLOB NOT NULL,
    expires_at INTEGER
);
CREATE INDEX wxgate_kv_expires ON wxgate_kv (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE wxgate_jobs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    queue      TEXT NOT NULL,
    payload    BLOB NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    visible_at INTEGER NOT NULL,
    claimed    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX wxgate_jobs_due ON wxgate_jobs (queue, visible_at, id);
CREATE TABLE wxgate_dead_jobs (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    queue      TEXT NOT NULL,
    job_id     INTEGER NOT NULL,
    payload    BLOB NOT NULL,
    attempts   INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    buried_at  INTEGER NOT NULL
);
CREATE INDEX wxgate_dead_jobs_queue ON wxgate_dead_jobs (queue, seq);
";

/// A [`Store`] in one SQLite database file (feature `sqlite`).
///
/// - **Durable and shared.** Values, queued jobs and dead letters survive restarts. Several
///   processes of one host may open the same file: it runs in WAL mode, each write is one
///   `BEGIN IMMEDIATE` transaction or one statement, and a call waits up to 5 s for another
///   connection's lock before failing with [`StoreError::Backend`]. Don't put the file on a
///   network file system (WAL needs shared memory).
/// - **Off the async runtime.** rusqlite is blocking, so every call runs on
///   [`tokio::task::spawn_blocking`] over the handle's one connection; calls through one handle
///   (and its clones) are serialized.
/// - **Time** is the host's wall clock ([`SystemTime`]) in unix milliseconds, stored with each
///   value (`expires_at`) and job (`visible_at`), so it stays meaningful across restarts and
///   processes. Expired rows are ignored by every query and deleted at open and then at most
///   once a minute per handle.
/// - **Schema.** Tables `wxgate_kv`, `wxgate_jobs`, `wxgate_dead_jobs`, created on open, with
///   their version in `wxgate_store_schema`; a file written by a newer schema is refused.
/// - `synchronous = NORMAL`: a process crash loses nothing; a power cut may lose the last
///   transactions.
///
/// Clones share the connection.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and its schema.
    ///
    /// This blocks for file I/O, and for up to 5 s if another process holds the write lock:
    /// from async code, call it inside [`tokio::task::spawn_blocking`] (as
    /// [`open`](crate::open) does).
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] if the file cannot be opened or created, is not a database, or
    /// has a newer schema.
    ///
    /// # Examples
    ///
    /// ```
    /// use wxgate_store::{SqliteStore, Store};
    ///
    /// # async fn demo() -> Result<(), wxgate_store::StoreError> {
    /// let store = SqliteStore::open("wxgate.db")?;
    /// store.set("k", b"v", None).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let conn = Connection::open(path).map_err(sql_error)?;
        Self::init(conn, Some(path.to_path_buf()))
    }

    /// Opens a private, empty in-memory database: nothing survives the handle, and no other
    /// handle sees it.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] if SQLite fails to start.
    ///
    /// # Examples
    ///
    /// ```
    /// use wxgate_store::{SqliteStore, Store};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), wxgate_store::StoreError> {
    /// let store = SqliteStore::open_in_memory()?;
    /// store.set("k", b"v", None).await?;
    /// assert_eq!(store.get("k").await?.as_deref(), Some(&b"v"[..]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(sql_error)?;
        Self::init(conn, None)
    }

    /// Deletes every expired value now, returning how many were deleted.
    ///
    /// Calls do this by themselves from time to time; this is for maintenance jobs.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] if SQLite fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use wxgate_store::{SqliteStore, Store};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), wxgate_store::StoreError> {
    /// let store = SqliteStore::open_in_memory()?;
    /// store.set("k", b"v", Some(Duration::from_millis(1))).await?;
    /// tokio::time::sleep(Duration::from_millis(5)).await;
    /// assert_eq!(store.purge_expired().await?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn purge_expired(&self) -> Result<u64, StoreError> {
        self.call(|conn, now| Ok(purge(conn, now)?)).await
    }

    fn init(mut conn: Connection, path: Option<PathBuf>) -> Result<Self, StoreError> {
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sql_error)?;
        // Returns the mode actually set ("memory" for in-memory databases): either is fine.
        let _mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(sql_error)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sql_error)?;
        migrate(&mut conn)?;
        let now = now_millis();
        purge(&conn, now).map_err(sql_error)?;
        Ok(Self {
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                path,
                last_purge: AtomicI64::new(now),
            }),
        })
    }

    /// Runs `op` with the connection and the current unix time in ms, on a blocking thread.
    async fn call<T, F>(&self, op: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut Connection, i64) -> Result<T, Failure> + Send + 'static,
        T: Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            // A panic inside `op` rolls its transaction back, so the connection stays usable.
            let mut conn = inner.conn.lock().unwrap_or_else(PoisonError::into_inner);
            let now = now_millis();
            let last = inner.last_purge.load(Ordering::Relaxed);
            if now - last >= PURGE_INTERVAL_MS {
                inner.last_purge.store(now, Ordering::Relaxed);
                if let Err(error) = purge(&conn, now) {
                    tracing::debug!(%error, "sqlite store: purging expired values failed");
                }
            }
            op(&mut conn, now)
        })
        .await
        .map_err(|error| StoreError::Backend {
            backend: "sqlite",
            message: format!("blocking task failed: {error}"),
        })?
        .map_err(Failure::into_store_error)
    }
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("SqliteStore");
        match &self.inner.path {
            Some(path) => debug.field("path", path),
            None => debug.field("path", &":memory:"),
        };
        debug.finish_non_exhaustive()
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let key = key.to_owned();
        self.call(move |conn, now| {
            Ok(conn
                .query_row(
                    "SELECT value FROM wxgate_kv
                     WHERE key = ?1 AND (expires_at IS NULL OR expires_at > ?2)",
                    params![key, now],
                    |row| row.get(0),
                )
                .optional()?)
        })
        .await
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), StoreError> {
        let (key, value) = (key.to_owned(), value.to_vec());
        self.call(move |conn, now| {
            conn.execute(
                "INSERT INTO wxgate_kv (key, value, expires_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE
                 SET value = excluded.value, expires_at = excluded.expires_at",
                params![key, value, expires_at(now, ttl)],
            )?;
            Ok(())
        })
        .await
    }

    async fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError> {
        let (key, value) = (key.to_owned(), value.to_vec());
        self.call(move |conn, now| {
            // One statement: writes a new row, or replaces an expired one, and nothing else.
            let changed = conn.execute(
                "INSERT INTO wxgate_kv (key, value, expires_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE
                 SET value = excluded.value, expires_at = excluded.expires_at
                 WHERE wxgate_kv.expires_at IS NOT NULL AND wxgate_kv.expires_at <= ?4",
                params![key, value, expires_at(now, ttl), now],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    async fn compare_and_set(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError> {
        let (key, value) = (key.to_owned(), value.to_vec());
        let expected = expected.map(<[u8]>::to_vec);
        self.call(move |conn, now| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let current: Option<Vec<u8>> = tx
                .query_row(
                    "SELECT value FROM wxgate_kv
                     WHERE key = ?1 AND (expires_at IS NULL OR expires_at > ?2)",
                    params![key, now],
                    |row| row.get(0),
                )
                .optional()?;
            if current != expected {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO wxgate_kv (key, value, expires_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE
                 SET value = excluded.value, expires_at = excluded.expires_at",
                params![key, value, expires_at(now, ttl)],
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        let key = key.to_owned();
        self.call(move |conn, now| {
            // A transaction, so that a failed commit is reported (see `claim_job`).
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let deleted: Option<bool> = tx
                .query_row(
                    "DELETE FROM wxgate_kv WHERE key = ?1
                     RETURNING expires_at IS NULL OR expires_at > ?2",
                    params![key, now],
                    |row| row.get(0),
                )
                .optional()?;
            tx.commit()?;
            Ok(deleted == Some(true))
        })
        .await
    }

    async fn compare_and_delete(&self, key: &str, expected: &[u8]) -> Result<bool, StoreError> {
        let (key, expected) = (key.to_owned(), expected.to_vec());
        self.call(move |conn, now| {
            let deleted = conn.execute(
                "DELETE FROM wxgate_kv
                 WHERE key = ?1 AND value = ?2 AND (expires_at IS NULL OR expires_at > ?3)",
                params![key, expected, now],
            )?;
            Ok(deleted == 1)
        })
        .await
    }

    async fn acquire_lease(
        &self,
        key: &str,
        owner: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let (key, owner) = (key.to_owned(), owner.as_bytes().to_vec());
        self.call(move |conn, now| {
            // One statement: takes a free or expired lease, or renews our own.
            let changed = conn.execute(
                "INSERT INTO wxgate_kv (key, value, expires_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE
                 SET value = excluded.value, expires_at = excluded.expires_at
                 WHERE wxgate_kv.value = excluded.value
                    OR (wxgate_kv.expires_at IS NOT NULL AND wxgate_kv.expires_at <= ?4)",
                params![key, owner, expires_at(now, Some(ttl)), now],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    async fn release_lease(&self, key: &str, owner: &str) -> Result<bool, StoreError> {
        self.compare_and_delete(key, owner.as_bytes()).await
    }

    async fn push_job(
        &self,
        queue: &str,
        payload: &[u8],
        delay: Duration,
    ) -> Result<JobId, StoreError> {
        let (queue, payload) = (queue.to_owned(), payload.to_vec());
        self.call(move |conn, now| {
            conn.execute(
                "INSERT INTO wxgate_jobs (queue, payload, attempts, visible_at, claimed)
                 VALUES (?1, ?2, 0, ?3, 0)",
                params![queue, payload, add(now, delay_millis(delay))],
            )?;
            Ok(JobId(conn.last_insert_rowid().to_string()))
        })
        .await
    }

    async fn claim_job(&self, queue: &str, lease: Duration) -> Result<Option<Job>, StoreError> {
        let queue = queue.to_owned();
        self.call(move |conn, now| {
            // In a transaction of its own: `query_row` reads the first row of the RETURNING
            // and resets the statement, and in autocommit mode a commit that fails there (disk
            // full, I/O error) would go unreported, handing out a claim that was never stored.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let job = tx
                .query_row(
                    "UPDATE wxgate_jobs
                     SET attempts = attempts + 1, visible_at = ?3, claimed = 1
                     WHERE id = (SELECT id FROM wxgate_jobs
                                 WHERE queue = ?1 AND visible_at <= ?2
                                 ORDER BY visible_at, id LIMIT 1)
                     RETURNING id, payload, attempts",
                    params![queue, now, add(now, ttl_millis(lease))],
                    |row| {
                        Ok(Job {
                            id: JobId(row.get::<_, i64>(0)?.to_string()),
                            payload: row.get(1)?,
                            attempts: row.get(2)?,
                        })
                    },
                )
                .optional()?;
            tx.commit()?;
            Ok(job)
        })
        .await
    }

    async fn renew_job(&self, queue: &str, job: &Job, lease: Duration) -> Result<bool, StoreError> {
        let Ok(number) = job_number(&job.id) else {
            return Ok(false);
        };
        let (queue, attempts) = (queue.to_owned(), job.attempts);
        self.call(move |conn, now| {
            // One statement: only while this claim (same attempt) still holds the job.
            let renewed = conn.execute(
                "UPDATE wxgate_jobs SET visible_at = ?4
                 WHERE queue = ?1 AND id = ?2 AND claimed = 1 AND attempts = ?3",
                params![queue, number, attempts, add(now, ttl_millis(lease))],
            )?;
            Ok(renewed == 1)
        })
        .await
    }

    async fn complete_job(&self, queue: &str, id: &JobId) -> Result<(), StoreError> {
        let queue = queue.to_owned();
        let (id, number) = (id.clone(), job_number(id)?);
        self.call(move |conn, _now| {
            let deleted = conn.execute(
                "DELETE FROM wxgate_jobs WHERE queue = ?1 AND id = ?2 AND claimed = 1",
                params![queue, number],
            )?;
            if deleted == 0 {
                return Err(Failure::UnknownJob(id));
            }
            Ok(())
        })
        .await
    }

    async fn retry_job(&self, queue: &str, id: &JobId, delay: Duration) -> Result<(), StoreError> {
        let queue = queue.to_owned();
        let (id, number) = (id.clone(), job_number(id)?);
        self.call(move |conn, now| {
            let updated = conn.execute(
                "UPDATE wxgate_jobs SET claimed = 0, visible_at = ?3
                 WHERE queue = ?1 AND id = ?2 AND claimed = 1",
                params![queue, number, add(now, delay_millis(delay))],
            )?;
            if updated == 0 {
                return Err(Failure::UnknownJob(id));
            }
            Ok(())
        })
        .await
    }

    async fn bury_job(&self, queue: &str, id: &JobId, reason: &str) -> Result<(), StoreError> {
        let (queue, reason) = (queue.to_owned(), reason.to_owned());
        let (id, number) = (id.clone(), job_number(id)?);
        self.call(move |conn, now| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let buried = tx
                .query_row(
                    "DELETE FROM wxgate_jobs WHERE queue = ?1 AND id = ?2 AND claimed = 1
                     RETURNING payload, attempts",
                    params![queue, number],
                    |row| Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, i64>(1)?)),
                )
                .optional()?;
            let Some((payload, attempts)) = buried else {
                return Err(Failure::UnknownJob(id));
            };
            tx.execute(
                "INSERT INTO wxgate_dead_jobs (queue, job_id, payload, attempts, reason, buried_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![queue, number, payload, attempts, reason, now],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn queue_len(&self, queue: &str) -> Result<u64, StoreError> {
        let queue = queue.to_owned();
        self.call(move |conn, _now| {
            Ok(conn.query_row(
                "SELECT COUNT(*) FROM wxgate_jobs WHERE queue = ?1",
                params![queue],
                |row| row.get(0),
            )?)
        })
        .await
    }

    async fn dead_jobs(&self, queue: &str) -> Result<Vec<DeadJob>, StoreError> {
        let queue = queue.to_owned();
        self.call(move |conn, _now| {
            let mut statement = conn.prepare_cached(
                "SELECT job_id, payload, attempts, reason FROM wxgate_dead_jobs
                 WHERE queue = ?1 ORDER BY seq",
            )?;
            let rows = statement.query_map(params![queue], |row| {
                Ok(DeadJob {
                    id: JobId(row.get::<_, i64>(0)?.to_string()),
                    payload: row.get(1)?,
                    attempts: row.get(2)?,
                    reason: row.get(3)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn revive_job(
        &self,
        queue: &str,
        id: &JobId,
        delay: Duration,
    ) -> Result<bool, StoreError> {
        let Ok(number) = job_number(id) else {
            return Ok(false);
        };
        let queue = queue.to_owned();
        self.call(move |conn, now| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let payload = tx
                .query_row(
                    "DELETE FROM wxgate_dead_jobs WHERE queue = ?1 AND job_id = ?2
                     RETURNING payload",
                    params![queue, number],
                    |row| row.get::<_, Vec<u8>>(0),
                )
                .optional()?;
            let Some(payload) = payload else {
                return Ok(false);
            };
            // The same row id: a job keeps its id, and a buried job's id is never reused
            // (AUTOINCREMENT), so it is free.
            tx.execute(
                "INSERT INTO wxgate_jobs (id, queue, payload, attempts, visible_at, claimed)
                 VALUES (?1, ?2, ?3, 0, ?4, 0)",
                params![number, queue, payload, add(now, delay_millis(delay))],
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }
}

struct Inner {
    conn: Mutex<Connection>,
    /// For `Debug` only; `None` for an in-memory database.
    path: Option<PathBuf>,
    /// When this handle last deleted expired values (unix ms).
    last_purge: AtomicI64,
}

/// Why a blocking call failed.
enum Failure {
    Sql(rusqlite::Error),
    UnknownJob(JobId),
}

impl From<rusqlite::Error> for Failure {
    fn from(error: rusqlite::Error) -> Self {
        Self::Sql(error)
    }
}

impl Failure {
    fn into_store_error(self) -> StoreError {
        match self {
            Self::Sql(error) => sql_error(error),
            Self::UnknownJob(id) => StoreError::UnknownJob(id),
        }
    }
}

/// Creates the schema, or checks that the file's schema is one this code knows.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql_error)?;
    tx.execute(
        "CREATE TABLE IF NOT EXISTS wxgate_store_schema (version INTEGER NOT NULL)",
        [],
    )
    .map_err(sql_error)?;
    let version: Option<i64> = tx
        .query_row("SELECT MAX(version) FROM wxgate_store_schema", [], |row| {
            row.get(0)
        })
        .map_err(sql_error)?;
    match version {
        None => {
            tx.execute_batch(SCHEMA).map_err(sql_error)?;
            tx.execute(
                "INSERT INTO wxgate_store_schema (version) VALUES (?1)",
                params![SCHEMA_VERSION],
            )
            .map_err(sql_error)?;
        }
        Some(SCHEMA_VERSION) => {}
        Some(other) => {
            return Err(StoreError::Backend {
                backend: "sqlite",
                message: format!(
                    "database schema version {other} is not supported \
                     (this build reads version {SCHEMA_VERSION})"
                ),
            });
        }
    }
    tx.commit().map_err(sql_error)
}

fn purge(conn: &Connection, now: i64) -> rusqlite::Result<u64> {
    let deleted = conn.execute(
        "DELETE FROM wxgate_kv WHERE expires_at IS NOT NULL AND expires_at <= ?1",
        params![now],
    )?;
    Ok(u64::try_from(deleted).unwrap_or(u64::MAX))
}

/// The row id behind a job id; only the canonical decimal form this store hands out counts
/// (`"05"` or `"+5"` is not job 5).
fn job_number(id: &JobId) -> Result<i64, StoreError> {
    id.0.parse::<i64>()
        .ok()
        .filter(|number| number.to_string() == id.0)
        .ok_or_else(|| StoreError::UnknownJob(id.clone()))
}

fn expires_at(now: i64, ttl: Option<Duration>) -> Option<i64> {
    ttl.map(|ttl| add(now, ttl_millis(ttl)))
}

fn add(now: i64, millis: u64) -> i64 {
    now.saturating_add(i64::try_from(millis).unwrap_or(i64::MAX))
}

/// The wall clock in unix milliseconds (0 if the clock is before 1970).
fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}

fn sql_error(error: rusqlite::Error) -> StoreError {
    StoreError::Backend {
        backend: "sqlite",
        message: error.to_string(),
    }
}
