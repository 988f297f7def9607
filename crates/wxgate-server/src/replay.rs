//! Refusing a signed callback URL replayed with another body.
//!
//! In plaintext mode (and for plaintext pushes in compatible mode) WeChat's `signature` covers
//! only the token, `timestamp` and `nonce`, not the body: whoever holds one signed URL could
//! post any body under it for as long as the timestamp is accepted. So each signature is
//! remembered with a digest of the body it came with, for as long as the timestamp window
//! accepts it: the same body again is a retry (answered from the de-dup record), another body
//! is refused with 401. Encrypted pushes need none of this: their `msg_signature` covers the
//! encrypted body.
//!
//! Like the de-dup table, the local table is sharded and bounded (entries of a fixed size,
//! oldest forgotten first), and with a shared de-dup it is shared through the store too, each
//! call within the store-call budget; when the store does not answer, this process's table
//! alone decides (counted in `wxgate_replay_fallback_total`).

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;
use wxgate_store::Store;

use crate::dedup::DigestHasher;
use crate::health::StoreHealth;
use crate::metrics::GatewayMetrics;

const SHARDS: usize = 16;

/// What was seen under a signature before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The signature is new.
    Fresh,
    /// The signature came with this very body before: a retry.
    Retry,
    /// The signature came with another body before: refuse.
    Replayed,
}

/// A 128-bit digest, as two halves: a `u128` is 16-byte aligned and would pad every entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Digest {
    /// Picks the bucket within the shard.
    low: u64,
    /// Picks the shard.
    high: u64,
}

impl Digest {
    fn of(bytes: &[u8], seed: u64) -> Self {
        let digest = xxhash_rust::xxh3::xxh3_128_with_seed(bytes, seed);
        Self {
            low: digest as u64,
            high: (digest >> 64) as u64,
        }
    }
}

impl Hash for Digest {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Already uniform: the low half is the bucket's hash as it is.
        state.write_u64(self.low);
    }
}

/// A time as nanoseconds since the guard was made: 8 bytes where an `Instant` takes 16.
type Ticks = u64;

/// What is kept of a signature: when it is forgotten, and the digest of its body. 24 bytes,
/// plus the signature's 16-byte digest in the map and 24 bytes in the expiry queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Seen {
    expires_at: Ticks,
    body: Digest,
}

#[derive(Debug, Default)]
struct Shard {
    /// Signature digest → expiry and body digest.
    seen: HashMap<Digest, Seen, BuildHasherDefault<DigestHasher>>,
    /// Entries in insertion order, which (one TTL for all) is expiry order.
    order: VecDeque<(Ticks, Digest)>,
}

impl Shard {
    fn evict(&mut self, now: Ticks, capacity: usize) {
        while let Some(&(expires_at, key)) = self.order.front() {
            if expires_at > now && self.seen.len() < capacity {
                break;
            }
            self.order.pop_front();
            if let Entry::Occupied(entry) = self.seen.entry(key)
                && entry.get().expires_at == expires_at
            {
                entry.remove();
            }
        }
    }
}

/// The longest `account:signature` name digested on the stack (a real one is the account id,
/// a colon and 40 hex digits); longer ones take a heap buffer.
const NAME_ON_STACK: usize = 128;

/// The table of signatures seen, with their bodies' digests.
#[derive(Debug)]
pub(crate) struct ReplayGuard {
    shards: Vec<Mutex<Shard>>,
    shared: Option<Arc<dyn Store>>,
    ttl: Duration,
    shard_capacity: usize,
    budget: Duration,
    health: Arc<StoreHealth>,
    metrics: Arc<GatewayMetrics>,
    seed: u64,
    /// Where [`Ticks`] count from.
    epoch: Instant,
}

