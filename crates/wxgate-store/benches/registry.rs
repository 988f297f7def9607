//! Follower writes per second on the registry's backends (run by `bench/registry.sh`).
//!
//! For SQLite (a file in a temp dir, WAL) and PostgreSQL (`WXGATE_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`, in a schema of its own that is dropped at the
//! end), it records `WXGATE_BENCH_FOLLOWERS` (default 20,000) subscribes of new followers,
//! each with a full profile and a QR scene, from `WXGATE_BENCH_CONCURRENCY` (default 16)
//! concurrent tasks through one handle, as a gateway would; then refreshes each follower's
//! profile with `upsert_follower`. It prints operations per second and checks that every
//! write landed (the follower count and the scene's figure). PostgreSQL is skipped with a
//! message if it does not answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use wxgate_store::registry::{
    FollowerFilter, FollowerProfile, PostgresRegistry, Push, Registry, SqliteRegistry,
};

const ACCOUNT: &str = "bench";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn profile(i: usize) -> FollowerProfile {
    FollowerProfile {
        openid: format!("oBench{i:012}"),
        unionid: Some(format!("uBench{i:012}")),
        subscribed: true,
        subscribe_time: Some(1_700_000_000 + i64::try_from(i).unwrap_or(0)),
        subscribe_scene: Some("ADD_SCENE_QR_CODE".to_owned()),
        qr_scene: Some(format!("table-{}", i % 100)),
        tags: vec![2, 128],
        remark: String::new(),
    }
}

/// Runs `op(i)` for i in 0..n from `concurrency` tasks; returns the elapsed time.
async fn drive<F, Fut>(n: usize, concurrency: usize, op: F) -> Duration
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let op = Arc::new(op);
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (next, op) = (Arc::clone(&next), Arc::clone(&op));
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    op(i).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("bench task");
    }
    start.elapsed()
}

async fn run(name: &str, registry: Arc<dyn Registry>, n: usize, concurrency: usize) {
    let subscribing = Arc::clone(&registry);
    let elapsed = drive(n, concurrency, move |i| {
        let registry = Arc::clone(&subscribing);
        async move {
            let profile = profile(i);
            let push = Push::new(profile.openid.clone(), 1_700_000_000);
            let outcome = registry
                .record_subscribe(ACCOUNT, &push, None, Some(&profile))
                .await
                .expect("record_subscribe");
            assert!(outcome.recorded);
        }
    })
    .await;
    let count = registry
        .count_followers(ACCOUNT, &FollowerFilter::default())
        .await
        .expect("count");
    assert_eq!(count, n as u64, "every subscribe recorded");
    let scene = registry
        .scene_counts(ACCOUNT, "table-0")
        .await
        .expect("scene");
    assert_eq!(scene.subscribes, n.div_ceil(100) as u64);
    println!(
        "{name:<10} record_subscribe  {n:>7} new followers in {:>6.2} s: {:>8.0} /s",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64()
    );

    let upserting = Arc::clone(&registry);
    let elapsed = drive(n, concurrency, move |i| {
        let registry = Arc::clone(&upserting);
        async move {
            let profile = FollowerProfile {
                remark: "vip".to_owned(),
                ..profile(i)
            };
            registry
                .upsert_follower(ACCOUNT, &profile)
                .await
                .expect("upsert_follower");
        }
    })
    .await;
    println!(
        "{name:<10} upsert_follower   {n:>7} profile refreshes in {:>6.2} s: {:>8.0} /s",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; this binary takes its settings from the environment.
    let n = env_number("WXGATE_BENCH_FOLLOWERS", 20_000);
    let concurrency = env_number("WXGATE_BENCH_CONCURRENCY", 16).max(1);
    println!("{n} followers, {concurrency} concurrent tasks, one registry handle");

    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = SqliteRegistry::open(dir.path().join("wxgate.db")).expect("sqlite");
    run("sqlite", Arc::new(sqlite), n, concurrency).await;

    let url = std::env::var("WXGATE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let schema = format!("wxgate_bench_{:016x}", rand::random::<u64>());
    match PostgresRegistry::connect_in_schema(&url, &schema).await {
        Ok(postgres) => {
            run("postgres", Arc::new(postgres), n, concurrency).await;
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .expect("connect to drop the schema");
            tokio::spawn(connection);
            client
                .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
                .await
                .expect("drop schema");
        }
        Err(error) => println!("postgres   skipped: {error}"),
    }
}
