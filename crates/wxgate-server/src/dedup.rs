//! Recognising WeChat's retries (spec §1.3) and running each push's handler exactly once.
//!
//! The first attempt of a push claims its key and runs the handler; a retry that arrives while
//! that attempt is running waits for its outcome; a later retry gets the recorded outcome.
//! Every attempt is answered within its own deadline.
//!
//! Two layers:
//! - **local**: a sharded in-process table (no serialization, no copies: outcomes are shared
//!   `Arc`s). It alone is enough when one process receives a given account's pushes, which is
//!   the case for `memory://` and for one gateway on an SQLite file.
//! - **shared** (when `server.dedup = "shared"`, the default with Redis): the claim and the
//!   outcome also go to the store (`set_if_absent`, then `set`), so a retry that a load balancer
//!   sends to another instance is recognised there; that instance polls the store for the
//!   outcome while the first attempt runs.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::time::Instant;
use wxgate_store::Store;

/// How a push was finally answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// A passive reply (plaintext XML; encrypted per attempt when needed).
    Reply(String),
    /// No reply: `success`.
    Nothing,
    /// The handler missed the deadline; its reply goes out through the customer-service API.
    Deferred,
}

const PENDING: &[u8] = b"pending";
const POLL: Duration = Duration::from_millis(20);
const SHARDS: usize = 16;

/// A push's identity in the local table: a 128-bit hash of its de-dup key. Keeping the digest
/// rather than the key saves an allocation per push and most of each record's memory; with 128
/// bits a collision among even billions of live records is out of reach (p < 10^-19).
type Digest = u128;

type Waiters = watch::Sender<Option<Arc<Outcome>>>;

#[derive(Debug)]
enum Slot {
    /// The first attempt is running; the channel exists only once a retry waits for it.
    Running(Option<Waiters>),
    Done(Arc<Outcome>),
}

#[derive(Debug)]
struct Record {
    slot: Slot,
    expires_at: Instant,
}

