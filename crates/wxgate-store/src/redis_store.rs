//! Redis backend: one Redis (or Redis Cluster-ready key layout) shared by a fleet.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, ErrorKind, RedisError, Script, Value};

use crate::{DeadJob, Job, JobId, Store, StoreError, delay_millis, ttl_millis};

/// How long connecting to Redis may take before an attempt fails.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(1);

/// How long one command may wait for its answer: short, so an outage is reported as a store
/// error within a second or two instead of stalling every request behind it.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(1);

/// After a failed first connection, calls fail at once for this long with the same error
/// instead of each trying to connect again.
const CONNECT_PAUSE: Duration = Duration::from_millis(500);

/// A [`Store`] in Redis (feature `redis`), shared by every process that opens the same server.
///
/// # Connection
///
/// One multiplexed connection per store (redis-rs's `ConnectionManager`): clones share it,
/// calls are pipelined on it, and it reconnects by itself after a failure (the failing call
/// returns [`StoreError::Backend`]). Connecting takes at most 1 s and a command's answer at
/// most 1 s, so a Redis outage shows as quick errors. A store made with
/// [`RedisStore::open_lazy`] connects on first use, so it can be made while Redis is down.
/// Only plain TCP is built in: `rediss://` is refused.
///
/// # Atomicity and time
///
/// Every read-modify-write (compare-and-set/-delete, leases, every queue operation) is one Lua
/// script, so it is atomic on the server. TTLs are sent in milliseconds (`PX`). Due times of
/// jobs come from the Redis server's own clock (`TIME` inside the scripts), so hosts with
/// skewed clocks still agree on which job is due.
///
/// # Key layout
///
/// Every key starts with the store's key prefix ([`RedisStore::with_key_prefix`], empty by
/// default), written `P` below:
///
/// | data | key | type |
/// |---|---|---|
/// | value or lease `K` | `P` + `K` | string (a lease holds its owner), with a `PX` expiry |
/// | queue `N`: payloads | `P{q:N}:jobs` | hash id → payload |
/// | queue `N`: waiting and claimed jobs | `P{q:N}:ready` | sorted set id → due time (unix ms) |
/// | queue `N`: claim counts | `P{q:N}:attempts` | hash id → attempts |
/// | queue `N`: claimed ids | `P{q:N}:claimed` | set |
/// | queue `N`: id counter | `P{q:N}:seq` | string (`INCR`) |
/// | queue `N`: buried ids, oldest first | `P{q:N}:dead` | list |
/// | queue `N`: burial reasons | `P{q:N}:reasons` | hash id → reason |
///
/// A claimed job stays in `ready` with its lease end as due time, so an expired claim is simply
/// due again. Buried jobs keep their payload and attempts in `jobs`/`attempts`. Job ids are
/// the counter zero-padded to 20 digits, so jobs due in the same millisecond are claimed in
/// push order.
///
/// **Redis Cluster:** all keys of a queue share the hash tag `{q:N}` (Redis hashes only the
/// text between the first `{` and the next `}`), so each queue script touches one hash slot;
/// value and lease scripts touch one key. Keep `{` and `}` out of the key prefix, and put a
/// hash tag in your own keys if you want them co-located (`wxgate:{main}:access_token`).
/// (Connecting *to* a cluster is not built in; the layout is ready for it.)
#[derive(Clone)]
pub struct RedisStore {
    conn: Arc<LazyConnection>,
    prefix: Arc<str>,
    scripts: Arc<Scripts>,
}

/// The connection, made on first use (and again after a failed first attempt).
struct LazyConnection {
    client: Client,
    manager: tokio::sync::OnceCell<ConnectionManager>,
    /// Held while connecting; the last failed attempt: when, its kind and text.
    last_failure: tokio::sync::Mutex<Option<(tokio::time::Instant, ErrorKind, String)>>,
}

