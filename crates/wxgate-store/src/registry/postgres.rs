//! The registry on PostgreSQL, shared by a fleet of gateways.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{
    GenericClient, Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime, Transaction,
};
use tokio_postgres::config::SslMode;
use tokio_postgres::{NoTls, Row};

use super::migrations;
use super::{
    Claim, EventKind, Follower, FollowerEvent, FollowerFilter, FollowerPage, FollowerProfile, Push,
    Registry, RegistryError, SceneCounts, SubscribeFields, SubscribeOutcome, SyncProgress,
    check_limit, decode_cursor, decode_tags, encode_tags, into_page, tag_pattern, to_u64, ttl_ms,
};

/// How many connections a handle keeps open at most.
const POOL_SIZE: usize = 16;

/// How long a call waits for a connection (to be made, or freed by another call).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How often (at most) a handle deletes expired idempotency keys, in milliseconds.
const PURGE_INTERVAL_MS: i64 = 60_000;

/// The advisory lock that serializes migrations across processes (any stable number).
const MIGRATION_LOCK: i64 = 0x7778_6761_7465_0001;

/// The server's clock in unix ms, fixed for a transaction.
macro_rules! now_ms {
    () => {
        "(extract(epoch from now()) * 1000)::bigint"
    };
}

macro_rules! columns {
    () => {
        "seq, openid, unionid, subscribed, subscribe_time, subscribe_scene, qr_scene, tags, \
         remark, first_seen_ms, updated_at_ms, unsubscribed_at_ms"
    };
}

/// A [`Registry`] in a PostgreSQL database (feature `postgres`), for gateways that share it.
///
/// - **Connections.** A pool of up to 16 connections per handle (clones share it), made on
///   demand; a call waits up to 10 s for one. TLS is not supported yet: connections are plain
///   TCP (or a Unix socket), so keep the database on a private network or tunnel it, and a
///   URL with `sslmode=require` is refused.
/// - **Schema.** Tables `registry_*`, with the schema version in `registry_schema`, in the
///   connection's `search_path` (normally `public`), or in a schema of their own with
///   [`PostgresRegistry::connect_in_schema`]. Opening applies missing migrations in one
///   transaction, under an advisory lock so that gateways starting together migrate once.
/// - **Time** comes from the server's clock, the same for every gateway.
#[derive(Clone)]
pub struct PostgresRegistry {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    /// Host, port, database and schema, for `Debug` (never the password).
    target: String,
    /// When this handle last deleted expired idempotency keys (unix ms, host clock).
    last_purge: AtomicI64,
}

impl PostgresRegistry {
    /// Connects to the database `url` names (`postgres://USER[:PASSWORD]@HOST[:PORT]/DB`) and
    /// migrates its registry tables.
    ///
    /// # Errors
    ///
    /// [`RegistryError::InvalidUrl`] for a malformed URL or one asking for TLS;
    /// [`RegistryError::Backend`] if the database cannot be reached or refuses the login;
    /// [`RegistryError::SchemaTooNew`] if a newer wxgate migrated it. No error text contains
    /// the password.
    pub async fn connect(url: &str) -> Result<Self, RegistryError> {
        Self::connect_with(url, None).await
    }

