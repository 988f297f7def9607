//! The credential manager against the sandbox.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use wxgate_api::endpoint::message::custom::send::{
    self, Article, MenuItem, Message, MiniProgramPage, MpNewsArticle, MsgMenu, Music, News, WxCard,
};
use wxgate_api::endpoint::openapi::quota;
use wxgate_api::{Credentials, ErrCode};

use crate::common::{Env, eventually, memory_store};

async fn quota_call(credentials: &Credentials) -> Result<quota::get::Response, wxgate_api::Error> {
    let client = credentials.client().clone();
    let request = quota::get::Request::new("/cgi-bin/token");
    credentials
        .call_with_token(|token| {
            let (client, request) = (&client, &request);
            async move { client.call(request).access_token(token.as_str()).await }
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_cold_callers_cause_one_upstream_call() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), "main");
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let credentials = credentials.clone();
            tokio::spawn(async move { credentials.access_token().await })
        })
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.unwrap().unwrap().token);
    }
    tokens.dedup();
    assert_eq!(tokens.len(), 1, "every caller got the same token");
    assert_eq!(env.calls("cgi-bin/token").await, 1);
}

#[tokio::test]
async fn restart_with_sqlite_fetches_nothing_while_valid() {
    let env = Env::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wxgate.db");

    let first = {
        let store = Arc::new(wxgate_store::SqliteStore::open(&path).unwrap());
        let credentials = env.credentials(store, "main");
        let token = credentials.access_token().await.unwrap();
        credentials.jsapi_ticket().await.unwrap();
        token
    };
    assert_eq!(env.calls("cgi-bin/token").await, 1);
    assert_eq!(env.calls("cgi-bin/ticket/getticket").await, 1);

    // "Restart": a new store handle and a new manager (new instance id) on the same file.
    let store = Arc::new(wxgate_store::SqliteStore::open(&path).unwrap());
    let credentials = env.credentials(store, "main");
    assert_eq!(credentials.access_token().await.unwrap(), first);
    credentials.jsapi_ticket().await.unwrap();
    assert_eq!(
        env.calls("cgi-bin/token").await,
        1,
        "nothing fetched after restart"
    );
    assert_eq!(env.calls("cgi-bin/ticket/getticket").await, 1);

    // Once the stored token has expired, the restarted manager does fetch.
    env.advance(7200).await;
    let next = credentials.access_token().await.unwrap();
    assert_ne!(next, first);
    assert_eq!(env.calls("cgi-bin/token").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_40001_refreshes_once_if_stale_and_retries_once() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), "main");
    let old = credentials.access_token().await.unwrap();
    quota_call(&credentials).await.unwrap();
    assert_eq!(env.calls("cgi-bin/openapi/quota/get").await, 1);

    env.advance_local(10);
    env.fault(json!({"invalidate_tokens": true})).await;
    // All 100 callers first use the old token (a barrier holds their first attempts until
    // every one has it), so all 100 get 40001 and report it at once.
    let barrier = Arc::new(tokio::sync::Barrier::new(100));
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let credentials = credentials.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                let client = credentials.client().clone();
                let request = quota::get::Request::new("/cgi-bin/token");
                let mut attempt = 0;
                credentials
                    .call_with_token(|token| {
                        attempt += 1;
                        let first = attempt == 1;
                        let (client, request, barrier) = (&client, &request, &barrier);
                        async move {
                            if first {
                                barrier.wait().await;
                            }
                            client.call(request).access_token(token.as_str()).await
                        }
                    })
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await
            .unwrap()
            .expect("the retry with the new token succeeds");
    }
    assert_eq!(
        env.calls("cgi-bin/token").await,
        2,
        "one refresh for 100 failed callers"
    );
    assert_eq!(
        env.calls("cgi-bin/openapi/quota/get").await,
        201,
        "each call ran twice"
    );

    // A late caller reporting the old token gets the new one without a refresh.
    let current = credentials.access_token().await.unwrap();
    assert_ne!(current, old);
    let answer = credentials
        .refresh_access_token(Some(&old.token))
        .await
        .unwrap();
    assert_eq!(answer, current);
    assert_eq!(env.calls("cgi-bin/token").await, 2);

    // Reporting the current token refreshes it.
    let newer = credentials
        .refresh_access_token(Some(&current.token))
        .await
        .unwrap();
    assert_ne!(newer, current);
    assert_eq!(env.calls("cgi-bin/token").await, 3);

    // Without a stale token the refresh is unconditional.
    let forced = credentials.refresh_access_token(None).await.unwrap();
    assert_ne!(forced, newer);
    assert_eq!(env.calls("cgi-bin/token").await, 4);
}

