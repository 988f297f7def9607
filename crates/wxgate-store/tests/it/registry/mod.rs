//! The behaviour every [`Registry`] must show, as `pub async fn`s over a shared registry, run
//! against SQLite (file and memory) and PostgreSQL by `registry_suite!`.

// The suite is `pub` so that it reads as the contract; the test binary exports nothing.
#![allow(unreachable_pub)]

use std::any::Any;
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Barrier;
use wxgate_store::registry::{
    Claim, EventKind, Follower, FollowerFilter, FollowerProfile, MAX_PAGE, Push, Registry,
    RegistryError, SceneCounts, SyncProgress,
};

/// A registry under test (and, where the backend has one, a second handle on the same
/// database, as a second gateway would have), with what must outlive it and a clean-up.
pub struct Fixture {
    pub registry: Arc<dyn Registry>,
    pub second: Option<Arc<dyn Registry>>,
    pub guard: Option<Box<dyn Any + Send>>,
    pub teardown: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl Fixture {
    /// Runs a test body with a time limit, then the clean-up even if the body panicked; then
    /// reports the body's failure.
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

/// Declares one test per conformance function for the registry built by `$fixture`, an
/// `async fn() -> Option<Fixture>` (`None`: backend unavailable, test skipped).
macro_rules! registry_suite {
    ($fixture:path) => {
        registry_suite!($fixture;
            profile_round_trip,
            a_profile_without_follow_keeps_what_it_lacks,
            accounts_are_separate,
            paging_returns_each_follower_once,
            paging_limits_and_cursors,
            filters_and_counts,
            unsubscribe_keeps_the_follower_and_its_history,
            subscribe_without_profile_uses_the_push,
            record_subscribe_is_idempotent_per_push,
            concurrent_duplicate_subscribes_record_once,
            scans_and_unsubscribes_are_idempotent_per_push,
            funnel_counts_are_exact_under_concurrency,
            idempotency_key_lifecycle,
            idempotency_keys_expire,
            idempotency_claim_race,
            idempotency_claim_race_across_handles,
            sync_progress_round_trip,
        );
    };
    ($fixture:path; $($test:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                let Some(fixture) = $fixture().await else {
                    return;
                };
                let body = crate::registry::$test(
                    ::std::sync::Arc::clone(&fixture.registry),
                    fixture.second.clone(),
                );
                fixture.run(body).await;
            }
        )+
    };
}

#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

/// Far longer than any test needs, even on a loaded machine.
const TEST_TIME_LIMIT: Duration = Duration::from_secs(60);

const ACCOUNT: &str = "main";

type Second = Option<Arc<dyn Registry>>;

fn profile(openid: &str) -> FollowerProfile {
    FollowerProfile {
        openid: openid.to_owned(),
        unionid: Some(format!("union-{openid}")),
        subscribed: true,
        subscribe_time: Some(1_700_000_000),
        subscribe_scene: Some("ADD_SCENE_QR_CODE".to_owned()),
        qr_scene: Some("table-7".to_owned()),
        tags: vec![2, 128],
        remark: "regular".to_owned(),
    }
}

async fn get(registry: &dyn Registry, openid: &str) -> Follower {
    registry
        .follower(ACCOUNT, openid)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{openid} missing"))
}

async fn counts(registry: &dyn Registry, scene: &str) -> SceneCounts {
    registry.scene_counts(ACCOUNT, scene).await.unwrap()
}

/// Every follower matching `filter`, paging `limit` at a time.
async fn list_all(registry: &dyn Registry, filter: &FollowerFilter, limit: u32) -> Vec<String> {
    let mut openids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = registry
            .list_followers(ACCOUNT, filter, cursor.as_deref(), limit)
            .await
            .unwrap();
        assert!(page.followers.len() <= limit as usize);
        openids.extend(page.followers.into_iter().map(|f| f.openid));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return openids,
        }
    }
}

