//! The behaviour every backend must show, as `pub async fn`s over a shared store.
//!
//! Each backend module (`memory`, `sqlite`, `redis`, `trace`) calls
//! `conformance_suite!(fixture_fn)`, which turns every function listed in the macro into one
//! `#[tokio::test]` on that backend, so no backend can skip one. Time-dependent checks use
//! TTLs of a few hundred milliseconds and real sleeps: the SQLite and Redis clocks can't be
//! paused.

// The suite is `pub` so that it reads as the contract; the test binary exports nothing.
#![allow(unreachable_pub)]

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Barrier;
use tokio::time::sleep;
use wxgate_store::{Job, JobId, Store, StoreError};

/// A store under test, with whatever must live as long as it (a temp dir) and an async
/// clean-up (deleting a Redis test prefix).
pub struct Fixture {
    pub store: Arc<dyn Store>,
    pub guard: Option<Box<dyn Any + Send>>,
    pub teardown: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl Fixture {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            guard: None,
            teardown: None,
        }
    }

    /// Runs a test body, with a time limit (a broken backend must fail, not hang), then the
    /// clean-up even if the body panicked; then reports the body's failure.
    pub async fn run<F>(self, body: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let outcome = tokio::time::timeout(TEST_TIME_LIMIT, tokio::spawn(body)).await;
        if let Some(teardown) = self.teardown {
            teardown.await;
        }
        drop(self.guard);
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(failure)) if failure.is_panic() => {
                std::panic::resume_unwind(failure.into_panic())
            }
            Ok(Err(failure)) => panic!("test task failed: {failure}"),
            Err(_) => panic!("test did not finish within {TEST_TIME_LIMIT:?}"),
        }
    }
}

/// Declares one test per conformance function for the backend built by `$fixture`, an
/// `async fn() -> Option<Fixture>` (`None`: backend unavailable, test skipped).
macro_rules! conformance_suite {
    ($fixture:path) => {
        conformance_suite!($fixture;
            values_round_trip,
            binary_values_and_odd_keys,
            ttl_expiry,
            set_if_absent_semantics,
            set_if_absent_race,
            compare_and_set_semantics,
            compare_and_set_race,
            compare_and_delete_semantics,
            lease_exclusivity,
            lease_renewal_and_takeover,
            lease_race,
            queue_fifo,
            queue_due_order_and_delay,
            claim_hides_job,
            lease_expiry_redelivers,
            renew_extends_claim,
            renew_after_lease_ran_out,
            renew_refused_once_claim_lost,
            complete_removes_job,
            retry_requeues,
            bury_moves_to_dead_letters,
            revive_requeues_a_dead_letter,
            revive_race,
            unknown_job_errors,
            queues_are_independent,
            binary_payloads,
            concurrent_claims_never_share,
        );
    };
    ($fixture:path; $($test:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                let Some(fixture) = $fixture().await else {
                    return;
                };
                let body = crate::conformance::$test(::std::sync::Arc::clone(&fixture.store));
                fixture.run(body).await;
            }
        )+
    };
}

/// Far longer than any test needs, even on a loaded machine.
const TEST_TIME_LIMIT: Duration = Duration::from_secs(60);

const SHORT: Duration = Duration::from_millis(300);
const PAST_SHORT: Duration = Duration::from_millis(450);
const LONG: Duration = Duration::from_secs(60);

async fn value(store: &dyn Store, key: &str) -> Option<Vec<u8>> {
    store.get(key).await.expect("get")
}

fn assert_unknown(result: Result<(), StoreError>, id: &JobId) {
    match result {
        Err(StoreError::UnknownJob(got)) => assert_eq!(&got, id),
        other => panic!("expected UnknownJob({id}), got {other:?}"),
    }
}

pub async fn values_round_trip(store: Arc<dyn Store>) {
    let store = &*store;
    assert_eq!(value(store, "k").await, None);
    assert!(!store.delete("k").await.unwrap(), "nothing to delete");

    store.set("k", b"one", None).await.unwrap();
    assert_eq!(value(store, "k").await.as_deref(), Some(&b"one"[..]));
    store.set("k", b"two", None).await.unwrap();
    assert_eq!(value(store, "k").await.as_deref(), Some(&b"two"[..]));
    assert_eq!(value(store, "other").await, None, "keys are independent");

    assert!(store.delete("k").await.unwrap());
    assert_eq!(value(store, "k").await, None);
    assert!(!store.delete("k").await.unwrap());
}

