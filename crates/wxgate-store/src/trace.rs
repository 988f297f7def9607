//! A decorator that logs every store call.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use tracing::trace;

use crate::{DeadJob, Job, JobId, Store, StoreError};

/// Wraps a [`Store`] and logs every call at `TRACE` level, target `wxgate_store::trace`.
///
/// Each event names the operation, the key or queue (and job id), the TTL or delay, how long
/// the call took and its outcome (`true`/`false`, found or not, an error). Values, payloads,
/// lease owners and burial reasons are never logged: they may hold secrets.
///
/// # Examples
///
/// ```
/// use wxgate_store::{MemoryStore, Store, TraceStore};
///
/// # async fn demo() -> Result<(), wxgate_store::StoreError> {
/// let store = TraceStore::new(MemoryStore::new());
/// store.set("greeting", b"hello", None).await?; // logs op=set key=greeting
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct TraceStore<S> {
    inner: S,
}

impl<S> TraceStore<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Self {
        Self { inner }
    }

    /// The wrapped store.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Unwraps the store.
    ///
    /// # Examples
    ///
    /// ```
    /// use wxgate_store::{MemoryStore, TraceStore};
    ///
    /// let traced = TraceStore::new(MemoryStore::new());
    /// let _inner: &MemoryStore = traced.inner();
    /// let _store: MemoryStore = traced.into_inner();
    /// ```
    pub fn into_inner(self) -> S {
        self.inner
    }
}

/// Logs the outcome of one call; `$outcome` turns the `Ok` value into something loggable.
macro_rules! traced {
    ($op:literal, $call:expr, $outcome:expr, $($field:tt)*) => {{
        let started = Instant::now();
        let result = $call;
        let elapsed_us = started.elapsed().as_micros();
        match &result {
            // Field expressions run only when the event is enabled: no formatting otherwise.
            Ok(value) => {
                trace!(target: "wxgate_store::trace", op = $op, $($field)*, elapsed_us, outcome = $outcome(value), "store call");
            }
            Err(error) => {
                trace!(target: "wxgate_store::trace", op = $op, $($field)*, elapsed_us, %error, "store call failed");
            }
        }
        result
    }};
}

#[async_trait]
impl<S> Store for TraceStore<S>
where
    S: Store,
{
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        traced!(
            "get",
            self.inner.get(key).await,
            |found: &Option<Vec<u8>>| if found.is_some() { "found" } else { "absent" },
            key
        )
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), StoreError> {
        traced!(
            "set",
            self.inner.set(key, value, ttl).await,
            |_: &()| "ok",
            key, ttl = ?ttl, len = value.len()
        )
    }

    async fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError> {
        traced!(
            "set_if_absent",
            self.inner.set_if_absent(key, value, ttl).await,
            |done: &bool| *done,
            key, ttl = ?ttl, len = value.len()
        )
    }

    async fn compare_and_set(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError> {
        traced!(
            "compare_and_set",
            self.inner.compare_and_set(key, expected, value, ttl).await,
            |done: &bool| *done,
            key, ttl = ?ttl, expected_absent = expected.is_none()
        )
    }

    async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        traced!(
            "delete",
            self.inner.delete(key).await,
            |done: &bool| *done,
            key
        )
    }

    async fn compare_and_delete(&self, key: &str, expected: &[u8]) -> Result<bool, StoreError> {
        traced!(
            "compare_and_delete",
            self.inner.compare_and_delete(key, expected).await,
            |done: &bool| *done,
            key
        )
    }

    async fn acquire_lease(
        &self,
        key: &str,
        owner: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        traced!(
            "acquire_lease",
            self.inner.acquire_lease(key, owner, ttl).await,
            |held: &bool| *held,
            key, ttl = ?ttl
        )
    }

    async fn release_lease(&self, key: &str, owner: &str) -> Result<bool, StoreError> {
        traced!(
            "release_lease",
            self.inner.release_lease(key, owner).await,
            |done: &bool| *done,
            key
        )
    }

    async fn push_job(
        &self,
        queue: &str,
        payload: &[u8],
        delay: Duration,
    ) -> Result<JobId, StoreError> {
        traced!(
            "push_job",
            self.inner.push_job(queue, payload, delay).await,
            |id: &JobId| id.0.clone(),
            queue, delay = ?delay, len = payload.len()
        )
    }

    async fn claim_job(&self, queue: &str, lease: Duration) -> Result<Option<Job>, StoreError> {
        traced!(
            "claim_job",
            self.inner.claim_job(queue, lease).await,
            |job: &Option<Job>| match job {
                Some(job) => format!("claimed {} attempt {}", job.id, job.attempts),
                None => "none due".to_owned(),
            },
            queue, lease = ?lease
        )
    }

    async fn renew_job(&self, queue: &str, job: &Job, lease: Duration) -> Result<bool, StoreError> {
        traced!(
            "renew_job",
            self.inner.renew_job(queue, job, lease).await,
            |renewed: &bool| *renewed,
            queue, job = %job.id, attempts = job.attempts, lease = ?lease
        )
    }

    async fn complete_job(&self, queue: &str, id: &JobId) -> Result<(), StoreError> {
        traced!(
            "complete_job",
            self.inner.complete_job(queue, id).await,
            |_: &()| "ok",
            queue, job = %id
        )
    }

    async fn retry_job(&self, queue: &str, id: &JobId, delay: Duration) -> Result<(), StoreError> {
        traced!(
            "retry_job",
            self.inner.retry_job(queue, id, delay).await,
            |_: &()| "ok",
            queue, job = %id, delay = ?delay
        )
    }

    async fn bury_job(&self, queue: &str, id: &JobId, reason: &str) -> Result<(), StoreError> {
        traced!(
            "bury_job",
            self.inner.bury_job(queue, id, reason).await,
            |_: &()| "ok",
            queue, job = %id
        )
    }

    async fn queue_len(&self, queue: &str) -> Result<u64, StoreError> {
        traced!(
            "queue_len",
            self.inner.queue_len(queue).await,
            |len: &u64| *len,
            queue
        )
    }

    async fn dead_jobs(&self, queue: &str) -> Result<Vec<DeadJob>, StoreError> {
        traced!(
            "dead_jobs",
            self.inner.dead_jobs(queue).await,
            |dead: &Vec<DeadJob>| dead.len(),
            queue
        )
    }

    async fn revive_job(
        &self,
        queue: &str,
        id: &JobId,
        delay: Duration,
    ) -> Result<bool, StoreError> {
        traced!(
            "revive_job",
            self.inner.revive_job(queue, id, delay).await,
            |revived: &bool| *revived,
            queue, job = %id, delay = ?delay
        )
    }
}
