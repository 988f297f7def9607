//! The gateway against the sandbox over loopback: the central token API and deferred replies
//! delivered through the customer-service API.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use wxgate_sandbox::Mode;
use wxgate_server::{Incoming, MessageRouter};
use wxgate_store::{MemoryStore, Store};

use crate::world::{self, World};

const APP_ID: &str = "wx5a1db0c0ffee0001";
const SECRET: &str = "sandbox-app-secret";
const TOKEN: &str = "gatewaytoken";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const API_KEY: &str = "integration-api-key";

async fn world(mode: Mode, messages: MessageRouter, deadline_ms: u64) -> World {
    world_on(
        Arc::new(MemoryStore::new()),
        mode,
        messages,
        deadline_ms,
        &[],
    )
    .await
}

/// A sandbox and a gateway serving over loopback. `faults` are injected into the sandbox before
/// the gateway starts, so its background refresher already meets them on its first call.
async fn world_on(
    store: Arc<dyn Store>,
    mode: Mode,
    messages: MessageRouter,
    deadline_ms: u64,
    faults: &[Value],
) -> World {
    world::world(APP_ID, SECRET, TOKEN)
        .mode(mode)
        .aes_key(KEY)
        .api_key(API_KEY)
        .deadline_ms(deadline_ms)
        .store(store)
        .messages(messages)
        .faults(faults)
        .start()
        .await
}

#[tokio::test]
async fn token_api_serves_caches_and_refreshes_only_stale_tokens() {
    let w = world(Mode::Safe, MessageRouter::new(), 4500).await;
    use reqwest::Method;
    let (status, body) = w
        .api(Method::GET, "/v1/accounts/main/access-token", None, None)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unauthorized"))
    );
    let (status, _) = w
        .api(
            Method::GET,
            "/v1/accounts/main/access-token",
            Some("wrong-key-value"),
            None,
        )
        .await;
    assert_eq!(status, 401);
    let (status, body) = w
        .api(
            Method::GET,
            "/v1/accounts/nope/access-token",
            Some(API_KEY),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("unknown_account"))
    );

    let (status, first) = w
        .api(
            Method::GET,
            "/v1/accounts/main/access-token",
            Some(API_KEY),
            None,
        )
        .await;
    assert_eq!(status, 200, "{first}");
    let token = first["access_token"].as_str().unwrap().to_owned();
    assert!(first["expires_at"].as_i64().unwrap() > 0);
    let (_, again) = w
        .api(
            Method::GET,
            "/v1/accounts/main/access-token",
            Some(API_KEY),
            None,
        )
        .await;
    assert_eq!(again["access_token"], first["access_token"]);
    assert_eq!(w.calls("cgi-bin/token").await, 1);

    // Refresh with the current token as stale, once WeChat rejects it: a new one. (A report
    // of a seconds-old token that WeChat still accepts is refused: see faults_tokens.)
    w.sandbox(
        Method::POST,
        &format!("/sandbox/apps/{APP_ID}/faults"),
        Some(json!({"invalidate_tokens": true})),
    )
    .await;
    let (status, fresh) = w
        .api(
            Method::POST,
            "/v1/accounts/main/access-token/refresh",
            Some(API_KEY),
            Some(json!({"stale": token})),
        )
        .await;
    assert_eq!(status, 200);
    assert_ne!(fresh["access_token"].as_str(), Some(token.as_str()));
    assert_eq!(w.calls("cgi-bin/token").await, 2);
    // Refresh with an older token: the current one, no upstream call.
    let (_, same) = w
        .api(
            Method::POST,
            "/v1/accounts/main/access-token/refresh",
            Some(API_KEY),
            Some(json!({"stale": token})),
        )
        .await;
    assert_eq!(same["access_token"], fresh["access_token"]);
    assert_eq!(w.calls("cgi-bin/token").await, 2);

    let (status, body) = w
        .api(
            Method::POST,
            "/v1/accounts/main/access-token/refresh",
            Some(API_KEY),
            Some(json!({"nope": 1})),
        )
        .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")));
}

#[tokio::test]
async fn tickets_and_jssdk_config_verify() {
    use reqwest::Method;
    let w = world(Mode::Safe, MessageRouter::new(), 4500).await;
    let (status, jsapi) = w
        .api(
            Method::GET,
            "/v1/accounts/main/jsapi-ticket",
            Some(API_KEY),
            None,
        )
        .await;
    assert_eq!(status, 200, "{jsapi}");
    let (status, card) = w
        .api(
            Method::GET,
            "/v1/accounts/main/wx-card-ticket",
            Some(API_KEY),
            None,
        )
        .await;
    assert_eq!(status, 200, "{card}");
    assert_ne!(jsapi["ticket"], card["ticket"]);
    let url = "https://h5.example.com/share?id=7#section";
    let (status, config) = w
        .api(
            Method::POST,
            "/v1/accounts/main/jssdk-config",
            Some(API_KEY),
            Some(json!({"url": url, "js_api_list": ["updateAppMessageShareData", "scanQRCode"]})),
        )
        .await;
    assert_eq!(status, 200, "{config}");
    assert_eq!(config["appId"], APP_ID);
    assert_eq!(
        config["jsApiList"],
        json!(["updateAppMessageShareData", "scanQRCode"])
    );
    let expected = wxgate_proto::jssdk::config_signature(
        jsapi["ticket"].as_str().unwrap(),
        config["nonceStr"].as_str().unwrap(),
        config["timestamp"].as_u64().unwrap(),
        url,
    );
    assert_eq!(config["signature"].as_str(), Some(expected.as_str()));
    let (status, _) = w
        .api(
            Method::POST,
            "/v1/accounts/main/jssdk-config",
            Some(API_KEY),
            Some(json!({"url": "not a url"})),
        )
        .await;
    assert_eq!(status, 400);
    let openapi = w.get_json("/v1/openapi.json").await;
    assert!(openapi["paths"]["/v1/accounts/{account}/jssdk-config"].is_object());
}