impl LazyConnection {
    async fn get(&self) -> Result<ConnectionManager, StoreError> {
        if let Some(manager) = self.manager.get() {
            return Ok(manager.clone());
        }
        let mut last_failure = self.last_failure.lock().await;
        if let Some(manager) = self.manager.get() {
            return Ok(manager.clone());
        }
        if let Some((at, _, message)) = last_failure.as_ref()
            && at.elapsed() < CONNECT_PAUSE
        {
            return Err(backend(message.clone()));
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(CONNECTION_TIMEOUT)
            .set_response_timeout(RESPONSE_TIMEOUT)
            .set_number_of_retries(1)
            .set_max_delay(200);
        let attempt = tokio::time::timeout(
            CONNECTION_TIMEOUT * 3,
            ConnectionManager::new_with_config(self.client.clone(), config),
        )
        .await;
        let (kind, message) = match attempt {
            Ok(Ok(manager)) => {
                let _ = self.manager.set(manager.clone());
                *last_failure = None;
                return Ok(manager);
            }
            Ok(Err(error)) => (error.kind(), describe(&error)),
            Err(_) => (
                ErrorKind::IoError,
                format!(
                    "no connection within {} s",
                    (CONNECTION_TIMEOUT * 3).as_secs()
                ),
            ),
        };
        *last_failure = Some((tokio::time::Instant::now(), kind, message.clone()));
        Err(backend(message))
    }

    /// Whether the last failure says the server is unreachable (rather than refusing us).
    async fn unreachable(&self) -> bool {
        self.last_failure
            .lock()
            .await
            .as_ref()
            .is_some_and(|(_, kind, _)| {
                !matches!(
                    kind,
                    ErrorKind::AuthenticationFailed | ErrorKind::InvalidClientConfig
                )
            })
    }
}

impl RedisStore {
    /// Connects to the Redis server at `url`, `redis://[user:password@]host[:port][/db]`.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidUrl`] if `url` is not a plain-TCP Redis URL (`rediss://` is refused:
    /// this build has no TLS); [`StoreError::Backend`] if the server cannot be reached within a
    /// few seconds or refuses the credentials. Neither text contains the password.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use wxgate_store::RedisStore;
    ///
    /// # async fn demo() -> Result<(), wxgate_store::StoreError> {
    /// let store = RedisStore::open("redis://127.0.0.1:6379/0")
    ///     .await?
    ///     .with_key_prefix("wxgate:");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let store = Self::unconnected(url)?;
        store.conn.get().await?;
        Ok(store)
    }