fn assert_invalid_argument<T: std::fmt::Debug>(result: Result<T, RegistryError>) {
    match result {
        Err(RegistryError::InvalidArgument(_)) => {}
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
}

pub async fn profile_round_trip(registry: Arc<dyn Registry>, _: Second) {
    let registry = &*registry;
    assert_eq!(registry.follower(ACCOUNT, "u1").await.unwrap(), None);
    let stored = registry
        .upsert_follower(ACCOUNT, &profile("u1"))
        .await
        .unwrap();
    assert_eq!(stored, get(registry, "u1").await);
    assert_eq!(stored.openid, "u1");
    assert_eq!(stored.unionid.as_deref(), Some("union-u1"));
    assert!(stored.subscribed);
    assert_eq!(stored.subscribe_time, Some(1_700_000_000));
    assert_eq!(stored.subscribe_scene.as_deref(), Some("ADD_SCENE_QR_CODE"));
    assert_eq!(stored.qr_scene.as_deref(), Some("table-7"));
    assert_eq!(stored.tags, vec![2, 128]);
    assert_eq!(stored.remark, "regular");
    assert_eq!(stored.unsubscribed_at_ms, None);
    assert!(stored.first_seen_ms > 1_600_000_000_000, "unix ms");
    assert_eq!(stored.first_seen_ms, stored.updated_at_ms);

    tokio::time::sleep(Duration::from_millis(5)).await;
    let changed = FollowerProfile {
        unionid: None,
        tags: vec![],
        remark: "备注 with ' quotes".to_owned(),
        qr_scene: None,
        subscribe_scene: Some("ADD_SCENE_SEARCH".to_owned()),
        ..profile("u1")
    };
    let updated = registry.upsert_follower(ACCOUNT, &changed).await.unwrap();
    assert_eq!(
        updated.first_seen_ms, stored.first_seen_ms,
        "first seen kept"
    );
    assert!(updated.updated_at_ms > stored.updated_at_ms);
    assert_eq!(
        updated.unionid.as_deref(),
        Some("union-u1"),
        "a unionid is kept"
    );
    assert_eq!(updated.tags, Vec::<u32>::new());
    assert_eq!(updated.remark, "备注 with ' quotes");
    assert_eq!(updated.qr_scene, None);
    assert_eq!(updated.subscribe_scene.as_deref(), Some("ADD_SCENE_SEARCH"));
    assert_eq!(updated, get(registry, "u1").await);
    // A profile changes no funnel figure and records no event.
    assert_eq!(counts(registry, "table-7").await, SceneCounts::default());
    assert!(
        registry
            .follower_events(ACCOUNT, "u1")
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn a_profile_without_follow_keeps_what_it_lacks(registry: Arc<dyn Registry>, _: Second) {
    let registry = &*registry;
    registry
        .upsert_follower(ACCOUNT, &profile("u1"))
        .await
        .unwrap();
    // `user/info` of a user who left: little more than the openid.
    let gone = FollowerProfile {
        openid: "u1".to_owned(),
        tags: vec![2],
        ..FollowerProfile::default()
    };
    let follower = registry.upsert_follower(ACCOUNT, &gone).await.unwrap();
    assert!(!follower.subscribed);
    let left_at = follower.unsubscribed_at_ms.expect("marked gone");
    assert_eq!(follower.qr_scene.as_deref(), Some("table-7"));
    assert_eq!(follower.subscribe_time, Some(1_700_000_000));
    assert_eq!(follower.unionid.as_deref(), Some("union-u1"));
    assert_eq!(follower.remark, "regular");
    assert_eq!(follower.tags, vec![2]);
    // Again: still gone since then.
    let again = registry.upsert_follower(ACCOUNT, &gone).await.unwrap();
    assert_eq!(again.unsubscribed_at_ms, Some(left_at));
    // Back.
    let back = registry
        .upsert_follower(ACCOUNT, &profile("u1"))
        .await
        .unwrap();
    assert!(back.subscribed);
    assert_eq!(back.unsubscribed_at_ms, None);
    // A user first seen gone.
    let stranger = registry
        .upsert_follower(
            ACCOUNT,
            &FollowerProfile {
                openid: "u2".to_owned(),
                ..FollowerProfile::default()
            },
        )
        .await
        .unwrap();
    assert!(!stranger.subscribed);
    assert!(stranger.unsubscribed_at_ms.is_some());
}

pub async fn accounts_are_separate(registry: Arc<dyn Registry>, _: Second) {
    let registry = &*registry;
    registry.upsert_follower("a", &profile("u1")).await.unwrap();
    registry
        .record_scan("a", &Push::new("u1", 1), "s")
        .await
        .unwrap();
    assert_eq!(
        registry
            .claim_idempotency_key("a", "k", Duration::from_secs(60))
            .await
            .unwrap(),
        Claim::Claimed
    );
    registry
        .save_sync_progress(
            "a",
            &SyncProgress {
                cursor: "x".to_owned(),
                imported: 1,
            },
        )
        .await
        .unwrap();

    assert_eq!(registry.follower("b", "u1").await.unwrap(), None);
    assert_eq!(
        registry
            .count_followers("b", &FollowerFilter::default())
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        registry.scene_counts("b", "s").await.unwrap(),
        SceneCounts::default()
    );
    assert!(
        registry
            .record_scan("b", &Push::new("u1", 1), "s")
            .await
            .unwrap()
    );
    assert_eq!(
        registry
            .claim_idempotency_key("b", "k", Duration::from_secs(60))
            .await
            .unwrap(),
        Claim::Claimed
    );
    assert_eq!(registry.load_sync_progress("b").await.unwrap(), None);
    assert_eq!(registry.scene_counts("a", "s").await.unwrap().scans, 1);
}

pub async fn paging_returns_each_follower_once(registry: Arc<dyn Registry>, _: Second) {
    const EXISTING: usize = 230;
    let registry = &*registry;
    for i in 0..EXISTING {
        registry
            .upsert_follower(ACCOUNT, &profile(&format!("u{i:04}")))
            .await
            .unwrap();
    }
    // Page through while followers are added and existing ones updated.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut added = 0;
    loop {
        let page = registry
            .list_followers(ACCOUNT, &FollowerFilter::default(), cursor.as_deref(), 37)
            .await
            .unwrap();
        seen.extend(page.followers.iter().map(|f| f.openid.clone()));
        for _ in 0..5 {
            registry
                .upsert_follower(ACCOUNT, &profile(&format!("new{added:04}")))
                .await
                .unwrap();
            added += 1;
        }
        registry
            .upsert_follower(ACCOUNT, &profile(&format!("u{:04}", added % EXISTING)))
            .await
            .unwrap();
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no follower twice");
    for i in 0..EXISTING {
        assert!(unique.contains(&format!("u{i:04}")), "u{i:04} missed");
    }
    // In first-seen order: the existing ones first, in insertion order.
    let firsts: Vec<String> = (0..EXISTING).map(|i| format!("u{i:04}")).collect();
    assert_eq!(&seen[..EXISTING], &firsts[..]);
    // The last page was really the last: the followers added after it are not listed.
    let total = registry
        .count_followers(ACCOUNT, &FollowerFilter::default())
        .await
        .unwrap();
    assert_eq!(total as usize, EXISTING + added);
    assert_eq!(seen.len(), EXISTING + added - 5, "all but the last batch");
}

pub async fn paging_limits_and_cursors(registry: Arc<dyn Registry>, _: Second) {
    let registry = &*registry;
    let all = FollowerFilter::default();
    let empty = registry
        .list_followers(ACCOUNT, &all, None, 10)
        .await
        .unwrap();
    assert!(empty.followers.is_empty());
    assert_eq!(empty.next_cursor, None);
    for i in 0..6 {
        registry
            .upsert_follower(ACCOUNT, &profile(&format!("u{i}")))
            .await
            .unwrap();
    }
    // An exact multiple of the limit: no empty page at the end.
    let first = registry
        .list_followers(ACCOUNT, &all, None, 3)
        .await
        .unwrap();
    assert_eq!(first.followers.len(), 3);
    let second = registry
        .list_followers(ACCOUNT, &all, first.next_cursor.as_deref(), 3)
        .await
        .unwrap();
    assert_eq!(second.followers.len(), 3);
    assert_eq!(second.next_cursor, None);
    let whole = registry
        .list_followers(ACCOUNT, &all, None, MAX_PAGE)
        .await
        .unwrap();
    assert_eq!(whole.followers.len(), 6);
    assert_eq!(whole.next_cursor, None);

    assert_invalid_argument(registry.list_followers(ACCOUNT, &all, None, 0).await);
    assert_invalid_argument(
        registry
            .list_followers(ACCOUNT, &all, None, MAX_PAGE + 1)
            .await,
    );
    for bad in ["", "u3", "f1.", "f1.-5", "f1.xyz", "' OR 1=1 --"] {
        assert_invalid_argument(registry.list_followers(ACCOUNT, &all, Some(bad), 3).await);
    }
}

pub async fn filters_and_counts(registry: Arc<dyn Registry>, _: Second) {
    let registry = &*registry;
    let follower =
        |openid: &str, tags: Vec<u32>, scene: Option<&str>, subscribed: bool| FollowerProfile {
            tags,
            qr_scene: scene.map(str::to_owned),
            subscribed,
            ..profile(openid)
        };
    for p in [
        follower("a", vec![2], Some("table-1"), true),
        follower("b", vec![2, 12], Some("table-2"), true),
        follower("c", vec![12], Some("table-1"), false),
        follower("d", vec![], None, true),
        follower("e", vec![22, 1], Some("table-10"), true),
    ] {
        registry.upsert_follower(ACCOUNT, &p).await.unwrap();
    }
    let cases: Vec<(FollowerFilter, Vec<&str>)> = vec![
        (FollowerFilter::default(), vec!["a", "b", "c", "d", "e"]),
        (
            FollowerFilter {
                tag: Some(2),
                ..Default::default()
            },
            vec!["a", "b"],
        ),
        (
            FollowerFilter {
                tag: Some(12),
                ..Default::default()
            },
            vec!["b", "c"],
        ),
        (
            FollowerFilter {
                tag: Some(1),
                ..Default::default()
            },
            vec!["e"],
        ),
        (
            FollowerFilter {
                tag: Some(9),
                ..Default::default()
            },
            vec![],
        ),
        (
            FollowerFilter {
                scene: Some("table-1".to_owned()),
                ..Default::default()
            },
            vec!["a", "c"],
        ),
        (
            FollowerFilter {
                scene: Some("table-%".to_owned()),
                ..Default::default()
            },
            vec![],
        ),
        (
            FollowerFilter {
                subscribed: Some(false),
                ..Default::default()
            },
            vec!["c"],
        ),
        (
            FollowerFilter {
                subscribed: Some(true),
                ..Default::default()
            },
            vec!["a", "b", "d", "e"],
        ),
        (
            FollowerFilter {
                tag: Some(12),
                scene: Some("table-1".to_owned()),
                subscribed: Some(false),
            },
            vec!["c"],
        ),
        (
            FollowerFilter {
                tag: Some(12),
                scene: Some("table-1".to_owned()),
                subscribed: Some(true),
            },
            vec![],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(list_all(registry, &filter, 2).await, expected, "{filter:?}");
        assert_eq!(
            registry.count_followers(ACCOUNT, &filter).await.unwrap(),
            expected.len() as u64,
            "{filter:?}"
        );
    }
}

pub async fn unsubscribe_keeps_the_follower_and_its_history(
    registry: Arc<dyn Registry>,
    _: Second,
) {
    let registry = &*registry;
    let outcome = registry
        .record_subscribe(
            ACCOUNT,
            &Push::new("u1", 100),
            Some("table-7"),
            Some(&profile("u1")),
        )
        .await
        .unwrap();
    assert!(outcome.recorded);
    assert!(outcome.follower.subscribed);
    assert_eq!(outcome.follower.qr_scene.as_deref(), Some("table-7"));
    assert_eq!(outcome.follower.tags, vec![2, 128]);

    assert!(
        registry
            .record_unsubscribe(ACCOUNT, &Push::new("u1", 200))
            .await
            .unwrap()
    );
    let gone = get(registry, "u1").await;
    assert!(!gone.subscribed);
    assert!(gone.unsubscribed_at_ms.is_some());
    assert_eq!(
        gone.qr_scene.as_deref(),
        Some("table-7"),
        "the profile is kept"
    );
    assert_eq!(gone.unionid.as_deref(), Some("union-u1"));
    assert_eq!(gone.first_seen_ms, outcome.follower.first_seen_ms);
    assert_eq!(
        counts(registry, "table-7").await,
        SceneCounts {
            scans: 0,
            subscribes: 1,
            unsubscribes: 1
        }
    );
    assert_eq!(
        registry
            .count_followers(
                ACCOUNT,
                &FollowerFilter {
                    subscribed: Some(false),
                    ..Default::default()
                }
            )
            .await
            .unwrap(),
        1
    );

    // Back, without a scene this time; then gone again: the scene is not blamed twice.
    let back = registry
        .record_subscribe(ACCOUNT, &Push::new("u1", 300), None, None)
        .await
        .unwrap();
    assert!(back.recorded);
    assert!(back.follower.subscribed);
    assert_eq!(back.follower.unsubscribed_at_ms, None);
    assert_eq!(back.follower.qr_scene, None);
    assert_eq!(back.follower.remark, "regular", "kept without a profile");
    assert!(
        registry
            .record_unsubscribe(ACCOUNT, &Push::new("u1", 400))
            .await
            .unwrap()
    );
    assert_eq!(counts(registry, "table-7").await.unsubscribes, 1);

    let events = registry.follower_events(ACCOUNT, "u1").await.unwrap();
    let summary: Vec<(EventKind, Option<&str>, i64)> = events
        .iter()
        .map(|e| (e.kind, e.scene.as_deref(), e.create_time))
        .collect();
    assert_eq!(
        summary,
        vec![
            (EventKind::Subscribe, Some("table-7"), 100),
            (EventKind::Unsubscribe, Some("table-7"), 200),
            (EventKind::Subscribe, None, 300),
            (EventKind::Unsubscribe, None, 400),
        ]
    );
    assert!(
        events
            .windows(2)
            .all(|w| w[0].recorded_at_ms <= w[1].recorded_at_ms)
    );

    // A user the registry never saw leaves: a row says so.
    assert!(
        registry
            .record_unsubscribe(ACCOUNT, &Push::new("ghost", 1))
            .await
            .unwrap()
    );
    let ghost = get(registry, "ghost").await;
    assert!(!ghost.subscribed);
    assert!(ghost.unsubscribed_at_ms.is_some());
}

pub async fn subscribe_without_profile_uses_the_push(registry: Arc<dyn Registry>, _: Second) {
    let registry = &*registry;
    let outcome = registry
        .record_subscribe(ACCOUNT, &Push::new("u1", 1_700_000_123), Some("42"), None)
        .await
        .unwrap();
    let follower = outcome.follower;
    assert_eq!(follower.subscribe_time, Some(1_700_000_123));
    assert_eq!(follower.qr_scene.as_deref(), Some("42"));
    assert_eq!(
        follower.subscribe_scene.as_deref(),
        Some("ADD_SCENE_QR_CODE")
    );
    assert_eq!(follower.unionid, None);
    // A profile's scene counts when the push has none.
    let via_profile = registry
        .record_subscribe(ACCOUNT, &Push::new("u2", 5), None, Some(&profile("u2")))
        .await
        .unwrap();
    assert_eq!(via_profile.follower.qr_scene.as_deref(), Some("table-7"));
    assert_eq!(counts(registry, "table-7").await.subscribes, 1);
    assert_eq!(counts(registry, "42").await.subscribes, 1);
    // A plain follow: no scene, nothing counted.
    let plain = registry
        .record_subscribe(ACCOUNT, &Push::new("u3", 5), None, None)
        .await
        .unwrap();
    assert_eq!(plain.follower.qr_scene, None);
    assert_eq!(plain.follower.subscribe_scene, None);
}

pub async fn record_subscribe_is_idempotent_per_push(registry: Arc<dyn Registry>, second: Second) {
    let registry = &*registry;
    let other = second.clone();
    let push = Push::new("u1", 1000);
    let first = registry
        .record_subscribe(ACCOUNT, &push, Some("s"), Some(&profile("u1")))
        .await
        .unwrap();
    assert!(first.recorded);
    // The same push again, from this gateway or another one, even with a newer profile.
    let newer = FollowerProfile {
        remark: "changed".to_owned(),
        ..profile("u1")
    };
    for handle in [Some(registry), other.as_deref()].into_iter().flatten() {
        let again = handle
            .record_subscribe(ACCOUNT, &push, Some("s"), Some(&newer))
            .await
            .unwrap();
        assert!(!again.recorded);
        assert_eq!(again.follower, first.follower, "nothing changed");
    }
    assert_eq!(counts(registry, "s").await.subscribes, 1);
    assert_eq!(
        registry.follower_events(ACCOUNT, "u1").await.unwrap().len(),
        1
    );

    // Another push: another CreateTime, or the same one with a MsgId.
    assert!(
        registry
            .record_subscribe(ACCOUNT, &Push::new("u1", 1001), Some("s"), None)
            .await
            .unwrap()
            .recorded
    );
    let with_id = Push {
        msg_id: Some("987".to_owned()),
        ..push.clone()
    };
    assert!(
        registry
            .record_subscribe(ACCOUNT, &with_id, Some("s"), None)
            .await
            .unwrap()
            .recorded
    );
    assert!(
        !registry
            .record_subscribe(ACCOUNT, &with_id, Some("s"), None)
            .await
            .unwrap()
            .recorded
    );
    // The same CreateTime from another user is another push.
    assert!(
        registry
            .record_subscribe(ACCOUNT, &Push::new("u2", 1000), Some("s"), None)
            .await
            .unwrap()
            .recorded
    );
    assert_eq!(counts(registry, "s").await.subscribes, 4);
}

pub async fn concurrent_duplicate_subscribes_record_once(
    registry: Arc<dyn Registry>,
    second: Second,
) {
    const CALLERS: usize = 10;
    let barrier = Arc::new(Barrier::new(CALLERS));
    let tasks: Vec<_> = (0..CALLERS)
        .map(|i| {
            let handle = match (&second, i % 2) {
                (Some(second), 1) => Arc::clone(second),
                _ => Arc::clone(&registry),
            };
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                barrier.wait().await;
                handle
                    .record_subscribe(
                        ACCOUNT,
                        &Push::new("u1", 77),
                        Some("s"),
                        Some(&profile("u1")),
                    )
                    .await
                    .unwrap()
                    .recorded
            })
        })
        .collect();
    let mut recorded = 0;
    for task in tasks {
        recorded += usize::from(task.await.unwrap());
    }
    assert_eq!(recorded, 1);
    assert_eq!(counts(&*registry, "s").await.subscribes, 1);
}

pub async fn scans_and_unsubscribes_are_idempotent_per_push(
    registry: Arc<dyn Registry>,
    _: Second,
) {
    let registry = &*registry;
    registry
        .record_subscribe(ACCOUNT, &Push::new("u1", 1), Some("s"), None)
        .await
        .unwrap();
    let scan = Push::new("u1", 2);
    assert!(registry.record_scan(ACCOUNT, &scan, "s").await.unwrap());
    assert!(!registry.record_scan(ACCOUNT, &scan, "s").await.unwrap());
    // A scan and an unsubscribe in the same second are two pushes.
    let leave = Push::new("u1", 2);
    assert!(registry.record_unsubscribe(ACCOUNT, &leave).await.unwrap());
    assert!(!registry.record_unsubscribe(ACCOUNT, &leave).await.unwrap());
    assert_eq!(
        counts(registry, "s").await,
        SceneCounts {
            scans: 1,
            subscribes: 1,
            unsubscribes: 1
        }
    );
}

pub async fn funnel_counts_are_exact_under_concurrency(
    registry: Arc<dyn Registry>,
    second: Second,
) {
    const N: usize = 50;
    let handle = |i: usize| match (&second, i % 2) {
        (Some(second), 1) => Arc::clone(second),
        _ => Arc::clone(&registry),
    };
    let barrier = Arc::new(Barrier::new(2 * N));
    let mut tasks = Vec::new();
    for i in 0..N {
        let (scanner, subscriber) = (handle(i), handle(i + 1));
        let (b1, b2) = (Arc::clone(&barrier), Arc::clone(&barrier));
        tasks.push(tokio::spawn(async move {
            b1.wait().await;
            assert!(
                scanner
                    .record_scan(ACCOUNT, &Push::new(format!("old{i}"), 1), "hot")
                    .await
                    .unwrap()
            );
        }));
        tasks.push(tokio::spawn(async move {
            b2.wait().await;
            let outcome = subscriber
                .record_subscribe(ACCOUNT, &Push::new(format!("new{i}"), 1), Some("hot"), None)
                .await
                .unwrap();
            assert!(outcome.recorded);
        }));
    }
    for task in tasks.drain(..) {
        task.await.unwrap();
    }
    assert_eq!(
        counts(&*registry, "hot").await,
        SceneCounts {
            scans: N as u64,
            subscribes: N as u64,
            unsubscribes: 0
        }
    );
    let barrier = Arc::new(Barrier::new(N));
    for i in 0..N {
        let leaver = handle(i);
        let barrier = Arc::clone(&barrier);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            assert!(
                leaver
                    .record_unsubscribe(ACCOUNT, &Push::new(format!("new{i}"), 2))
                    .await
                    .unwrap()
            );
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(counts(&*registry, "hot").await.unsubscribes, N as u64);
    let followers = FollowerFilter {
        scene: Some("hot".to_owned()),
        subscribed: Some(false),
        tag: None,
    };
    assert_eq!(
        registry.count_followers(ACCOUNT, &followers).await.unwrap(),
        N as u64
    );
}

pub async fn idempotency_key_lifecycle(registry: Arc<dyn Registry>, _: Second) {
    let registry = &*registry;
    let ttl = Duration::from_secs(60);
    assert_eq!(
        registry
            .claim_idempotency_key(ACCOUNT, "k1", ttl)
            .await
            .unwrap(),
        Claim::Claimed
    );
    assert_eq!(
        registry
            .claim_idempotency_key(ACCOUNT, "k1", ttl)
            .await
            .unwrap(),
        Claim::InFlight
    );
    let result = r#"{"errcode":0,"msgid":1234}"#;
    registry
        .complete_idempotency_key(ACCOUNT, "k1", result)
        .await
        .unwrap();
    assert_eq!(
        registry
            .claim_idempotency_key(ACCOUNT, "k1", ttl)
            .await
            .unwrap(),
        Claim::Done(result.to_owned())
    );
    assert_invalid_argument(registry.complete_idempotency_key(ACCOUNT, "k1", "{}").await);
    assert!(
        !registry
            .release_idempotency_key(ACCOUNT, "k1")
            .await
            .unwrap(),
        "done is kept"
    );
    assert_eq!(
        registry
            .claim_idempotency_key(ACCOUNT, "k1", ttl)
            .await
            .unwrap(),
        Claim::Done(result.to_owned())
    );
    // Never claimed.
    assert_invalid_argument(registry.complete_idempotency_key(ACCOUNT, "k2", "{}").await);
    assert!(
        !registry
            .release_idempotency_key(ACCOUNT, "k2")
            .await
            .unwrap()
    );
    // Released: claimable again.
    assert_eq!(
        registry
            .claim_idempotency_key(ACCOUNT, "k2", ttl)
            .await
            .unwrap(),
        Claim::Claimed
    );
    assert!(
        registry
            .release_idempotency_key(ACCOUNT, "k2")
            .await
            .unwrap()
    );
    assert_invalid_argument(registry.complete_idempotency_key(ACCOUNT, "k2", "{}").await);
    assert_eq!(
        registry
            .claim_idempotency_key(ACCOUNT, "k2", ttl)
            .await
            .unwrap(),
        Claim::Claimed
    );
}

pub async fn idempotency_keys_expire(registry: Arc<dyn Registry>, _: Second) {
    let registry = &*registry;
    let ttl = Duration::from_millis(600);
    // A claimant that crashed: its claim runs out.
    assert_eq!(
        registry
            .claim_idempotency_key(ACCOUNT, "k", ttl)
            .await
            .unwrap(),
        Claim::Claimed
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_invalid_argument(
        registry
            .complete_idempotency_key(ACCOUNT, "k", "late")
            .await,
    );
    assert_eq!(
        registry
            .claim_idempotency_key(ACCOUNT, "k", ttl)
            .await
            .unwrap(),
        Claim::Claimed
    );
    // A result is kept for the TTL after completion, then forgotten.
    tokio::time::sleep(Duration::from_millis(300)).await;
    registry
        .complete_idempotency_key(ACCOUNT, "k", "ok")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        registry
            .claim_idempotency_key(ACCOUNT, "k", ttl)
            .await
            .unwrap(),
        Claim::Done("ok".to_owned()),
        "past the claim's TTL, within the result's"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        registry
            .claim_idempotency_key(ACCOUNT, "k", ttl)
            .await
            .unwrap(),
        Claim::Claimed
    );
}

async fn claim_race(handles: Vec<Arc<dyn Registry>>) {
    const CLAIMANTS: usize = 20;
    let barrier = Arc::new(Barrier::new(CLAIMANTS));
    let tasks: Vec<_> = (0..CLAIMANTS)
        .map(|i| {
            let handle = Arc::clone(&handles[i % handles.len()]);
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                barrier.wait().await;
                handle
                    .claim_idempotency_key(ACCOUNT, "race", Duration::from_secs(60))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut claims = Vec::new();
    for task in tasks {
        claims.push(task.await.unwrap());
    }
    let claimed = claims.iter().filter(|c| **c == Claim::Claimed).count();
    assert_eq!(claimed, 1, "{claims:?}");
    assert!(
        claims
            .iter()
            .all(|c| matches!(c, Claim::Claimed | Claim::InFlight))
    );
}

pub async fn idempotency_claim_race(registry: Arc<dyn Registry>, _: Second) {
    claim_race(vec![registry]).await;
}

/// The same race between two handles (two gateways), where the backend has a second one.
pub async fn idempotency_claim_race_across_handles(registry: Arc<dyn Registry>, second: Second) {
    match second {
        Some(second) => claim_race(vec![registry, second]).await,
        None => eprintln!("one handle only: covered by idempotency_claim_race"),
    }
}

pub async fn sync_progress_round_trip(registry: Arc<dyn Registry>, _: Second) {
    let registry = &*registry;
    assert_eq!(registry.load_sync_progress(ACCOUNT).await.unwrap(), None);
    let progress = SyncProgress {
        cursor: "oAbC-123_".to_owned(),
        imported: 10_000,
    };
    registry
        .save_sync_progress(ACCOUNT, &progress)
        .await
        .unwrap();
    assert_eq!(
        registry.load_sync_progress(ACCOUNT).await.unwrap(),
        Some(progress)
    );
    let later = SyncProgress {
        cursor: "oXyZ".to_owned(),
        imported: 20_000,
    };
    registry.save_sync_progress(ACCOUNT, &later).await.unwrap();
    assert_eq!(
        registry.load_sync_progress(ACCOUNT).await.unwrap(),
        Some(later)
    );
    assert!(registry.clear_sync_progress(ACCOUNT).await.unwrap());
    assert!(!registry.clear_sync_progress(ACCOUNT).await.unwrap());
    assert_eq!(registry.load_sync_progress(ACCOUNT).await.unwrap(), None);
}