impl ReplayGuard {
    /// Remembers signatures for `ttl` (at least as long as a timestamp is accepted), at most
    /// about `capacity` of them; with `shared`, also in that store.
    pub(crate) fn new(
        shared: Option<Arc<dyn Store>>,
        ttl: Duration,
        capacity: usize,
        budget: Duration,
        health: Arc<StoreHealth>,
        metrics: Arc<GatewayMetrics>,
    ) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            shared,
            ttl,
            shard_capacity: capacity.div_ceil(SHARDS).max(1),
            budget,
            health,
            metrics,
            seed: rand::random(),
            epoch: Instant::now(),
        }
    }

    fn shard(&self, key: Digest) -> MutexGuard<'_, Shard> {
        self.shards[(key.high as usize) % SHARDS]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// `at` in ticks since the guard was made.
    fn ticks(&self, at: Instant) -> Ticks {
        let since = at.saturating_duration_since(self.epoch);
        Ticks::try_from(since.as_nanos()).unwrap_or(Ticks::MAX)
    }

    /// Records that `signature` (already verified) came to `account` with `body`, and says
    /// whether it was seen before with the same or another body.
    pub(crate) async fn check(
        &self,
        account: &str,
        signature: &str,
        body: &[u8],
        now: Instant,
    ) -> Verdict {
        // `account:signature`, the signature's hex digits in lower case (they are
        // case-insensitive: one form per signature), built on the stack when it fits.
        let len = account.len() + 1 + signature.len();
        let mut on_stack = [0u8; NAME_ON_STACK];
        let mut on_heap = Vec::new();
        let name: &mut [u8] = if len <= NAME_ON_STACK {
            &mut on_stack[..len]
        } else {
            on_heap.resize(len, 0);
            &mut on_heap
        };
        name[..account.len()].copy_from_slice(account.as_bytes());
        name[account.len()] = b':';
        name[account.len() + 1..].copy_from_slice(signature.as_bytes());
        name[account.len() + 1..].make_ascii_lowercase();
        let name: &[u8] = name;
        let key = Digest::of(name, self.seed);
        let body_digest = Digest::of(body, self.seed);
        let seen = Seen {
            expires_at: now
                .checked_add(self.ttl)
                .map_or(Ticks::MAX, |at| self.ticks(at)),
            body: body_digest,
        };
        {
            let now = self.ticks(now);
            let mut shard = self.shard(key);
            shard.evict(now, self.shard_capacity);
            match shard.seen.entry(key) {
                Entry::Occupied(entry) if entry.get().expires_at > now => {
                    return if entry.get().body == body_digest {
                        Verdict::Retry
                    } else {
                        Verdict::Replayed
                    };
                }
                Entry::Occupied(mut expired) => {
                    expired.insert(seen);
                }
                Entry::Vacant(vacant) => {
                    vacant.insert(seen);
                }
            }
            shard.order.push_back((seen.expires_at, key));
        }
        let Some(store) = &self.shared else {
            return Verdict::Fresh;
        };
        // ASCII lower-casing keeps UTF-8 valid, so this borrows the name as it is.
        let name = String::from_utf8_lossy(name);
        let verdict = self
            .check_shared(store.as_ref(), &name, body)
            .await
            .unwrap_or_else(|| {
                self.metrics.replay_fallback.fetch_add(1, Ordering::Relaxed);
                Verdict::Fresh
            });
        if verdict == Verdict::Replayed {
            // Another instance saw the original body: forget the forged one, so that it is
            // never taken for the original here.
            let mut shard = self.shard(key);
            if let Entry::Occupied(entry) = shard.seen.entry(key)
                && entry.get() == &seen
            {
                entry.remove();
            }
        }
        verdict
    }

    /// The store's verdict, or `None` when it failed or did not answer within the budget.
    async fn check_shared(&self, store: &dyn Store, name: &str, body: &[u8]) -> Option<Verdict> {
        if self.health.is_down() {
            return None;
        }
        let verdict = self.ask_store(store, name, body).await;
        if verdict.is_none() {
            self.health.failed();
        }
        verdict
    }

    async fn ask_store(&self, store: &dyn Store, name: &str, body: &[u8]) -> Option<Verdict> {
        let store_key = format!("wxgate:replay:{name}");
        // A digest every instance computes alike and no one can aim a second body at.
        let digest = sha1_hex(body);
        let written = tokio::time::timeout(
            self.budget,
            store.set_if_absent(&store_key, digest.as_bytes(), Some(self.ttl)),
        )
        .await;
        match written {
            Ok(Ok(true)) => return Some(Verdict::Fresh),
            Ok(Ok(false)) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "replay store failed; checking with this process's table");
                return None;
            }
            Err(_elapsed) => {
                tracing::warn!(
                    "replay store did not answer in time; checking with this process's table"
                );
                return None;
            }
        }
        match tokio::time::timeout(self.budget, store.get(&store_key)).await {
            Ok(Ok(Some(seen))) if seen == digest.as_bytes() => Some(Verdict::Retry),
            Ok(Ok(Some(_))) => Some(Verdict::Replayed),
            // Expired in between: nothing to compare with.
            Ok(Ok(None)) => Some(Verdict::Fresh),
            Ok(Err(_)) | Err(_) => None,
        }
    }
}

