//! In-process store: plain maps behind one mutex.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::{DeadJob, Job, JobId, Store, StoreError, delay_millis, ttl_millis};

/// How many writes pass between two sweeps of expired values.
const SWEEP_EVERY: u32 = 1024;

/// A [`Store`] kept in this process's memory: fast, and gone when the process ends.
///
/// Every operation takes one [`std::sync::Mutex`] for a few map operations and never awaits
/// while holding it, so operations are atomic with respect to each other.
///
/// # Time
///
/// Expiry, delays and leases follow a monotonic clock, [`std::time::Instant::now`] by default.
/// That is real time: tokio's paused test clock (`tokio::time::pause`, `start_paused`) does
/// **not** move it. To drive expiry from tokio's clock instead, pass that clock to
/// [`MemoryStore::with_clock`]:
///
/// ```
/// use wxgate_store::MemoryStore;
///
/// let store = MemoryStore::with_clock(|| tokio::time::Instant::now().into_std());
/// ```
///
/// Expired values are dropped when they are next touched, and by a sweep every 1024 writes.
pub struct MemoryStore {
    state: Mutex<State>,
    clock: Clock,
}

impl MemoryStore {
    /// Creates an empty store whose expiries follow [`std::time::Instant::now`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use wxgate_store::{MemoryStore, Store};
    ///
    /// # async fn demo() -> Result<(), wxgate_store::StoreError> {
    /// let store = MemoryStore::new();
    /// assert!(store.set_if_absent("dedup:msg:42", b"1", Some(Duration::from_secs(60))).await?);
    /// assert!(!store.set_if_absent("dedup:msg:42", b"1", Some(Duration::from_secs(60))).await?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn new() -> Self {
        Self {
            state: Mutex::new(State::default()),
            clock: Clock(None),
        }
    }

    /// Creates an empty store whose expiries follow `now` instead of the real clock.
    ///
    /// `now` must never go backwards. Tests use it with tokio's paused clock or with a
    /// hand-driven clock.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use wxgate_store::{MemoryStore, Store};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), wxgate_store::StoreError> {
    /// let store = MemoryStore::with_clock(|| tokio::time::Instant::now().into_std());
    /// store.set("token", b"abc", Some(Duration::from_secs(7200))).await?;
    /// tokio::time::advance(Duration::from_secs(7200)).await;
    /// assert_eq!(store.get("token").await?, None);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_clock<F>(now: F) -> Self
    where
        F: Fn() -> Instant + Send + Sync + 'static,
    {
        Self {
            state: Mutex::new(State::default()),
            clock: Clock(Some(Arc::new(now))),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No operation panics half-way through an update, so a poisoned map is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> Instant {
        match &self.clock.0 {
            Some(now) => now(),
            None => Instant::now(),
        }
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Counts only: values may be secrets. `try_lock`, so formatting never waits.
        let mut debug = f.debug_struct("MemoryStore");
        match self.state.try_lock() {
            Ok(state) => debug
                .field("values", &state.values.len())
                .field("queues", &state.queues.len()),
            Err(_) => debug.field("state", &"<in use>"),
        };
        debug
            .field("custom_clock", &self.clock.0.is_some())
            .finish()
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let now = self.now();
        let mut state = self.lock();
        Ok(state.live(key, now).map(|entry| entry.value.clone()))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), StoreError> {
        let now = self.now();
        let mut state = self.lock();
        state.write(key, value, expiry(now, ttl), now);
        Ok(())
    }

    async fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let mut state = self.lock();
        if state.live(key, now).is_some() {
            return Ok(false);
        }
        state.write(key, value, expiry(now, ttl), now);
        Ok(true)
    }

    async fn compare_and_set(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let mut state = self.lock();
        let current = state.live(key, now).map(|entry| entry.value.as_slice());
        if current != expected {
            return Ok(false);
        }
        state.write(key, value, expiry(now, ttl), now);
        Ok(true)
    }

    async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        let now = self.now();
        let mut state = self.lock();
        Ok(state
            .values
            .remove(key)
            .is_some_and(|entry| entry.is_live(now)))
    }

    async fn compare_and_delete(&self, key: &str, expected: &[u8]) -> Result<bool, StoreError> {
        let now = self.now();
        let mut state = self.lock();
        if state.live(key, now).map(|entry| entry.value.as_slice()) != Some(expected) {
            return Ok(false);
        }
        state.values.remove(key);
        Ok(true)
    }

    async fn acquire_lease(
        &self,
        key: &str,
        owner: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let mut state = self.lock();
        if state
            .live(key, now)
            .is_some_and(|entry| entry.value != owner.as_bytes())
        {
            return Ok(false);
        }
        state.write(key, owner.as_bytes(), expiry(now, Some(ttl)), now);
        Ok(true)
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
        let now = self.now();
        let due = add_millis(now, delay_millis(delay));
        let mut state = self.lock();
        state.next_job += 1;
        let number = state.next_job;
        let queue = state.queues.entry(queue.to_owned()).or_default();
        queue.due.insert((due, number));
        queue.jobs.insert(
            number,
            QueuedJob {
                payload: payload.to_vec(),
                attempts: 0,
                due,
                claimed: false,
            },
        );
        Ok(JobId(number.to_string()))
    }

    async fn claim_job(&self, queue: &str, lease: Duration) -> Result<Option<Job>, StoreError> {
        let now = self.now();
        let hidden_until = add_millis(now, ttl_millis(lease));
        let mut state = self.lock();
        let Some(queue) = state.queues.get_mut(queue) else {
            return Ok(None);
        };
        let Some(&(due, number)) = queue.due.first() else {
            return Ok(None);
        };
        if due > now {
            return Ok(None);
        }
        let Some(job) = queue.jobs.get_mut(&number) else {
            // Unreachable: `due` and `jobs` change together.
            queue.due.remove(&(due, number));
            return Ok(None);
        };
        queue.due.remove(&(due, number));
        queue.due.insert((hidden_until, number));
        job.due = hidden_until;
        job.attempts = job.attempts.saturating_add(1);
        job.claimed = true;
        Ok(Some(Job {
            id: JobId(number.to_string()),
            payload: job.payload.clone(),
            attempts: job.attempts,
        }))
    }

    async fn renew_job(&self, queue: &str, job: &Job, lease: Duration) -> Result<bool, StoreError> {
        let hidden_until = add_millis(self.now(), ttl_millis(lease));
        let mut state = self.lock();
        let Ok((queue, number)) = state.claimed(queue, &job.id) else {
            return Ok(false);
        };
        let Some(queued) = queue.jobs.get_mut(&number) else {
            return Ok(false);
        };
        if queued.attempts != job.attempts {
            // Claimed again since: the claim is someone else's now.
            return Ok(false);
        }
        queue.due.remove(&(queued.due, number));
        queue.due.insert((hidden_until, number));
        queued.due = hidden_until;
        Ok(true)
    }

    async fn complete_job(&self, queue: &str, id: &JobId) -> Result<(), StoreError> {
        let mut state = self.lock();
        let (queue_state, number) = state.claimed(queue, id)?;
        if let Some(job) = queue_state.jobs.remove(&number) {
            queue_state.due.remove(&(job.due, number));
        }
        state.forget_if_empty(queue);
        Ok(())
    }

    async fn retry_job(&self, queue: &str, id: &JobId, delay: Duration) -> Result<(), StoreError> {
        let due = add_millis(self.now(), delay_millis(delay));
        let mut state = self.lock();
        let (queue, number) = state.claimed(queue, id)?;
        if let Some(job) = queue.jobs.get_mut(&number) {
            queue.due.remove(&(job.due, number));
            queue.due.insert((due, number));
            job.due = due;
            job.claimed = false;
        }
        Ok(())
    }

    async fn bury_job(&self, queue: &str, id: &JobId, reason: &str) -> Result<(), StoreError> {
        let mut state = self.lock();
        let (queue, number) = state.claimed(queue, id)?;
        if let Some(job) = queue.jobs.remove(&number) {
            queue.due.remove(&(job.due, number));
            queue.dead.push(DeadJob {
                id: id.clone(),
                payload: job.payload,
                attempts: job.attempts,
                reason: reason.to_owned(),
            });
        }
        Ok(())
    }

    async fn queue_len(&self, queue: &str) -> Result<u64, StoreError> {
        let state = self.lock();
        let len = state.queues.get(queue).map_or(0, |queue| queue.jobs.len());
        Ok(u64::try_from(len).unwrap_or(u64::MAX))
    }

    async fn dead_jobs(&self, queue: &str) -> Result<Vec<DeadJob>, StoreError> {
        let state = self.lock();
        Ok(state
            .queues
            .get(queue)
            .map(|queue| queue.dead.clone())
            .unwrap_or_default())
    }

    async fn revive_job(
        &self,
        queue: &str,
        id: &JobId,
        delay: Duration,
    ) -> Result<bool, StoreError> {
        let due = add_millis(self.now(), delay_millis(delay));
        let mut state = self.lock();
        let Some(queue) = state.queues.get_mut(queue) else {
            return Ok(false);
        };
        let Some(at) = queue.dead.iter().position(|dead| dead.id == *id) else {
            return Ok(false);
        };
        // Ids in `dead` are the canonical numbers this store handed out.
        let Ok(number) = id.0.parse::<u64>() else {
            return Ok(false);
        };
        let dead = queue.dead.remove(at);
        queue.due.insert((due, number));
        queue.jobs.insert(
            number,
            QueuedJob {
                payload: dead.payload,
                attempts: 0,
                due,
                claimed: false,
            },
        );
        Ok(true)
    }
}