    /// Like [`PostgresRegistry::connect`], with the tables in `schema` (created if needed):
    /// several registries (tests, staging) can then share one database.
    ///
    /// # Errors
    ///
    /// As [`PostgresRegistry::connect`], and [`RegistryError::InvalidArgument`] for a schema
    /// name that is not lowercase ASCII letters, digits and `_` (starting with a letter or `_`).
    pub async fn connect_in_schema(url: &str, schema: &str) -> Result<Self, RegistryError> {
        let valid = schema.len() <= 63
            && schema.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && schema
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return Err(RegistryError::InvalidArgument(format!(
                "`{schema}` is not a schema name this registry accepts \
                 (lowercase ASCII letters, digits and _)"
            )));
        }
        Self::connect_with(url, Some(schema)).await
    }

    async fn connect_with(url: &str, schema: Option<&str>) -> Result<Self, RegistryError> {
        let secret = Secret::of(url);
        let mut config = tokio_postgres::Config::from_str(url.trim()).map_err(|error| {
            RegistryError::InvalidUrl(secret.scrub(&format!("the PostgreSQL url: {error}")))
        })?;
        if config.get_ssl_mode() == SslMode::Require {
            return Err(RegistryError::InvalidUrl(
                "sslmode=require: this build of wxgate-store connects to PostgreSQL without TLS"
                    .to_owned(),
            ));
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if let Some(schema) = schema {
            let options = config.get_options().unwrap_or_default();
            config.options(format!("{options} -c search_path={schema}").trim());
        }
        let target = describe(&config, schema);
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|error| RegistryError::Backend {
                backend: "postgres",
                message: format!("building the connection pool: {error}"),
            })?;
        let registry = Self {
            inner: Arc::new(Inner {
                pool,
                target,
                last_purge: AtomicI64::new(0),
            }),
        };
        registry
            .migrate(schema)
            .await
            .map_err(|error| scrub_error(error, &secret))?;
        Ok(registry)
    }

    /// Applies the migrations the database lacks, or refuses one from a newer wxgate.
    async fn migrate(&self, schema: Option<&str>) -> Result<(), RegistryError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_error)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(pg_error)?;
        if let Some(schema) = schema {
            tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .await
                .map_err(pg_error)?;
        }
        tx.batch_execute("CREATE TABLE IF NOT EXISTS registry_schema (version BIGINT NOT NULL)")
            .await
            .map_err(pg_error)?;
        let current: i64 = tx
            .query_one("SELECT COALESCE(MAX(version), 0) FROM registry_schema", &[])
            .await
            .map_err(pg_error)?
            .get(0);
        for (version, sql) in migrations::pending(migrations::POSTGRES, current, "postgres")? {
            tx.batch_execute(sql).await.map_err(pg_error)?;
            tx.execute(
                "INSERT INTO registry_schema (version) VALUES ($1)",
                &[&version],
            )
            .await
            .map_err(pg_error)?;
        }
        tx.commit().await.map_err(pg_error)
    }

    async fn client(&self) -> Result<deadpool_postgres::Client, RegistryError> {
        self.inner.pool.get().await.map_err(|error| match error {
            PoolError::Backend(error) => pg_error(error),
            PoolError::Timeout(_) => RegistryError::Backend {
                backend: "postgres",
                message: format!(
                    "no database connection within {} s",
                    CONNECT_TIMEOUT.as_secs()
                ),
            },
            other => RegistryError::Backend {
                backend: "postgres",
                message: other.to_string(),
            },
        })
    }

    /// Deletes expired idempotency keys if this handle has not done so for a while.
    async fn purge_if_due(&self, client: &deadpool_postgres::Client) {
        let now = host_now_ms();
        let last = self.inner.last_purge.load(Ordering::Relaxed);
        if now - last >= PURGE_INTERVAL_MS {
            self.inner.last_purge.store(now, Ordering::Relaxed);
            let purged = client
                .execute(
                    concat!(
                        "DELETE FROM registry_idempotency WHERE expires_at_ms <= ",
                        now_ms!()
                    ),
                    &[],
                )
                .await;
            if let Err(error) = purged {
                tracing::debug!(%error, "postgres registry: purging expired keys failed");
            }
        }
    }
}

