//! The registry on SQLite: tables `registry_*`, in their own file or in the store's.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use super::migrations;
use super::{
    Claim, EventKind, Follower, FollowerEvent, FollowerFilter, FollowerPage, FollowerProfile, Push,
    Registry, RegistryError, SceneCounts, SubscribeFields, SubscribeOutcome, SyncProgress,
    check_limit, decode_cursor, decode_tags, encode_tags, into_page, tag_pattern, to_u64, ttl_ms,
};

/// How long a call waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How often (at most) a handle deletes expired idempotency keys, in milliseconds.
const PURGE_INTERVAL_MS: i64 = 60_000;

const COLUMNS: &str = "seq, openid, unionid, subscribed, subscribe_time, subscribe_scene, \
                       qr_scene, tags, remark, first_seen_ms, updated_at_ms, unsubscribed_at_ms";

/// A [`Registry`] in a SQLite database file (feature `sqlite`).
///
/// Its tables are named `registry_*` (with the schema version in `registry_schema`), so it
/// may share the file of a [`SqliteStore`](crate::SqliteStore): open both on the same path.
/// Like the store, it runs in WAL mode, runs every call on [`tokio::task::spawn_blocking`]
/// over one connection per handle (clones share it), makes each write one transaction, and
/// waits up to 5 s for another connection's write lock. Times come from the host's clock.
#[derive(Clone)]
pub struct SqliteRegistry {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Mutex<Connection>,
    /// For `Debug` only; `None` for an in-memory database.
    path: Option<PathBuf>,
    /// When this handle last deleted expired idempotency keys (unix ms).
    last_purge: AtomicI64,
}

impl SqliteRegistry {
    /// Opens (creating if needed) the database file at `path` and migrates its registry tables.
    ///
    /// This blocks for file I/O: from async code, call it inside
    /// [`tokio::task::spawn_blocking`] (as [`open`](super::open) does).
    ///
    /// # Errors
    ///
    /// [`RegistryError::SchemaTooNew`] if a newer wxgate wrote the file;
    /// [`RegistryError::Backend`] if it cannot be opened or is not a database.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, RegistryError> {
        let path = path.as_ref();
        let conn = Connection::open(path).map_err(sql_error)?;
        Self::init(conn, Some(path.to_path_buf()))
    }

    /// Opens a private, empty in-memory database.
    ///
    /// # Errors
    ///
    /// [`RegistryError::Backend`] if SQLite fails to start.
    pub fn open_in_memory() -> Result<Self, RegistryError> {
        let conn = Connection::open_in_memory().map_err(sql_error)?;
        Self::init(conn, None)
    }

    fn init(mut conn: Connection, path: Option<PathBuf>) -> Result<Self, RegistryError> {
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sql_error)?;
        // Returns the mode actually set ("memory" for in-memory databases): either is fine.
        let _mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(sql_error)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sql_error)?;
        migrate(&mut conn)?;
        Ok(Self {
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                path,
                last_purge: AtomicI64::new(0),
            }),
        })
    }

    /// Runs `op` with the connection and the current unix time in ms, on a blocking thread.
    async fn call<T, F>(&self, op: F) -> Result<T, RegistryError>
    where
        F: FnOnce(&mut Connection, i64) -> Result<T, Failure> + Send + 'static,
        T: Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            // A panic inside `op` rolls its transaction back, so the connection stays usable.
            let mut conn = inner.conn.lock().unwrap_or_else(PoisonError::into_inner);
            op(&mut conn, now_millis())
        })
        .await
        .map_err(|error| RegistryError::Backend {
            backend: "sqlite",
            message: format!("blocking task failed: {error}"),
        })?
        .map_err(Failure::into_registry_error)
    }

    /// Deletes expired idempotency keys if this handle has not done so for a while.
    fn purge_if_due(&self, conn: &Connection, now: i64) {
        let last = self.inner.last_purge.load(Ordering::Relaxed);
        if now - last >= PURGE_INTERVAL_MS {
            self.inner.last_purge.store(now, Ordering::Relaxed);
            if let Err(error) = conn.execute(
                "DELETE FROM registry_idempotency WHERE expires_at_ms <= ?1",
                params![now],
            ) {
                tracing::debug!(%error, "sqlite registry: purging expired keys failed");
            }
        }
    }
}