/// The optional replacement for `Instant::now`.
#[derive(Clone)]
struct Clock(Option<Arc<dyn Fn() -> Instant + Send + Sync>>);

#[derive(Default)]
struct State {
    values: HashMap<String, Entry>,
    queues: HashMap<String, Queue>,
    /// The last job number handed out, in any queue; numbers are never reused.
    next_job: u64,
    writes_since_sweep: u32,
}

struct Entry {
    value: Vec<u8>,
    /// `None`: never expires.
    expires_at: Option<Instant>,
}

#[derive(Default)]
struct Queue {
    jobs: HashMap<u64, QueuedJob>,
    /// `(due, number)` of every job in `jobs`: the first due entry is the next claim.
    due: BTreeSet<(Instant, u64)>,
    dead: Vec<DeadJob>,
}

struct QueuedJob {
    payload: Vec<u8>,
    attempts: u32,
    /// When the job can next be claimed: its push delay, retry delay or claim lease ends.
    due: Instant,
    claimed: bool,
}

impl Entry {
    fn is_live(&self, now: Instant) -> bool {
        self.expires_at.is_none_or(|at| at > now)
    }
}

impl State {
    /// The entry under `key` if it has not expired; an expired one is dropped.
    fn live(&mut self, key: &str, now: Instant) -> Option<&Entry> {
        if self
            .values
            .get(key)
            .is_some_and(|entry| !entry.is_live(now))
        {
            self.values.remove(key);
        }
        self.values.get(key)
    }