impl fmt::Debug for PostgresRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresRegistry")
            .field("target", &self.inner.target)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Registry for PostgresRegistry {
    async fn upsert_follower(
        &self,
        account: &str,
        profile: &FollowerProfile,
    ) -> Result<Follower, RegistryError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(concat!(
                "INSERT INTO registry_followers (account, openid, unionid, subscribed,
                     subscribe_time, subscribe_scene, qr_scene, tags, remark, first_seen_ms,
                     updated_at_ms, unsubscribed_at_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, ",
                now_ms!(),
                ", ",
                now_ms!(),
                ", CASE WHEN $4 THEN NULL ELSE ",
                now_ms!(),
                " END)
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
                 RETURNING ",
                columns!()
            ))
            .await
            .map_err(pg_error)?;
        let row = client
            .query_one(
                &statement,
                &[
                    &account,
                    &profile.openid,
                    &profile.unionid,
                    &profile.subscribed,
                    &profile.subscribe_time,
                    &profile.subscribe_scene,
                    &profile.qr_scene,
                    &encode_tags(&profile.tags),
                    &profile.remark,
                ],
            )
            .await
            .map_err(pg_error)?;
        Ok(follower_row(&row)?.1)
    }

    async fn record_subscribe(
        &self,
        account: &str,
        push: &Push,
        scene: Option<&str>,
        profile: Option<&FollowerProfile>,
    ) -> Result<SubscribeOutcome, RegistryError> {
        let fields = SubscribeFields::new(push, scene, profile);
        let client = self.client().await?;
        // One statement (one round trip, atomic): the event, and only if it is new, the
        // follower and the scene's figure. A concurrent statement recording the same push
        // waits for this one, then sees the conflict.
        let statement = client
            .prepare_cached(concat!(
                "WITH new_event AS (
                     INSERT INTO registry_events (account, openid, kind, push_key, scene,
                         create_time, recorded_at_ms)
                     VALUES ($1::text, $2::text, 'subscribe', $10::text, $6::text, $11::bigint, ",
                now_ms!(),
                ")
                     ON CONFLICT (account, openid, kind, push_key) DO NOTHING
                     RETURNING 1
                 ), new_follower AS (
                     INSERT INTO registry_followers (account, openid, unionid, subscribed,
                         subscribe_time, subscribe_scene, qr_scene, tags, remark, first_seen_ms,
                         updated_at_ms, unsubscribed_at_ms)
                     SELECT $1::text, $2::text, $3::text, TRUE, $4::bigint, $5::text, $6::text,
                         $7::text, $8::text, ",
                now_ms!(),
                ", ",
                now_ms!(),
                ", NULL
                     WHERE EXISTS (SELECT 1 FROM new_event)
                     ON CONFLICT (account, openid) DO UPDATE SET
                         unionid = COALESCE(excluded.unionid, registry_followers.unionid),
                         subscribed = TRUE,
                         subscribe_time = excluded.subscribe_time,
                         subscribe_scene = excluded.subscribe_scene,
                         qr_scene = excluded.qr_scene,
                         tags = CASE WHEN $9::boolean THEN excluded.tags
                             ELSE registry_followers.tags END,
                         remark = CASE WHEN $9::boolean THEN excluded.remark
                             ELSE registry_followers.remark END,
                         updated_at_ms = excluded.updated_at_ms,
                         unsubscribed_at_ms = NULL
                     RETURNING ",
                columns!(),
                "
                 ), new_count AS (
                     INSERT INTO registry_scenes (account, scene, subscribes)
                     SELECT $1::text, $6::text, 1
                     WHERE $6::text IS NOT NULL AND EXISTS (SELECT 1 FROM new_event)
                     ON CONFLICT (account, scene)
                     DO UPDATE SET subscribes = registry_scenes.subscribes + 1
                 )
                 SELECT * FROM new_follower"
            ))
            .await
            .map_err(pg_error)?;
        let row = client
            .query_opt(
                &statement,
                &[
                    &account,
                    &push.openid,
                    &fields.unionid,
                    &fields.subscribe_time,
                    &fields.subscribe_scene,
                    &fields.scene,
                    &fields.tags,
                    &fields.remark,
                    &fields.has_profile,
                    &push.key(),
                    &push.create_time,
                ],
            )
            .await
            .map_err(pg_error)?;
        if let Some(row) = row {
            return Ok(SubscribeOutcome {
                recorded: true,
                follower: follower_row(&row)?.1,
            });
        }
        let follower = select_follower(&client, account, &push.openid)
            .await?
            .ok_or_else(|| {
                RegistryError::Corrupt("a recorded subscribe has no follower".to_owned())
            })?;
        Ok(SubscribeOutcome {
            recorded: false,
            follower,
        })
    }

    async fn record_unsubscribe(&self, account: &str, push: &Push) -> Result<bool, RegistryError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_error)?;
        if !insert_event(&tx, account, push, EventKind::Unsubscribe, None).await? {
            return Ok(false);
        }
        let left = tx
            .query_opt(
                concat!(
                    "UPDATE registry_followers
                     SET subscribed = FALSE, unsubscribed_at_ms = ",
                    now_ms!(),
                    ", updated_at_ms = ",
                    now_ms!(),
                    " WHERE account = $1 AND openid = $2 AND subscribed
                     RETURNING qr_scene"
                ),
                &[&account, &push.openid],
            )
            .await
            .map_err(pg_error)?
            .map(|row| row.try_get::<_, Option<String>>(0))
            .transpose()
            .map_err(pg_error)?;
        match left {
            Some(Some(scene)) => {
                count_unsubscribe(&tx, account, &scene).await?;
                tx.execute(
                    "UPDATE registry_events SET scene = $4
                     WHERE account = $1 AND openid = $2 AND kind = 'unsubscribe'
                       AND push_key = $3",
                    &[&account, &push.openid, &push.key(), &scene],
                )
                .await
                .map_err(pg_error)?;
            }
            Some(None) => {}
            None => {
                tx.execute(
                    concat!(
                        "INSERT INTO registry_followers (account, openid, subscribed,
                             first_seen_ms, updated_at_ms, unsubscribed_at_ms)
                         VALUES ($1, $2, FALSE, ",
                        now_ms!(),
                        ", ",
                        now_ms!(),
                        ", ",
                        now_ms!(),
                        ") ON CONFLICT (account, openid) DO NOTHING"
                    ),
                    &[&account, &push.openid],
                )
                .await
                .map_err(pg_error)?;
            }
        }
        tx.commit().await.map_err(pg_error)?;
        Ok(true)
    }

    async fn record_scan(
        &self,
        account: &str,
        push: &Push,
        scene: &str,
    ) -> Result<bool, RegistryError> {
        let client = self.client().await?;
        // One statement: the event, and only if it is new, the figure.
        let statement = client
            .prepare_cached(concat!(
                "WITH new_event AS (
                     INSERT INTO registry_events (account, openid, kind, push_key, scene,
                         create_time, recorded_at_ms)
                     VALUES ($1::text, $2::text, 'scan', $3::text, $4::text, $5::bigint, ",
                now_ms!(),
                ")
                     ON CONFLICT (account, openid, kind, push_key) DO NOTHING
                     RETURNING 1
                 )
                 INSERT INTO registry_scenes (account, scene, scans)
                 SELECT $1::text, $4::text, 1 WHERE EXISTS (SELECT 1 FROM new_event)
                 ON CONFLICT (account, scene) DO UPDATE SET scans = registry_scenes.scans + 1"
            ))
            .await
            .map_err(pg_error)?;
        let counted = client
            .execute(
                &statement,
                &[
                    &account,
                    &push.openid,
                    &push.key(),
                    &scene,
                    &push.create_time,
                ],
            )
            .await
            .map_err(pg_error)?;
        Ok(counted == 1)
    }

    async fn follower(
        &self,
        account: &str,
        openid: &str,
    ) -> Result<Option<Follower>, RegistryError> {
        let client = self.client().await?;
        select_follower(&client, account, openid).await
    }

    async fn follower_events(
        &self,
        account: &str,
        openid: &str,
    ) -> Result<Vec<FollowerEvent>, RegistryError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT kind, scene, create_time, recorded_at_ms FROM registry_events
                 WHERE account = $1 AND openid = $2 ORDER BY seq",
                &[&account, &openid],
            )
            .await
            .map_err(pg_error)?;
        rows.iter()
            .map(|row| {
                Ok(FollowerEvent {
                    kind: EventKind::parse(row.try_get(0).map_err(pg_error)?)?,
                    scene: row.try_get(1).map_err(pg_error)?,
                    create_time: row.try_get(2).map_err(pg_error)?,
                    recorded_at_ms: row.try_get(3).map_err(pg_error)?,
                })
            })
            .collect()
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
        let client = self.client().await?;
        let statement = client
            .prepare_cached(concat!(
                "SELECT ",
                columns!(),
                " FROM registry_followers
                 WHERE account = $1 AND seq > $2
                   AND ($3::text IS NULL OR qr_scene = $3)
                   AND ($4::boolean IS NULL OR subscribed = $4)
                   AND ($5::text IS NULL OR tags LIKE $5)
                 ORDER BY seq LIMIT $6"
            ))
            .await
            .map_err(pg_error)?;
        let rows = client
            .query(
                &statement,
                &[
                    &account,
                    &after,
                    &filter.scene,
                    &filter.subscribed,
                    &filter.tag.map(tag_pattern),
                    &(limit + 1),
                ],
            )
            .await
            .map_err(pg_error)?;
        let mut page = rows
            .iter()
            .map(follower_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(into_page(&mut page, limit))
    }

    async fn count_followers(
        &self,
        account: &str,
        filter: &FollowerFilter,
    ) -> Result<u64, RegistryError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT COUNT(*) FROM registry_followers
                 WHERE account = $1
                   AND ($2::text IS NULL OR qr_scene = $2)
                   AND ($3::boolean IS NULL OR subscribed = $3)
                   AND ($4::text IS NULL OR tags LIKE $4)",
                &[
                    &account,
                    &filter.scene,
                    &filter.subscribed,
                    &filter.tag.map(tag_pattern),
                ],
            )
            .await
            .map_err(pg_error)?;
        Ok(to_u64(row.try_get(0).map_err(pg_error)?))
    }

    async fn scene_counts(&self, account: &str, scene: &str) -> Result<SceneCounts, RegistryError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT scans, subscribes, unsubscribes FROM registry_scenes
                 WHERE account = $1 AND scene = $2",
                &[&account, &scene],
            )
            .await
            .map_err(pg_error)?;
        let Some(row) = row else {
            return Ok(SceneCounts::default());
        };
        Ok(SceneCounts {
            scans: to_u64(row.try_get(0).map_err(pg_error)?),
            subscribes: to_u64(row.try_get(1).map_err(pg_error)?),
            unsubscribes: to_u64(row.try_get(2).map_err(pg_error)?),
        })
    }

    async fn claim_idempotency_key(
        &self,
        account: &str,
        key: &str,
        ttl: Duration,
    ) -> Result<Claim, RegistryError> {
        let ttl = ttl_ms(ttl);
        let client = self.client().await?;
        self.purge_if_due(&client).await;
        // The upsert takes a free or expired key; if it did not, the key is held or done. A
        // key purged between the two statements is free again: try once more.
        for _ in 0..3 {
            let claimed = client
                .query_opt(
                    concat!(
                        "INSERT INTO registry_idempotency (account, key, result, ttl_ms,
                             expires_at_ms)
                         VALUES ($1, $2, NULL, $3, ",
                        now_ms!(),
                        " + $3)
                         ON CONFLICT (account, key) DO UPDATE
                         SET result = NULL, ttl_ms = excluded.ttl_ms,
                             expires_at_ms = excluded.expires_at_ms
                         WHERE registry_idempotency.expires_at_ms <= ",
                        now_ms!(),
                        " RETURNING 1"
                    ),
                    &[&account, &key, &ttl],
                )
                .await
                .map_err(pg_error)?;
            if claimed.is_some() {
                return Ok(Claim::Claimed);
            }
            let held = client
                .query_opt(
                    "SELECT result FROM registry_idempotency WHERE account = $1 AND key = $2",
                    &[&account, &key],
                )
                .await
                .map_err(pg_error)?;
            if let Some(row) = held {
                let result: Option<String> = row.try_get(0).map_err(pg_error)?;
                return Ok(result.map_or(Claim::InFlight, Claim::Done));
            }
        }
        Err(RegistryError::Backend {
            backend: "postgres",
            message: "the idempotency key kept changing while it was claimed".to_owned(),
        })
    }

    async fn complete_idempotency_key(
        &self,
        account: &str,
        key: &str,
        result: &str,
    ) -> Result<(), RegistryError> {
        let client = self.client().await?;
        let updated = client
            .execute(
                concat!(
                    "UPDATE registry_idempotency SET result = $3, expires_at_ms = ",
                    now_ms!(),
                    " + ttl_ms
                     WHERE account = $1 AND key = $2 AND result IS NULL AND expires_at_ms > ",
                    now_ms!()
                ),
                &[&account, &key, &result],
            )
            .await
            .map_err(pg_error)?;
        if updated == 0 {
            return Err(RegistryError::InvalidArgument(
                "the idempotency key is not claimed (never claimed, expired, released or \
                 completed)"
                    .to_owned(),
            ));
        }
        Ok(())
    }

    async fn release_idempotency_key(
        &self,
        account: &str,
        key: &str,
    ) -> Result<bool, RegistryError> {
        let client = self.client().await?;
        let deleted = client
            .execute(
                concat!(
                    "DELETE FROM registry_idempotency
                     WHERE account = $1 AND key = $2 AND result IS NULL AND expires_at_ms > ",
                    now_ms!()
                ),
                &[&account, &key],
            )
            .await
            .map_err(pg_error)?;
        Ok(deleted == 1)
    }

    async fn save_sync_progress(
        &self,
        account: &str,
        progress: &SyncProgress,
    ) -> Result<(), RegistryError> {
        let imported = i64::try_from(progress.imported).unwrap_or(i64::MAX);
        let client = self.client().await?;
        client
            .execute(
                concat!(
                    "INSERT INTO registry_sync (account, cursor, imported, updated_at_ms)
                     VALUES ($1, $2, $3, ",
                    now_ms!(),
                    ") ON CONFLICT (account) DO UPDATE SET cursor = excluded.cursor,
                         imported = excluded.imported, updated_at_ms = excluded.updated_at_ms"
                ),
                &[&account, &progress.cursor, &imported],
            )
            .await
            .map_err(pg_error)?;
        Ok(())
    }

    async fn load_sync_progress(
        &self,
        account: &str,
    ) -> Result<Option<SyncProgress>, RegistryError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT cursor, imported FROM registry_sync WHERE account = $1",
                &[&account],
            )
            .await
            .map_err(pg_error)?;
        row.map(|row| {
            Ok(SyncProgress {
                cursor: row.try_get(0).map_err(pg_error)?,
                imported: to_u64(row.try_get(1).map_err(pg_error)?),
            })
        })
        .transpose()
    }

    async fn clear_sync_progress(&self, account: &str) -> Result<bool, RegistryError> {
        let client = self.client().await?;
        let deleted = client
            .execute("DELETE FROM registry_sync WHERE account = $1", &[&account])
            .await
            .map_err(pg_error)?;
        Ok(deleted == 1)
    }
}