fn sha1_hex(body: &[u8]) -> String {
    // The proto crate's signature helper is SHA-1 over the concatenated parts; a body that is
    // not UTF-8 never gets this far (it is refused with 400).
    wxgate_proto::signature::sign(&[&String::from_utf8_lossy(body)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(shared: Option<Arc<dyn Store>>) -> ReplayGuard {
        ReplayGuard::new(
            shared,
            Duration::from_secs(601),
            1000,
            Duration::from_millis(100),
            Arc::default(),
            Arc::default(),
        )
    }

    #[tokio::test]
    async fn a_signature_is_good_for_one_body() {
        let guard = guard(None);
        let now = Instant::now();
        assert_eq!(
            guard.check("a", "ABCDEF", b"one", now).await,
            Verdict::Fresh
        );
        assert_eq!(
            guard.check("a", "abcdef", b"one", now).await,
            Verdict::Retry
        );
        assert_eq!(
            guard.check("a", "abcdef", b"two", now).await,
            Verdict::Replayed
        );
        // Other accounts and other signatures are other keys.
        assert_eq!(
            guard.check("b", "abcdef", b"two", now).await,
            Verdict::Fresh
        );
        assert_eq!(
            guard.check("a", "abcde0", b"two", now).await,
            Verdict::Fresh
        );
        // Once the window is over the signature is refused by its timestamp anyway.
        let later = now + Duration::from_secs(602);
        assert_eq!(
            guard.check("a", "abcdef", b"two", later).await,
            Verdict::Fresh
        );
    }

    #[tokio::test]
    async fn instances_sharing_a_store_see_each_others_signatures() {
        let store: Arc<dyn Store> = Arc::new(wxgate_store::MemoryStore::new());
        let a = guard(Some(Arc::clone(&store)));
        let b = guard(Some(Arc::clone(&store)));
        let now = Instant::now();
        assert_eq!(a.check("x", "abc", b"one", now).await, Verdict::Fresh);
        assert_eq!(b.check("x", "abc", b"one", now).await, Verdict::Retry);
        assert_eq!(b.check("x", "abc", b"two", now).await, Verdict::Replayed);
        // The forged body was not kept on b as if it were the original.
        assert_eq!(b.check("x", "abc", b"two", now).await, Verdict::Replayed);
    }

    #[tokio::test]
    async fn memory_is_bounded() {
        let guard = guard(None);
        let now = Instant::now();
        for i in 0..20_000 {
            guard.check("a", &format!("{i:x}"), b"body", now).await;
        }
        let kept: usize = guard
            .shards
            .iter()
            .map(|s| s.lock().unwrap().seen.len())
            .sum();
        assert!(kept <= 1000 + SHARDS, "{kept}");
    }
}
