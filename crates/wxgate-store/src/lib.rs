#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

mod memory;
#[cfg(feature = "redis")]
mod redis_store;
pub mod registry;
#[cfg(feature = "sqlite")]
mod sqlite;
mod trace;
mod url;

pub use memory::MemoryStore;
#[cfg(feature = "redis")]
pub use redis_store::RedisStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;
pub use trace::TraceStore;
pub use url::open;

/// State operations shared by every backend.
///
/// All operations are atomic with respect to each other on the same key, across every process
/// that shares the backend. Expired entries behave exactly like absent ones.
#[async_trait]
pub trait Store: Send + Sync + fmt::Debug + 'static {
    /// Reads a value; an expired or missing key reads as `None`.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Writes a value, replacing any previous one; `ttl = None` keeps it until deleted.
    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), StoreError>;

    /// Writes a value only if the key is absent (or expired). Returns whether it was written.
    async fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError>;

    /// Writes `value` only if the current value equals `expected` (`None` = absent or expired).
    /// Returns whether it was written.
    async fn compare_and_set(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError>;

    /// Deletes a key. Returns whether a live value was deleted.
    async fn delete(&self, key: &str) -> Result<bool, StoreError>;

    /// Deletes a key only if its current value equals `expected`. Returns whether it was deleted.
    async fn compare_and_delete(&self, key: &str, expected: &[u8]) -> Result<bool, StoreError>;

    /// Takes or renews the lease `key` for `owner` for `ttl`.
    ///
    /// Returns `true` if `owner` holds the lease afterwards: the lease was free or expired, or
    /// `owner` already held it (then its expiry is pushed to now + `ttl`). Returns `false` while
    /// another owner holds it.
    async fn acquire_lease(
        &self,
        key: &str,
        owner: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError>;

    /// Gives the lease up if `owner` holds it. Returns whether it did.
    async fn release_lease(&self, key: &str, owner: &str) -> Result<bool, StoreError>;

    /// Appends a job to the durable queue `queue`, to become claimable after `delay`.
    async fn push_job(
        &self,
        queue: &str,
        payload: &[u8],
        delay: Duration,
    ) -> Result<JobId, StoreError>;

    /// Claims the oldest due job of `queue`, hiding it from other claimers for `lease`.
    ///
    /// A claimed job that is neither completed, retried nor buried before its lease runs out
    /// becomes claimable again (its `attempts` counts every claim), so a crash loses nothing.
    async fn claim_job(&self, queue: &str, lease: Duration) -> Result<Option<Job>, StoreError>;

    /// Extends the claim on `job` (as [`Store::claim_job`] returned it) to end `lease` from now,
    /// if that claim still holds the job.
    ///
    /// A worker calls this while it works on a job, so that a short lease (a crashed worker's
    /// job is claimable again soon) still covers long work. Returns `true` if the claim was
    /// extended: the job is still claimed and has not been claimed again since (its `attempts`
    /// is still `job.attempts`), even if the lease had run out meanwhile. Returns `false` if
    /// the claim is lost: the job was completed, retried, buried or claimed by another claimer
    /// (or is unknown in `queue`). A worker whose claim is lost should stop working on the job.
    async fn renew_job(&self, queue: &str, job: &Job, lease: Duration) -> Result<bool, StoreError>;

    /// Removes a claimed job for good: it was done.
    async fn complete_job(&self, queue: &str, id: &JobId) -> Result<(), StoreError>;

    /// Puts a claimed job back, claimable again after `delay`.
    async fn retry_job(&self, queue: &str, id: &JobId, delay: Duration) -> Result<(), StoreError>;

    /// Moves a job that will never succeed to the queue's dead-letter list, with a reason.
    async fn bury_job(&self, queue: &str, id: &JobId, reason: &str) -> Result<(), StoreError>;

    /// Counts the jobs of `queue` that are waiting or claimed (not buried).
    async fn queue_len(&self, queue: &str) -> Result<u64, StoreError>;

    /// Lists the buried jobs of `queue`, oldest first, with their reasons.
    async fn dead_jobs(&self, queue: &str) -> Result<Vec<DeadJob>, StoreError>;

    /// Moves the buried job `id` of `queue` back to the waiting jobs, claimable after `delay`,
    /// with its id and payload and its `attempts` reset to 0 (re-driving a dead letter).
    ///
    /// Atomic: of two callers reviving the same job, one gets `true` and the other `false`, and
    /// the job is queued once. Returns `false` if `id` is not a dead letter of `queue`.
    async fn revive_job(
        &self,
        queue: &str,
        id: &JobId,
        delay: Duration,
    ) -> Result<bool, StoreError>;
}

/// The identifier of a queued job, unique within its queue.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub String);

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A claimed job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// The job's identifier, to complete, retry or bury it.
    pub id: JobId,
    /// What was pushed.
    pub payload: Vec<u8>,
    /// How many times the job has been claimed, this claim included (1 on the first claim).
    pub attempts: u32,
}