/// Records a push; `false` if it was recorded before. A concurrent transaction recording the
/// same push makes this one wait for it, then see the conflict.
async fn insert_event(
    tx: &Transaction<'_>,
    account: &str,
    push: &Push,
    kind: EventKind,
    scene: Option<&str>,
) -> Result<bool, RegistryError> {
    let inserted = tx
        .execute(
            concat!(
                "INSERT INTO registry_events (account, openid, kind, push_key, scene,
                     create_time, recorded_at_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, ",
                now_ms!(),
                ") ON CONFLICT (account, openid, kind, push_key) DO NOTHING"
            ),
            &[
                &account,
                &push.openid,
                &kind.as_str(),
                &push.key(),
                &scene,
                &push.create_time,
            ],
        )
        .await
        .map_err(pg_error)?;
    Ok(inserted == 1)
}

/// Adds one to a scene's `unsubscribes`, in one statement (exact under concurrency).
async fn count_unsubscribe(
    tx: &Transaction<'_>,
    account: &str,
    scene: &str,
) -> Result<(), RegistryError> {
    tx.execute(
        "INSERT INTO registry_scenes (account, scene, unsubscribes) VALUES ($1, $2, 1)
         ON CONFLICT (account, scene)
         DO UPDATE SET unsubscribes = registry_scenes.unsubscribes + 1",
        &[&account, &scene],
    )
    .await
    .map_err(pg_error)?;
    Ok(())
}