#[tokio::test]
async fn an_api_that_always_rejects_the_token_is_called_twice_not_forever() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), "main");
    credentials.access_token().await.unwrap();
    env.advance_local(10);
    env.fault(json!({"path": "cgi-bin/openapi/quota/get", "errcode": 40001, "times": 1000}))
        .await;
    let error = quota_call(&credentials).await.unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::InvalidCredential));
    assert_eq!(env.calls("cgi-bin/openapi/quota/get").await, 2);
    assert_eq!(
        env.calls("cgi-bin/token").await,
        2,
        "one initial fetch, one refresh"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permanently_failing_upstream_is_not_hammered() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), "main");
    env.fault(json!({"path": "cgi-bin/token", "errcode": -1, "times": 10000}))
        .await;

    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let credentials = credentials.clone();
            tokio::spawn(async move { credentials.access_token().await })
        })
        .collect();
    for task in tasks {
        let error = task.await.unwrap().unwrap_err();
        assert_eq!(error.errcode(), Some(ErrCode::SystemError), "{error}");
    }
    assert_eq!(
        env.calls("cgi-bin/token").await,
        3,
        "one flight of 3 attempts"
    );

    // While the back-off lasts, callers get the last error without a call.
    for _ in 0..50 {
        credentials.access_token().await.unwrap_err();
    }
    assert_eq!(env.calls("cgi-bin/token").await, 3);

    // After it, one more flight; the back-off then doubles (1 s, 2 s).
    env.advance_local(1);
    credentials.access_token().await.unwrap_err();
    assert_eq!(env.calls("cgi-bin/token").await, 6);
    env.advance_local(1);
    credentials.access_token().await.unwrap_err();
    assert_eq!(
        env.calls("cgi-bin/token").await,
        6,
        "second back-off is 2 s"
    );
    env.advance_local(1);
    credentials.access_token().await.unwrap_err();
    assert_eq!(env.calls("cgi-bin/token").await, 9);

    // Recovery.
    env.clear_faults().await;
    env.advance_local(8);
    credentials.access_token().await.unwrap();
    assert_eq!(env.calls("cgi-bin/token").await, 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_served_through_an_outage_while_valid() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), "main");
    let token = credentials.access_token().await.unwrap();
    env.fault(json!({"path": "cgi-bin/token", "errcode": -1, "times": 10000}))
        .await;

    // Inside the refresh margin: the current token is served, one background refresh fails.
    env.advance_local(7200 - 200);
    for _ in 0..100 {
        assert_eq!(credentials.access_token().await.unwrap(), token);
    }
    eventually("the background refresh", || async {
        env.calls("cgi-bin/token").await >= 4
    })
    .await;
    for _ in 0..100 {
        assert_eq!(credentials.access_token().await.unwrap(), token);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        env.calls("cgi-bin/token").await,
        4,
        "1 + one refresh of 3 attempts"
    );

    // Expired: a clear error, still without hammering.
    env.advance_local(200);
    let error = credentials.access_token().await.unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::SystemError));
    for _ in 0..20 {
        credentials.access_token().await.unwrap_err();
    }
    assert!(env.calls("cgi-bin/token").await <= 7);

    env.clear_faults().await;
    env.advance_local(60);
    let fresh = credentials.access_token().await.unwrap();
    assert_ne!(fresh, token);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refreshes_ahead_of_expiry_in_the_background() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), "main");
    let token = credentials.access_token().await.unwrap();

    env.advance_local(7200 - 299);
    assert_eq!(
        credentials.access_token().await.unwrap(),
        token,
        "the current token is served while refreshing"
    );
    eventually("the refreshed token", || async {
        credentials.access_token().await.unwrap() != token
    })
    .await;
    for _ in 0..100 {
        credentials.access_token().await.unwrap();
    }
    assert_eq!(env.calls("cgi-bin/token").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stable_token_policy() {
    let env = Env::start().await;
    let store = memory_store();
    let credentials = env.stable_credentials(store.clone(), "main");
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let credentials = credentials.clone();
            tokio::spawn(async move { credentials.access_token().await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let token = credentials.access_token().await.unwrap();
    assert_eq!(env.calls("cgi-bin/stable_token").await, 1);
    assert_eq!(env.calls("cgi-bin/token").await, 0);
    quota_call(&credentials).await.unwrap();
    env.advance_local(10);

    // Reported stale while WeChat still hands it out: normal mode returns it, so a forced
    // refresh follows.
    let next = credentials
        .refresh_access_token(Some(&token.token))
        .await
        .unwrap();
    assert_ne!(next, token);
    assert_eq!(env.calls("cgi-bin/stable_token").await, 3);
    quota_call(&credentials).await.unwrap();

    // Invalidated by WeChat: compare-and-refresh works the same with stable tokens.
    env.advance_local(10);
    env.fault(json!({"invalidate_tokens": true})).await;
    quota_call(&credentials).await.unwrap();
    let after = credentials.access_token().await.unwrap();
    assert_ne!(after, next);
    assert_eq!(env.calls("cgi-bin/token").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_are_single_flight_and_follow_the_refresh_rule() {
    let env = Env::start().await;
    let store = memory_store();
    let credentials = env.credentials(store.clone(), "main");
    let tasks: Vec<_> = (0..300)
        .map(|i| {
            let credentials = credentials.clone();
            tokio::spawn(async move {
                if i % 2 == 0 {
                    credentials.jsapi_ticket().await
                } else {
                    credentials.wx_card_ticket().await
                }
            })
        })
        .collect();
    for task in tasks {
        assert!(!task.await.unwrap().unwrap().ticket.is_empty());
    }
    assert_eq!(
        env.calls("cgi-bin/ticket/getticket").await,
        2,
        "one per ticket type"
    );
    assert_eq!(env.calls("cgi-bin/token").await, 1);
    let jsapi = credentials.jsapi_ticket().await.unwrap();
    let card = credentials.wx_card_ticket().await.unwrap();
    assert_ne!(jsapi.ticket, card.ticket);

    // A second manager on the same store has the stored access token but no ticket in memory;
    // after WeChat invalidated the token, its ticket fetch gets 40001, refreshes the token
    // (it is still the stored one) and retries once.
    env.fault(json!({"invalidate_tokens": true})).await;
    let other_store = memory_store();
    let seed = env.credentials(other_store.clone(), "other");
    let seeded = seed.access_token().await.unwrap();
    assert_eq!(env.calls("cgi-bin/token").await, 2);
    env.advance_local(10);
    env.fault(json!({"invalidate_tokens": true})).await;
    let second = env.credentials(other_store, "other");
    second.jsapi_ticket().await.unwrap();
    assert_eq!(env.calls("cgi-bin/token").await, 3, "refreshed once");
    assert_eq!(
        env.calls("cgi-bin/ticket/getticket").await,
        4,
        "the failed try and its retry"
    );
    assert_ne!(second.access_token().await.unwrap(), seeded);

    // Tickets expire and refresh on their own.
    env.advance(7200).await;
    let renewed = credentials.jsapi_ticket().await.unwrap();
    assert_ne!(renewed.ticket, jsapi.ticket);
}

#[tokio::test]
async fn custom_message_is_delivered() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), "main");
    let openid = env.follower().await;
    credentials
        .send_custom_message(&send::Request::new(
            openid.as_str(),
            Message::text("你好，wxgate"),
        ))
        .await
        .unwrap();
    let inbox = env.inbox(&openid).await;
    assert!(inbox.to_string().contains("你好，wxgate"), "{inbox}");

    let error = credentials
        .send_custom_message(&send::Request::new("o-nobody", Message::text("x")))
        .await
        .unwrap_err();
    assert!(error.api_error().is_some(), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_refresher_keeps_the_token_hot_without_callers() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), "main");
    let refresher = credentials.spawn_refresher(Duration::from_millis(20));
    eventually("the warm-up fetch", || async {
        env.calls("cgi-bin/token").await == 1
    })
    .await;
    env.advance_local(7200 - 250);
    eventually("the refresh ahead of expiry", || async {
        env.calls("cgi-bin/token").await == 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        env.calls("cgi-bin/token").await,
        2,
        "fresh again: no more calls"
    );
    let token = credentials.access_token().await.unwrap();
    assert!(token.expires_at > 0);

    drop(refresher);
    // Let the abort land before the clock jumps: a check already running on another worker
    // when the handle is dropped would otherwise read the new time and start a fetch (seen
    // once on two loaded cores).
    tokio::time::sleep(Duration::from_millis(100)).await;
    env.advance_local(7200);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        env.calls("cgi-bin/token").await,
        2,
        "stopped with its handle"
    );
}

#[tokio::test]
async fn waits_for_a_lease_held_elsewhere_then_takes_it_over() {
    let env = Env::start().await;
    let store = memory_store();
    let lease = "wxgate:{main}:access_token:lease";
    assert!(
        store
            .acquire_lease(lease, "crashed-instance", Duration::from_millis(300))
            .await
            .unwrap()
    );
    let options = env.options().lease(
        Duration::from_secs(10),
        Duration::from_millis(20),
        Duration::from_secs(5),
    );
    let credentials = Credentials::new(env.client(), store.clone(), env.account("main"), options);
    let started = std::time::Instant::now();
    credentials.access_token().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "waited for the lease"
    );
    assert_eq!(env.calls("cgi-bin/token").await, 1);
    assert!(
        store
            .acquire_lease(lease, "someone-else", Duration::from_secs(1))
            .await
            .unwrap(),
        "the lease was released after the refresh"
    );
}