/// A job that was buried, with the reason given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadJob {
    /// The job's identifier.
    pub id: JobId,
    /// What was pushed.
    pub payload: Vec<u8>,
    /// How many times the job was claimed.
    pub attempts: u32,
    /// Why it was buried.
    pub reason: String,
}

/// What went wrong in a store operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store URL could not be understood.
    #[error("invalid store url: {0}")]
    InvalidUrl(String),
    /// The backend could not be reached or failed.
    #[error("{backend} store failed: {message}")]
    Backend {
        /// `memory`, `sqlite` or `redis`.
        backend: &'static str,
        /// What the backend said (never containing stored values).
        message: String,
    },
    /// A job id that is not claimed in that queue was completed, retried or buried.
    #[error("no claimed job {0} in that queue")]
    UnknownJob(JobId),
}

/// A shared store is a store: `Arc<dyn Store>` (what [`open`] returns) can be wrapped, e.g. in
/// [`TraceStore`], or passed where `impl Store` is expected.
#[async_trait]
impl<S> Store for Arc<S>
where
    S: Store + ?Sized,
{
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).get(key).await
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), StoreError> {
        (**self).set(key, value, ttl).await
    }

    async fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError> {
        (**self).set_if_absent(key, value, ttl).await
    }

    async fn compare_and_set(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError> {
        (**self).compare_and_set(key, expected, value, ttl).await
    }

    async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        (**self).delete(key).await
    }

    async fn compare_and_delete(&self, key: &str, expected: &[u8]) -> Result<bool, StoreError> {
        (**self).compare_and_delete(key, expected).await
    }

    async fn acquire_lease(
        &self,
        key: &str,
        owner: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        (**self).acquire_lease(key, owner, ttl).await
    }

    async fn release_lease(&self, key: &str, owner: &str) -> Result<bool, StoreError> {
        (**self).release_lease(key, owner).await
    }

    async fn push_job(
        &self,
        queue: &str,
        payload: &[u8],
        delay: Duration,
    ) -> Result<JobId, StoreError> {
        (**self).push_job(queue, payload, delay).await
    }

    async fn claim_job(&self, queue: &str, lease: Duration) -> Result<Option<Job>, StoreError> {
        (**self).claim_job(queue, lease).await
    }

    async fn renew_job(&self, queue: &str, job: &Job, lease: Duration) -> Result<bool, StoreError> {
        (**self).renew_job(queue, job, lease).await
    }

    async fn complete_job(&self, queue: &str, id: &JobId) -> Result<(), StoreError> {
        (**self).complete_job(queue, id).await
    }

    async fn retry_job(&self, queue: &str, id: &JobId, delay: Duration) -> Result<(), StoreError> {
        (**self).retry_job(queue, id, delay).await
    }

    async fn bury_job(&self, queue: &str, id: &JobId, reason: &str) -> Result<(), StoreError> {
        (**self).bury_job(queue, id, reason).await
    }

    async fn queue_len(&self, queue: &str) -> Result<u64, StoreError> {
        (**self).queue_len(queue).await
    }

    async fn dead_jobs(&self, queue: &str) -> Result<Vec<DeadJob>, StoreError> {
        (**self).dead_jobs(queue).await
    }

    async fn revive_job(
        &self,
        queue: &str,
        id: &JobId,
        delay: Duration,
    ) -> Result<bool, StoreError> {
        (**self).revive_job(queue, id, delay).await
    }
}

/// The longest TTL, delay or lease a backend is asked for, in milliseconds (about 142,000
/// years): longer durations are cut to it, so every backend (Redis scripts use doubles) can add
/// it to a unix-millisecond clock without overflow or rounding.
const MAX_MILLIS: u64 = 1 << 52;

/// Rounds a duration up to whole milliseconds, at least 1 and at most [`MAX_MILLIS`].
fn ttl_millis(ttl: Duration) -> u64 {
    let millis = ttl.as_nanos().div_ceil(1_000_000);
    u64::try_from(millis)
        .unwrap_or(MAX_MILLIS)
        .clamp(1, MAX_MILLIS)
}

/// Rounds a delay up to whole milliseconds (zero stays zero), at most [`MAX_MILLIS`].
fn delay_millis(delay: Duration) -> u64 {
    let millis = delay.as_nanos().div_ceil(1_000_000);
    u64::try_from(millis).unwrap_or(MAX_MILLIS).min(MAX_MILLIS)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{MAX_MILLIS, delay_millis, ttl_millis};

    #[test]
    fn ttl_rounds_up_to_whole_milliseconds() {
        assert_eq!(ttl_millis(Duration::ZERO), 1);
        assert_eq!(ttl_millis(Duration::from_nanos(1)), 1);
        assert_eq!(ttl_millis(Duration::from_micros(1_001)), 2);
        assert_eq!(ttl_millis(Duration::from_millis(250)), 250);
        assert_eq!(ttl_millis(Duration::MAX), MAX_MILLIS);
    }

    #[test]
    fn delay_may_be_zero() {
        assert_eq!(delay_millis(Duration::ZERO), 0);
        assert_eq!(delay_millis(Duration::from_nanos(1)), 1);
        assert_eq!(delay_millis(Duration::MAX), MAX_MILLIS);
    }
}
