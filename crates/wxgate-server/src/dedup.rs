//! Recognising WeChat's retries and running each push's handler exactly once.
//!
//! The first attempt of a push claims its key and runs the handler; a retry that arrives while
//! that attempt is running waits for its outcome; a later retry gets the recorded outcome.
//! Every attempt is answered within its own deadline.
//!
//! Two layers:
//! - **local**: a sharded in-process table (no serialization, no copies: a kept reply is a
//!   shared `Arc`). It alone is enough when one process receives a given account's pushes,
//!   which is the case for `memory://` and for one gateway on an SQLite file. It is bounded both
//!   by entries and by bytes (a kept reply counts with its length), the oldest forgotten first.
//!   A record is what identifies the push and its answer: a 128-bit digest of the key, its
//!   expiry and its outcome in 40 bytes of map entry plus 24 of expiry queue, about 85 bytes of
//!   memory per push with the map's free buckets. A configured reply is not kept, only its
//!   `CreateTime`: a retry writes it again from the account's configuration (a handler in code
//!   may answer differently each time, so its reply is kept).
//! - **shared** (when `server.dedup = "shared"`, the default with Redis): the claim and the
//!   outcome also go to the store (`set_if_absent`, then `set`), so a retry that a load balancer
//!   sends to another instance is recognised there; that instance polls the store for the
//!   outcome while the first attempt runs.
//!
//! The store never holds a push up: each call on the callback path gets the store-call budget
//! (`server.store_call_budget_ms`), and when the store does not answer in it (or fails), the
//! push is handled with the local table alone (counted in `wxgate_dedup_fallback_total`):
//! answering twice beats losing a reply. After such a failure the store is left alone for a
//! moment ([`crate::health`]), so an outage costs one budget now and then, not one per push. The outcome is written to the store in the
//! background, after the local table has it, so the response never waits for that write.
//!
//! An attempt abandoned before it concluded (its connection dropped while it was still
//! claiming) leaves nothing behind: its record is removed, locally and in the store, so
//! WeChat's retry runs the handler instead of being answered `success` with no reply anywhere.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::time::Instant;
use wxgate_store::Store;

use crate::health::StoreHealth;
use crate::metrics::GatewayMetrics;

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

impl Outcome {
    /// The bytes this outcome holds on the heap.
    fn heap_bytes(&self) -> usize {
        match self {
            Self::Reply(xml) => xml.capacity(),
            Self::Nothing | Self::Deferred => 0,
        }
    }
}

/// What a record keeps of its push's outcome: what it takes to answer a retry with the same
/// bytes, and no more. Only a reply that cannot be written again is kept whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Recorded {
    /// A reply from a handler in code, which may not answer the same twice: kept, and shared
    /// (not copied) with every answer that uses it. Always an [`Outcome::Reply`].
    Reply(Arc<Outcome>),
    /// A configured reply, written with `CreateTime` `create_time` (Unix seconds). The account's
    /// configuration and the retry itself (the same push) give the rest, so a retry's answer is
    /// written again, byte for byte, instead of every push keeping its own.
    Configured { create_time: u64 },
    /// No reply: `success`.
    Nothing,
    /// The handler missed the deadline.
    Deferred,
}

impl Recorded {
    fn kept(outcome: &Arc<Outcome>) -> Self {
        match outcome.as_ref() {
            Outcome::Reply(_) => Self::Reply(Arc::clone(outcome)),
            Outcome::Nothing => Self::Nothing,
            Outcome::Deferred => Self::Deferred,
        }
    }

    /// The outcome to answer with; `rebuild` writes a configured reply again from its
    /// `CreateTime`.
    pub(crate) fn into_outcome(self, rebuild: impl FnOnce(u64) -> Outcome) -> Arc<Outcome> {
        match self {
            Self::Reply(outcome) => outcome,
            Self::Configured { create_time } => Arc::new(rebuild(create_time)),
            Self::Nothing => Arc::new(Outcome::Nothing),
            Self::Deferred => Arc::new(Outcome::Deferred),
        }
    }

    /// The bytes this keeps on the heap besides the record itself.
    fn heap_bytes(&self) -> usize {
        match self {
            Self::Reply(outcome) => KEPT_REPLY_OVERHEAD + outcome.heap_bytes(),
            Self::Configured { .. } | Self::Nothing | Self::Deferred => 0,
        }
    }
}

const PENDING: &[u8] = b"pending";
const POLL: Duration = Duration::from_millis(20);
const SHARDS: usize = 16;