impl fmt::Debug for SqliteRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("SqliteRegistry");
        match &self.inner.path {
            Some(path) => debug.field("path", path),
            None => debug.field("path", &":memory:"),
        };
        debug.finish_non_exhaustive()
    }
}

#[async_trait]
impl Registry for SqliteRegistry {
    async fn upsert_follower(
        &self,
        account: &str,
        profile: &FollowerProfile,
    ) -> Result<Follower, RegistryError> {
        let (account, profile) = (account.to_owned(), profile.clone());
        self.call(move |conn, now| {
            let sql = format!(
                "INSERT INTO registry_followers (account, openid, unionid, subscribed,
                     subscribe_time, subscribe_scene, qr_scene, tags, remark, first_seen_ms,
                     updated_at_ms, unsubscribed_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10,
                         CASE WHEN ?4 THEN NULL ELSE ?10 END)
                 ON CONFLICT (account, openid) DO UPDATE SET
                     unionid = COALESCE(excluded.unionid, registry_followers.unionid),
                     subscribed = excluded.subscribed,
                     subscribe_time = CASE WHEN excluded.subscribed THEN excluded.subscribe_time
                         ELSE COALESCE(excluded.subscribe_time, registry_followers.subscribe_time) END,
                     subscribe_scene = CASE WHEN excluded.subscribed THEN excluded.subscribe_scene
                         ELSE COALESCE(excluded.subscribe_scene, registry_followers.subscribe_scene) END,
                     qr_scene = CASE WHEN excluded.subscribed THEN excluded.qr_scene
                         ELSE COALESCE(excluded.qr_scene, registry_followers.qr_scene) END,
                     tags = excluded.tags,
                     remark = CASE WHEN excluded.subscribed THEN excluded.remark
                         ELSE registry_followers.remark END,
                     updated_at_ms = excluded.updated_at_ms,
                     unsubscribed_at_ms = CASE
                         WHEN excluded.subscribed THEN NULL
                         WHEN registry_followers.subscribed THEN excluded.updated_at_ms
                         ELSE registry_followers.unsubscribed_at_ms END
                 RETURNING {COLUMNS}"
            );
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let (_, follower) = tx.prepare_cached(&sql)?.query_row(
                params![
                    account,
                    profile.openid,
                    profile.unionid,
                    profile.subscribed,
                    profile.subscribe_time,
                    profile.subscribe_scene,
                    profile.qr_scene,
                    encode_tags(&profile.tags),
                    profile.remark,
                    now,
                ],
                follower_row,
            )?;
            tx.commit()?;
            Ok(follower)
        })
        .await
    }

    async fn record_subscribe(
        &self,
        account: &str,
        push: &Push,
        scene: Option<&str>,
        profile: Option<&FollowerProfile>,
    ) -> Result<SubscribeOutcome, RegistryError> {
        let account = account.to_owned();
        let push = push.clone();
        let fields = SubscribeFields::new(&push, scene, profile);
        self.call(move |conn, now| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !insert_event(
                &tx,
                &account,
                &push,
                EventKind::Subscribe,
                fields.scene.as_deref(),
                now,
            )? {
                let follower = select_follower(&tx, &account, &push.openid)?.ok_or_else(|| {
                    RegistryError::Corrupt("a recorded subscribe has no follower".to_owned())
                })?;
                return Ok(SubscribeOutcome {
                    recorded: false,
                    follower,
                });
            }
            let sql = format!(
                "INSERT INTO registry_followers (account, openid, unionid, subscribed,
                     subscribe_time, subscribe_scene, qr_scene, tags, remark, first_seen_ms,
                     updated_at_ms, unsubscribed_at_ms)
                 VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?8, ?9, ?9, NULL)
                 ON CONFLICT (account, openid) DO UPDATE SET
                     unionid = COALESCE(excluded.unionid, registry_followers.unionid),
                     subscribed = 1,
                     subscribe_time = excluded.subscribe_time,
                     subscribe_scene = excluded.subscribe_scene,
                     qr_scene = excluded.qr_scene,
                     tags = CASE WHEN ?10 THEN excluded.tags ELSE registry_followers.tags END,
                     remark = CASE WHEN ?10 THEN excluded.remark ELSE registry_followers.remark END,
                     updated_at_ms = excluded.updated_at_ms,
                     unsubscribed_at_ms = NULL
                 RETURNING {COLUMNS}"
            );
            let (_, follower) = tx.prepare_cached(&sql)?.query_row(
                params![
                    account,
                    push.openid,
                    fields.unionid,
                    fields.subscribe_time,
                    fields.subscribe_scene,
                    fields.scene,
                    fields.tags,
                    fields.remark,
                    now,
                    fields.has_profile,
                ],
                follower_row,
            )?;
            if let Some(scene) = &fields.scene {
                bump_scene(&tx, &account, scene, "subscribes")?;
            }
            tx.commit()?;
            Ok(SubscribeOutcome {
                recorded: true,
                follower,
            })
        })
        .await
    }

    async fn record_unsubscribe(&self, account: &str, push: &Push) -> Result<bool, RegistryError> {
        let (account, push) = (account.to_owned(), push.clone());
        self.call(move |conn, now| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !insert_event(&tx, &account, &push, EventKind::Unsubscribe, None, now)? {
                return Ok(false);
            }
            let left: Option<Option<String>> = tx
                .query_row(
                    "UPDATE registry_followers
                     SET subscribed = 0, unsubscribed_at_ms = ?3, updated_at_ms = ?3
                     WHERE account = ?1 AND openid = ?2 AND subscribed
                     RETURNING qr_scene",
                    params![account, push.openid, now],
                    |row| row.get(0),
                )
                .optional()?;
            match left {
                Some(Some(scene)) => {
                    bump_scene(&tx, &account, &scene, "unsubscribes")?;
                    tx.execute(
                        "UPDATE registry_events SET scene = ?4
                         WHERE account = ?1 AND openid = ?2 AND kind = 'unsubscribe'
                           AND push_key = ?3",
                        params![account, push.openid, push.key(), scene],
                    )?;
                }
                Some(None) => {}
                None => {
                    // Unknown (or already gone): a row that says the user left.
                    tx.execute(
                        "INSERT INTO registry_followers (account, openid, subscribed,
                             first_seen_ms, updated_at_ms, unsubscribed_at_ms)
                         VALUES (?1, ?2, 0, ?3, ?3, ?3)
                         ON CONFLICT (account, openid) DO NOTHING",
                        params![account, push.openid, now],
                    )?;
                }
            }
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn record_scan(
        &self,
        account: &str,
        push: &Push,
        scene: &str,
    ) -> Result<bool, RegistryError> {
        let (account, push, scene) = (account.to_owned(), push.clone(), scene.to_owned());
        self.call(move |conn, now| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !insert_event(&tx, &account, &push, EventKind::Scan, Some(&scene), now)? {
                return Ok(false);
            }
            bump_scene(&tx, &account, &scene, "scans")?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn follower(
        &self,
        account: &str,
        openid: &str,
    ) -> Result<Option<Follower>, RegistryError> {
        let (account, openid) = (account.to_owned(), openid.to_owned());
        self.call(move |conn, _now| Ok(select_follower(conn, &account, &openid)?))
            .await
    }

    async fn follower_events(
        &self,
        account: &str,
        openid: &str,
    ) -> Result<Vec<FollowerEvent>, RegistryError> {
        let (account, openid) = (account.to_owned(), openid.to_owned());
        self.call(move |conn, _now| {
            let mut statement = conn.prepare_cached(
                "SELECT kind, scene, create_time, recorded_at_ms FROM registry_events
                 WHERE account = ?1 AND openid = ?2 ORDER BY seq",
            )?;
            let rows = statement.query_map(params![account, openid], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                ))
            })?;
            let mut events = Vec::new();
            for row in rows {
                let (kind, scene, create_time, recorded_at_ms) = row?;
                events.push(FollowerEvent {
                    kind: EventKind::parse(&kind)?,
                    scene,
                    create_time,
                    recorded_at_ms,
                });
            }
            Ok(events)
        })
        .await
    }

    async fn list_followers(
        &self,
        account: &str,
        filter: &FollowerFilter,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<FollowerPage, RegistryError> {
        let after = decode_cursor(cursor)?;
        let limit = check_limit(limit)?;
        let (account, filter) = (account.to_owned(), filter.clone());
        self.call(move |conn, _now| {
            let sql = format!(
                "SELECT {COLUMNS} FROM registry_followers
                 WHERE account = ?1 AND seq > ?2
                   AND (?3 IS NULL OR qr_scene = ?3)
                   AND (?4 IS NULL OR subscribed = ?4)
                   AND (?5 IS NULL OR tags LIKE ?5)
                 ORDER BY seq LIMIT ?6"
            );
            let mut statement = conn.prepare_cached(&sql)?;
            let rows = statement.query_map(
                params![
                    account,
                    after,
                    filter.scene,
                    filter.subscribed,
                    filter.tag.map(tag_pattern),
                    limit + 1,
                ],
                follower_row,
            )?;
            let mut page = rows.collect::<Result<Vec<_>, _>>()?;
            Ok(into_page(&mut page, limit))
        })
        .await
    }

    async fn count_followers(
        &self,
        account: &str,
        filter: &FollowerFilter,
    ) -> Result<u64, RegistryError> {
        let (account, filter) = (account.to_owned(), filter.clone());
        self.call(move |conn, _now| {
            let count: i64 = conn.query_row(
                "SELECT COUNT(*) FROM registry_followers
                 WHERE account = ?1
                   AND (?2 IS NULL OR qr_scene = ?2)
                   AND (?3 IS NULL OR subscribed = ?3)
                   AND (?4 IS NULL OR tags LIKE ?4)",
                params![
                    account,
                    filter.scene,
                    filter.subscribed,
                    filter.tag.map(tag_pattern)
                ],
                |row| row.get(0),
            )?;
            Ok(to_u64(count))
        })
        .await
    }

    async fn scene_counts(&self, account: &str, scene: &str) -> Result<SceneCounts, RegistryError> {
        let (account, scene) = (account.to_owned(), scene.to_owned());
        self.call(move |conn, _now| {
            let counts = conn
                .query_row(
                    "SELECT scans, subscribes, unsubscribes FROM registry_scenes
                     WHERE account = ?1 AND scene = ?2",
                    params![account, scene],
                    |row| {
                        Ok(SceneCounts {
                            scans: to_u64(row.get(0)?),
                            subscribes: to_u64(row.get(1)?),
                            unsubscribes: to_u64(row.get(2)?),
                        })
                    },
                )
                .optional()?;
            Ok(counts.unwrap_or_default())
        })
        .await
    }

    async fn claim_idempotency_key(
        &self,
        account: &str,
        key: &str,
        ttl: Duration,
    ) -> Result<Claim, RegistryError> {
        let (account, key, ttl) = (account.to_owned(), key.to_owned(), ttl_ms(ttl));
        let this = self.clone();
        self.call(move |conn, now| {
            this.purge_if_due(conn, now);
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let claimed = tx.execute(
                "INSERT INTO registry_idempotency (account, key, result, ttl_ms, expires_at_ms)
                 VALUES (?1, ?2, NULL, ?3, ?4)
                 ON CONFLICT (account, key) DO UPDATE
                 SET result = NULL, ttl_ms = excluded.ttl_ms, expires_at_ms = excluded.expires_at_ms
                 WHERE registry_idempotency.expires_at_ms <= ?5",
                params![account, key, ttl, now.saturating_add(ttl), now],
            )? == 1;
            let claim = if claimed {
                Claim::Claimed
            } else {
                let result: Option<String> = tx.query_row(
                    "SELECT result FROM registry_idempotency WHERE account = ?1 AND key = ?2",
                    params![account, key],
                    |row| row.get(0),
                )?;
                result.map_or(Claim::InFlight, Claim::Done)
            };
            tx.commit()?;
            Ok(claim)
        })
        .await
    }

    async fn complete_idempotency_key(
        &self,
        account: &str,
        key: &str,
        result: &str,
    ) -> Result<(), RegistryError> {
        let (account, key, result) = (account.to_owned(), key.to_owned(), result.to_owned());
        self.call(move |conn, now| {
            let updated = conn.execute(
                "UPDATE registry_idempotency SET result = ?3, expires_at_ms = ?4 + ttl_ms
                 WHERE account = ?1 AND key = ?2 AND result IS NULL AND expires_at_ms > ?4",
                params![account, key, result, now],
            )?;
            if updated == 0 {
                return Err(not_claimed());
            }
            Ok(())
        })
        .await
    }

    async fn release_idempotency_key(
        &self,
        account: &str,
        key: &str,
    ) -> Result<bool, RegistryError> {
        let (account, key) = (account.to_owned(), key.to_owned());
        self.call(move |conn, now| {
            let deleted = conn.execute(
                "DELETE FROM registry_idempotency
                 WHERE account = ?1 AND key = ?2 AND result IS NULL AND expires_at_ms > ?3",
                params![account, key, now],
            )?;
            Ok(deleted == 1)
        })
        .await
    }

    async fn save_sync_progress(
        &self,
        account: &str,
        progress: &SyncProgress,
    ) -> Result<(), RegistryError> {
        let (account, progress) = (account.to_owned(), progress.clone());
        let imported = i64::try_from(progress.imported).unwrap_or(i64::MAX);
        self.call(move |conn, now| {
            conn.execute(
                "INSERT INTO registry_sync (account, cursor, imported, updated_at_ms)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account) DO UPDATE SET cursor = excluded.cursor,
                     imported = excluded.imported, updated_at_ms = excluded.updated_at_ms",
                params![account, progress.cursor, imported, now],
            )?;
            Ok(())
        })
        .await
    }

    async fn load_sync_progress(
        &self,
        account: &str,
    ) -> Result<Option<SyncProgress>, RegistryError> {
        let account = account.to_owned();
        self.call(move |conn, _now| {
            Ok(conn
                .query_row(
                    "SELECT cursor, imported FROM registry_sync WHERE account = ?1",
                    params![account],
                    |row| {
                        Ok(SyncProgress {
                            cursor: row.get(0)?,
                            imported: to_u64(row.get(1)?),
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    async fn clear_sync_progress(&self, account: &str) -> Result<bool, RegistryError> {
        let account = account.to_owned();
        self.call(move |conn, _now| {
            let deleted = conn.execute(
                "DELETE FROM registry_sync WHERE account = ?1",
                params![account],
            )?;
            Ok(deleted == 1)
        })
        .await
    }
}

/// Why a blocking call failed.
enum Failure {
    Sql(rusqlite::Error),
    Registry(RegistryError),
}

impl From<rusqlite::Error> for Failure {
    fn from(error: rusqlite::Error) -> Self {
        Self::Sql(error)
    }
}

impl From<RegistryError> for Failure {
    fn from(error: RegistryError) -> Self {
        Self::Registry(error)
    }
}

impl Failure {
    fn into_registry_error(self) -> RegistryError {
        match self {
            Self::Sql(error) => sql_error(error),
            Self::Registry(error) => error,
        }
    }
}

fn not_claimed() -> Failure {
    Failure::Registry(RegistryError::InvalidArgument(
        "the idempotency key is not claimed (never claimed, expired, released or completed)"
            .to_owned(),
    ))
}

/// Records a push; `false` if it was recorded before.
fn insert_event(
    conn: &Connection,
    account: &str,
    push: &Push,
    kind: EventKind,
    scene: Option<&str>,
    now: i64,
) -> rusqlite::Result<bool> {
    let inserted = conn.execute(
        "INSERT INTO registry_events (account, openid, kind, push_key, scene, create_time,
             recorded_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (account, openid, kind, push_key) DO NOTHING",
        params![
            account,
            push.openid,
            kind.as_str(),
            push.key(),
            scene,
            push.create_time,
            now
        ],
    )?;
    Ok(inserted == 1)
}

/// Adds one to a funnel figure; `column` is one of ours, never input.
fn bump_scene(
    conn: &Connection,
    account: &str,
    scene: &str,
    column: &'static str,
) -> rusqlite::Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO registry_scenes (account, scene, {column}) VALUES (?1, ?2, 1)
             ON CONFLICT (account, scene) DO UPDATE SET {column} = registry_scenes.{column} + 1"
        ),
        params![account, scene],
    )?;
    Ok(())
}

fn select_follower(
    conn: &Connection,
    account: &str,
    openid: &str,
) -> rusqlite::Result<Option<Follower>> {
    let sql =
        format!("SELECT {COLUMNS} FROM registry_followers WHERE account = ?1 AND openid = ?2");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![account, openid], follower_row)
        .optional()?
        .map(|(_, follower)| follower))
}

/// Reads a row of [`COLUMNS`]: the sequence number and the follower.
fn follower_row(row: &Row<'_>) -> rusqlite::Result<(i64, Follower)> {
    let tags: String = row.get(7)?;
    let tags = decode_tags(&tags).map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(error))
    })?;
    Ok((
        row.get(0)?,
        Follower {
            openid: row.get(1)?,
            unionid: row.get(2)?,
            subscribed: row.get(3)?,
            subscribe_time: row.get(4)?,
            subscribe_scene: row.get(5)?,
            qr_scene: row.get(6)?,
            tags,
            remark: row.get(8)?,
            first_seen_ms: row.get(9)?,
            updated_at_ms: row.get(10)?,
            unsubscribed_at_ms: row.get(11)?,
        },
    ))
}

/// Applies the migrations the file lacks, or refuses a file from a newer wxgate.
fn migrate(conn: &mut Connection) -> Result<(), RegistryError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql_error)?;
    tx.execute(
        "CREATE TABLE IF NOT EXISTS registry_schema (version INTEGER NOT NULL)",
        [],
    )
    .map_err(sql_error)?;
    let current: i64 = tx
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM registry_schema",
            [],
            |row| row.get(0),
        )
        .map_err(sql_error)?;
    for (version, sql) in migrations::pending(migrations::SQLITE, current, "sqlite")? {
        tx.execute_batch(sql).map_err(sql_error)?;
        tx.execute(
            "INSERT INTO registry_schema (version) VALUES (?1)",
            params![version],
        )
        .map_err(sql_error)?;
    }
    tx.commit().map_err(sql_error)
}

/// The wall clock in unix milliseconds (0 if the clock is before 1970).
fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}

fn sql_error(error: rusqlite::Error) -> RegistryError {
    RegistryError::Backend {
        backend: "sqlite",
        message: error.to_string(),
    }
}