pub async fn binary_values_and_odd_keys(store: Arc<dyn Store>) {
    let store = &*store;
    let all_bytes: Vec<u8> = (0..=255).collect();
    let not_utf8 = [0xff, 0xfe, 0x00, 0xc3, 0x28];
    let keys = ["键 with spaces", "{tag}:x", "a}b{c", "\u{0}nul", ""];
    for key in keys {
        store.set(key, &all_bytes, None).await.unwrap();
        assert_eq!(
            value(store, key).await,
            Some(all_bytes.clone()),
            "key {key:?}"
        );
    }
    store.set("bin", &not_utf8, None).await.unwrap();
    assert_eq!(value(store, "bin").await.as_deref(), Some(&not_utf8[..]));

    // An empty value is present, not absent.
    store.set("empty", b"", None).await.unwrap();
    assert_eq!(value(store, "empty").await, Some(Vec::new()));
    assert!(!store.set_if_absent("empty", b"x", None).await.unwrap());
    assert!(store.compare_and_delete("empty", b"").await.unwrap());
    assert_eq!(value(store, "empty").await, None);
}

pub async fn ttl_expiry(store: Arc<dyn Store>) {
    let store = &*store;
    store.set("short", b"v", Some(SHORT)).await.unwrap();
    store.set("long", b"v", Some(LONG)).await.unwrap();
    store.set("forever", b"v", None).await.unwrap();
    // A TTL replaced by `None` no longer applies.
    store.set("cleared", b"v", Some(SHORT)).await.unwrap();
    store.set("cleared", b"w", None).await.unwrap();
    // A zero TTL is rounded up to 1 ms: the value is gone almost at once.
    store.set("zero", b"v", Some(Duration::ZERO)).await.unwrap();
    assert_eq!(value(store, "short").await.as_deref(), Some(&b"v"[..]));

    sleep(PAST_SHORT).await;
    assert_eq!(value(store, "short").await, None, "expired");
    assert_eq!(value(store, "zero").await, None, "zero ttl");
    assert!(
        !store.delete("short").await.unwrap(),
        "an expired value is not deleted"
    );
    assert!(value(store, "long").await.is_some());
    assert!(value(store, "forever").await.is_some());
    assert_eq!(value(store, "cleared").await.as_deref(), Some(&b"w"[..]));
}

pub async fn set_if_absent_semantics(store: Arc<dyn Store>) {
    let store = &*store;
    assert!(store.set_if_absent("k", b"first", None).await.unwrap());
    assert!(!store.set_if_absent("k", b"second", None).await.unwrap());
    assert_eq!(value(store, "k").await.as_deref(), Some(&b"first"[..]));

    assert!(
        store
            .set_if_absent("t", b"first", Some(SHORT))
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_if_absent("t", b"second", Some(SHORT))
            .await
            .unwrap()
    );
    sleep(PAST_SHORT).await;
    assert_eq!(value(store, "t").await, None, "the ttl applies");
    assert!(
        store.set_if_absent("t", b"third", None).await.unwrap(),
        "expired = absent"
    );
    assert_eq!(value(store, "t").await.as_deref(), Some(&b"third"[..]));
}