/// A push's identity in the local table: a 128-bit hash of its de-dup key. Keeping the digest
/// rather than the key saves an allocation per push and most of each record's memory; with 128
/// bits a collision among even billions of live records is out of reach (p < 10^-19). Two
/// halves rather than a `u128`, whose 16-byte alignment would pad every map entry by 8 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Digest {
    /// Picks the bucket within the shard.
    low: u64,
    /// Picks the shard.
    high: u64,
}

impl Hash for Digest {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // The low half; the high half chose the shard.
        state.write_u64(self.low);
    }
}

/// A time as nanoseconds since the table was made (584 years fit): 8 bytes where an `Instant`
/// takes 16.
type Ticks = u64;

type Waiters = watch::Sender<Option<Recorded>>;

/// What one record costs in the table, whatever its outcome: its map entry, counted twice for
/// the map's control byte and its free buckets (a map is between 7/16 and 7/8 full), and its
/// expiry queue entry. 104 bytes.
const RECORD_BYTES: usize =
    2 * std::mem::size_of::<(Digest, Record)>() + std::mem::size_of::<(Ticks, Digest)>();

/// What a kept reply costs besides its text: the `Arc` allocation holding its [`Outcome`].
const KEPT_REPLY_OVERHEAD: usize = std::mem::size_of::<Outcome>() + 16;

/// What a record with a kept reply costs besides the reply's text (the most any record costs
/// besides that text).
const RECORD_OVERHEAD: usize = RECORD_BYTES + KEPT_REPLY_OVERHEAD;

#[derive(Debug)]
enum Slot {
    /// The first attempt is running; the channel exists only once a retry waits for it.
    Running(Option<Waiters>),
    Done(Recorded),
}

/// One remembered push: 24 bytes, plus its 16-byte digest in the map.
#[derive(Debug)]
struct Record {
    slot: Slot,
    /// When the record expires; it also tells a claim from a later claim of the same push.
    expires_at: Ticks,
}

impl Record {
    /// What this record counts for in its shard's bytes.
    fn bytes(&self) -> usize {
        RECORD_BYTES
            + match &self.slot {
                Slot::Running(_) => 0,
                Slot::Done(recorded) => recorded.heap_bytes(),
            }
    }
}

/// Hashes a keyed digest to its low half: the digests (of pushes here, of signed bodies in
/// [`crate::replay`]) are already uniformly distributed, so hashing them again would only cost
/// time.
#[derive(Default)]
pub(crate) struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used; fold anything else in, for completeness.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, half: u64) {
        self.0 = half;
    }
}

#[derive(Debug, Default)]
struct Shard {
    records: HashMap<Digest, Record, BuildHasherDefault<DigestHasher>>,
    /// Records in the order they were claimed, which (with one TTL for all) is the order they
    /// expire in: expiring pops from the front, O(1) per record, never a scan of the table.
    order: VecDeque<(Ticks, Digest)>,
    /// The sum of the records' [`Record::bytes`].
    bytes: usize,
}

/// The de-duplication table.
#[derive(Debug)]
pub(crate) struct Dedup {
    shards: Vec<Mutex<Shard>>,
    shared: Option<Arc<dyn Store>>,
    ttl: Duration,
    /// Where the records' [`Ticks`] count from.
    epoch: Instant,
    /// Records kept per shard at most; beyond it the oldest are forgotten early.
    shard_capacity: usize,
    /// Bytes kept per shard at most; beyond it the oldest are forgotten early.
    shard_max_bytes: usize,
    /// How long one store call may take before the push goes on without the store.
    budget: Duration,
    health: Arc<StoreHealth>,
    metrics: Arc<GatewayMetrics>,
    seed: u64,
}

/// The limits of a [`Dedup`] table.
#[derive(Clone, Debug)]
pub(crate) struct Limits {
    /// How long a push is remembered.
    pub(crate) ttl: Duration,
    /// How many pushes are remembered at most (about).
    pub(crate) entries: usize,
    /// How many bytes of records are kept at most (about).
    pub(crate) bytes: usize,
    /// How long one call to the shared store may take.
    pub(crate) store_budget: Duration,
    /// The shared store's recent health.
    pub(crate) health: Arc<StoreHealth>,
}

/// What [`Dedup::begin`] decided.
pub(crate) enum Claim {
    /// This attempt is the first: run the handler and report through [`Flight::finish`].
    First(Flight),
    /// Another attempt owns the push; this is its outcome (or `Deferred` at the deadline).
    Duplicate(Recorded),
}

