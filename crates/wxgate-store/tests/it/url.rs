//! [`wxgate_store::open`] end to end: each URL form gives a working store.

use std::time::Duration;

use wxgate_store::{Store, StoreError};

async fn round_trip(store: &dyn Store) {
    store.set("k", b"v", None).await.unwrap();
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some(&b"v"[..]));
    let id = store.push_job("q", b"job", Duration::ZERO).await.unwrap();
    let job = store
        .claim_job("q", Duration::from_secs(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.id, id);
    store.complete_job("q", &id).await.unwrap();
}

#[tokio::test]
async fn memory_url() {
    let store = wxgate_store::open("memory://").await.unwrap();
    round_trip(&*store).await;
    assert!(format!("{store:?}").starts_with("MemoryStore"));
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_urls() {
    let dir = tempfile::tempdir().unwrap();
    let absolute = dir.path().join("abs.db");
    let url = format!("sqlite://{}", absolute.display()); // sqlite:///tmp/…/abs.db
    assert!(url.starts_with("sqlite:///"));
    let store = wxgate_store::open(&url).await.unwrap();
    round_trip(&*store).await;
    drop(store);
    assert!(absolute.exists());

    let store = wxgate_store::open("sqlite::memory:").await.unwrap();
    round_trip(&*store).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_relative_url_is_relative_to_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = std::env::current_dir().unwrap();
    // From the working directory up to `/`, then down to the temp dir: a relative path.
    let mut relative = std::path::PathBuf::new();
    for _ in cwd.components().skip(1) {
        relative.push("..");
    }
    relative.push(dir.path().strip_prefix("/").unwrap());
    relative.push("rel.db");
    assert!(relative.is_relative());
    let store = wxgate_store::open(&format!("sqlite://{}", relative.display()))
        .await
        .unwrap();
    round_trip(&*store).await;
    assert!(dir.path().join("rel.db").exists());
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn redis_url() {
    let url = std::env::var("WXGATE_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379/".to_owned());
    match wxgate_store::open(&url).await {
        Ok(store) => {
            // Unprefixed: use keys no other test touches, and clean up.
            let queue = format!("wxgate-test-url:{:016x}", rand::random::<u64>());
            store
                .set(&queue, b"v", Some(Duration::from_secs(5)))
                .await
                .unwrap();
            assert_eq!(store.get(&queue).await.unwrap().as_deref(), Some(&b"v"[..]));
            let id = store
                .push_job(&queue, b"job", Duration::ZERO)
                .await
                .unwrap();
            store
                .claim_job(&queue, Duration::from_secs(5))
                .await
                .unwrap()
                .unwrap();
            store.complete_job(&queue, &id).await.unwrap();
            assert!(store.delete(&queue).await.unwrap());
            let mut conn = redis::Client::open(url.as_str())
                .unwrap()
                .get_multiplexed_async_connection()
                .await
                .unwrap();
            let _: () = redis::cmd("DEL")
                .arg(format!("{{q:{queue}}}:seq"))
                .query_async(&mut conn)
                .await
                .unwrap();
        }
        Err(error) => {
            let required = std::env::var("WXGATE_REQUIRE_REDIS").is_ok_and(|v| v == "1");
            assert!(!required, "WXGATE_REQUIRE_REDIS=1 but no Redis: {error}");
            eprintln!("skipped: no Redis for the url test: {error}");
        }
    }
}

#[tokio::test]
async fn bad_urls_are_invalid() {
    for url in [
        "",
        "postgres://db",
        "memory://x",
        "sqlite://",
        "rediss://:pw@h/",
        "wxgate.db",
    ] {
        match wxgate_store::open(url).await {
            Err(StoreError::InvalidUrl(message)) => assert!(!message.contains("pw@"), "{message}"),
            other => panic!("{url:?}: expected InvalidUrl, got {other:?}"),
        }
    }
}
