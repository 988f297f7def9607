//! The token API under faults (issue 13, token side): one caller cannot burn the daily token
//! quota, callers wait a bounded time, recovery is seen within seconds, and a store outage is a
//! quick 503 `store_unavailable` rather than a slow 500. The sandbox plays WeChat; the stores
//! are a real SQLite file and a private `redis-server` that the test kills and restarts.
//!
//! Each test prints the figure it measures (`figure: …`), so a run against older code shows
//! the "before".

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::redis::PrivateRedis;
use crate::world::{self, World};

const APP_ID: &str = "wx5a1db0c0ffee0013";
const SECRET: &str = "faults-app-secret";
const TOKEN: &str = "faultstoken";
const API_KEY: &str = "faults-api-key-0013";
const REDIS_PASSWORD: &str = "s3cret-redis-pw";

/// A sandbox with one app, `faults` injected, and a gateway serving over loopback on
/// `storage_url` with `server_extra` added to `[server]`.
async fn world(storage_url: &str, server_extra: &str, faults: &[Value]) -> World {
    world::world(APP_ID, SECRET, TOKEN)
        .api_key(API_KEY)
        .storage_url(storage_url)
        .server(server_extra)
        .faults(faults)
        .start()
        .await
}

/// The value of the metric line that starts with `prefix` (0 when absent).
fn metric(text: &str, prefix: &str) -> f64 {
    text.lines()
        .find(|line| line.starts_with(prefix))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_stale_reports_cause_at_most_one_upstream_call() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("state.db").display());
    let w = world(&url, "", &[]).await;
    let token = w.token().await;
    let before = w.calls("cgi-bin/token").await;

    // A misbehaving caller reports whatever token it was last given as stale, 100 times.
    let mut current = token.clone();
    for _ in 0..100 {
        let answer = w.refresh(&current).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        current = answer.body["access_token"].as_str().unwrap().to_owned();
    }
    let upstream = w.calls("cgi-bin/token").await - before;
    eprintln!("figure: 100 stale reports of a valid token made {upstream} cgi-bin/token calls");
    assert!(upstream <= 1, "{upstream} upstream calls");
    assert_eq!(upstream, 0, "WeChat accepts the token, so it is kept");
    assert_eq!(
        current, token,
        "every report is answered with the current token"
    );
    let metrics = w.metrics().await;
    let refused = metric(
        &metrics,
        "wxgate_stale_reports_total{account=\"main\",outcome=\"refused\"}",
    );
    assert!(
        refused >= 99.0,
        "refused reports counted: {refused}\n{metrics}"
    );

    // Once WeChat really rejects it (noticed within a second: WeChat's acceptance answers
    // reports for that long), a report refreshes, and 100 more make no further call.
    w.fault(json!({"invalidate_tokens": true})).await;
    let before = w.calls("cgi-bin/token").await;
    let mut fresh = token.clone();
    let started = Instant::now();
    while fresh == token {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the rejected token was never refreshed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        let answer = w.refresh(&token).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        fresh = answer.body["access_token"].as_str().unwrap().to_owned();
    }
    let answers = futures::future::join_all((0..100).map(|_| w.refresh(&token))).await;
    let upstream = w.calls("cgi-bin/token").await - before;
    eprintln!("figure: stale reports of a rejected token made {upstream} cgi-bin/token calls");
    assert_eq!(upstream, 1);
    for answer in &answers {
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.body["access_token"].as_str(), Some(fresh.as_str()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refreshes_are_rate_limited_per_account() {
    let w = world(
        "memory://",
        "min_stale_age_secs = 0\nrefresh_limit_per_minute = 2",
        &[],
    )
    .await;
    let mut token = w.token().await;
    for _ in 0..2 {
        let answer = w.refresh(&token).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        token = answer.body["access_token"].as_str().unwrap().to_owned();
    }
    let before = w.calls("cgi-bin/token").await;
    let answer = w.refresh(&token).await;
    assert_eq!(
        (answer.status, answer.body["error"].as_str()),
        (429, Some("refresh_rate_limited")),
        "{}",
        answer.body
    );
    let retry_after: u64 = answer.retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(w.calls("cgi-bin/token").await, before, "no upstream call");
    let metrics = w.metrics().await;
    assert_eq!(
        metric(
            &metrics,
            "wxgate_stale_reports_total{account=\"main\",outcome=\"rate_limited\"}"
        ),
        1.0,
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cold_caller_waits_at_most_the_configured_cap() {
    // WeChat takes 20 s to answer the first token request.
    let w = world(
        "memory://",
        "token_wait_ms = 1500",
        &[json!({"path": "cgi-bin/token", "delay_ms": 20000, "times": 1})],
    )
    .await;
    let started = Instant::now();
    let answer = w.access_token().await;
    let waited = started.elapsed();
    eprintln!(
        "figure: a cold caller with a 20 s upstream waited {} ms and got {}",
        waited.as_millis(),
        answer.status
    );
    assert_eq!(
        (answer.status, answer.body["error"].as_str()),
        (503, Some("upstream_unavailable")),
        "{}",
        answer.body
    );
    assert!(answer.retry_after.is_some(), "503 carries Retry-After");
    assert!(
        waited < Duration::from_millis(1500 + 3000),
        "waited {waited:?} for a 1.5 s cap"
    );
    // The single flight kept running: its token arrives without a second fetch per caller.
    let token = w.token().await;
    assert!(!token.is_empty());
    assert!(w.calls("cgi-bin/token").await <= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_is_seen_within_a_couple_of_seconds() {
    let w = world(
        "memory://",
        "",
        &[json!({"path": "cgi-bin/token", "errcode": -1, "times": 100000})],
    )
    .await;
    // Three failed flights of 3 attempts each: the back-off after them is 8 s.
    poll_until("three failed flights", Duration::from_secs(60), || async {
        let answer = w.access_token().await;
        assert_ne!(answer.status, 200, "{}", answer.body);
        w.calls("cgi-bin/token").await >= 9
    })
    .await;
    assert_ne!(w.access_token().await.status, 200);
    w.clear_faults().await;
    let recovered = Instant::now();
    let mut status = 0;
    while recovered.elapsed() < Duration::from_secs(70) {
        status = w.access_token().await.status;
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let took = recovered.elapsed();
    eprintln!(
        "figure: after WeChat recovered, callers got a token after {} ms",
        took.as_millis()
    );
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(5), "recovery took {took:?}");
}

async fn poll_until<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < limit {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_outage_is_a_quick_503_and_healthz_follows_the_store() {
    let mut redis = PrivateRedis::spawn(Some(REDIS_PASSWORD)).expect("redis-server starts");
    // Reports refresh at once (no check with WeChat), so the refresh needs the store.
    let w = world(&redis.url(), "min_stale_age_secs = 0", &[]).await;
    let token = w.token().await;
    let health = w.healthz().await;
    assert_eq!((health.status, health.body.as_str()), (200, Some("ok")));

    redis.kill();
    let started = Instant::now();
    let answer = w.refresh(&token).await;
    let took = started.elapsed();
    eprintln!(
        "figure: during a Redis outage, refresh answered {} {} after {} ms",
        answer.status,
        answer.body,
        took.as_millis()
    );
    assert_eq!(
        (answer.status, answer.body["error"].as_str()),
        (503, Some("store_unavailable")),
        "{}",
        answer.body
    );
    assert!(answer.retry_after.is_some());
    assert!(took < Duration::from_secs(4), "took {took:?}");
    let health = w.healthz().await;
    assert_eq!(health.status, 503, "{}", health.body);
    let reason = health.body.to_string();
    assert!(reason.contains("store"), "{reason}");
    assert!(!reason.contains(REDIS_PASSWORD), "{reason}");

    redis.restart();
    poll_until("healthz to recover", Duration::from_secs(20), || async {
        w.healthz().await.status == 200
    })
    .await;
    let answer = w.access_token().await;
    assert_eq!(answer.status, 200, "{}", answer.body);

    // A Redis that accepts connections but does not answer (paused): the same quick 503.
    let token = w.token().await;
    redis.signal("-STOP");
    let started = Instant::now();
    let answer = w.refresh(&token).await;
    let took = started.elapsed();
    redis.signal("-CONT");
    eprintln!(
        "figure: with Redis paused, refresh answered {} {} after {} ms",
        answer.status,
        answer.body,
        took.as_millis()
    );
    assert_eq!(
        (answer.status, answer.body["error"].as_str()),
        (503, Some("store_unavailable")),
        "{}",
        answer.body
    );
    assert!(took < Duration::from_secs(4), "took {took:?}");
}