    fn write(&mut self, key: &str, value: &[u8], expires_at: Option<Instant>, now: Instant) {
        self.values.insert(
            key.to_owned(),
            Entry {
                value: value.to_vec(),
                expires_at,
            },
        );
        self.writes_since_sweep += 1;
        // Sweep after as many writes as half the live entries (at least SWEEP_EVERY): each
        // write then pays O(1) amortized, however many keys are held.
        let due = usize::try_from(self.writes_since_sweep).unwrap_or(usize::MAX)
            >= (SWEEP_EVERY as usize).max(self.values.len() / 2);
        if due {
            self.writes_since_sweep = 0;
            self.values.retain(|_, entry| entry.is_live(now));
        }
    }

    /// The queue and job number of a claimed job, or [`StoreError::UnknownJob`].
    fn claimed(&mut self, queue: &str, id: &JobId) -> Result<(&mut Queue, u64), StoreError> {
        let unknown = || StoreError::UnknownJob(id.clone());
        // Only the canonical form this store hands out: "05" or "+5" is not job 5.
        let number =
            id.0.parse::<u64>()
                .ok()
                .filter(|number| number.to_string() == id.0)
                .ok_or_else(unknown)?;
        let queue = self.queues.get_mut(queue).ok_or_else(unknown)?;
        match queue.jobs.get(&number) {
            Some(job) if job.claimed => Ok((queue, number)),
            _ => Err(unknown()),
        }
    }