#[tokio::test]
async fn gives_up_waiting_for_a_lease_that_is_never_released() {
    let env = Env::start().await;
    let store = memory_store();
    let lease = "wxgate:{main}:access_token:lease";
    assert!(
        store
            .acquire_lease(lease, "stuck-instance", Duration::from_secs(30))
            .await
            .unwrap()
    );
    let options = env.options().lease(
        Duration::from_secs(10),
        Duration::from_millis(20),
        Duration::from_millis(200),
    );
    let credentials = Credentials::new(env.client(), store, env.account("main"), options);
    let error = credentials.access_token().await.unwrap_err();
    assert_eq!(error.kind(), &wxgate_api::ErrorKind::LeaseTimeout);
    assert_eq!(env.calls("cgi-bin/token").await, 0);
}

#[tokio::test]
async fn access_token_serializes_as_the_gateway_answer() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), "main");
    let token = credentials.access_token().await.unwrap();
    let json = serde_json::to_value(&token).unwrap();
    assert_eq!(
        json,
        json!({"access_token": token.token, "expires_at": token.expires_at})
    );
    let ticket = credentials.wx_card_ticket().await.unwrap();
    let json = serde_json::to_value(&ticket).unwrap();
    assert_eq!(
        json,
        json!({"ticket": ticket.ticket, "expires_at": ticket.expires_at})
    );
}