/// Whether this attempt owns the push's key in the shared store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SharedClaim {
    /// No shared store, or another attempt owns the key.
    NotOwned,
    /// This attempt wrote the key.
    Owned,
    /// The store did not answer: the key may or may not have been written.
    Unknown,
}

/// The first attempt's handle: report the outcome exactly once. Dropped without reporting (the
/// connection went away while the push was being claimed), it removes its record, so that a
/// retry, waiting or still to come, runs the handler itself.
pub(crate) struct Flight {
    key: String,
    digest: Digest,
    /// The local record's expiry, which tells it from a later claim of the same push.
    expires_at: Ticks,
    dedup: Arc<Dedup>,
    shared_claim: SharedClaim,
    finished: bool,
}

impl Dedup {
    /// A table remembering pushes within `limits`; with `shared`, also recorded in that store.
    pub(crate) fn new(
        shared: Option<Arc<dyn Store>>,
        limits: Limits,
        metrics: Arc<GatewayMetrics>,
    ) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            shared,
            ttl: limits.ttl,
            epoch: Instant::now(),
            shard_capacity: limits.entries.div_ceil(SHARDS).max(1),
            shard_max_bytes: limits.bytes.div_ceil(SHARDS).max(RECORD_OVERHEAD),
            budget: limits.store_budget,
            health: limits.health,
            metrics,
            seed: rand::random(),
        }
    }

    fn digest(&self, key: &str) -> Digest {
        let digest = xxhash_rust::xxh3::xxh3_128_with_seed(key.as_bytes(), self.seed);
        Digest {
            low: digest as u64,
            high: (digest >> 64) as u64,
        }
    }

    /// `at` in ticks since the table was made.
    fn ticks(&self, at: Instant) -> Ticks {
        let since = at.saturating_duration_since(self.epoch);
        Ticks::try_from(since.as_nanos()).unwrap_or(Ticks::MAX)
    }

    fn shard(&self, digest: Digest) -> MutexGuard<'_, Shard> {
        // The high half picks the shard, the low half the bucket within it.
        let index = (digest.high as usize) % SHARDS;
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
        let expires_at = now
            .checked_add(self.ttl)
            .map_or(Ticks::MAX, |at| self.ticks(at));
        let now = self.ticks(now);
        loop {
            let waiting = {
                let mut shard = self.shard(digest);
                shard.evict(
                    now,
                    self.shard_capacity,
                    self.shard_max_bytes.saturating_sub(RECORD_OVERHEAD),
                );
                match shard.records.entry(digest) {
                    Entry::Occupied(mut entry) if entry.get().expires_at > now => {
                        match &mut entry.get_mut().slot {
                            Slot::Done(recorded) => return Claim::Duplicate(recorded.clone()),
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
                        let replaced = match entry {
                            Entry::Occupied(mut expired) => {
                                Some(std::mem::replace(expired.get_mut(), record).bytes())
                            }
                            Entry::Vacant(vacant) => {
                                vacant.insert(record);
                                None
                            }
                        };
                        shard.bytes = shard.bytes - replaced.unwrap_or(0) + RECORD_BYTES;
                        shard.order.push_back((expires_at, digest));
                        None
                    }
                }
            };
            let Some(rx) = waiting else { break };
            if let Some(recorded) = wait_local(rx, deadline).await {
                return Claim::Duplicate(recorded);
            }
            // The first attempt was abandoned (or forgotten): claim the push afresh.
        }
        let flight = Flight {
            key,
            digest,
            expires_at,
            dedup: Arc::clone(self),
            shared_claim: SharedClaim::NotOwned,
            finished: false,
        };
        match &self.shared {
            None => Claim::First(flight),
            Some(store) => claim_shared(Arc::clone(store), flight, deadline).await,
        }
    }

    /// Records the outcome of `digest` and wakes the retries waiting for it.
    fn record(&self, digest: Digest, expires_at: Ticks, recorded: Recorded) {
        let mut shard = self.shard(digest);
        let shard = &mut *shard;
        if let Some(record) = shard.records.get_mut(&digest)
            && record.expires_at == expires_at
        {
            let before = record.bytes();
            let previous = std::mem::replace(&mut record.slot, Slot::Done(recorded.clone()));
            shard.bytes = shard.bytes - before + record.bytes();
            if let Slot::Running(Some(waiters)) = previous {
                waiters.send_replace(Some(recorded));
            }
            if shard.bytes > self.shard_max_bytes {
                shard.evict(self.ticks(Instant::now()), usize::MAX, self.shard_max_bytes);
            }
        }
    }

    /// Forgets the running record of an abandoned attempt; retries waiting for it claim the
    /// push themselves.
    fn abandon(&self, digest: Digest, expires_at: Ticks) {
        let mut shard = self.shard(digest);
        if let Entry::Occupied(entry) = shard.records.entry(digest)
            && entry.get().expires_at == expires_at
            && matches!(entry.get().slot, Slot::Running(_))
        {
            // Dropping the record drops its waiters' channel, which wakes them.
            let record = entry.remove();
            shard.bytes -= record.bytes();
        }
    }

    /// The bytes the table accounts for (records and their recorded replies).
    pub(crate) fn bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| shard.lock().unwrap_or_else(PoisonError::into_inner).bytes)
            .sum()
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

    fn fell_back(&self) {
        self.metrics.dedup_fallback.fetch_add(1, Ordering::Relaxed);
    }
}