pub async fn set_if_absent_race(store: Arc<dyn Store>) {
    const TASKS: usize = 50;
    let barrier = Arc::new(Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|i| {
            let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                let won = store
                    .set_if_absent("dedup", format!("task-{i}").as_bytes(), Some(LONG))
                    .await
                    .unwrap();
                (i, won)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        let (i, won) = task.await.unwrap();
        if won {
            winners.push(i);
        }
    }
    assert_eq!(winners.len(), 1, "exactly one winner: {winners:?}");
    let expected = format!("task-{}", winners[0]).into_bytes();
    assert_eq!(value(&*store, "dedup").await, Some(expected));
}

pub async fn compare_and_set_semantics(store: Arc<dyn Store>) {
    let store = &*store;
    // Expected absent.
    assert!(
        store
            .compare_and_set("k", None, b"one", None)
            .await
            .unwrap()
    );
    assert!(
        !store.compare_and_set("k", None, b"x", None).await.unwrap(),
        "not absent"
    );
    // Expected a value.
    assert!(
        !store
            .compare_and_set("k", Some(b"nope"), b"x", None)
            .await
            .unwrap()
    );
    assert_eq!(value(store, "k").await.as_deref(), Some(&b"one"[..]));
    assert!(
        store
            .compare_and_set("k", Some(b"one"), b"two", None)
            .await
            .unwrap()
    );
    assert_eq!(value(store, "k").await.as_deref(), Some(&b"two"[..]));
    // Expected a value on an absent key.
    assert!(
        !store
            .compare_and_set("missing", Some(b"x"), b"y", None)
            .await
            .unwrap()
    );
    assert_eq!(value(store, "missing").await, None);
    // An empty value is not absence.
    store.set("empty", b"", None).await.unwrap();
    assert!(
        !store
            .compare_and_set("empty", None, b"x", None)
            .await
            .unwrap()
    );
    assert!(
        store
            .compare_and_set("empty", Some(b""), b"x", None)
            .await
            .unwrap()
    );
    // TTLs: the new value's TTL applies, and an expired value counts as absent.
    assert!(
        store
            .compare_and_set("k", Some(b"two"), b"three", Some(SHORT))
            .await
            .unwrap()
    );
    sleep(PAST_SHORT).await;
    assert_eq!(value(store, "k").await, None);
    assert!(
        !store
            .compare_and_set("k", Some(b"three"), b"x", None)
            .await
            .unwrap()
    );
    assert!(
        store
            .compare_and_set("k", None, b"four", None)
            .await
            .unwrap()
    );
    assert_eq!(value(store, "k").await.as_deref(), Some(&b"four"[..]));
}

pub async fn compare_and_set_race(store: Arc<dyn Store>) {
    const TASKS: usize = 30;
    store.set("counter", b"0", None).await.unwrap();
    let barrier = Arc::new(Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|i| {
            let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                store
                    // Never "0" itself: a winner writing the expected value back would let
                    // a second one win (this made the test fail once in 30 runs).
                    .compare_and_set("counter", Some(b"0"), format!("won-{i}").as_bytes(), None)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        wins += usize::from(task.await.unwrap());
    }
    assert_eq!(wins, 1);
}

pub async fn compare_and_delete_semantics(store: Arc<dyn Store>) {
    let store = &*store;
    store.set("k", b"mine", None).await.unwrap();
    assert!(!store.compare_and_delete("k", b"theirs").await.unwrap());
    assert_eq!(value(store, "k").await.as_deref(), Some(&b"mine"[..]));
    assert!(store.compare_and_delete("k", b"mine").await.unwrap());
    assert_eq!(value(store, "k").await, None);
    assert!(
        !store.compare_and_delete("k", b"mine").await.unwrap(),
        "absent"
    );

    store.set("t", b"mine", Some(SHORT)).await.unwrap();
    sleep(PAST_SHORT).await;
    assert!(
        !store.compare_and_delete("t", b"mine").await.unwrap(),
        "expired"
    );
}

pub async fn lease_exclusivity(store: Arc<dyn Store>) {
    let store = &*store;
    assert!(store.acquire_lease("lease", "a", LONG).await.unwrap());
    assert!(!store.acquire_lease("lease", "b", LONG).await.unwrap());
    assert!(
        store.acquire_lease("lease", "a", LONG).await.unwrap(),
        "owner renews"
    );
    assert_eq!(
        value(store, "lease").await.as_deref(),
        Some(&b"a"[..]),
        "a lease is its owner"
    );

    assert!(
        !store.release_lease("lease", "b").await.unwrap(),
        "only the owner releases"
    );
    assert!(!store.acquire_lease("lease", "b", LONG).await.unwrap());
    assert!(store.release_lease("lease", "a").await.unwrap());
    assert!(
        !store.release_lease("lease", "a").await.unwrap(),
        "already released"
    );
    assert!(
        store.acquire_lease("lease", "b", LONG).await.unwrap(),
        "free again"
    );
    assert!(!store.acquire_lease("lease", "a", LONG).await.unwrap());
    assert!(
        store.acquire_lease("other", "a", LONG).await.unwrap(),
        "leases are per key"
    );
}

pub async fn lease_renewal_and_takeover(store: Arc<dyn Store>) {
    let store = &*store;
    let ttl = Duration::from_millis(400);
    let step = Duration::from_millis(250);
    assert!(store.acquire_lease("lease", "a", ttl).await.unwrap());
    sleep(step).await; // t = 250: renew to t = 650
    assert!(store.acquire_lease("lease", "a", ttl).await.unwrap());
    sleep(step).await; // t = 500: past the first expiry, before the renewed one
    assert!(
        !store.acquire_lease("lease", "b", ttl).await.unwrap(),
        "renewal extended it"
    );
    sleep(step).await; // t = 750: expired
    assert!(
        store.acquire_lease("lease", "b", LONG).await.unwrap(),
        "takeover after expiry"
    );
    assert!(
        !store.release_lease("lease", "a").await.unwrap(),
        "a lost it"
    );
    assert!(!store.acquire_lease("lease", "a", ttl).await.unwrap());
    assert_eq!(value(store, "lease").await.as_deref(), Some(&b"b"[..]));
}

pub async fn lease_race(store: Arc<dyn Store>) {
    const TASKS: usize = 50;
    let barrier = Arc::new(Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|i| {
            let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                let owner = format!("owner-{i}");
                let held = store.acquire_lease("lease", &owner, LONG).await.unwrap();
                (owner, held)
            })
        })
        .collect();
    let mut holders = Vec::new();
    for task in tasks {
        let (owner, held) = task.await.unwrap();
        if held {
            holders.push(owner);
        }
    }
    assert_eq!(holders.len(), 1, "{holders:?}");
    assert_eq!(
        value(&*store, "lease").await,
        Some(holders[0].clone().into_bytes())
    );
}

