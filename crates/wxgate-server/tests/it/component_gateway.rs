//! A third-party platform's authorizers as first-class accounts of the gateway, against the
//! sandbox over loopback: scoped API keys naming them, their metrics, the platform's webhooks
//! (authorizers' pushes and authorization notices), the authorization page's public URL, and
//! a revocation handled by another instance.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use serde_json::{Value, json};
use wxgate_server::Gateway;
use wxgate_store::{MemoryStore, Store};

use crate::component::{
    API_KEY, AUTHORIZER, COMPONENT_APPID, Platform, config_with, platform_built,
};

const HOOK_SECRET: &str = "component-hook-secret";

/// A platform whose gateway has `server` lines in `[server]` and `component` in its
/// `[[components]]`.
async fn started(
    store: &Arc<dyn Store>,
    server: &str,
    component: &str,
) -> (Platform, Gateway, tokio::task::JoinHandle<()>) {
    let (server, component) = (server.to_owned(), component.to_owned());
    platform_built(store, move |api_base| {
        Gateway::builder(config_with(api_base, &server, &component))
    })
    .await
}

/// A request to the gateway with a bearer key: its status and JSON body.
async fn call(
    platform: &Platform,
    key: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = platform
        .http
        .request(method, format!("{}{path}", platform.gateway_url))
        .bearer_auth(key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn scoped_keys_name_authorizers_by_appid_or_grant_a_whole_component() {
    let keys = format!(
        r#"api_keys = [
  "{API_KEY}",
  {{ key = "by-appid-key-1", accounts = ["{AUTHORIZER}"] }},
  {{ key = "platform-key-1", components = ["open"] }},
  {{ key = "other-appid-key", accounts = ["wx0000000000000009"] }},
]"#
    );
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (platform, _gateway, _server) = started(&store, &keys, "").await;
    let token_path = format!("/v1/accounts/{AUTHORIZER}/access-token");
    // Not an authorizer yet: the component grant does not reach it.
    let (status, body) = call(
        &platform,
        "platform-key-1",
        reqwest::Method::GET,
        &token_path,
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );

    platform.authorize().await;
    let openid = platform.follower().await;
    let message = json!({"touser": openid, "msgtype": "text", "text": {"content": "hi"}});
    // Every kind of route: token, proxy, messages.
    let routes = [
        (reqwest::Method::GET, token_path.clone(), None),
        (
            reqwest::Method::GET,
            format!("/v1/accounts/{AUTHORIZER}/wechat/cgi-bin/user/get"),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("/v1/accounts/{AUTHORIZER}/messages"),
            Some(message),
        ),
    ];
    for (method, path, body) in &routes {
        for key in ["by-appid-key-1", "platform-key-1"] {
            let (status, answer) = call(&platform, key, method.clone(), path, body.clone()).await;
            assert_eq!(status, 200, "{key} {method} {path}: {answer}");
            assert_ne!(answer["errcode"].as_i64().unwrap_or(0), 40001, "{answer}");
        }
        let (status, answer) = call(
            &platform,
            "other-appid-key",
            method.clone(),
            path,
            body.clone(),
        )
        .await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (403, Some("forbidden")),
            "{method} {path}: {answer}"
        );
    }

    // Revoked: the component grant no longer reaches it, and the AppID names no account.
    platform
        .control(
            &format!("/sandbox/components/{COMPONENT_APPID}/unauthorize"),
            json!({"app_id": AUTHORIZER}),
        )
        .await;
    let (status, _) = call(
        &platform,
        "platform-key-1",
        reqwest::Method::GET,
        &token_path,
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = call(
        &platform,
        "by-appid-key-1",
        reqwest::Method::GET,
        &token_path,
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("unknown_account")),
        "{body}"
    );
}