#[tokio::test]
async fn wechat_refusal_is_a_502_with_errcode() {
    use reqwest::Method;
    // Injected before the gateway starts: its background refresher must not get a token first.
    let w = world_on(
        Arc::new(MemoryStore::new()),
        Mode::Safe,
        MessageRouter::new(),
        4500,
        &[json!({"path": "cgi-bin/token", "errcode": 40164, "times": 1000})],
    )
    .await;
    let (status, body) = w
        .api(
            Method::GET,
            "/v1/accounts/main/access-token",
            Some(API_KEY),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str(), body["errcode"].as_i64()),
        (502, Some("wechat"), Some(40164)),
        "{body}"
    );
    assert!(!body.to_string().contains(SECRET));
    // The gateway's own calls to WeChat are counted by path and errcode, like the proxy's.
    let metrics = w.metrics().await;
    assert!(
        metrics.lines().any(|line| line.starts_with(
            "wxgate_wechat_calls_total{account=\"main\",errcode=\"40164\",path=\"cgi-bin/token\"}"
        )),
        "{metrics}"
    );
}

async fn user_says(w: &World, text: &str) -> (String, Value) {
    let (openid, follow) = w.new_follower(json!({"nickname": "Alice"})).await;
    assert_ne!(follow["outcome"], "invalid", "{follow}");
    let outcome = w
        .act(&openid, json!({"type": "text", "content": text}))
        .await;
    (openid, outcome)
}

#[tokio::test]
async fn safe_mode_round_trip_through_the_sandbox() {
    let router = MessageRouter::new().keyword("hello", |m: Incoming| async move {
        format!("Hi {}", &m.from_user_name[..4])
    });
    let w = world(Mode::Safe, router, 4500).await;
    let (openid, outcome) = user_says(&w, "hello").await;
    assert_eq!(outcome["outcome"], "reply", "{outcome}");
    assert_eq!(
        outcome["reply"]["text"]["content"].as_str(),
        Some(format!("Hi {}", &openid[..4]).as_str()),
        "{outcome}"
    );
}

#[tokio::test]
async fn a_slow_handler_reaches_the_inbox_through_customer_service() {
    let router = MessageRouter::new().fallback(|m: Incoming| async move {
        if m.text().is_some() {
            tokio::time::sleep(Duration::from_secs(8)).await;
        }
        m.text().map(|text| format!("late answer to {text}"))
    });
    // An 8-second handler against the default 4.5 s deadline and WeChat's 5 s timeout.
    let w = world(Mode::Safe, router, 4500).await;
    let (openid, outcome) = user_says(&w, "are you there?").await;
    assert_eq!(outcome["outcome"], "success", "{outcome}");
    assert_eq!(outcome["attempts"], 1);
    let mut delivered = None;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let inbox = w
            .sandbox(
                reqwest::Method::GET,
                &format!("/sandbox/apps/{APP_ID}/users/{openid}/inbox"),
                None,
            )
            .await;
        if let Some(entry) = inbox
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["source"] == "custom" && e.to_string().contains("are you there"))
        {
            delivered = Some(entry.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let entry = delivered.expect("the deferred reply reached the inbox");
    assert!(
        entry.to_string().contains("late answer to are you there?"),
        "{entry}"
    );
}

#[tokio::test]
async fn deferred_replies_queued_before_a_restart_are_delivered_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let first = world_on(
        Arc::new(wxgate_store::SqliteStore::open(&path).unwrap()),
        Mode::Safe,
        MessageRouter::new(),
        4500,
        &[],
    )
    .await;
    let (openid, _) = user_says(&first, "hi").await;
    // The gateway goes down with a reply still queued (as if it crashed before delivering).
    first.stop_gateway();
    let store = wxgate_store::SqliteStore::open(&path).unwrap();
    wxgate_server::deferred::DeferredReply {
        account: "main".to_owned(),
        to_user: openid.clone(),
        reply: wxgate_proto::reply::Reply::text("queued before the restart"),
        received_at: 0,
    }
    .enqueue(&store)
    .await
    .unwrap();
    drop(store);
    // A new gateway on the same file, against the same sandbox, delivers it.
    let _server = world::world(APP_ID, SECRET, TOKEN)
        .mode(Mode::Safe)
        .aes_key(KEY)
        .storage_url(&format!("sqlite://{}", path.display()))
        .serve_against(&first)
        .await;
    let mut delivered = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let inbox = first
            .sandbox(
                reqwest::Method::GET,
                &format!("/sandbox/apps/{APP_ID}/users/{openid}/inbox"),
                None,
            )
            .await;
        if inbox.to_string().contains("queued before the restart") {
            delivered = true;
            break;
        }
    }
    assert!(
        delivered,
        "the queued reply was delivered after the restart"
    );
}
