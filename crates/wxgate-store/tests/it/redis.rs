//! The conformance suite on [`RedisStore`], plus two-connection contention and the key layout.
//!
//! The server comes from `WXGATE_TEST_REDIS_URL` (default `redis://127.0.0.1:6379/`). Every
//! test works under its own random key prefix and deletes it at the end, so tests run in
//! parallel and leave nothing behind when they pass. Without a server a test prints
//! `skipped: no Redis at …` and passes — unless `WXGATE_REQUIRE_REDIS=1` (CI), then it fails.

use std::sync::Arc;
use std::time::Duration;

use redis::AsyncCommands;
use wxgate_store::{RedisStore, Store, StoreError};

use crate::conformance::{self, Fixture};

const DEFAULT_URL: &str = "redis://127.0.0.1:6379/";

fn url() -> String {
    std::env::var("WXGATE_TEST_REDIS_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

fn required() -> bool {
    std::env::var("WXGATE_REQUIRE_REDIS").is_ok_and(|value| value == "1")
}

/// The URL with any password replaced, for messages.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<unparsable url>".to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

fn unique_prefix() -> String {
    format!("wxgate-test:{:016x}:", rand::random::<u64>())
}

/// Opens a store on the test server under `prefix`, or `None` (test skipped) if there is no
/// server and it is not required.
async fn open(prefix: &str) -> Option<RedisStore> {
    let url = url();
    let outcome = tokio::time::timeout(Duration::from_secs(10), RedisStore::open(&url)).await;
    let error = match outcome {
        Ok(Ok(store)) => return Some(store.with_key_prefix(prefix)),
        Ok(Err(error)) => error.to_string(),
        Err(_) => "no answer within 10 s".to_owned(),
    };
    let message = format!("no Redis at {}: {error}", redacted(&url));
    assert!(!required(), "WXGATE_REQUIRE_REDIS=1 but {message}");
    eprintln!("skipped: {message}");
    None
}

async fn raw() -> redis::aio::MultiplexedConnection {
    redis::Client::open(url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// Deletes every key under `prefix`.
async fn delete_prefix(prefix: String) {
    let mut conn = raw().await;
    let mut cursor = 0_u64;
    loop {
        let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut conn)
            .await
            .unwrap();
        if !keys.is_empty() {
            let _: () = conn.del(keys).await.unwrap();
        }
        if next == 0 {
            break;
        }
        cursor = next;
    }
}

/// A fixture that deletes `prefix` when its test ends, passed or not.
fn cleaned_up(prefix: String, store: Arc<dyn Store>) -> Fixture {
    Fixture {
        store,
        guard: None,
        teardown: Some(Box::pin(delete_prefix(prefix))),
    }
}

async fn fixture() -> Option<Fixture> {
    let prefix = unique_prefix();
    let store = open(&prefix).await?;
    Some(cleaned_up(prefix, Arc::new(store)))
}

conformance_suite!(fixture);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_connections_contend_for_one_lease() {
    let prefix = unique_prefix();
    let (Some(a), Some(b)) = (open(&prefix).await, open(&prefix).await) else {
        return;
    };
    let (a, b): (Arc<dyn Store>, Arc<dyn Store>) = (Arc::new(a), Arc::new(b));
    cleaned_up(prefix, Arc::clone(&a))
        .run(conformance::two_handles_contend_for_one_lease(a, b))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_connections_share_a_queue() {
    let prefix = unique_prefix();
    let (Some(a), Some(b)) = (open(&prefix).await, open(&prefix).await) else {
        return;
    };
    let (a, b): (Arc<dyn Store>, Arc<dyn Store>) = (Arc::new(a), Arc::new(b));
    cleaned_up(prefix, Arc::clone(&a))
        .run(conformance::two_handles_share_a_queue(a, b))
        .await;
}

#[tokio::test]
async fn key_layout_uses_one_hash_tag_per_queue() {
    let prefix = unique_prefix();
    let Some(store) = open(&prefix).await else {
        return;
    };
    let fixture = cleaned_up(prefix.clone(), Arc::new(store.clone()));
    fixture
        .run(async move {
            assert_eq!(store.key_prefix(), prefix);
            store
                .set("{main}:token", b"t", Some(Duration::from_millis(1500)))
                .await
                .unwrap();
            let id = store
                .push_job("replies:main", b"job", Duration::ZERO)
                .await
                .unwrap();
            assert_eq!(id.0.len(), 20, "zero-padded ids: {id}");
            store
                .claim_job("replies:main", Duration::from_secs(60))
                .await
                .unwrap()
                .unwrap();
            store.bury_job("replies:main", &id, "why").await.unwrap();
            store
                .push_job("replies:main", b"job 2", Duration::ZERO)
                .await
                .unwrap();
            store
                .claim_job("replies:main", Duration::from_secs(60))
                .await
                .unwrap()
                .unwrap();

            let mut conn = raw().await;
            let ttl: i64 = conn.pttl(format!("{prefix}{{main}}:token")).await.unwrap();
            assert!((1000..=1500).contains(&ttl), "millisecond TTL, got {ttl}");
            for suffix in [
                "jobs", "ready", "attempts", "claimed", "seq", "dead", "reasons",
            ] {
                let key = format!("{prefix}{{q:replies:main}}:{suffix}");
                let exists: bool = conn.exists(&key).await.unwrap();
                assert!(exists, "{key} missing");
            }
            let due: Vec<(String, f64)> = conn
                .zrange_withscores(format!("{prefix}{{q:replies:main}}:ready"), 0, -1)
                .await
                .unwrap();
            let (now_s, _): (u64, u64) = redis::cmd("TIME").query_async(&mut conn).await.unwrap();
            assert_eq!(due.len(), 1);
            let lease_end_s = due[0].1 / 1000.0;
            assert!(
                (lease_end_s - (now_s + 60) as f64).abs() < 5.0,
                "due times are unix ms from the server clock: {due:?} vs {now_s}"
            );
        })
        .await;
}

#[tokio::test]
async fn a_key_of_the_wrong_type_is_an_error_not_a_panic() {
    let prefix = unique_prefix();
    let Some(store) = open(&prefix).await else {
        return;
    };
    let fixture = cleaned_up(prefix.clone(), Arc::new(store.clone()));
    fixture
        .run(async move {
            let mut conn = raw().await;
            let _: () = conn.hset(format!("{prefix}hash"), "f", "v").await.unwrap();
            for result in [
                store.get("hash").await.map(|_| ()),
                store
                    .compare_and_set("hash", None, b"x", None)
                    .await
                    .map(|_| ()),
                store
                    .acquire_lease("hash", "a", Duration::from_secs(1))
                    .await
                    .map(|_| ()),
            ] {
                let error = result.unwrap_err();
                assert!(
                    matches!(
                        error,
                        StoreError::Backend {
                            backend: "redis",
                            ..
                        }
                    ),
                    "{error:?}"
                );
            }
        })
        .await;
}

#[tokio::test]
async fn open_errors_never_show_the_password() {
    let error = RedisStore::open("rediss://user:hunter2@127.0.0.1:6379/")
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::InvalidUrl(_)), "{error:?}");
    assert!(!error.to_string().contains("hunter2"), "{error}");

    let error = RedisStore::open("redis://user:hunter2@127.0.0.1:6379/notadb")
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::InvalidUrl(_)), "{error:?}");
    assert!(!error.to_string().contains("hunter2"), "{error}");

    // Port 1 on loopback: nothing listens there.
    let error = RedisStore::open("redis://user:hunter2@127.0.0.1:1/")
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Backend {
                backend: "redis",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!error.to_string().contains("hunter2"), "{error}");
    assert!(!format!("{error:?}").contains("hunter2"), "{error:?}");
}

/// A password the server rejects (or doesn't expect) is not in the error either.
#[tokio::test]
async fn auth_errors_never_show_the_password() {
    if let Some(rest) = url().strip_prefix("redis://") {
        let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
        match RedisStore::open(&format!("redis://wxgate-nobody:hunter2@{host}")).await {
            Err(error) => {
                assert!(!error.to_string().contains("hunter2"), "{error}");
                assert!(!format!("{error:?}").contains("hunter2"), "{error:?}");
            }
            Ok(store) => assert!(!format!("{store:?}").contains("hunter2")),
        }
    }
}

#[test]
fn redaction_hides_the_password() {
    assert_eq!(
        redacted("redis://:pw@host:6379/0"),
        "redis://***@host:6379/0"
    );
    assert_eq!(
        redacted("redis://127.0.0.1:6379/"),
        "redis://127.0.0.1:6379/"
    );
}