impl Shard {
    /// Forgets records that expired by `now`, and the oldest ones while there are `capacity`
    /// or more records or more than `max_bytes` bytes.
    fn evict(&mut self, now: Ticks, capacity: usize, max_bytes: usize) {
        while let Some(&(expires_at, digest)) = self.order.front() {
            if expires_at > now && self.records.len() < capacity && self.bytes <= max_bytes {
                break;
            }
            self.order.pop_front();
            // The record may have been claimed afresh after expiring: only the entry that
            // matches it in time may remove it.
            if let Entry::Occupied(entry) = self.records.entry(digest)
                && entry.get().expires_at == expires_at
            {
                let record = entry.remove();
                self.bytes -= record.bytes();
            }
        }
    }
}

/// What waiting on the shared store for another attempt's outcome gave.
enum Awaited {
    Outcome(Outcome),
    /// The key is gone: its owner abandoned the push (or it expired).
    Released,
    /// The store failed or did not answer within the budget.
    Unavailable,
}

/// How long a shared claim lives before the outcome replaces it: the owner's deadline plus a
/// margin for the outcome's background write. An owner that dies (kill -9, a crash) leaves its
/// claim behind; it lapses at this TTL and the next attempt of the push, on any instance, takes
/// the push over instead of waiting on a claim nobody will finish (which would answer WeChat's
/// retries `success` with no reply anywhere). The recorded outcome gets the full TTL.
fn pending_ttl(deadline: Instant, budget: Duration) -> Duration {
    deadline.saturating_duration_since(Instant::now()) + (budget * 2).max(Duration::from_secs(1))
}

async fn claim_shared(store: Arc<dyn Store>, mut flight: Flight, deadline: Instant) -> Claim {
    let store_key = store_key(&flight.key);
    let budget = flight.dedup.budget;
    let claim_ttl = pending_ttl(deadline, budget);
    if flight.dedup.health.is_down() {
        flight.dedup.fell_back();
        return Claim::First(flight);
    }
    // Twice at most: a key released by an abandoned owner is claimed once more.
    for _ in 0..2 {
        flight.shared_claim = SharedClaim::Unknown;
        let claimed = tokio::time::timeout(
            budget,
            store.set_if_absent(&store_key, PENDING, Some(claim_ttl)),
        )
        .await;
        match claimed {
            Ok(Ok(true)) => {
                flight.shared_claim = SharedClaim::Owned;
                return Claim::First(flight);
            }
            Ok(Ok(false)) => {
                // Another instance (or an earlier, finished attempt) owns it.
                flight.shared_claim = SharedClaim::NotOwned;
                match wait_shared(store.as_ref(), &store_key, deadline, budget).await {
                    Awaited::Outcome(outcome) => {
                        let recorded = Recorded::kept(&Arc::new(outcome));
                        flight.conclude(recorded.clone());
                        return Claim::Duplicate(recorded);
                    }
                    Awaited::Released => {}
                    Awaited::Unavailable => {
                        flight.dedup.health.failed();
                        tracing::warn!(
                            "de-duplication store stopped answering; handling the push with this process's table"
                        );
                        flight.dedup.fell_back();
                        return Claim::First(flight);
                    }
                }
            }
            Ok(Err(e)) => {
                flight.dedup.health.failed();
                tracing::warn!(error = %e, "de-duplication store failed; handling the push with this process's table");
                flight.dedup.fell_back();
                return Claim::First(flight);
            }
            Err(_elapsed) => {
                flight.dedup.health.failed();
                tracing::warn!(
                    budget_ms = budget.as_millis(),
                    "de-duplication store did not answer in time; handling the push with this process's table"
                );
                flight.dedup.fell_back();
                return Claim::First(flight);
            }
        }
    }
    Claim::First(flight)
}