pub async fn queue_fifo(store: Arc<dyn Store>) {
    let store = &*store;
    assert_eq!(store.queue_len("q").await.unwrap(), 0);
    assert!(
        store.claim_job("q", LONG).await.unwrap().is_none(),
        "empty queue"
    );
    let mut pushed = Vec::new();
    for payload in [&b"first"[..], b"second", b"third"] {
        pushed.push(store.push_job("q", payload, Duration::ZERO).await.unwrap());
    }
    assert_eq!(store.queue_len("q").await.unwrap(), 3);
    let mut unique = pushed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 3, "ids are unique: {pushed:?}");

    for (id, payload) in pushed.iter().zip([&b"first"[..], b"second", b"third"]) {
        let job = store
            .claim_job("q", LONG)
            .await
            .unwrap()
            .expect("a due job");
        assert_eq!(&job.id, id);
        assert_eq!(job.payload, payload);
        assert_eq!(job.attempts, 1);
    }
    assert!(store.claim_job("q", LONG).await.unwrap().is_none());
    assert_eq!(
        store.queue_len("q").await.unwrap(),
        3,
        "claimed jobs still count"
    );
    for id in &pushed {
        store.complete_job("q", id).await.unwrap();
    }
    assert_eq!(store.queue_len("q").await.unwrap(), 0);
}

pub async fn queue_due_order_and_delay(store: Arc<dyn Store>) {
    let store = &*store;
    let late = store
        .push_job("q", b"late", Duration::from_millis(300))
        .await
        .unwrap();
    let early = store
        .push_job("q", b"early", Duration::from_millis(150))
        .await
        .unwrap();
    let now = store.push_job("q", b"now", Duration::ZERO).await.unwrap();
    assert_eq!(store.queue_len("q").await.unwrap(), 3, "delayed jobs count");

    let job = store.claim_job("q", LONG).await.unwrap().unwrap();
    assert_eq!(job.id, now);
    assert!(
        store.claim_job("q", LONG).await.unwrap().is_none(),
        "delays are honoured"
    );

    sleep(PAST_SHORT).await;
    let first = store.claim_job("q", LONG).await.unwrap().unwrap();
    let second = store.claim_job("q", LONG).await.unwrap().unwrap();
    assert_eq!((first.id, second.id), (early, late), "earliest due first");
    assert!(store.claim_job("q", LONG).await.unwrap().is_none());
}

pub async fn claim_hides_job(store: Arc<dyn Store>) {
    let store = &*store;
    let id = store.push_job("q", b"job", Duration::ZERO).await.unwrap();
    let job = store.claim_job("q", LONG).await.unwrap().unwrap();
    assert_eq!(job.id, id);
    assert!(
        store.claim_job("q", LONG).await.unwrap().is_none(),
        "hidden while claimed"
    );
    assert_eq!(store.queue_len("q").await.unwrap(), 1);
}

pub async fn lease_expiry_redelivers(store: Arc<dyn Store>) {
    let store = &*store;
    let id = store.push_job("q", b"job", Duration::ZERO).await.unwrap();
    let first = store.claim_job("q", SHORT).await.unwrap().unwrap();
    assert_eq!((first.id.clone(), first.attempts), (id.clone(), 1));
    assert!(store.claim_job("q", SHORT).await.unwrap().is_none());

    sleep(PAST_SHORT).await;
    let second = store
        .claim_job("q", LONG)
        .await
        .unwrap()
        .expect("claimable again");
    assert_eq!(second.id, id);
    assert_eq!(second.payload, b"job");
    assert_eq!(second.attempts, 2, "every claim counts");
    store.complete_job("q", &id).await.unwrap();
    assert_eq!(store.queue_len("q").await.unwrap(), 0);
}