    /// Like [`RedisStore::open`], but a server that cannot be reached now is no error: the
    /// store connects on first use, and until then every call fails with
    /// [`StoreError::Backend`]. A gateway started this way comes up while Redis is down and
    /// reports it on `/healthz`.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidUrl`] as [`RedisStore::open`]; [`StoreError::Backend`] if the server
    /// answers but refuses the credentials. Neither text contains the password.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), wxgate_store::StoreError> {
    /// // Nothing listens on port 1: the store is made anyway, and its calls fail until it does.
    /// let store = wxgate_store::RedisStore::open_lazy("redis://127.0.0.1:1/").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn open_lazy(url: &str) -> Result<Self, StoreError> {
        let store = Self::unconnected(url)?;
        match store.conn.get().await {
            Ok(_) => Ok(store),
            Err(error) if store.conn.unreachable().await => {
                tracing::warn!(%error, "redis is unreachable; connecting on first use");
                Ok(store)
            }
            Err(error) => Err(error),
        }
    }

    /// Checks the URL and builds the store, without connecting.
    fn unconnected(url: &str) -> Result<Self, StoreError> {
        let scheme = url
            .split_once("://")
            .map(|(scheme, _)| scheme.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("redis") => {}
            Some("rediss") => {
                return Err(StoreError::InvalidUrl(
                    "rediss:// (Redis over TLS) is not supported by this build of wxgate-store; \
                     use redis:// (e.g. through a TLS tunnel)"
                        .to_owned(),
                ));
            }
            _ => {
                return Err(StoreError::InvalidUrl(
                    "a Redis store url starts with redis://".to_owned(),
                ));
            }
        }
        let client = Client::open(url).map_err(|error| {
            StoreError::InvalidUrl(format!("bad redis url: {}", describe(&error)))
        })?;
        Ok(Self {
            conn: Arc::new(LazyConnection {
                client,
                manager: tokio::sync::OnceCell::new(),
                last_failure: tokio::sync::Mutex::new(None),
            }),
            prefix: Arc::from(""),
            scripts: Arc::new(Scripts::new()),
        })
    }

    /// Puts `prefix` in front of every key this store touches, to share one Redis database
    /// between deployments (or tests). Must not contain `{` or `}` (see the key layout).
    #[must_use]
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Arc::from(prefix.into());
        self
    }

    /// The prefix in front of every key (empty by default).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), wxgate_store::StoreError> {
    /// let store = wxgate_store::RedisStore::open("redis://127.0.0.1/").await?;
    /// assert_eq!(store.with_key_prefix("staging:").key_prefix(), "staging:");
    /// # Ok(())
    /// # }
    /// ```
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn queue_keys(&self, queue: &str) -> QueueKeys {
        let base = format!("{}{{q:{queue}}}", self.prefix);
        QueueKeys {
            jobs: format!("{base}:jobs"),
            ready: format!("{base}:ready"),
            attempts: format!("{base}:attempts"),
            claimed: format!("{base}:claimed"),
            seq: format!("{base}:seq"),
            dead: format!("{base}:dead"),
            reasons: format!("{base}:reasons"),
        }
    }

    /// Runs a queue script with the queue's keys and `args`, returning its reply.
    async fn queue_script<T>(
        &self,
        script: &Script,
        queue: &str,
        args: &[&[u8]],
    ) -> Result<T, StoreError>
    where
        T: redis::FromRedisValue,
    {
        let keys = self.queue_keys(queue);
        let mut invocation = script.prepare_invoke();
        for key in keys.all() {
            invocation.key(key);
        }
        for arg in args {
            invocation.arg(*arg);
        }
        let mut conn = self.conn.get().await?;
        invocation
            .invoke_async(&mut conn)
            .await
            .map_err(redis_error)
    }

    /// Runs a claimed-job script that answers 1 (done) or 0 (the job is not claimed).
    async fn claimed_job_script(
        &self,
        script: &Script,
        queue: &str,
        id: &JobId,
        extra: &[u8],
    ) -> Result<(), StoreError> {
        let done: i64 = self
            .queue_script(script, queue, &[id.0.as_bytes(), extra])
            .await?;
        if done == 1 {
            Ok(())
        } else {
            Err(StoreError::UnknownJob(id.clone()))
        }
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the URL: it may carry a password.
        f.debug_struct("RedisStore")
            .field("key_prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Store for RedisStore {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let mut conn = self.conn.get().await?;
        redis::cmd("GET")
            .arg(self.key(key))
            .query_async(&mut conn)
            .await
            .map_err(redis_error)
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), StoreError> {
        let mut command = redis::cmd("SET");
        command.arg(self.key(key)).arg(value);
        if let Some(ttl) = ttl {
            command.arg("PX").arg(ttl_millis(ttl));
        }
        let mut conn = self.conn.get().await?;
        command
            .query_async::<()>(&mut conn)
            .await
            .map_err(redis_error)
    }

    async fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError> {
        let mut command = redis::cmd("SET");
        command.arg(self.key(key)).arg(value).arg("NX");
        if let Some(ttl) = ttl {
            command.arg("PX").arg(ttl_millis(ttl));
        }
        let mut conn = self.conn.get().await?;
        let reply: Value = command.query_async(&mut conn).await.map_err(redis_error)?;
        Ok(!matches!(reply, Value::Nil))
    }

    async fn compare_and_set(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError> {
        let ttl = ttl
            .map(|ttl| ttl_millis(ttl).to_string())
            .unwrap_or_default();
        let mut conn = self.conn.get().await?;
        let done: i64 = self
            .scripts
            .compare_and_set
            .key(self.key(key))
            .arg(if expected.is_some() { "1" } else { "0" })
            .arg(expected.unwrap_or_default())
            .arg(value)
            .arg(ttl)
            .invoke_async(&mut conn)
            .await
            .map_err(redis_error)?;
        Ok(done == 1)
    }

    async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        let mut conn = self.conn.get().await?;
        let deleted: i64 = redis::cmd("DEL")
            .arg(self.key(key))
            .query_async(&mut conn)
            .await
            .map_err(redis_error)?;
        Ok(deleted == 1)
    }

    async fn compare_and_delete(&self, key: &str, expected: &[u8]) -> Result<bool, StoreError> {
        let mut conn = self.conn.get().await?;
        let done: i64 = self
            .scripts
            .compare_and_delete
            .key(self.key(key))
            .arg(expected)
            .invoke_async(&mut conn)
            .await
            .map_err(redis_error)?;
        Ok(done == 1)
    }

    async fn acquire_lease(
        &self,
        key: &str,
        owner: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn.get().await?;
        let held: i64 = self
            .scripts
            .acquire_lease
            .key(self.key(key))
            .arg(owner)
            .arg(ttl_millis(ttl))
            .invoke_async(&mut conn)
            .await
            .map_err(redis_error)?;
        Ok(held == 1)
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
        let delay = delay_millis(delay).to_string();
        let id: String = self
            .queue_script(&self.scripts.push, queue, &[payload, delay.as_bytes()])
            .await?;
        Ok(JobId(id))
    }

    async fn claim_job(&self, queue: &str, lease: Duration) -> Result<Option<Job>, StoreError> {
        let lease = ttl_millis(lease).to_string();
        let claimed: Option<(String, Vec<u8>, u32)> = self
            .queue_script(&self.scripts.claim, queue, &[lease.as_bytes()])
            .await?;
        Ok(claimed.map(|(id, payload, attempts)| Job {
            id: JobId(id),
            payload,
            attempts,
        }))
    }

    async fn renew_job(&self, queue: &str, job: &Job, lease: Duration) -> Result<bool, StoreError> {
        let attempts = job.attempts.to_string();
        let lease = ttl_millis(lease).to_string();
        let renewed: i64 = self
            .queue_script(
                &self.scripts.renew,
                queue,
                &[job.id.0.as_bytes(), attempts.as_bytes(), lease.as_bytes()],
            )
            .await?;
        Ok(renewed == 1)
    }

    async fn complete_job(&self, queue: &str, id: &JobId) -> Result<(), StoreError> {
        self.claimed_job_script(&self.scripts.complete, queue, id, b"")
            .await
    }

    async fn retry_job(&self, queue: &str, id: &JobId, delay: Duration) -> Result<(), StoreError> {
        let delay = delay_millis(delay).to_string();
        self.claimed_job_script(&self.scripts.retry, queue, id, delay.as_bytes())
            .await
    }

    async fn bury_job(&self, queue: &str, id: &JobId, reason: &str) -> Result<(), StoreError> {
        self.claimed_job_script(&self.scripts.bury, queue, id, reason.as_bytes())
            .await
    }

    async fn queue_len(&self, queue: &str) -> Result<u64, StoreError> {
        let mut conn = self.conn.get().await?;
        redis::cmd("ZCARD")
            .arg(self.queue_keys(queue).ready)
            .query_async(&mut conn)
            .await
            .map_err(redis_error)
    }

    async fn dead_jobs(&self, queue: &str) -> Result<Vec<DeadJob>, StoreError> {
        let dead: Vec<(String, Vec<u8>, u32, String)> = self
            .queue_script(&self.scripts.dead_jobs, queue, &[])
            .await?;
        Ok(dead
            .into_iter()
            .map(|(id, payload, attempts, reason)| DeadJob {
                id: JobId(id),
                payload,
                attempts,
                reason,
            })
            .collect())
    }

    async fn revive_job(
        &self,
        queue: &str,
        id: &JobId,
        delay: Duration,
    ) -> Result<bool, StoreError> {
        let delay = delay_millis(delay).to_string();
        let revived: i64 = self
            .queue_script(
                &self.scripts.revive,
                queue,
                &[id.0.as_bytes(), delay.as_bytes()],
            )
            .await?;
        Ok(revived == 1)
    }
}

