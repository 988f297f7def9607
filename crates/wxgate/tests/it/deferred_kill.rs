//! Deferred replies survive `kill -9` of the gateway in the middle of delivering them.
//!
//! The real binary on a SQLite store, with the sandbox as WeChat. Deferred replies are queued
//! straight into the store's `deferred-replies` queue (the stock binary's replies are instant, so
//! none would miss the callback deadline); each round queues a batch, kills the gateway with
//! SIGKILL once it is delivering, restarts it, and waits until the queue is empty. At the end
//! every user's inbox must hold its reply at least once. Delivery is at-least-once: a kill
//! between WeChat's answer and the job's completion sends that reply again, so duplicates are
//! counted and reported, and bounded by one per kill (one worker sends one job at a time).
//!
//! The job in flight at a kill stays claimed by the dead process until its claim runs out; the
//! test uses a short claim (`server.deferred_claim_ms`) so that it runs in seconds, and reports
//! how long each batch took to drain after its kill: about the claim. Before the claim was
//! short and renewed (a fixed 60 s), every batch took 60 s to drain, past this test's limit.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wxgate_proto::reply::Reply;
use wxgate_server::deferred::{DeferredReply, QUEUE};
use wxgate_store::{SqliteStore, Store};

use crate::process::{Wxgate, start};

const APP_ID: &str = "wxe2e0000000000071";
const KILLS: usize = 7;
const JOBS_PER_ROUND: usize = 20;
/// The claim of a deferred job in this test (the default is 15 s).
const CLAIM_MS: u64 = 3_000;
/// How long the sandbox takes over each send, so that a kill lands in the middle of delivery.
const SEND_DELAY_MS: u64 = 50;
/// Far longer than anything here takes, even on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(30);

fn config(dir: &std::path::Path, sandbox: &str) -> String {
    let path = dir.join("wxgate.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[server]
listen = "127.0.0.1:0"
deferred_claim_ms = {CLAIM_MS}
[storage]
url = "sqlite://{}"
[[accounts]]
id = "main"
app_id = "{APP_ID}"
app_secret = "kill-test-secret"
token = "killtoken"
mode = "plaintext"
api_base = "{sandbox}"
"#,
            dir.join("state.db").display()
        ),
    )
    .unwrap();
    path.display().to_string()
}

async fn post(http: &reqwest::Client, url: String, body: Value) -> Value {
    let response = http.post(&url).json(&body).send().await.unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{url}: {status} {body}");
    body
}

/// Polls the queue's length until `done` holds, for at most `limit`; returns the last length.
async fn wait_for_queue(store: &SqliteStore, limit: Duration, done: impl Fn(u64) -> bool) -> u64 {
    let started = Instant::now();
    loop {
        // The gateway writes the same file: a busy moment is no failure, only a retry.
        match store.queue_len(QUEUE).await {
            Ok(len) if done(len) || started.elapsed() > limit => return len,
            Err(error) if started.elapsed() > limit => panic!("queue length: {error}"),
            _ => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deferred_replies_survive_kill_9_at_least_once() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = start(&["sandbox", "--listen", "127.0.0.1:0"]);
    let config = config(dir.path(), &sandbox.base);
    let mut gateway: Wxgate = start(&["serve", "--config", &config]);
    let http = reqwest::Client::new();
    post(
        &http,
        format!("{}/sandbox/apps", sandbox.base),
        json!({"app_id": APP_ID, "app_secret": "kill-test-secret", "token": "killtoken",
               "mode": "plaintext", "callback_url": format!("{}/wechat/main", gateway.base)}),
    )
    .await;

    // One user per job, each following and with a message sent, so WeChat accepts up to five
    // customer-service messages to them: room for the reply and its duplicates.
    let mut users = Vec::new();
    for _ in 0..KILLS * JOBS_PER_ROUND {
        let user = post(
            &http,
            format!("{}/sandbox/apps/{APP_ID}/users", sandbox.base),
            json!({}),
        )
        .await;
        let openid = user["openid"].as_str().unwrap().to_owned();
        let actions = format!(
            "{}/sandbox/apps/{APP_ID}/users/{openid}/actions",
            sandbox.base
        );
        post(&http, actions.clone(), json!({"type": "follow"})).await;
        post(&http, actions, json!({"type": "text", "content": "hi"})).await;
        users.push(openid);
    }
    post(
        &http,
        format!("{}/sandbox/apps/{APP_ID}/faults", sandbox.base),
        json!({"path": "cgi-bin/message/custom/send", "delay_ms": SEND_DELAY_MS, "times": 1_000_000}),
    )
    .await;

    let store = SqliteStore::open(dir.path().join("state.db")).unwrap();
    let mut drains = Vec::new();
    for (round, batch) in users.chunks(JOBS_PER_ROUND).enumerate() {
        for (i, openid) in batch.iter().enumerate() {
            let deferred = DeferredReply {
                account: "main".to_owned(),
                to_user: openid.clone(),
                reply: Reply::text(format!("deferred reply {}", round * JOBS_PER_ROUND + i)),
                received_at: now(),
            };
            deferred.enqueue(&store).await.unwrap();
        }
        // Two delivered: the gateway is busy with the third.
        let len = wait_for_queue(&store, PATIENCE, |len| len <= JOBS_PER_ROUND as u64 - 2).await;
        assert!(
            len <= JOBS_PER_ROUND as u64 - 2,
            "round {round}: nothing delivered within {PATIENCE:?}"
        );
        let killed = Instant::now();
        drop(gateway); // SIGKILL, then reaped
        gateway = start(&["serve", "--config", &config]);
        let limit = Duration::from_millis(CLAIM_MS) + PATIENCE;
        let left = wait_for_queue(&store, limit, |len| len == 0).await;
        assert_eq!(left, 0, "round {round}: jobs left {limit:?} after the kill");
        drains.push(killed.elapsed());
    }
    drop(gateway);

    let mut copies = BTreeMap::new();
    for (n, openid) in users.iter().enumerate() {
        let inbox: Value = http
            .get(format!(
                "{}/sandbox/apps/{APP_ID}/users/{openid}/inbox",
                sandbox.base
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let expected = format!("deferred reply {n}");
        let custom = inbox
            .as_array()
            .unwrap()
            .iter()
            .filter(|entry| entry["source"] == "custom")
            .inspect(|entry| assert_eq!(entry["message"]["text"]["content"], expected.as_str()))
            .count();
        copies.insert(n, custom);
    }
    let missing: Vec<_> = copies.iter().filter(|(_, c)| **c == 0).collect();
    let duplicates: usize = copies.values().map(|c| c.saturating_sub(1)).sum();
    let dead = store.dead_jobs(QUEUE).await.unwrap();
    eprintln!(
        "deferred kill test: {} jobs, {KILLS} kills (SIGKILL), claim {CLAIM_MS} ms: \
         {} missing, {duplicates} duplicate(s), {} buried; queue drained after each kill in {:?}",
        users.len(),
        missing.len(),
        dead.len(),
        drains
            .iter()
            .map(|d| format!("{:.1} s", d.as_secs_f64()))
            .collect::<Vec<_>>(),
    );
    assert!(missing.is_empty(), "replies never delivered: {missing:?}");
    assert!(dead.is_empty(), "{dead:?}");
    assert!(
        duplicates <= KILLS,
        "{duplicates} duplicates from {KILLS} kills"
    );
}