async fn select_follower(
    tx: &impl GenericClient,
    account: &str,
    openid: &str,
) -> Result<Option<Follower>, RegistryError> {
    let statement = tx
        .prepare_cached(concat!(
            "SELECT ",
            columns!(),
            " FROM registry_followers WHERE account = $1 AND openid = $2"
        ))
        .await
        .map_err(pg_error)?;
    let row = tx
        .query_opt(&statement, &[&account, &openid])
        .await
        .map_err(pg_error)?;
    row.map(|row| follower_row(&row).map(|(_, follower)| follower))
        .transpose()
}

/// Reads a row of `columns!()`: the sequence number and the follower.
fn follower_row(row: &Row) -> Result<(i64, Follower), RegistryError> {
    let tags: String = row.try_get(7).map_err(pg_error)?;
    Ok((
        row.try_get(0).map_err(pg_error)?,
        Follower {
            openid: row.try_get(1).map_err(pg_error)?,
            unionid: row.try_get(2).map_err(pg_error)?,
            subscribed: row.try_get(3).map_err(pg_error)?,
            subscribe_time: row.try_get(4).map_err(pg_error)?,
            subscribe_scene: row.try_get(5).map_err(pg_error)?,
            qr_scene: row.try_get(6).map_err(pg_error)?,
            tags: decode_tags(&tags)?,
            remark: row.try_get(8).map_err(pg_error)?,
            first_seen_ms: row.try_get(9).map_err(pg_error)?,
            updated_at_ms: row.try_get(10).map_err(pg_error)?,
            unsubscribed_at_ms: row.try_get(11).map_err(pg_error)?,
        },
    ))
}

