//! The conformance suite on [`SqliteStore`] (a file in a temp dir), plus what only a file can
//! do: survive a reopen, and be shared by two connections.

use std::sync::Arc;
use std::time::Duration;

use wxgate_store::{SqliteStore, Store, StoreError};

use crate::conformance::{self, Fixture};

async fn fixture() -> Option<Fixture> {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path().join("store.db")).expect("open");
    Some(Fixture {
        store: Arc::new(store),
        guard: Some(Box::new(dir)),
        teardown: None,
    })
}

conformance_suite!(fixture);

#[tokio::test]
async fn reopening_keeps_values_jobs_and_dead_letters() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let (claimed, waiting, buried);
    {
        let store = SqliteStore::open(&path).unwrap();
        store.set("forever", b"\x00\xffvalue", None).await.unwrap();
        store
            .set("hour", b"v", Some(Duration::from_secs(3600)))
            .await
            .unwrap();
        store
            .set("gone", b"v", Some(Duration::from_millis(1)))
            .await
            .unwrap();
        assert!(
            store
                .acquire_lease("lease", "a", Duration::from_secs(60))
                .await
                .unwrap()
        );
        buried = store
            .push_job("q", b"buried", Duration::ZERO)
            .await
            .unwrap();
        claimed = store
            .push_job("q", b"claimed", Duration::ZERO)
            .await
            .unwrap();
        waiting = store
            .push_job("q", b"waiting", Duration::from_millis(100))
            .await
            .unwrap();
        let job = store
            .claim_job("q", Duration::from_secs(60))
            .await
            .unwrap()
            .unwrap();
        store.bury_job("q", &job.id, "poison").await.unwrap();
        let job = store
            .claim_job("q", Duration::from_secs(60))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(job.id, claimed);
    }
    tokio::time::sleep(Duration::from_millis(150)).await;

    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.get("forever").await.unwrap().as_deref(),
        Some(&b"\x00\xffvalue"[..])
    );
    assert!(store.get("hour").await.unwrap().is_some());
    assert_eq!(store.get("gone").await.unwrap(), None);
    assert!(
        !store
            .acquire_lease("lease", "b", Duration::from_secs(60))
            .await
            .unwrap()
    );
    assert_eq!(store.queue_len("q").await.unwrap(), 2);
    let job = store
        .claim_job("q", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (job.id, job.payload, job.attempts),
        (waiting, b"waiting".to_vec(), 1)
    );
    assert!(
        store
            .claim_job("q", Duration::from_secs(60))
            .await
            .unwrap()
            .is_none(),
        "still claimed"
    );
    store.complete_job("q", &claimed).await.unwrap();
    let dead = store.dead_jobs("q").await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!((&dead[0].id, &dead[0].reason[..]), (&buried, "poison"));
    // Ids are not reused after a restart.
    let next = store.push_job("q", b"next", Duration::ZERO).await.unwrap();
    assert!(![&buried, &claimed].contains(&&next));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_handles_on_one_file_contend_for_a_lease() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let a: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).unwrap());
    let b: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).unwrap());
    conformance::two_handles_contend_for_one_lease(a, b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_handles_on_one_file_share_a_queue() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let a: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).unwrap());
    let b: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).unwrap());
    conformance::two_handles_share_a_queue(a, b).await;
}

#[tokio::test]
async fn file_is_in_wal_mode_with_a_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let _store = SqliteStore::open(&path).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = conn
        .query_row("SELECT version FROM wxgate_store_schema", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(version, 1);
}

#[tokio::test]
async fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    drop(SqliteStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE wxgate_store_schema SET version = 99", [])
        .unwrap();
    drop(conn);
    match SqliteStore::open(&path) {
        Err(StoreError::Backend {
            backend: "sqlite",
            message,
        }) => {
            assert!(message.contains("version 99"), "{message}");
        }
        other => panic!("expected a schema error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, vec![b'x'; 4096]).unwrap();
    let error = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Backend {
                backend: "sqlite",
                ..
            }
        ),
        "{error:?}"
    );
    let error = SqliteStore::open(dir.path()).unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Backend {
                backend: "sqlite",
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn expired_rows_are_purged() {
    let store = SqliteStore::open_in_memory().unwrap();
    store
        .set("a", b"v", Some(Duration::from_millis(1)))
        .await
        .unwrap();
    store
        .set("b", b"v", Some(Duration::from_millis(1)))
        .await
        .unwrap();
    store.set("c", b"v", None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(store.purge_expired().await.unwrap(), 2);
    assert_eq!(store.purge_expired().await.unwrap(), 0);
    assert!(store.get("c").await.unwrap().is_some());
}

#[tokio::test]
async fn in_memory_databases_are_private() {
    let a = SqliteStore::open_in_memory().unwrap();
    let b = SqliteStore::open_in_memory().unwrap();
    a.set("k", b"v", None).await.unwrap();
    assert_eq!(b.get("k").await.unwrap(), None);
    assert_eq!(
        a.clone().get("k").await.unwrap().as_deref(),
        Some(&b"v"[..]),
        "clones share"
    );
    assert!(format!("{a:?}").contains(":memory:"));
}

/// Where a child process of `several_processes_share_one_file` finds the database.
const CHILD_DB: &str = "WXGATE_STORE_TEST_CHILD_DB";
/// The child's lease owner name.
const CHILD_NAME: &str = "WXGATE_STORE_TEST_CHILD_NAME";

/// Not a test by itself: the body of the child processes that
/// `several_processes_share_one_file` starts (this test binary, run with `--ignored --exact`).
#[tokio::test]
#[ignore = "run as a child process by several_processes_share_one_file"]
async fn child_process_worker() {
    let path = std::env::var(CHILD_DB).expect("started by several_processes_share_one_file");
    let name = std::env::var(CHILD_NAME).unwrap();
    let store = SqliteStore::open(&path).unwrap();
    let held = store
        .acquire_lease("lease", &name, Duration::from_secs(60))
        .await
        .unwrap();
    println!("LEASE {held}");
    while let Some(job) = store.claim_job("q", Duration::from_secs(60)).await.unwrap() {
        store.complete_job("q", &job.id).await.unwrap();
        println!("JOB {}", String::from_utf8(job.payload).unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_processes_share_one_file() {
    const JOBS: usize = 60;
    const CHILDREN: usize = 3;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = SqliteStore::open(&path).unwrap();
    for i in 0..JOBS {
        store
            .push_job("q", i.to_string().as_bytes(), Duration::ZERO)
            .await
            .unwrap();
    }
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..CHILDREN)
        .map(|i| {
            std::process::Command::new(&exe)
                .args([
                    "--ignored",
                    "--exact",
                    "sqlite::child_process_worker",
                    "--nocapture",
                ])
                .env(CHILD_DB, &path)
                .env(CHILD_NAME, format!("child-{i}"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut leases = 0;
    let mut jobs = Vec::new();
    for child in children {
        let output = tokio::task::spawn_blocking(move || child.wait_with_output())
            .await
            .unwrap()
            .unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(
            output.status.success(),
            "child failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        for line in stdout.lines() {
            if line == "LEASE true" {
                leases += 1;
            } else if let Some(job) = line.strip_prefix("JOB ") {
                jobs.push(job.parse::<usize>().unwrap());
            }
        }
    }
    assert_eq!(leases, 1, "exactly one process holds the lease");
    jobs.sort_unstable();
    assert_eq!(
        jobs,
        (0..JOBS).collect::<Vec<_>>(),
        "every job done exactly once"
    );
    assert_eq!(store.queue_len("q").await.unwrap(), 0);
}