async fn wait_shared(
    store: &dyn Store,
    store_key: &str,
    deadline: Instant,
    budget: Duration,
) -> Awaited {
    loop {
        let call_deadline = deadline.min(Instant::now() + budget);
        match tokio::time::timeout_at(call_deadline, store.get(store_key)).await {
            Ok(Ok(Some(value))) if value != PENDING => {
                return Awaited::Outcome(
                    serde_json::from_slice(&value).unwrap_or(Outcome::Nothing),
                );
            }
            Ok(Ok(None)) => return Awaited::Released,
            Ok(Ok(Some(_))) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "de-duplication store failed while waiting");
                return Awaited::Unavailable;
            }
            Err(_elapsed) if Instant::now() < deadline => return Awaited::Unavailable,
            // The owner is still running at this attempt's deadline: it defers its reply.
            Err(_elapsed) => return Awaited::Outcome(Outcome::Deferred),
        }
        if Instant::now() + POLL >= deadline {
            return Awaited::Outcome(Outcome::Deferred);
        }
        tokio::time::sleep(POLL).await;
    }
}

impl Flight {
    /// Records the outcome for later retries and wakes any waiting ones; the shared store gets
    /// it in the background (bounded by the store-call budget), so the answer never waits.
    pub(crate) fn finish(self, outcome: Outcome) -> Arc<Outcome> {
        let outcome = Arc::new(outcome);
        self.settle(Recorded::kept(&outcome), &outcome);
        outcome
    }

    /// [`Flight::finish`] for the account's configured reply, written with `CreateTime`
    /// `create_time`: the local record keeps that time and not the reply, which a retry writes
    /// again (the shared store still gets the whole outcome).
    pub(crate) fn finish_configured(self, outcome: Outcome, create_time: u64) -> Arc<Outcome> {
        let outcome = Arc::new(outcome);
        let recorded = match outcome.as_ref() {
            Outcome::Reply(_) => Recorded::Configured { create_time },
            Outcome::Nothing | Outcome::Deferred => Recorded::kept(&outcome),
        };
        self.settle(recorded, &outcome);
        outcome
    }

    fn settle(mut self, recorded: Recorded, outcome: &Outcome) {
        self.conclude(recorded);
        if let Some(store) = &self.dedup.shared {
            let store = Arc::clone(store);
            let key = store_key(&self.key);
            let value = serde_json::to_vec(outcome).unwrap_or_default();
            let ttl = self.dedup.ttl;
            let budget = self.dedup.budget;
            tokio::spawn(async move {
                match tokio::time::timeout(budget, store.set(&key, &value, Some(ttl))).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "could not share a push outcome; a retry reaching another instance may run its handler again");
                    }
                    Err(_elapsed) => {
                        tracing::warn!(
                            "the store did not take a push outcome in time; a retry reaching another instance may run its handler again"
                        );
                    }
                }
            });
        }
    }

    /// Records the outcome locally; the flight is then over.
    fn conclude(&mut self, recorded: Recorded) {
        self.finished = true;
        self.dedup.record(self.digest, self.expires_at, recorded);
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        self.dedup.abandon(self.digest, self.expires_at);
        if self.shared_claim != SharedClaim::NotOwned
            && let Some(store) = &self.dedup.shared
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let store = Arc::clone(store);
            let key = store_key(&self.key);
            let budget = self.dedup.budget;
            runtime.spawn(async move {
                let _ = tokio::time::timeout(budget, store.compare_and_delete(&key, PENDING)).await;
            });
        }
    }
}

/// The outcome the running attempt reported; `Deferred` when this attempt's deadline came
/// first; `None` when the running attempt was abandoned or forgotten (claim afresh).
async fn wait_local(
    mut rx: watch::Receiver<Option<Recorded>>,
    deadline: Instant,
) -> Option<Recorded> {
    match tokio::time::timeout_at(deadline, rx.wait_for(Option::is_some)).await {
        Ok(Ok(recorded)) => Some(recorded.clone().unwrap_or(Recorded::Deferred)),
        Ok(Err(_)) => None,
        Err(_) => Some(Recorded::Deferred),
    }
}