/// The keys of one queue, all with the hash tag `{q:NAME}`.
struct QueueKeys {
    jobs: String,
    ready: String,
    attempts: String,
    claimed: String,
    seq: String,
    dead: String,
    reasons: String,
}

impl QueueKeys {
    /// In the order the queue scripts expect them: `KEYS[1]` … `KEYS[7]`.
    fn all(self) -> [String; 7] {
        [
            self.jobs,
            self.ready,
            self.attempts,
            self.claimed,
            self.seq,
            self.dead,
            self.reasons,
        ]
    }
}

/// The Lua scripts, hashed once; redis-rs sends `EVALSHA` and falls back to `EVAL` once.
struct Scripts {
    compare_and_set: Script,
    compare_and_delete: Script,
    acquire_lease: Script,
    push: Script,
    claim: Script,
    renew: Script,
    complete: Script,
    retry: Script,
    bury: Script,
    dead_jobs: Script,
    revive: Script,
}

/// Queue scripts start with this: `now` is the server's clock in unix milliseconds, and
/// `ms(x)` formats a number as an integer argument (Lua's default would use an exponent).
/// Keys: 1 jobs, 2 ready, 3 attempts, 4 claimed, 5 seq, 6 dead, 7 reasons.
const QUEUE_PRELUDE: &str = "
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local function ms(x) return string.format('%d', x) end
";

