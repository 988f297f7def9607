//! The registry suite on [`SqliteRegistry`] (in memory, and a file with two handles), plus
//! migrations and sharing the store's file.

use std::sync::Arc;

use wxgate_store::registry::{self, FollowerFilter, Push, Registry, RegistryError, SqliteRegistry};
use wxgate_store::{SqliteStore, Store};

use super::{Fixture, profile};

async fn memory_fixture() -> Option<Fixture> {
    Some(Fixture {
        registry: registry::open("sqlite::memory:").await.expect("open"),
        second: None,
        guard: None,
        teardown: None,
    })
}

/// A file in a temp dir, opened twice (two gateways on one host).
async fn file_fixture() -> Option<Fixture> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("wxgate.db");
    let first = SqliteRegistry::open(&path).expect("open");
    let second = SqliteRegistry::open(&path).expect("open again");
    Some(Fixture {
        registry: Arc::new(first),
        second: Some(Arc::new(second)),
        guard: Some(Box::new(dir)),
        teardown: None,
    })
}

mod memory {
    registry_suite!(super::memory_fixture);
}

mod file {
    registry_suite!(super::file_fixture);
}

#[tokio::test]
async fn the_store_and_the_registry_share_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wxgate.db");
    let url = format!("sqlite://{}", path.display());
    let store = wxgate_store::open(&url).await.unwrap();
    let registry = registry::open(&url).await.unwrap();
    store.set("k", b"v", None).await.unwrap();
    registry
        .record_subscribe("main", &Push::new("u1", 1), Some("s"), Some(&profile("u1")))
        .await
        .unwrap();
    drop((store, registry));

    let store = SqliteStore::open(&path).unwrap();
    let registry = SqliteRegistry::open(&path).unwrap();
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some(&b"v"[..]));
    let follower = registry.follower("main", "u1").await.unwrap().unwrap();
    assert_eq!(follower.qr_scene.as_deref(), Some("s"));
    assert_eq!(
        registry.scene_counts("main", "s").await.unwrap().subscribes,
        1
    );
    assert_eq!(
        registry
            .count_followers("main", &FollowerFilter::default())
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn migrations_run_once_and_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wxgate.db");
    drop(SqliteRegistry::open(&path).unwrap());
    drop(SqliteRegistry::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let versions: Vec<i64> = conn
        .prepare("SELECT version FROM registry_schema ORDER BY version")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(versions, vec![1], "each migration once");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");

    conn.execute("INSERT INTO registry_schema (version) VALUES (99)", [])
        .unwrap();
    drop(conn);
    match SqliteRegistry::open(&path) {
        Err(RegistryError::SchemaTooNew {
            backend: "sqlite",
            found: 99,
            supported: 1,
        }) => {}
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
    let error = registry::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("99"), "{error}");
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, vec![b'x'; 4096]).unwrap();
    let error = SqliteRegistry::open(&path).unwrap_err();
    assert!(
        matches!(
            error,
            RegistryError::Backend {
                backend: "sqlite",
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn in_memory_registries_are_private() {
    let a = registry::open("sqlite::memory:").await.unwrap();
    let b = registry::open("sqlite://:memory:").await.unwrap();
    a.upsert_follower("main", &profile("u1")).await.unwrap();
    assert_eq!(b.follower("main", "u1").await.unwrap(), None);
    assert!(format!("{a:?}").contains(":memory:"));
}