#[tokio::test]
async fn every_msgtype_without_uploaded_media_is_accepted_by_the_sandbox() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), "main");
    let messages = [
        Message::text("文本 <a href=\"https://example.com\">link</a>"),
        Message::Music(Music {
            title: Some("歌".to_owned()),
            description: None,
            music_url: "https://example.com/a.mp3".to_owned(),
            hq_music_url: "https://example.com/a-hq.mp3".to_owned(),
            thumb_media_id: "THUMB".into(),
        }),
        Message::News(News {
            articles: vec![Article {
                title: "Happy Day".to_owned(),
                description: "Is Really A Happy Day".to_owned(),
                url: "https://example.com".to_owned(),
                pic_url: "https://example.com/p.png".to_owned(),
            }],
        }),
        Message::mpnews("MEDIA_ID"),
        Message::MpNewsArticle(MpNewsArticle {
            article_id: "ARTICLE_ID".to_owned(),
        }),
        Message::MsgMenu(MsgMenu {
            head_content: "您对本次服务是否满意呢? ".to_owned(),
            list: vec![
                MenuItem {
                    id: "101".to_owned(),
                    content: "满意".to_owned(),
                },
                MenuItem {
                    id: "102".to_owned(),
                    content: "不满意".to_owned(),
                },
            ],
            tail_content: "欢迎再次光临".to_owned(),
        }),
        Message::WxCard(WxCard {
            card_id: "123dsdajkasd231jhksad".to_owned(),
        }),
        Message::MiniProgramPage(MiniProgramPage {
            title: "title".to_owned(),
            app_id: "wxminiprogram".to_owned(),
            page_path: "pages/index/index".to_owned(),
            thumb_media_id: "THUMB".into(),
        }),
    ];
    // A user message opens a window of 5 sends: use one user per 4 messages.
    for chunk in messages.chunks(4) {
        let openid = env.follower().await;
        for message in chunk {
            let msgtype = message.msgtype();
            credentials
                .send_custom_message(&send::Request::new(openid.as_str(), message.clone()))
                .await
                .unwrap_or_else(|e| panic!("{msgtype}: {e}"));
        }
        let inbox = env.inbox(&openid).await.to_string();
        for message in chunk {
            assert!(inbox.contains(message.msgtype()), "{inbox}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_lived_tokens_are_not_refreshed_in_a_loop() {
    let env = Env::start().await;
    let response = env
        .http
        .post(format!("{}/sandbox/apps", env.base_url()))
        .json(&json!({
            "app_id": crate::common::APP_ID,
            "app_secret": crate::common::APP_SECRET,
            "token": "callbacktoken",
            "mode": "plaintext",
            "callback_url": "http://127.0.0.1:9/wechat/main",
            "token_ttl_secs": 60,
        }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let credentials = env.credentials(memory_store(), "main");
    let token = credentials.access_token().await.unwrap();
    for _ in 0..200 {
        credentials.access_token().await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        env.calls("cgi-bin/token").await,
        1,
        "60 s token, 300 s margin: no loop"
    );

    env.advance_local(31);
    eventually("the refresh half-way through the lifetime", || async {
        credentials.access_token().await.unwrap() != token
    })
    .await;
    assert_eq!(env.calls("cgi-bin/token").await, 2);
}

#[tokio::test]
async fn a_token_issued_moments_ago_is_not_replaced_when_so_configured() {
    let env = Env::start().await;
    let options = env.options().min_refresh_interval(Duration::from_secs(10));
    let credentials = Credentials::new(env.client(), memory_store(), env.account("main"), options);
    let token = credentials.access_token().await.unwrap();
    for _ in 0..20 {
        let answer = credentials
            .refresh_access_token(Some(&token.token))
            .await
            .unwrap();
        assert_eq!(answer, token);
        let answer = credentials.refresh_access_token(None).await.unwrap();
        assert_eq!(answer, token);
    }
    assert_eq!(env.calls("cgi-bin/token").await, 1, "no quota burnt");
    env.advance_local(10);
    let fresh = credentials
        .refresh_access_token(Some(&token.token))
        .await
        .unwrap();
    assert_ne!(fresh, token);
    assert_eq!(env.calls("cgi-bin/token").await, 2);
}