pub async fn renew_extends_claim(store: Arc<dyn Store>) {
    let store = &*store;
    let id = store.push_job("q", b"job", Duration::ZERO).await.unwrap();
    let job = store.claim_job("q", SHORT).await.unwrap().unwrap();
    assert!(store.renew_job("q", &job, LONG).await.unwrap());
    sleep(PAST_SHORT).await;
    assert!(
        store.claim_job("q", SHORT).await.unwrap().is_none(),
        "hidden for the renewed lease, not the first one"
    );
    // A renewal sets the claim's end to now + lease, so it can also shorten it.
    assert!(store.renew_job("q", &job, SHORT).await.unwrap());
    assert!(store.claim_job("q", SHORT).await.unwrap().is_none());
    sleep(PAST_SHORT).await;
    let again = store
        .claim_job("q", LONG)
        .await
        .unwrap()
        .expect("claimable once the renewed lease ran out");
    assert_eq!(
        (again.id.clone(), again.attempts),
        (id.clone(), 2),
        "renewals are no claims"
    );
    store.complete_job("q", &id).await.unwrap();
    assert_eq!(store.queue_len("q").await.unwrap(), 0);
}

pub async fn renew_after_lease_ran_out(store: Arc<dyn Store>) {
    let store = &*store;
    store.push_job("q", b"job", Duration::ZERO).await.unwrap();
    let job = store.claim_job("q", SHORT).await.unwrap().unwrap();
    sleep(PAST_SHORT).await;
    // Nobody claimed it since: the claim is still this one's, and renewing hides it again.
    assert!(store.renew_job("q", &job, LONG).await.unwrap());
    assert!(store.claim_job("q", LONG).await.unwrap().is_none());
    store.complete_job("q", &job.id).await.unwrap();
}

pub async fn renew_refused_once_claim_lost(store: Arc<dyn Store>) {
    let store = &*store;
    // Claimed again by another claimer after the lease ran out: only the new claim renews.
    store.push_job("q", b"job", Duration::ZERO).await.unwrap();
    let first = store.claim_job("q", SHORT).await.unwrap().unwrap();
    sleep(PAST_SHORT).await;
    let second = store.claim_job("q", SHORT).await.unwrap().unwrap();
    assert_eq!(second.id, first.id);
    assert!(!store.renew_job("q", &first, LONG).await.unwrap());
    assert!(store.renew_job("q", &second, LONG).await.unwrap());
    sleep(PAST_SHORT).await;
    assert!(
        store.claim_job("q", LONG).await.unwrap().is_none(),
        "the refused renewal changed nothing, the second one held"
    );
    assert!(!store.renew_job("other", &second, LONG).await.unwrap());

    // Retried, then completed: no claim left to renew.
    store.retry_job("q", &second.id, LONG).await.unwrap();
    assert!(!store.renew_job("q", &second, LONG).await.unwrap());
    store
        .retry_job("q", &second.id, Duration::ZERO)
        .await
        .unwrap_err();
    let mut claimed = Vec::new();
    for payload in [&b"done"[..], b"buried"] {
        store.push_job("q", payload, Duration::ZERO).await.unwrap();
        let job = store.claim_job("q", LONG).await.unwrap().unwrap();
        assert_eq!(job.payload, payload);
        claimed.push(job);
    }
    store.complete_job("q", &claimed[0].id).await.unwrap();
    store
        .bury_job("q", &claimed[1].id, "gave up")
        .await
        .unwrap();
    for job in &claimed {
        assert!(!store.renew_job("q", job, LONG).await.unwrap(), "{job:?}");
    }

    // Never claimed, or not an id the store gave out: refused, not an error.
    let waiting = store.push_job("q", b"waiting", LONG).await.unwrap();
    let fakes = [
        Job {
            id: waiting,
            payload: Vec::new(),
            attempts: 0,
        },
        Job {
            id: JobId("no-such-job".to_owned()),
            payload: Vec::new(),
            attempts: 1,
        },
        Job {
            id: JobId(format!("0{}", claimed[0].id)),
            payload: Vec::new(),
            attempts: 1,
        },
    ];
    for fake in &fakes {
        assert!(!store.renew_job("q", fake, LONG).await.unwrap(), "{fake:?}");
    }
}

pub async fn complete_removes_job(store: Arc<dyn Store>) {
    let store = &*store;
    let id = store.push_job("q", b"job", Duration::ZERO).await.unwrap();
    let kept = store
        .push_job("q", b"kept", Duration::from_secs(60))
        .await
        .unwrap();
    store.claim_job("q", LONG).await.unwrap().unwrap();
    store.complete_job("q", &id).await.unwrap();
    assert_eq!(store.queue_len("q").await.unwrap(), 1);
    assert_unknown(store.complete_job("q", &id).await, &id);
    assert_unknown(store.retry_job("q", &id, Duration::ZERO).await, &id);
    assert_unknown(store.bury_job("q", &id, "late").await, &id);
    assert!(store.dead_jobs("q").await.unwrap().is_empty());
    assert_unknown(store.complete_job("q", &kept).await, &kept);
}