#[tokio::test]
async fn metrics_show_authorizers_under_their_component_and_the_components_own_counts() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (platform, gateway, _server) = started(&store, "", "").await;
    platform.authorize().await;
    let openid = platform.follower().await;
    let (_, outcome) = platform
        .act(&openid, json!({"type": "text", "content": "hello"}))
        .await;
    assert_eq!(outcome["outcome"], "reply", "{outcome}");
    gateway
        .component("open")
        .unwrap()
        .refresh_authorizer(AUTHORIZER)
        .await
        .unwrap();
    let text = platform
        .http
        .get(format!("{}/metrics", platform.gateway_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let authorizer = format!("account=\"{AUTHORIZER}\",component=\"open\"");
    for line in [
        format!("wxgate_callbacks_total{{{authorizer},outcome=\"reply\"}} 1"),
        "wxgate_component_verify_tickets_total{component=\"open\"} 1".to_owned(),
        "wxgate_component_notices_total{component=\"open\",type=\"authorized\"} 1".to_owned(),
        "wxgate_component_notices_total{component=\"open\",type=\"unauthorized\"} 0".to_owned(),
        "wxgate_component_token_fetches_total{component=\"open\",result=\"ok\"} 1".to_owned(),
        "wxgate_component_authorizer_refreshes_total{component=\"open\",result=\"ok\"} 1"
            .to_owned(),
        "wxgate_component_authorizer_refreshes_total{component=\"open\",result=\"reauthorization_required\"} 0"
            .to_owned(),
    ] {
        assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
    }
    // The authorizer's pushes are timed in the component's histogram (the follow and the
    // text), and its outcomes that did not happen add no series.
    assert!(
        text.lines()
            .any(|l| l == "wxgate_callback_duration_seconds_count{component=\"open\"} 2"),
        "{text}"
    );
    assert!(
        !text.contains(&format!("{authorizer},outcome=\"rejected_400\"")),
        "{text}"
    );
    assert!(
        !text.contains("wxgate_callback_duration_seconds_count{account=\"wx5a1db0c0ffee0a01\"")
    );
    // One family per name, so Prometheus takes the page.
    assert_eq!(
        text.matches("# TYPE wxgate_callbacks_total counter")
            .count(),
        1,
        "{text}"
    );
}

/// What a webhook receiver got, and what it answers (a sync reply).
#[derive(Default)]
struct Received(Mutex<Vec<Value>>);

async fn receive(State(received): State<Arc<Received>>, raw: Bytes) -> axum::Json<Value> {
    let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    let content = body["message"]["Content"]
        .as_str()
        .unwrap_or("event")
        .to_owned();
    received.0.lock().unwrap().push(body);
    axum::Json(json!({"reply": {"type": "text", "content": format!("service: {content}")}}))
}

/// A receiver on loopback: its record and URL.
async fn receiver() -> (Arc<Received>, String) {
    let received = Arc::new(Received::default());
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(Arc::clone(&received));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (received, url)
}

/// Waits up to 20 s until `received` holds a body `wanted` accepts.
async fn wait_for(received: &Received, wanted: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        if let Some(found) = received.0.lock().unwrap().iter().find(|b| wanted(b)) {
            return found.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never received: {:#?}", received.0.lock().unwrap());
}

#[tokio::test]
async fn component_webhooks_get_authorizers_pushes_and_authorization_notices() {
    let (events, events_url) = receiver().await;
    let (replies, replies_url) = receiver().await;
    // A receiver that refuses connections: its deliveries become dead letters at once.
    let dead_url = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hook", listener.local_addr().unwrap())
    };
    let hooks = format!(
        r#"
[[components.webhooks]]
url = "{events_url}"
secret = "{HOOK_SECRET}"
events = ["authorized", "unauthorized", "text"]

[[components.webhooks]]
url = "{replies_url}"
secret = "{HOOK_SECRET}"
events = ["text"]
mode = "sync"

[[components.webhooks]]
url = "{dead_url}"
secret = "{HOOK_SECRET}"
events = ["text"]
max_attempts = 1
"#
    );
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (platform, gateway, _server) = started(&store, "", &hooks).await;
    let _workers = gateway.spawn_workers();
    platform.authorize().await;
    let authorized = wait_for(&events, |b| b["event"] == "authorized").await;
    assert_eq!(authorized["account"], AUTHORIZER, "{authorized}");
    assert_eq!(authorized["component"], "open", "{authorized}");
    assert_eq!(
        authorized["message"]["AuthorizerAppid"], AUTHORIZER,
        "{authorized}"
    );
    // The authorization code was used by the gateway; the service does not get it.
    assert!(
        authorized["message"].get("AuthorizationCode").is_none(),
        "{authorized}"
    );

    let openid = platform.follower().await;
    let (_, outcome) = platform
        .act(&openid, json!({"type": "text", "content": "hello"}))
        .await;
    // The sync webhook answers before the component's configured reply.
    assert_eq!(
        outcome["reply"]["text"]["content"].as_str(),
        Some("service: hello"),
        "{outcome}"
    );
    let sync = wait_for(&replies, |b| b["msg_type"] == "text").await;
    assert_eq!(
        (&sync["account"], &sync["component"]),
        (&json!(AUTHORIZER), &json!("open"))
    );
    let text = wait_for(&events, |b| b["msg_type"] == "text").await;
    assert_eq!(text["account"], AUTHORIZER, "{text}");
    assert_eq!(text["openid"], openid.as_str(), "{text}");
    assert_eq!(text["follower"]["openid"], openid.as_str(), "{text}");

    // The dead letter is the authorizer's, listed and re-driven at its own route.
    let dead_path = format!("/v1/accounts/{AUTHORIZER}/webhooks/dead");
    let mut dead = Value::Null;
    for _ in 0..100 {
        (_, dead) = call(&platform, API_KEY, reqwest::Method::GET, &dead_path, None).await;
        if dead.as_array().is_some_and(|d| !d.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let letters = dead.as_array().expect("a list of dead letters");
    assert_eq!(letters.len(), 1, "{dead}");
    assert_eq!(letters[0]["url"], dead_url.as_str(), "{dead}");
    assert_eq!(letters[0]["event"], "text", "{dead}");
    let id = letters[0]["id"].as_str().unwrap();
    let (status, redriven) = call(
        &platform,
        API_KEY,
        reqwest::Method::POST,
        &format!("{dead_path}/redrive"),
        Some(json!({"ids": [id, "not-a-letter"]})),
    )
    .await;
    assert_eq!(status, 200, "{redriven}");
    assert_eq!(redriven["redriven"], json!([id]), "{redriven}");
    assert_eq!(redriven["missing"], json!(["not-a-letter"]), "{redriven}");

    platform
        .control(
            &format!("/sandbox/components/{COMPONENT_APPID}/unauthorize"),
            json!({"app_id": AUTHORIZER}),
        )
        .await;
    let unauthorized = wait_for(&events, |b| b["event"] == "unauthorized").await;
    assert_eq!(unauthorized["account"], AUTHORIZER, "{unauthorized}");
    assert_eq!(unauthorized["openid"], "", "{unauthorized}");
    assert_eq!(unauthorized["follower"], Value::Null, "{unauthorized}");
}

/// The return URL in the authorization page's PC link.
async fn return_url(platform: &Platform, host: &str) -> String {
    let page = platform
        .http
        .get(format!("{}/component/open/authorize", platform.gateway_url))
        .header("host", host)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let start = html.find("redirect_uri=").unwrap() + "redirect_uri=".len();
    let end = start + html[start..].find(['&', '"']).unwrap();
    percent_encoding::percent_decode_str(&html[start..end])
        .decode_utf8()
        .unwrap()
        .into_owned()
}

#[tokio::test]
async fn the_authorization_page_returns_to_the_public_url_whatever_the_host_header() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    // The component's own public URL wins over the server's.
    let (platform, _gateway, _server) = started(
        &store,
        r#"public_url = "https://gateway.example.com""#,
        r#"public_url = "https://platform.example.com/""#,
    )
    .await;
    platform
        .control(
            &format!("/sandbox/components/{COMPONENT_APPID}/push-ticket"),
            json!({}),
        )
        .await;
    assert_eq!(
        return_url(&platform, "evil.example").await,
        "https://platform.example.com/component/open/authorized"
    );

    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (platform, _gateway, _server) =
        started(&store, r#"public_url = "https://gateway.example.com""#, "").await;
    platform
        .control(
            &format!("/sandbox/components/{COMPONENT_APPID}/push-ticket"),
            json!({}),
        )
        .await;
    assert_eq!(
        return_url(&platform, "evil.example").await,
        "https://gateway.example.com/component/open/authorized"
    );

    // Neither set: the Host header is the fallback.
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (platform, _gateway, _server) = started(&store, "", "").await;
    platform
        .control(
            &format!("/sandbox/components/{COMPONENT_APPID}/push-ticket"),
            json!({}),
        )
        .await;
    assert_eq!(
        return_url(&platform, "fallback.example").await,
        "http://fallback.example/component/open/authorized"
    );
}

#[tokio::test]
async fn a_revocation_handled_by_another_instance_is_seen_within_the_recheck_time() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    // The sandbox's notices go to the first instance.
    let (platform, _first, _server) = started(&store, "", "").await;
    let recheck = Duration::from_millis(300);
    let (second, listener) = crate::component::gateway_built(
        Gateway::builder(config_with(&platform.sandbox.base_url(), "", ""))
            .authorizer_recheck(recheck),
        &store,
    )
    .await;
    let second_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = wxgate_server::serve(&second, listener).await;
    });
    let token = |url: String| {
        let http = platform.http.clone();
        async move {
            let response = http
                .get(format!("{url}/v1/accounts/{AUTHORIZER}/access-token"))
                .bearer_auth(API_KEY)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    platform.authorize().await;
    let (status, body) = token(second_url.clone()).await;
    assert_eq!(status, 200, "{body}");
    platform
        .control(
            &format!("/sandbox/components/{COMPONENT_APPID}/unauthorize"),
            json!({"app_id": AUTHORIZER}),
        )
        .await;
    // The first instance handled the notice; the second reads the store again once its last
    // answer is older than the recheck time.
    tokio::time::sleep(recheck + Duration::from_millis(100)).await;
    let (status, body) = token(second_url).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("unknown_account")),
        "{body}"
    );
}
