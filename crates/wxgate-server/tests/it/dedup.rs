//! WeChat's retries: the handler runs once, every attempt gets the first attempt's answer,
//! and a handler past the deadline gets `success` with its reply queued durably.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use wxgate_proto::reply::{Reply, SUCCESS};
use wxgate_server::deferred::{DeferredReply, QUEUE};
use wxgate_server::{Incoming, MessageRouter};

use crate::common::*;

fn counting(delay: Duration, calls: Arc<AtomicUsize>) -> MessageRouter {
    MessageRouter::new().fallback(move |m: Incoming| {
        let calls = Arc::clone(&calls);
        async move {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::time::sleep(delay).await;
            format!("reply #{n} to {}", m.text().unwrap_or_default())
        }
    })
}

#[tokio::test]
async fn a_retry_after_completion_gets_the_same_reply_without_rerunning() {
    let calls = Arc::new(AtomicUsize::new(0));
    let gw = gateway(counting(Duration::ZERO, Arc::clone(&calls)), "").await;
    let xml = text_xml("x", 777);
    let (_, first) = post(&gw.router, &plain_uri("plain", now()), xml.clone()).await;
    let (_, retry) = post(&gw.router, &plain_uri("plain", now()), xml).await;
    assert_eq!(
        Reply::parse(&first).unwrap().reply,
        Reply::parse(&retry).unwrap().reply
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn retries_arriving_while_the_first_attempt_runs_wait_for_its_reply() {
    let calls = Arc::new(AtomicUsize::new(0));
    let gw = gateway(counting(Duration::from_millis(300), Arc::clone(&calls)), "").await;
    let xml = text_xml("x", 778);
    let mut attempts = Vec::new();
    for _ in 0..5 {
        let router = gw.router.clone();
        let xml = xml.clone();
        attempts.push(tokio::spawn(async move {
            post(&router, &plain_uri("plain", now()), xml).await
        }));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut bodies = Vec::new();
    for attempt in attempts {
        bodies.push(attempt.await.unwrap().1);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    for body in &bodies {
        assert_eq!(
            Reply::parse(body).unwrap().reply,
            Reply::text("reply #1 to x")
        );
    }
}

#[tokio::test]
async fn retries_of_an_encrypted_push_are_each_encrypted_afresh() {
    let calls = Arc::new(AtomicUsize::new(0));
    let gw = gateway(counting(Duration::ZERO, Arc::clone(&calls)), "").await;
    let inner = text_xml("y", 779);
    let (uri, body) = encrypted("safe", &inner, true);
    let (_, a) = post(&gw.router, &uri, body.clone()).await;
    let (_, b) = post(&gw.router, &uri, body).await;
    let a = String::from_utf8(crypt().open_reply(&a).unwrap()).unwrap();
    let b = String::from_utf8(crypt().open_reply(&b).unwrap()).unwrap();
    assert_eq!(
        Reply::parse(&a).unwrap().reply,
        Reply::parse(&b).unwrap().reply
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn distinct_events_in_one_second_both_run() {
    let calls = Arc::new(AtomicUsize::new(0));
    let gw = gateway(counting(Duration::ZERO, Arc::clone(&calls)), "").await;
    let t = now();
    for key in ["A", "B"] {
        let click = format!(
            "<xml><ToUserName>gh_test</ToUserName><FromUserName>o_user</FromUserName><CreateTime>{t}</CreateTime><MsgType>event</MsgType><Event>CLICK</Event><EventKey>{key}</EventKey></xml>"
        );
        post(&gw.router, &plain_uri("plain", now()), click).await;
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_slow_handler_gets_success_and_its_reply_is_queued_durably() {
    let calls = Arc::new(AtomicUsize::new(0));
    let gw = gateway(
        counting(Duration::from_millis(600), Arc::clone(&calls)),
        "callback_deadline_ms = 200",
    )
    .await;
    let xml = text_xml("slow", 780);
    let started = std::time::Instant::now();
    let (status, body) = post(&gw.router, &plain_uri("plain", now()), xml.clone()).await;
    assert_eq!((status.as_u16(), body.as_str()), (200, SUCCESS));
    assert!(
        started.elapsed() < Duration::from_millis(550),
        "answered at the deadline, not after the handler"
    );
    // A retry after the deadline also gets success, and does not run the handler again.
    let (_, retry) = post(&gw.router, &plain_uri("plain", now()), xml).await;
    assert_eq!(retry, SUCCESS);
    // The late reply lands in the durable queue.
    let mut queued = None;
    for _ in 0..50 {
        if let Some(job) = gw
            .store
            .claim_job(QUEUE, Duration::from_secs(30))
            .await
            .unwrap()
        {
            queued = Some(job);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let job = queued.expect("the late reply was queued");
    let deferred: DeferredReply = serde_json::from_slice(&job.payload).unwrap();
    assert_eq!(
        (deferred.account.as_str(), deferred.to_user.as_str()),
        ("plain", "o_user")
    );
    assert_eq!(deferred.reply, Reply::text("reply #1 to slow"));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_panicking_handler_answers_success() {
    let router = MessageRouter::new().fallback(|_m: Incoming| async {
        if true {
            panic!("handler bug");
        }
        "never"
    });
    let gw = gateway(router, "").await;
    let (status, body) = post(
        &gw.router,
        &plain_uri("plain", now()),
        text_xml("boom", 781),
    )
    .await;
    assert_eq!((status.as_u16(), body.as_str()), (200, SUCCESS));
}

#[tokio::test]
async fn a_retry_reaching_another_instance_waits_for_the_first_one() {
    let calls = Arc::new(AtomicUsize::new(0));
    let store: Arc<dyn wxgate_store::Store> = Arc::new(wxgate_store::MemoryStore::new());
    let a = gateway_on(
        Arc::clone(&store),
        counting(Duration::from_millis(300), Arc::clone(&calls)),
        "dedup = \"shared\"",
    )
    .await;
    let b = gateway_on(
        Arc::clone(&store),
        counting(Duration::from_millis(300), Arc::clone(&calls)),
        "dedup = \"shared\"",
    )
    .await;
    let xml = text_xml("x", 790);
    let first = {
        let router = a.router.clone();
        let xml = xml.clone();
        tokio::spawn(async move { post(&router, &plain_uri("plain", now()), xml).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (_, on_b) = post(&b.router, &plain_uri("plain", now()), xml.clone()).await;
    let (_, on_a) = first.await.unwrap();
    assert_eq!(
        Reply::parse(&on_a).unwrap().reply,
        Reply::text("reply #1 to x")
    );
    assert_eq!(
        Reply::parse(&on_b).unwrap().reply,
        Reply::text("reply #1 to x")
    );
    // And after completion, on either instance.
    let (_, later) = post(&b.router, &plain_uri("plain", now()), xml).await;
    assert_eq!(
        Reply::parse(&later).unwrap().reply,
        Reply::text("reply #1 to x")
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn local_scope_does_not_touch_the_store() {
    let store: Arc<dyn wxgate_store::Store> = Arc::new(wxgate_store::MemoryStore::new());
    let gw = gateway_on(
        Arc::clone(&store),
        MessageRouter::new(),
        "dedup = \"local\"",
    )
    .await;
    post(
        &gw.router,
        &plain_uri("plain", now()),
        text_xml("hello", 791),
    )
    .await;
    assert_eq!(store.get("wxgate:dedup:plain:msg:791").await.unwrap(), None);
    let shared = gateway_on(
        Arc::clone(&store),
        MessageRouter::new(),
        "dedup = \"shared\"",
    )
    .await;
    post(
        &shared.router,
        &plain_uri("plain", now()),
        text_xml("hello", 792),
    )
    .await;
    assert!(
        store
            .get("wxgate:dedup:plain:msg:792")
            .await
            .unwrap()
            .is_some()
    );
}