pub async fn retry_requeues(store: Arc<dyn Store>) {
    let store = &*store;
    let id = store.push_job("q", b"job", Duration::ZERO).await.unwrap();
    let job = store.claim_job("q", LONG).await.unwrap().unwrap();
    store.retry_job("q", &job.id, Duration::ZERO).await.unwrap();
    assert_unknown(store.retry_job("q", &id, Duration::ZERO).await, &id);
    assert_unknown(store.complete_job("q", &id).await, &id);

    let again = store
        .claim_job("q", LONG)
        .await
        .unwrap()
        .expect("due at once");
    assert_eq!((again.id.clone(), again.attempts), (id.clone(), 2));
    store.retry_job("q", &id, SHORT).await.unwrap();
    assert!(
        store.claim_job("q", LONG).await.unwrap().is_none(),
        "retry delay"
    );
    assert_eq!(store.queue_len("q").await.unwrap(), 1);

    sleep(PAST_SHORT).await;
    let third = store.claim_job("q", LONG).await.unwrap().unwrap();
    assert_eq!(
        (third.id, third.payload, third.attempts),
        (id, b"job".to_vec(), 3)
    );
}

pub async fn revive_requeues_a_dead_letter(store: Arc<dyn Store>) {
    let store = &*store;
    let a = store.push_job("q", b"a", Duration::ZERO).await.unwrap();
    let b = store.push_job("q", b"b", Duration::ZERO).await.unwrap();
    for _ in 0..2 {
        store.claim_job("q", LONG).await.unwrap().unwrap();
    }
    store.bury_job("q", &a, "gave up").await.unwrap();
    store.bury_job("q", &b, "500").await.unwrap();
    assert_eq!(store.queue_len("q").await.unwrap(), 0);

    // Not buried (or not in this queue): nothing happens.
    let unknown = JobId("999999".to_owned());
    assert!(
        !store
            .revive_job("q", &unknown, Duration::ZERO)
            .await
            .unwrap()
    );
    assert!(
        !store
            .revive_job("elsewhere", &a, Duration::ZERO)
            .await
            .unwrap()
    );

    assert!(store.revive_job("q", &a, SHORT).await.unwrap());
    assert!(
        !store.revive_job("q", &a, Duration::ZERO).await.unwrap(),
        "revived once only"
    );
    let dead = store.dead_jobs("q").await.unwrap();
    assert_eq!(dead.len(), 1, "b is still dead");
    assert_eq!(dead[0].id, b);
    assert_eq!(store.queue_len("q").await.unwrap(), 1);
    assert!(
        store.claim_job("q", LONG).await.unwrap().is_none(),
        "due only after the delay"
    );
    sleep(PAST_SHORT).await;
    let again = store.claim_job("q", LONG).await.unwrap().unwrap();
    assert_eq!(
        (again.id.clone(), again.payload, again.attempts),
        (a.clone(), b"a".to_vec(), 1),
        "same id and payload, attempts counted afresh"
    );
    // It can die and be revived again.
    store.bury_job("q", &a, "again").await.unwrap();
    let dead = store.dead_jobs("q").await.unwrap();
    assert_eq!(
        dead.iter()
            .map(|d| (&d.id, d.attempts, &*d.reason))
            .collect::<Vec<_>>(),
        [(&b, 1, "500"), (&a, 1, "again")]
    );
    assert!(store.revive_job("q", &a, Duration::ZERO).await.unwrap());
    assert!(store.revive_job("q", &b, Duration::ZERO).await.unwrap());
    assert!(store.dead_jobs("q").await.unwrap().is_empty());
    let mut ids = Vec::new();
    while let Some(job) = store.claim_job("q", LONG).await.unwrap() {
        store.complete_job("q", &job.id).await.unwrap();
        ids.push(job.id);
    }
    ids.sort();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(store.queue_len("q").await.unwrap(), 0);
}

pub async fn revive_race(store: Arc<dyn Store>) {
    let id = store.push_job("q", b"x", Duration::ZERO).await.unwrap();
    store.claim_job("q", LONG).await.unwrap().unwrap();
    store.bury_job("q", &id, "dead").await.unwrap();
    let barrier = Arc::new(Barrier::new(8));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (store, id, barrier) = (Arc::clone(&store), id.clone(), Arc::clone(&barrier));
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.revive_job("q", &id, Duration::ZERO).await.unwrap()
        }));
    }
    let mut revived = 0;
    for task in tasks {
        revived += usize::from(task.await.unwrap());
    }
    assert_eq!(revived, 1, "exactly one caller revives the job");
    assert_eq!(store.queue_len("q").await.unwrap(), 1);
    assert!(store.dead_jobs("q").await.unwrap().is_empty());
}