    fn forget_if_empty(&mut self, queue: &str) {
        if self
            .queues
            .get(queue)
            .is_some_and(|queue| queue.jobs.is_empty() && queue.dead.is_empty())
        {
            self.queues.remove(queue);
        }
    }
}

fn expiry(now: Instant, ttl: Option<Duration>) -> Option<Instant> {
    // An expiry past what `Instant` can represent is as good as never.
    ttl.and_then(|ttl| now.checked_add(Duration::from_millis(ttl_millis(ttl))))
}

/// `now + millis`, or a time far enough away to never come if that overflows.
fn add_millis(now: Instant, millis: u64) -> Instant {
    let mut span = Duration::from_millis(millis);
    loop {
        if let Some(at) = now.checked_add(span) {
            return at;
        }
        span /= 2;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    use super::MemoryStore;
    use crate::Store;

    /// A clock moved by hand: a base instant plus a number of milliseconds.
    fn manual_clock() -> (MemoryStore, std::sync::Arc<AtomicU64>) {
        let base = Instant::now();
        let offset = std::sync::Arc::new(AtomicU64::new(0));
        let ticks = std::sync::Arc::clone(&offset);
        let store = MemoryStore::with_clock(move || {
            base + Duration::from_millis(ticks.load(Ordering::SeqCst))
        });
        (store, offset)
    }

    #[tokio::test]
    async fn injected_clock_drives_expiry() {
        let (store, clock) = manual_clock();
        store
            .set("k", b"v", Some(Duration::from_secs(10)))
            .await
            .unwrap();
        clock.store(9_999, Ordering::SeqCst);
        assert_eq!(store.get("k").await.unwrap().as_deref(), Some(&b"v"[..]));
        clock.store(10_000, Ordering::SeqCst);
        assert_eq!(store.get("k").await.unwrap(), None);
    }

    #[tokio::test]
    async fn injected_clock_drives_job_leases() {
        let (store, clock) = manual_clock();
        store
            .push_job("q", b"job", Duration::from_secs(5))
            .await
            .unwrap();
        assert!(
            store
                .claim_job("q", Duration::from_secs(1))
                .await
                .unwrap()
                .is_none()
        );
        clock.store(5_000, Ordering::SeqCst);
        let first = store
            .claim_job("q", Duration::from_secs(30))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.attempts, 1);
        clock.store(34_999, Ordering::SeqCst);
        assert!(
            store
                .claim_job("q", Duration::from_secs(30))
                .await
                .unwrap()
                .is_none()
        );
        clock.store(35_000, Ordering::SeqCst);
        let second = store
            .claim_job("q", Duration::from_secs(30))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((second.id, second.attempts), (first.id, 2));
    }

    #[tokio::test(start_paused = true)]
    async fn tokio_clock_can_drive_expiry() {
        let store = MemoryStore::with_clock(|| tokio::time::Instant::now().into_std());
        store
            .set("k", b"v", Some(Duration::from_secs(3600)))
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(3601)).await;
        assert_eq!(store.get("k").await.unwrap(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn default_clock_ignores_paused_tokio_time() {
        let store = MemoryStore::new();
        store
            .set("k", b"v", Some(Duration::from_secs(3600)))
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(7200)).await;
        assert!(store.get("k").await.unwrap().is_some());
    }

    #[test]
    fn debug_shows_no_values() {
        let store = MemoryStore::new();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime
            .block_on(store.set("secret-key", b"secret-value", None))
            .unwrap();
        let debug = format!("{store:?}");
        assert!(!debug.contains("secret"), "{debug}");
    }
}