/// `user@host:port/db` (and the schema), for `Debug` and nothing secret.
fn describe(config: &tokio_postgres::Config, schema: Option<&str>) -> String {
    use tokio_postgres::config::Host;
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|host| match host {
            Host::Tcp(name) => name.clone(),
            Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
    let mut text = format!(
        "{}@{}:{}/{}",
        config.get_user().unwrap_or(""),
        hosts.join(","),
        ports.join(","),
        config.get_dbname().unwrap_or("")
    );
    if let Some(schema) = schema {
        text.push_str(&format!(" schema {schema}"));
    }
    text
}

/// The password of a URL, in the forms an error message might repeat, to scrub them.
struct Secret(Vec<String>);

impl Secret {
    fn of(url: &str) -> Self {
        let authority = url
            .split_once("://")
            .map_or(url, |(_, rest)| rest.split('/').next().unwrap_or(rest));
        let mut forms = Vec::new();
        if let Some((userinfo, _)) = authority.rsplit_once('@')
            && let Some((_, password)) = userinfo.split_once(':')
            && !password.is_empty()
        {
            forms.push(password.to_owned());
            forms.push(percent_decode(password));
        }
        // `password=` in the query string.
        for pair in url.split(['?', '&']).skip(1) {
            if let Some(password) = pair.strip_prefix("password=")
                && !password.is_empty()
            {
                forms.push(password.to_owned());
                forms.push(percent_decode(password));
            }
        }
        forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
        forms.dedup();
        Self(forms)
    }

    fn scrub(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for form in &self.0 {
            if !form.is_empty() {
                text = text.replace(form.as_str(), "***");
            }
        }
        text
    }
}

fn scrub_error(error: RegistryError, secret: &Secret) -> RegistryError {
    match error {
        RegistryError::Backend { backend, message } => RegistryError::Backend {
            backend,
            message: secret.scrub(&message),
        },
        RegistryError::InvalidUrl(message) => RegistryError::InvalidUrl(secret.scrub(&message)),
        other => other,
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn pg_error(error: tokio_postgres::Error) -> RegistryError {
    let message = match error.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            let mut message = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            message
        }
    };
    RegistryError::Backend {
        backend: "postgres",
        message,
    }
}

/// The host's clock in unix ms, to pace purges (not to decide expiry).
fn host_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}

#[cfg(test)]
mod tests {
    use super::{Secret, percent_decode};

    #[test]
    fn secrets_are_scrubbed_in_every_form() {
        let secret = Secret::of("postgres://u:p%40ss%3Aw@h/db?password=other");
        let scrubbed = secret.scrub("p%40ss%3Aw p@ss:w other");
        assert_eq!(scrubbed, "*** *** ***");
        assert_eq!(Secret::of("postgres://u@h/db").scrub("u@h"), "u@h");
        assert_eq!(percent_decode("a%2fb%zz%"), "a/b%zz%");
    }
}
