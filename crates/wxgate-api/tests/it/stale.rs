//! Guarding WeChat's daily token quota: young stale reports are checked with WeChat, replacing
//! refreshes are rate-limited, a probe ends a back-off early, and flights outlive their callers.

use std::time::Duration;

use serde_json::json;
use wxgate_api::{Credentials, ErrCode, ErrorKind, StaleOutcome};

use crate::common::{Env, eventually, memory_store};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn young_stale_reports_are_checked_with_wechat_once() {
    let env = Env::start().await;
    let options = env.options().min_stale_age(Duration::from_secs(30));
    let credentials = Credentials::new(env.client(), memory_store(), env.account("main"), options);
    let token = credentials.access_token().await.unwrap();

    // 50 concurrent reports of the current, valid token: one check, no refresh.
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let credentials = credentials.clone();
            let stale = token.token.clone();
            tokio::spawn(async move { credentials.report_stale(&stale).await })
        })
        .collect();
    for task in tasks {
        let report = task.await.unwrap().unwrap();
        assert_eq!(report.outcome, StaleOutcome::Refused);
        assert_eq!(report.token, token);
    }
    assert_eq!(env.calls("cgi-bin/token").await, 1);
    assert_eq!(env.calls("cgi-bin/getcallbackip").await, 1);

    // WeChat rejects it now: the report refreshes.
    env.fault(json!({"invalidate_tokens": true})).await;
    env.advance_local(5);
    let report = credentials.report_stale(&token.token).await.unwrap();
    assert_eq!(report.outcome, StaleOutcome::Replaced);
    assert_ne!(report.token, token);
    assert_eq!(env.calls("cgi-bin/token").await, 2);
    assert_eq!(env.calls("cgi-bin/getcallbackip").await, 2);

    // A report of a token older than the minimum age refreshes without a check.
    env.advance_local(31);
    let older = report.token;
    let report = credentials.report_stale(&older.token).await.unwrap();
    assert_eq!(report.outcome, StaleOutcome::Replaced);
    assert_ne!(report.token, older);
    assert_eq!(env.calls("cgi-bin/token").await, 3);
    assert_eq!(env.calls("cgi-bin/getcallbackip").await, 2);
}

#[tokio::test]
async fn replacing_refreshes_past_the_limit_are_refused() {
    let env = Env::start().await;
    let options = env.options().refresh_limit_per_minute(2);
    let credentials = Credentials::new(env.client(), memory_store(), env.account("main"), options);
    let mut token = credentials.access_token().await.unwrap();
    for _ in 0..2 {
        token = credentials
            .refresh_access_token(Some(&token.token))
            .await
            .unwrap();
    }
    assert_eq!(env.calls("cgi-bin/token").await, 3);
    let error = credentials
        .refresh_access_token(Some(&token.token))
        .await
        .unwrap_err();
    match error.kind() {
        ErrorKind::RateLimited { retry_after } => {
            assert!(*retry_after <= Duration::from_secs(60), "{retry_after:?}");
            assert!(*retry_after > Duration::ZERO);
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(env.calls("cgi-bin/token").await, 3, "no upstream call");
    // Reads are never limited.
    assert_eq!(credentials.access_token().await.unwrap(), token);

    env.advance_local(60);
    let fresh = credentials
        .refresh_access_token(Some(&token.token))
        .await
        .unwrap();
    assert_ne!(fresh, token);
    assert_eq!(env.calls("cgi-bin/token").await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_probe_ends_a_long_back_off_early() {
    let env = Env::start().await;
    let options = env
        .options()
        .failure_backoff(Duration::from_secs(60), Duration::from_secs(60))
        .failure_probe(Duration::from_secs(1));
    let credentials = Credentials::new(env.client(), memory_store(), env.account("main"), options);
    env.fault(json!({"path": "cgi-bin/token", "errcode": -1, "times": 10000}))
        .await;
    let error = credentials.access_token().await.unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::SystemError));
    assert_eq!(env.calls("cgi-bin/token").await, 3, "one flight");
    for _ in 0..20 {
        credentials.access_token().await.unwrap_err();
    }
    assert_eq!(env.calls("cgi-bin/token").await, 3, "backing off");

    // One probe a second, not one per caller.
    env.advance_local(1);
    for _ in 0..20 {
        credentials.access_token().await.unwrap_err();
    }
    assert_eq!(env.calls("cgi-bin/token").await, 6, "one probe flight");

    // WeChat recovers: the next probe, a second later, not the 60 s back-off, brings the token.
    env.clear_faults().await;
    env.advance_local(1);
    credentials.access_token().await.unwrap();
    assert_eq!(env.calls("cgi-bin/token").await, 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_stops_waiting_does_not_cancel_the_flight() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), "main");
    env.fault(json!({"path": "cgi-bin/token", "delay_ms": 1500, "times": 1}))
        .await;
    let gave_up =
        tokio::time::timeout(Duration::from_millis(200), credentials.access_token()).await;
    assert!(gave_up.is_err(), "the caller stopped waiting");
    // The flight goes on and stores its token: no second fetch is needed.
    eventually("the flight's token", || async {
        env.calls("cgi-bin/token").await == 1 && credentials.access_token().await.is_ok()
    })
    .await;
    assert_eq!(env.calls("cgi-bin/token").await, 1);
}