pub async fn bury_moves_to_dead_letters(store: Arc<dyn Store>) {
    let store = &*store;
    let a = store.push_job("q", b"a", Duration::ZERO).await.unwrap();
    let b = store.push_job("q", b"b", Duration::ZERO).await.unwrap();
    let c = store.push_job("q", b"c", Duration::ZERO).await.unwrap();
    for _ in 0..3 {
        store.claim_job("q", LONG).await.unwrap().unwrap();
    }
    store.retry_job("q", &b, Duration::ZERO).await.unwrap();
    let b_again = store.claim_job("q", LONG).await.unwrap().unwrap();
    assert_eq!((b_again.id.clone(), b_again.attempts), (b.clone(), 2));

    store.bury_job("q", &b, "bad request: 40003").await.unwrap();
    store.bury_job("q", &a, "gave up").await.unwrap();
    assert_eq!(store.queue_len("q").await.unwrap(), 1, "only c is left");
    assert_unknown(store.complete_job("q", &a).await, &a);
    assert_unknown(store.bury_job("q", &a, "twice").await, &a);

    let dead = store.dead_jobs("q").await.unwrap();
    assert_eq!(dead.len(), 2);
    assert_eq!(
        (
            &dead[0].id,
            &dead[0].payload[..],
            dead[0].attempts,
            &*dead[0].reason
        ),
        (&b, &b"b"[..], 2, "bad request: 40003"),
        "in burial order"
    );
    assert_eq!(
        (
            &dead[1].id,
            &dead[1].payload[..],
            dead[1].attempts,
            &*dead[1].reason
        ),
        (&a, &b"a"[..], 1, "gave up")
    );
    assert!(store.dead_jobs("elsewhere").await.unwrap().is_empty());
    store.complete_job("q", &c).await.unwrap();
    assert_eq!(
        store.dead_jobs("q").await.unwrap().len(),
        2,
        "dead letters are kept"
    );
}

pub async fn unknown_job_errors(store: Arc<dyn Store>) {
    let store = &*store;
    let never_claimed = store.push_job("q", b"job", Duration::ZERO).await.unwrap();
    let bogus = [
        JobId("999999".to_owned()),
        JobId("not-a-number".to_owned()),
        JobId(String::new()),
        never_claimed,
    ];
    // A claimed job is known only under the exact id the store gave it.
    store
        .push_job("look", b"claimed", Duration::ZERO)
        .await
        .unwrap();
    let claimed = store.claim_job("look", LONG).await.unwrap().unwrap();
    for lookalike in [
        format!("0{}", claimed.id),
        format!("+{}", claimed.id),
        format!(" {}", claimed.id),
    ] {
        let id = JobId(lookalike);
        assert_unknown(store.complete_job("look", &id).await, &id);
    }
    store.complete_job("look", &claimed.id).await.unwrap();
    for id in &bogus {
        assert_unknown(store.complete_job("q", id).await, id);
        assert_unknown(store.retry_job("q", id, Duration::ZERO).await, id);
        assert_unknown(store.bury_job("q", id, "reason").await, id);
        assert_unknown(store.complete_job("no-such-queue", id).await, id);
    }
    // A claimed job is only known in its own queue.
    let job = store.claim_job("q", LONG).await.unwrap().unwrap();
    assert_unknown(store.complete_job("other", &job.id).await, &job.id);
    assert_unknown(store.bury_job("other", &job.id, "x").await, &job.id);
    store.complete_job("q", &job.id).await.unwrap();
    assert!(store.dead_jobs("q").await.unwrap().is_empty());
}

pub async fn queues_are_independent(store: Arc<dyn Store>) {
    let store = &*store;
    let names = ["replies:main", "{weird}:name", "}{", "队列"];
    for (i, name) in names.iter().enumerate() {
        for _ in 0..=i {
            store
                .push_job(name, name.as_bytes(), Duration::ZERO)
                .await
                .unwrap();
        }
    }
    for (i, name) in names.iter().enumerate() {
        assert_eq!(store.queue_len(name).await.unwrap(), i as u64 + 1, "{name}");
        for _ in 0..=i {
            let job = store.claim_job(name, LONG).await.unwrap().unwrap();
            assert_eq!(job.payload, name.as_bytes());
        }
        assert!(
            store.claim_job(name, LONG).await.unwrap().is_none(),
            "{name}"
        );
    }
    // Queues don't share the value key space either.
    assert_eq!(value(store, "replies:main").await, None);
}