/// The digests are already uniformly distributed: hashing them again would only cost time.
#[derive(Default)]
struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u128` is used; fold anything else in, for completeness.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u128(&mut self, digest: u128) {
        // The low half; the high half chose the shard.
        self.0 = digest as u64;
    }
}

#[derive(Debug, Default)]
struct Shard {
    records: HashMap<Digest, Record, BuildHasherDefault<DigestHasher>>,
    /// Records in the order they were claimed, which (with one TTL for all) is the order they
    /// expire in: expiring pops from the front, O(1) per record, never a scan of the table.
    order: VecDeque<(Instant, Digest)>,
}

/// The de-duplication table.
#[derive(Debug)]
pub(crate) struct Dedup {
    shards: Vec<Mutex<Shard>>,
    shared: Option<Arc<dyn Store>>,
    ttl: Duration,
    /// Records kept per shard at most; beyond it the oldest are forgotten early.
    shard_capacity: usize,
    seed: u64,
}

/// What [`Dedup::begin`] decided.
pub(crate) enum Claim {
    /// This attempt is the first: run the handler and report through [`Flight::finish`].
    First(Flight),
    /// Another attempt owns the push; this is its outcome (or `Deferred` at the deadline).
    Duplicate(Arc<Outcome>),
}

/// The first attempt's handle: report the outcome exactly once. Dropped without reporting (the
/// process is shedding the request), it records `Deferred`, so waiting retries answer `success`
/// instead of waiting out their deadline.
pub(crate) struct Flight {
    key: String,
    digest: Digest,
    dedup: Arc<Dedup>,
    finished: bool,
}

impl Dedup {
    /// A table remembering pushes for `ttl`, at most about `capacity` of them (the oldest are
    /// forgotten first); with `shared`, also recorded in that store.
    pub(crate) fn new(shared: Option<Arc<dyn Store>>, ttl: Duration, capacity: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            shared,
            ttl,
            shard_capacity: capacity.div_ceil(SHARDS).max(1),
            seed: rand::random(),
        }
    }

    fn digest(&self, key: &str) -> Digest {
        xxhash_rust::xxh3::xxh3_128_with_seed(key.as_bytes(), self.seed)
    }

    fn shard(&self, digest: Digest) -> MutexGuard<'_, Shard> {
        // The high half picks the shard, the low half the bucket within it.
        let index = ((digest >> 64) as usize) % SHARDS;
        self.shards[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Claims `key`, or waits (until `deadline`) for the attempt that did. `now` is the time the
    /// push arrived.
    pub(crate) async fn begin(
        self: &Arc<Self>,
        key: String,
        now: Instant,
        deadline: Instant,
    ) -> Claim {
        let digest = self.digest(&key);
        let waiting = {
            let mut shard = self.shard(digest);
            shard.expire(now, self.shard_capacity);
            let expires_at = now + self.ttl;
            match shard.records.entry(digest) {
                Entry::Occupied(mut entry) if entry.get().expires_at > now => {
                    match &mut entry.get_mut().slot {
                        Slot::Done(outcome) => return Claim::Duplicate(Arc::clone(outcome)),
                        Slot::Running(Some(waiters)) => Some(waiters.subscribe()),
                        Slot::Running(waiters @ None) => {
                            let (tx, rx) = watch::channel(None);
                            *waiters = Some(tx);
                            Some(rx)
                        }
                    }
                }
                entry => {
                    let record = Record {
                        slot: Slot::Running(None),
                        expires_at,
                    };
                    match entry {
                        Entry::Occupied(mut expired) => {
                            expired.insert(record);
                        }
                        Entry::Vacant(vacant) => {
                            vacant.insert(record);
                        }
                    }
                    shard.order.push_back((expires_at, digest));
                    None
                }
            }
        };
        if let Some(rx) = waiting {
            return Claim::Duplicate(wait_local(rx, deadline).await);
        }
        let flight = Flight {
            key,
            digest,
            dedup: Arc::clone(self),
            finished: false,
        };
        match &self.shared {
            None => Claim::First(flight),
            Some(store) => claim_shared(Arc::clone(store), flight, deadline).await,
        }
    }

    /// Records the outcome of `digest` and wakes the retries waiting for it.
    fn record(&self, digest: Digest, outcome: &Arc<Outcome>) {
        let mut shard = self.shard(digest);
        if let Some(record) = shard.records.get_mut(&digest) {
            let previous = std::mem::replace(&mut record.slot, Slot::Done(Arc::clone(outcome)));
            if let Slot::Running(Some(waiters)) = previous {
                waiters.send_replace(Some(Arc::clone(outcome)));
            }
        }
    }

    /// How many pushes are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| {
                shard
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .records
                    .len()
            })
            .sum()
    }
}

impl Shard {
    /// Forgets records that expired by `now`, and the oldest ones beyond `capacity`.
    fn expire(&mut self, now: Instant, capacity: usize) {
        while let Some(&(expires_at, digest)) = self.order.front() {
            if expires_at > now && self.records.len() < capacity {
                break;
            }
            self.order.pop_front();
            // The record may have been claimed afresh after expiring: only the entry that
            // matches it in time may remove it.
            if let Entry::Occupied(entry) = self.records.entry(digest)
                && entry.get().expires_at == expires_at
            {
                entry.remove();
            }
        }
    }
}

async fn claim_shared(store: Arc<dyn Store>, mut flight: Flight, deadline: Instant) -> Claim {
    let store_key = store_key(&flight.key);
    let ttl = flight.dedup.ttl;
    match store.set_if_absent(&store_key, PENDING, Some(ttl)).await {
        Ok(true) => Claim::First(flight),
        Ok(false) => {
            // Another instance (or an earlier, finished attempt) owns it.
            let outcome = Arc::new(wait_shared(store.as_ref(), &store_key, deadline).await);
            flight.conclude(&outcome);
            Claim::Duplicate(outcome)
        }
        Err(e) => {
            // Fail open: answering twice beats dropping the message.
            tracing::warn!(error = %e, "de-duplication store failed; handling the push anyway");
            Claim::First(flight)
        }
    }
}

async fn wait_shared(store: &dyn Store, store_key: &str, deadline: Instant) -> Outcome {
    loop {
        match store.get(store_key).await {
            Ok(Some(value)) if value != PENDING => {
                return serde_json::from_slice(&value).unwrap_or(Outcome::Nothing);
            }
            Ok(None) => return Outcome::Nothing,
            Ok(Some(_)) => {}
            Err(e) => {
                tracing::warn!(error = %e, "de-duplication store failed while waiting");
                return Outcome::Deferred;
            }
        }
        if Instant::now() + POLL >= deadline {
            return Outcome::Deferred;
        }
        tokio::time::sleep(POLL).await;
    }
}

impl Flight {
    /// Records the outcome for later retries and wakes any waiting ones.
    pub(crate) async fn finish(mut self, outcome: Outcome) -> Arc<Outcome> {
        let outcome = Arc::new(outcome);
        if let Some(store) = &self.dedup.shared {
            let value = serde_json::to_vec(outcome.as_ref()).unwrap_or_default();
            if let Err(e) = store
                .set(&store_key(&self.key), &value, Some(self.dedup.ttl))
                .await
            {
                tracing::warn!(error = %e, "could not record a push outcome; a retry may run its handler again");
            }
        }
        self.conclude(&outcome);
        outcome
    }

    /// Records the outcome locally; the flight is then over.
    fn conclude(&mut self, outcome: &Arc<Outcome>) {
        self.finished = true;
        self.dedup.record(self.digest, outcome);
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        if !self.finished {
            self.dedup.record(self.digest, &Arc::new(Outcome::Deferred));
        }
    }
}

async fn wait_local(
    mut rx: watch::Receiver<Option<Arc<Outcome>>>,
    deadline: Instant,
) -> Arc<Outcome> {
    match tokio::time::timeout_at(deadline, rx.wait_for(Option::is_some)).await {
        Ok(Ok(outcome)) => outcome
            .clone()
            .unwrap_or_else(|| Arc::new(Outcome::Deferred)),
        // Time ran out, or the record was forgotten (over capacity) before the outcome came.
        Ok(Err(_)) | Err(_) => Arc::new(Outcome::Deferred),
    }
}

fn store_key(key: &str) -> String {
    format!("wxgate:dedup:{key}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(300);

    fn table(capacity: usize) -> Arc<Dedup> {
        Arc::new(Dedup::new(None, TTL, capacity))
    }

    async fn claim(dedup: &Arc<Dedup>, key: &str, now: Instant) -> Claim {
        dedup
            .begin(key.to_owned(), now, now + Duration::from_secs(5))
            .await
    }

    fn first(claim: Claim) -> Flight {
        match claim {
            Claim::First(flight) => flight,
            Claim::Duplicate(outcome) => panic!("expected a first attempt, got {outcome:?}"),
        }
    }

    /// Claims and finishes `count` new pushes named `{prefix}:{i}`.
    async fn handle_new(dedup: &Arc<Dedup>, prefix: &str, count: usize, now: Instant) {
        for i in 0..count {
            first(claim(dedup, &format!("{prefix}:{i}"), now).await)
                .finish(Outcome::Nothing)
                .await;
        }
    }

    fn duplicate(claim: Claim) -> Arc<Outcome> {
        match claim {
            Claim::Duplicate(outcome) => outcome,
            Claim::First(_) => panic!("expected a duplicate"),
        }
    }

    #[tokio::test]
    async fn a_finished_push_answers_its_retries_with_the_same_outcome() {
        let dedup = table(1000);
        let now = Instant::now();
        let flight = first(claim(&dedup, "a:1", now).await);
        let outcome = flight.finish(Outcome::Reply("<xml/>".into())).await;
        let again = duplicate(claim(&dedup, "a:1", now).await);
        assert!(Arc::ptr_eq(&outcome, &again));
        first(claim(&dedup, "a:2", now).await);
    }

    #[tokio::test]
    async fn retries_wait_for_the_running_attempt() {
        let dedup = table(1000);
        let now = Instant::now();
        let flight = first(claim(&dedup, "a:1", now).await);
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let dedup = Arc::clone(&dedup);
                tokio::spawn(async move { duplicate(claim(&dedup, "a:1", Instant::now()).await) })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(20)).await;
        flight.finish(Outcome::Reply("late".into())).await;
        for waiter in waiters {
            assert_eq!(*waiter.await.unwrap(), Outcome::Reply("late".into()));
        }
    }

    #[tokio::test]
    async fn a_dropped_attempt_releases_its_retries_as_deferred() {
        let dedup = table(1000);
        let now = Instant::now();
        let flight = first(claim(&dedup, "a:1", now).await);
        let waiter = {
            let dedup = Arc::clone(&dedup);
            tokio::spawn(async move { duplicate(claim(&dedup, "a:1", Instant::now()).await) })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(flight);
        let started = std::time::Instant::now();
        assert_eq!(*waiter.await.unwrap(), Outcome::Deferred);
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "did not wait for the deadline"
        );
        assert_eq!(
            *duplicate(claim(&dedup, "a:1", now).await),
            Outcome::Deferred
        );
    }

    #[tokio::test]
    async fn an_expired_record_is_claimed_afresh_and_its_old_expiry_does_not_remove_the_new_one() {
        let dedup = table(100_000);
        let t0 = Instant::now();
        first(claim(&dedup, "a:1", t0).await)
            .finish(Outcome::Nothing)
            .await;
        let t1 = t0 + TTL + Duration::from_secs(1);
        first(claim(&dedup, "a:1", t1).await)
            .finish(Outcome::Reply("second".into()))
            .await;
        // Later pushes sweep every shard (1,000 of them miss one of the 16 shards with
        // p ≈ 10^-27), including the stale entry of the first claim.
        handle_new(&dedup, "b", 1000, t1).await;
        assert_eq!(
            *duplicate(claim(&dedup, "a:1", t1).await),
            Outcome::Reply("second".into())
        );
    }

    #[tokio::test]
    async fn expired_records_are_forgotten() {
        let dedup = table(100_000);
        let t0 = Instant::now();
        handle_new(&dedup, "a", 1000, t0).await;
        assert_eq!(dedup.len(), 1000);
        // Each push expires its own shard's records; 1,000 of them reach all 16 shards.
        handle_new(&dedup, "b", 1000, t0 + TTL + Duration::from_secs(1)).await;
        assert_eq!(dedup.len(), 1000);
    }

    #[tokio::test]
    async fn memory_is_bounded_by_the_capacity_oldest_first() {
        let dedup = table(1600);
        let now = Instant::now();
        handle_new(&dedup, "a", 20_000, now).await;
        assert!(dedup.len() <= 1600, "{} records kept", dedup.len());
        // The newest are remembered, the oldest forgotten.
        duplicate(claim(&dedup, "a:19999", now).await);
        first(claim(&dedup, "a:0", now).await);
    }
}