impl Scripts {
    fn new() -> Self {
        let queue = |body: &str| Script::new(&format!("{QUEUE_PRELUDE}{body}"));
        Self {
            // KEYS[1] key; ARGV: expected present ('1'/'0'), expected, value, ttl ms or ''.
            compare_and_set: Script::new(
                "
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
if ARGV[4] == '' then
  redis.call('SET', KEYS[1], ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
end
return 1
",
            ),
            // KEYS[1] key; ARGV: expected.
            compare_and_delete: Script::new(
                "
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
",
            ),
            // KEYS[1] key; ARGV: owner, ttl ms.
            acquire_lease: Script::new(
                "
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
",
            ),
            // ARGV: payload, delay ms. Returns the new id.
            push: queue(
                "
local id = string.format('%020d', redis.call('INCR', KEYS[5]))
redis.call('HSET', KEYS[1], id, ARGV[1])
redis.call('ZADD', KEYS[2], ms(now + tonumber(ARGV[2])), id)
return id
",
            ),
            // ARGV: lease ms. Returns {id, payload, attempts} or nil.
            claim: queue(
                "
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ms(now), 'LIMIT', 0, 1)
if #due == 0 then return false end
local id = due[1]
redis.call('ZADD', KEYS[2], ms(now + tonumber(ARGV[1])), id)
local attempts = redis.call('HINCRBY', KEYS[3], id, 1)
redis.call('SADD', KEYS[4], id)
return {id, redis.call('HGET', KEYS[1], id), attempts}
",
            ),
            // ARGV: id, attempts of the claim, lease ms. Returns 1, or 0 if the job is not
            // claimed or was claimed again since (its attempts differ).
            renew: queue(
                "
if redis.call('SISMEMBER', KEYS[4], ARGV[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[2], ms(now + tonumber(ARGV[3])), ARGV[1])
return 1
",
            ),
            // ARGV: id. Returns 1, or 0 if the job is not claimed.
            complete: queue(
                "
if redis.call('SREM', KEYS[4], ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
",
            ),
            // ARGV: id, delay ms. Returns 1, or 0 if the job is not claimed.
            retry: queue(
                "
if redis.call('SREM', KEYS[4], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ms(now + tonumber(ARGV[2])), ARGV[1])
return 1
",
            ),
            // ARGV: id, reason. Returns 1, or 0 if the job is not claimed.
            bury: queue(
                "
if redis.call('SREM', KEYS[4], ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('RPUSH', KEYS[6], ARGV[1])
redis.call('HSET', KEYS[7], ARGV[1], ARGV[2])
return 1
",
            ),
            // Returns {{id, payload, attempts, reason}, …}, oldest burial first.
            dead_jobs: queue(
                "
local out = {}
for _, id in ipairs(redis.call('LRANGE', KEYS[6], 0, -1)) do
  out[#out + 1] = {
    id,
    redis.call('HGET', KEYS[1], id) or '',
    redis.call('HGET', KEYS[3], id) or '0',
    redis.call('HGET', KEYS[7], id) or '',
  }
end
return out
",
            ),
            // ARGV: id, delay ms. Returns 1, or 0 if the job is not buried in this queue.
            revive: queue(
                "
if redis.call('LREM', KEYS[6], 1, ARGV[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[7], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[2], ms(now + tonumber(ARGV[2])), ARGV[1])
return 1
",
            ),
        }
    }
}

fn redis_error(error: RedisError) -> StoreError {
    backend(describe(&error))
}

fn backend(message: String) -> StoreError {
    StoreError::Backend {
        backend: "redis",
        message,
    }
}

/// The error's text; for URL problems only the category and detail, which redis-rs builds
/// from fixed strings and never from the URL itself.
fn describe(error: &RedisError) -> String {
    if error.kind() == ErrorKind::InvalidClientConfig {
        match error.detail() {
            Some(detail) => format!("{}: {detail}", error.category()),
            None => error.category().to_owned(),
        }
    } else {
        error.to_string()
    }
}