pub async fn binary_payloads(store: Arc<dyn Store>) {
    let store = &*store;
    let all_bytes: Vec<u8> = (0..=255).rev().collect();
    let payloads = [all_bytes, vec![0xff, 0xfe, 0xfd], Vec::new(), vec![0; 3]];
    for payload in &payloads {
        store.push_job("q", payload, Duration::ZERO).await.unwrap();
    }
    let mut claimed = Vec::new();
    for payload in &payloads {
        let job = store.claim_job("q", LONG).await.unwrap().unwrap();
        assert_eq!(&job.payload, payload);
        claimed.push(job.id);
    }
    for id in &claimed {
        store.bury_job("q", id, "raison d'être: ☠").await.unwrap();
    }
    let dead = store.dead_jobs("q").await.unwrap();
    let dead_payloads: Vec<_> = dead.iter().map(|job| job.payload.clone()).collect();
    assert_eq!(dead_payloads, payloads);
    assert!(dead.iter().all(|job| job.reason == "raison d'être: ☠"));
}

pub async fn concurrent_claims_never_share(store: Arc<dyn Store>) {
    const JOBS: usize = 40;
    const WORKERS: usize = 8;
    for i in 0..JOBS {
        store
            .push_job("q", format!("{i}").as_bytes(), Duration::ZERO)
            .await
            .unwrap();
    }
    let barrier = Arc::new(Barrier::new(WORKERS));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                // Bounded, so a claim that hides nothing fails instead of spinning forever.
                let mut mine = Vec::new();
                while mine.len() <= JOBS {
                    let Some(job) = store.claim_job("q", LONG).await.unwrap() else {
                        break;
                    };
                    mine.push(job.payload);
                }
                mine
            })
        })
        .collect();
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await.unwrap());
    }
    all.sort();
    let mut expected: Vec<Vec<u8>> = (0..JOBS).map(|i| format!("{i}").into_bytes()).collect();
    expected.sort();
    assert_eq!(all, expected, "every job claimed exactly once");
}

/// Two handles on one shared backend (two SQLite connections, two Redis connections) contend
/// for one lease: exactly one owner wins, and both handles agree on it.
#[cfg(any(feature = "sqlite", feature = "redis"))]
pub async fn two_handles_contend_for_one_lease(a: Arc<dyn Store>, b: Arc<dyn Store>) {
    const PER_HANDLE: usize = 20;
    let barrier = Arc::new(Barrier::new(2 * PER_HANDLE));
    let mut tasks = Vec::new();
    for (name, handle) in [("a", &a), ("b", &b)] {
        for i in 0..PER_HANDLE {
            let (store, barrier) = (Arc::clone(handle), Arc::clone(&barrier));
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let owner = format!("{name}-{i}");
                let held = store
                    .acquire_lease("shared-lease", &owner, LONG)
                    .await
                    .unwrap();
                (owner, held)
            }));
        }
    }
    let mut holders = Vec::new();
    for task in tasks {
        let (owner, held) = task.await.unwrap();
        if held {
            holders.push(owner);
        }
    }
    assert_eq!(holders.len(), 1, "{holders:?}");
    let holder = holders[0].clone().into_bytes();
    assert_eq!(value(&*a, "shared-lease").await, Some(holder.clone()));
    assert_eq!(value(&*b, "shared-lease").await, Some(holder.clone()));
    let (owner_side, other_side) = if holder.starts_with(b"a-") {
        (&a, &b)
    } else {
        (&b, &a)
    };
    let owner = String::from_utf8(holder).unwrap();
    assert!(
        !other_side
            .acquire_lease("shared-lease", "intruder", LONG)
            .await
            .unwrap()
    );
    // The owner's name, not the handle, owns the lease: it may release through either.
    assert!(
        other_side
            .release_lease("shared-lease", &owner)
            .await
            .unwrap()
    );
    assert!(
        owner_side
            .acquire_lease("shared-lease", "intruder", LONG)
            .await
            .unwrap()
    );
}

/// A job pushed through one handle is claimed through the other, once.
#[cfg(any(feature = "sqlite", feature = "redis"))]
pub async fn two_handles_share_a_queue(a: Arc<dyn Store>, b: Arc<dyn Store>) {
    let id = a.push_job("shared", b"job", Duration::ZERO).await.unwrap();
    let job = b.claim_job("shared", LONG).await.unwrap().unwrap();
    assert_eq!(job.id, id);
    assert!(a.claim_job("shared", LONG).await.unwrap().is_none());
    a.complete_job("shared", &id).await.unwrap();
    assert_eq!(b.queue_len("shared").await.unwrap(), 0);
}
