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

use std::collections::HashMap;
use std::collections::hash_map::{DefaultHasher, Entry};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};
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
/// A shard is swept of expired entries after this many inserts, or half its size if larger,
/// so each insert pays O(1) amortized.
const SWEEP_EVERY: usize = 1024;

type Pending = watch::Receiver<Option<Arc<Outcome>>>;

#[derive(Debug)]
enum Slot {
    Running(Pending),
    Done(Arc<Outcome>),
}

#[derive(Debug)]
struct Record {
    slot: Slot,
    expires_at: Instant,
}

#[derive(Debug, Default)]
struct Shard {
    records: HashMap<String, Record>,
    inserts_since_sweep: usize,
}

/// The de-duplication table.
#[derive(Debug)]
pub(crate) struct Dedup {
    shards: Vec<Mutex<Shard>>,
    shared: Option<Arc<dyn Store>>,
    ttl: Duration,
}

/// What [`Dedup::begin`] decided.
pub(crate) enum Claim {
    /// This attempt is the first: run the handler and report through [`Flight::finish`].
    First(Flight),
    /// Another attempt owns the push; this is its outcome (or `Deferred` at the deadline).
    Duplicate(Arc<Outcome>),
}

/// The first attempt's handle: report the outcome exactly once.
pub(crate) struct Flight {
    key: String,
    tx: watch::Sender<Option<Arc<Outcome>>>,
    dedup: Arc<Dedup>,
}

impl Dedup {
    /// A table remembering pushes for `ttl`; with `shared`, also recorded in that store.
    pub(crate) fn new(shared: Option<Arc<dyn Store>>, ttl: Duration) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            shared,
            ttl,
        }
    }

    fn shard(&self, key: &str) -> &Mutex<Shard> {
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        &self.shards[(hasher.finish() as usize) % SHARDS]
    }

    /// Claims `key`, or waits (until `deadline`) for the attempt that did.
    pub(crate) async fn begin(self: &Arc<Self>, key: String, deadline: Instant) -> Claim {
        let now = Instant::now();
        let found = {
            let mut shard = self
                .shard(&key)
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            shard.sweep_if_due(now);
            match shard.records.entry(key.clone()) {
                Entry::Occupied(entry) if entry.get().expires_at > now => match &entry.get().slot {
                    Slot::Running(rx) => Err(rx.clone()),
                    Slot::Done(outcome) => return Claim::Duplicate(Arc::clone(outcome)),
                },
                entry => {
                    let (tx, rx) = watch::channel(None);
                    let record = Record {
                        slot: Slot::Running(rx),
                        expires_at: now + self.ttl,
                    };
                    match entry {
                        Entry::Occupied(mut stale) => {
                            stale.insert(record);
                        }
                        Entry::Vacant(vacant) => {
                            vacant.insert(record);
                        }
                    }
                    shard.inserts_since_sweep += 1;
                    Ok(tx)
                }
            }
        };
        match found {
            Err(rx) => Claim::Duplicate(wait_local(rx, deadline).await),
            Ok(tx) => {
                let flight = Flight {
                    key,
                    tx,
                    dedup: Arc::clone(self),
                };
                match &self.shared {
                    None => Claim::First(flight),
                    Some(store) => claim_shared(Arc::clone(store), flight, deadline).await,
                }
            }
        }
    }

    fn record(&self, key: &str, outcome: Arc<Outcome>) {
        let mut shard = self
            .shard(key)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(record) = shard.records.get_mut(key) {
            record.slot = Slot::Done(outcome);
        }
    }
}

impl Shard {
    fn sweep_if_due(&mut self, now: Instant) {
        if self.inserts_since_sweep >= SWEEP_EVERY.max(self.records.len() / 2) {
            self.inserts_since_sweep = 0;
            self.records.retain(|_, record| record.expires_at > now);
        }
    }
}

async fn claim_shared(store: Arc<dyn Store>, flight: Flight, deadline: Instant) -> Claim {
    let store_key = store_key(&flight.key);
    let ttl = flight.dedup.ttl;
    match store.set_if_absent(&store_key, PENDING, Some(ttl)).await {
        Ok(true) => Claim::First(flight),
        Ok(false) => {
            // Another instance (or an earlier, finished attempt) owns it.
            let outcome = Arc::new(wait_shared(store.as_ref(), &store_key, deadline).await);
            flight.dedup.record(&flight.key, Arc::clone(&outcome));
            let _ = flight.tx.send(Some(Arc::clone(&outcome)));
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
    pub(crate) async fn finish(self, outcome: Outcome) -> Arc<Outcome> {
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
        self.dedup.record(&self.key, Arc::clone(&outcome));
        let _ = self.tx.send(Some(Arc::clone(&outcome)));
        outcome
    }
}

async fn wait_local(mut rx: Pending, deadline: Instant) -> Arc<Outcome> {
    match tokio::time::timeout_at(deadline, rx.wait_for(Option::is_some)).await {
        Ok(Ok(outcome)) => outcome
            .clone()
            .unwrap_or_else(|| Arc::new(Outcome::Deferred)),
        // Time ran out, or the first attempt vanished without reporting.
        Ok(Err(_)) | Err(_) => Arc::new(Outcome::Deferred),
    }
}

fn store_key(key: &str) -> String {
    format!("wxgate:dedup:{key}")
}