fn store_key(key: &str) -> String {
    format!("wxgate:dedup:{key}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(300);

    fn limits(entries: usize, bytes: usize) -> Limits {
        Limits {
            ttl: TTL,
            entries,
            bytes,
            store_budget: Duration::from_millis(100),
            health: Arc::default(),
        }
    }

    fn table(capacity: usize) -> Arc<Dedup> {
        Arc::new(Dedup::new(
            None,
            limits(capacity, usize::MAX),
            Arc::default(),
        ))
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
            first(claim(dedup, &format!("{prefix}:{i}"), now).await).finish(Outcome::Nothing);
        }
    }

    fn duplicate(claim: Claim) -> Arc<Outcome> {
        match claim {
            Claim::Duplicate(recorded) => {
                recorded.into_outcome(|_| panic!("no configured reply in this table"))
            }
            Claim::First(_) => panic!("expected a duplicate"),
        }
    }

    /// Issue 14: what a record costs is what identifies the push and its answer. The byte
    /// accounting (and the table's memory per push) rests on these sizes.
    #[test]
    fn a_record_is_a_digest_an_expiry_and_an_outcome() {
        assert_eq!(std::mem::size_of::<Digest>(), 16);
        assert_eq!(std::mem::size_of::<Recorded>(), 16);
        assert_eq!(std::mem::size_of::<Record>(), 24);
        assert_eq!(std::mem::size_of::<(Digest, Record)>(), 40);
        assert_eq!(std::mem::size_of::<(Ticks, Digest)>(), 24);
        assert_eq!(RECORD_BYTES, 104);
        // An `Arc<Outcome>`'s allocation: two counters and the outcome.
        assert_eq!(KEPT_REPLY_OVERHEAD, 40);
    }

    #[tokio::test]
    async fn each_record_counts_for_what_it_keeps() {
        let dedup = table(100_000);
        let t0 = Instant::now();
        let running = first(claim(&dedup, "a:1", t0).await);
        assert_eq!(dedup.bytes(), RECORD_BYTES);
        running.finish(Outcome::Nothing);
        assert_eq!(dedup.bytes(), RECORD_BYTES);
        // A configured reply keeps its `CreateTime`, not its text...
        let xml = "<xml>a configured reply</xml>".repeat(20);
        let answer = first(claim(&dedup, "a:2", t0).await)
            .finish_configured(Outcome::Reply(xml.clone()), 1_700_000_000);
        assert_eq!(*answer, Outcome::Reply(xml.clone()));
        assert_eq!(dedup.bytes(), 2 * RECORD_BYTES);
        // ... from which its retry writes it again.
        let rebuilt = match claim(&dedup, "a:2", t0).await {
            Claim::Duplicate(recorded) => recorded.into_outcome(|create_time| {
                assert_eq!(create_time, 1_700_000_000);
                Outcome::Reply(xml.clone())
            }),
            Claim::First(_) => panic!("expected a duplicate"),
        };
        assert_eq!(*rebuilt, Outcome::Reply(xml));
        // A configured handler that answered nothing keeps nothing either.
        first(claim(&dedup, "a:3", t0).await).finish_configured(Outcome::Nothing, 1_700_000_000);
        assert_eq!(*duplicate(claim(&dedup, "a:3", t0).await), Outcome::Nothing);
        // A handler in code's reply is kept: its `Arc` and its text.
        first(claim(&dedup, "a:4", t0).await).finish(Outcome::Reply("k".repeat(300)));
        assert_eq!(dedup.bytes(), 4 * RECORD_BYTES + KEPT_REPLY_OVERHEAD + 300);
        // Expired records give back all they counted for (1,000 pushes sweep every shard).
        let t1 = t0 + TTL + Duration::from_secs(1);
        handle_new(&dedup, "b", 1000, t1).await;
        assert_eq!(dedup.len(), 1000);
        assert_eq!(dedup.bytes(), 1000 * RECORD_BYTES);
    }

    #[tokio::test]
    async fn a_finished_push_answers_its_retries_with_the_same_outcome() {
        let dedup = table(1000);
        let now = Instant::now();
        let flight = first(claim(&dedup, "a:1", now).await);
        let outcome = flight.finish(Outcome::Reply("<xml/>".into()));
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
        flight.finish(Outcome::Reply("late".into()));
        for waiter in waiters {
            assert_eq!(*waiter.await.unwrap(), Outcome::Reply("late".into()));
        }
    }

    /// Behaviour changed on purpose (issue 13): an abandoned attempt used to record `Deferred`,
    /// so WeChat's retry was answered `success` with no reply queued anywhere.
    #[tokio::test]
    async fn a_dropped_attempt_hands_the_push_to_its_retries() {
        let dedup = table(1000);
        let now = Instant::now();
        let flight = first(claim(&dedup, "a:1", now).await);
        let waiter = {
            let dedup = Arc::clone(&dedup);
            tokio::spawn(async move { claim(&dedup, "a:1", Instant::now()).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(flight);
        let started = std::time::Instant::now();
        // The waiting retry becomes the first attempt, without waiting for its deadline.
        let taken_over = first(waiter.await.unwrap());
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "did not wait for the deadline"
        );
        taken_over.finish(Outcome::Reply("from the retry".into()));
        assert_eq!(
            *duplicate(claim(&dedup, "a:1", now).await),
            Outcome::Reply("from the retry".into())
        );
        // With no retry waiting, the next attempt claims it too; nothing of the abandoned
        // attempts stays in the table.
        drop(first(claim(&dedup, "b:1", now).await));
        drop(first(claim(&dedup, "b:1", now).await));
        assert_eq!(dedup.len(), 1);
        assert_eq!(dedup.bytes(), RECORD_OVERHEAD + "from the retry".len());
    }

    #[tokio::test]
    async fn an_expired_record_is_claimed_afresh_and_its_old_expiry_does_not_remove_the_new_one() {
        let dedup = table(100_000);
        let t0 = Instant::now();
        first(claim(&dedup, "a:1", t0).await).finish(Outcome::Nothing);
        let t1 = t0 + TTL + Duration::from_secs(1);
        first(claim(&dedup, "a:1", t1).await).finish(Outcome::Reply("second".into()));
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

    #[tokio::test]
    async fn memory_is_bounded_by_bytes_oldest_first() {
        let reply = "r".repeat(10_000);
        let max = 16 * 50_000;
        let dedup = Arc::new(Dedup::new(None, limits(1_000_000, max), Arc::default()));
        let now = Instant::now();
        for i in 0..2000 {
            first(claim(&dedup, &format!("a:{i}"), now).await)
                .finish(Outcome::Reply(reply.clone()));
            assert!(dedup.bytes() <= max, "{} bytes after {i}", dedup.bytes());
        }
        // About 5 replies per shard fit: the newest are remembered, the oldest forgotten.
        assert!(
            dedup.len() >= 16 && dedup.len() <= 16 * 5,
            "{}",
            dedup.len()
        );
        duplicate(claim(&dedup, "a:1999", now).await);
        first(claim(&dedup, "a:0", now).await);
    }

    /// A store whose every call hangs, like a Redis that went away without closing the socket.
    #[derive(Debug)]
    struct Hanging;

    #[async_trait::async_trait]
    impl Store for Hanging {
        async fn get(&self, _: &str) -> Result<Option<Vec<u8>>, wxgate_store::StoreError> {
            std::future::pending().await
        }
        async fn set(
            &self,
            _: &str,
            _: &[u8],
            _: Option<Duration>,
        ) -> Result<(), wxgate_store::StoreError> {
            std::future::pending().await
        }
        async fn set_if_absent(
            &self,
            _: &str,
            _: &[u8],
            _: Option<Duration>,
        ) -> Result<bool, wxgate_store::StoreError> {
            std::future::pending().await
        }
        async fn compare_and_set(
            &self,
            _: &str,
            _: Option<&[u8]>,
            _: &[u8],
            _: Option<Duration>,
        ) -> Result<bool, wxgate_store::StoreError> {
            std::future::pending().await
        }
        async fn delete(&self, _: &str) -> Result<bool, wxgate_store::StoreError> {
            std::future::pending().await
        }
        async fn compare_and_delete(
            &self,
            _: &str,
            _: &[u8],
        ) -> Result<bool, wxgate_store::StoreError> {
            std::future::pending().await
        }
        async fn acquire_lease(
            &self,
            _: &str,
            _: &str,
            _: Duration,
        ) -> Result<bool, wxgate_store::StoreError> {
            std::future::pending().await
        }
        async fn release_lease(&self, _: &str, _: &str) -> Result<bool, wxgate_store::StoreError> {
            std::future::pending().await
        }
        async fn push_job(
            &self,
            _: &str,
            _: &[u8],
            _: Duration,
        ) -> Result<wxgate_store::JobId, wxgate_store::StoreError> {
            std::future::pending().await
        }
        async fn claim_job(
            &self,
            _: &str,
            _: Duration,
        ) -> Result<Option<wxgate_store::Job>, wxgate_store::StoreError> {
            std::future::pending().await
        }
        async fn renew_job(
            &self,
            _: &str,
            _: &wxgate_store::Job,
            _: Duration,
        ) -> Result<bool, wxgate_store::StoreError> {
            std::future::pending().await
        }
        async fn complete_job(
            &self,
            _: &str,
            _: &wxgate_store::JobId,
        ) -> Result<(), wxgate_store::StoreError> {
            std::future::pending().await
        }
        async fn retry_job(
            &self,
            _: &str,
            _: &wxgate_store::JobId,
            _: Duration,
        ) -> Result<(), wxgate_store::StoreError> {
            std::future::pending().await
        }
        async fn revive_job(
            &self,
            _: &str,
            _: &wxgate_store::JobId,
            _: Duration,
        ) -> Result<bool, wxgate_store::StoreError> {
            std::future::pending().await
        }
        async fn bury_job(
            &self,
            _: &str,
            _: &wxgate_store::JobId,
            _: &str,
        ) -> Result<(), wxgate_store::StoreError> {
            std::future::pending().await
        }
        async fn queue_len(&self, _: &str) -> Result<u64, wxgate_store::StoreError> {
            std::future::pending().await
        }
        async fn dead_jobs(
            &self,
            _: &str,
        ) -> Result<Vec<wxgate_store::DeadJob>, wxgate_store::StoreError> {
            std::future::pending().await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_hanging_shared_store_costs_one_budget_and_falls_back_to_the_local_table() {
        let metrics = Arc::new(GatewayMetrics::default());
        let dedup = Arc::new(Dedup::new(
            Some(Arc::new(Hanging)),
            limits(1000, usize::MAX),
            Arc::clone(&metrics),
        ));
        let now = Instant::now();
        let flight = first(claim(&dedup, "a:1", now).await);
        assert_eq!(
            now.elapsed(),
            Duration::from_millis(100),
            "one store-call budget"
        );
        flight.finish(Outcome::Reply("r".into()));
        // The retry is recognised locally, without asking the store.
        let again = Instant::now();
        assert_eq!(
            *duplicate(claim(&dedup, "a:1", again).await),
            Outcome::Reply("r".into())
        );
        assert_eq!(again.elapsed(), Duration::ZERO);
        // Other pushes in the next moment do not wait on the store at all...
        let other = Instant::now();
        first(claim(&dedup, "a:2", other).await).finish(Outcome::Nothing);
        assert_eq!(other.elapsed(), Duration::ZERO);
        // ... and after it the store is asked again.
        tokio::time::sleep(crate::health::PAUSE).await;
        let later = Instant::now();
        first(claim(&dedup, "a:3", later).await).finish(Outcome::Nothing);
        assert_eq!(later.elapsed(), Duration::from_millis(100));
        assert_eq!(metrics.dedup_fallback.load(Ordering::Relaxed), 3);
    }

    /// Two gateway instances' tables sharing one store.
    fn two_instances() -> (Arc<dyn Store>, Arc<Dedup>, Arc<Dedup>) {
        let store: Arc<dyn Store> = Arc::new(wxgate_store::MemoryStore::new());
        let instance = || {
            Arc::new(Dedup::new(
                Some(Arc::clone(&store)),
                limits(1000, usize::MAX),
                Arc::default(),
            ))
        };
        let (a, b) = (instance(), instance());
        (store, a, b)
    }

    #[tokio::test]
    async fn the_claim_of_an_owner_that_died_lapses_and_is_taken_over() {
        let (_store, a, b) = two_instances();
        // The owner's deadline is 300 ms away; it dies without a word (no drop, no release).
        let now = Instant::now();
        let owner = first(
            a.begin("a:1".to_owned(), now, now + Duration::from_millis(300))
                .await,
        );
        std::mem::forget(owner);
        // WeChat's retry reaches another instance and gets the push once the claim lapses,
        // well inside its own deadline, instead of `success` with no reply anywhere.
        let retry_at = Instant::now();
        let retry = b
            .begin(
                "a:1".to_owned(),
                retry_at,
                retry_at + Duration::from_secs(5),
            )
            .await;
        first(retry).finish(Outcome::Reply("b".into()));
        assert!(retry_at.elapsed() < Duration::from_secs(4));
    }

    #[tokio::test]
    async fn a_shared_claim_released_by_its_abandoned_owner_is_taken_over() {
        let (store, a, b) = two_instances();
        let now = Instant::now();
        let owner = first(claim(&a, "a:1", now).await);
        let retry = {
            let b = Arc::clone(&b);
            tokio::spawn(async move { claim(&b, "a:1", Instant::now()).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(owner);
        first(retry.await.unwrap()).finish(Outcome::Reply("b".into()));
        // The outcome reaches the store in the background.
        for _ in 0..100 {
            if store.get(&store_key("a:1")).await.unwrap().as_deref() != Some(PENDING) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(
            *duplicate(claim(&a, "a:1", Instant::now()).await),
            Outcome::Reply("b".into())
        );
    }
}
