//! The follow funnel and webhooks end to end: real `wxgate serve` processes, the sandbox process
//! as WeChat, and a webhook receiver in the test process that checks every signature.
//!
//! - A user who does not follow scans a campaign's code, follows, gets the campaign's card with
//!   the scene filled in; an async and a sync webhook get the signed push with the scene; the
//!   registry has the follower with profile and scene; an unfollow shows in the registry and the
//!   scene's figures. The same for a follower's SCAN.
//! - A sync webhook's reply is the passive reply; one past the callback deadline reaches the
//!   user through customer service. An async webhook that is down is retried, dead-lettered and
//!   re-driven, each delivery arriving once.
//! - `kill -9` of the gateway with async deliveries queued (the receiver is slow) and a restart
//!   on the same SQLite store: every delivery arrives; duplicates are counted and bounded.
//! - Two gateways on one Redis store and one PostgreSQL registry: the same push sent to both
//!   gives one webhook delivery, one registry row and one follow counted; the same
//!   `Idempotency-Key` sent to both sends one message.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse as _, Response};
use hmac::{Hmac, KeyInit as _, Mac as _};
use serde_json::{Value, json};
use sha2::Sha256;
use wxgate_proto::signature;
use wxgate_proto::xml::Writer;
use wxgate_store::{SqliteStore, Store as _};

use crate::process::{Wxgate, now, start};

const SECRET: &str = "funnel-e2e-app-secret";
const TOKEN: &str = "funnele2etoken";
const API_KEY: &str = "funnel-e2e-api-key";
const HOOK_SECRET: &str = "funnel-e2e-hook-secret";
/// Far longer than anything here takes, even on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(20);
/// How long the receiver takes over a sync answer to a "slow…" text: past the callback deadline
/// of [`Funnel::start_with`]'s gateway, within the sync webhook's 3 s timeout.
const SLOW_SYNC_MS: u64 = 2_000;

// ---------------------------------------------------------------------------------------------
// The webhook receiver.

/// One request the receiver answered.
#[derive(Clone, Debug)]
struct Received {
    /// `/async` or `/sync`.
    path: String,
    /// `X-Wxgate-Delivery`.
    delivery: String,
    body: Value,
}

#[derive(Default)]
struct Hooks {
    received: Mutex<Vec<Received>>,
    /// How long each answer waits (the slow receiver of the kill test).
    delay_ms: AtomicU64,
    /// Requests whose signature or timestamp was wrong (answered 401, not recorded).
    forged: AtomicU64,
    /// While set, every signed request is answered 503 (and counted, not recorded).
    down: AtomicBool,
    refused: AtomicU64,
}

/// A small axum server on loopback: `POST /async` and `POST /sync` verify the signature, record
/// the delivery and answer 204 (no passive reply) — or 503 while `down` —, except that `/sync` answers a text message
/// `C` with the reply `got: C` (after [`SLOW_SYNC_MS`] when `C` starts with `slow`).
struct Receiver {
    base: String,
    hooks: Arc<Hooks>,
}

impl Receiver {
    async fn start() -> Self {
        let hooks = Arc::new(Hooks::default());
        let app = axum::Router::new()
            .route("/async", axum::routing::post(hook))
            .route("/sync", axum::routing::post(hook))
            .with_state(Arc::clone(&hooks));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, hooks }
    }

    fn received(&self) -> Vec<Received> {
        self.hooks.received.lock().unwrap().clone()
    }

    /// The requests to `path` about `openid`'s `event`.
    fn about(&self, path: &str, openid: &str, event: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.path == path && r.body["openid"] == openid && r.body["event"] == event)
            .collect()
    }

    fn refused(&self) -> u64 {
        self.hooks.refused.load(Ordering::Relaxed)
    }

    fn forged(&self) -> u64 {
        self.hooks.forged.load(Ordering::Relaxed)
    }
}

/// Whether `header` is `sha256=` + hex HMAC-SHA256(secret, timestamp + "." + body), checked in
/// constant time.
fn signed(timestamp: &str, header: &str, body: &[u8]) -> bool {
    let Some(hex) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(expected) = hex::decode(hex) else {
        return false;
    };
    let mut mac = <Hmac<Sha256>>::new_from_slice(HOOK_SECRET.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

async fn hook(
    State(hooks): State<Arc<Hooks>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let timestamp = header("x-wxgate-timestamp");
    let fresh = timestamp
        .parse::<u64>()
        .is_ok_and(|t| t.abs_diff(now()) <= 300);
    if !fresh || !signed(&timestamp, &header("x-wxgate-signature"), &body) {
        hooks.forged.fetch_add(1, Ordering::Relaxed);
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if hooks.down.load(Ordering::Relaxed) {
        hooks.refused.fetch_add(1, Ordering::Relaxed);
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let delay = hooks.delay_ms.load(Ordering::Relaxed);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    // A sync webhook answers a text message with a passive reply, "slow" ones late.
    let content = body["message"]["Content"].as_str().map(str::to_owned);
    hooks.received.lock().unwrap().push(Received {
        path: uri.path().to_owned(),
        delivery: header("x-wxgate-delivery"),
        body,
    });
    match content {
        Some(content) if uri.path() == "/sync" => {
            if content.starts_with("slow") {
                tokio::time::sleep(Duration::from_millis(SLOW_SYNC_MS)).await;
            }
            let reply = json!({"reply": {"type": "text", "content": format!("got: {content}")}});
            (StatusCode::OK, axum::Json(reply)).into_response()
        }
        _ => StatusCode::NO_CONTENT.into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers.

/// Polls `check` every 50 ms until it gives a value, for at most [`PATIENCE`].
async fn until<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "waited {PATIENCE:?} for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn post(http: &reqwest::Client, url: String, body: Value) -> Value {
    let response = http.post(&url).json(&body).send().await.unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{url}: {status} {body}");
    body
}

/// A `/v1` request with the API key: status and JSON body.
async fn api(
    http: &reqwest::Client,
    gateway: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!("{gateway}/v1/accounts/main{path}");
    let request = match body {
        Some(body) => http.post(url).json(&body),
        None => http.get(url),
    };
    let response = request.bearer_auth(API_KEY).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `(scans, subscribes, unsubscribes)` of `scene`.
async fn figures(http: &reqwest::Client, gateway: &str, scene: &str) -> (u64, u64, u64) {
    let (status, body) = api(http, gateway, &format!("/scenes/{scene}"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scene"], scene);
    let n = |field: &str| body[field].as_u64().unwrap();
    (n("scans"), n("subscribes"), n("unsubscribes"))
}

/// Waits until `scene`'s figures are `expected` (a record the registry could not take within
/// the callback's budget is queued and written moments later), and asserts they are.
async fn figures_reach(
    http: &reqwest::Client,
    gateway: &str,
    scene: &str,
    expected: (u64, u64, u64),
) {
    let started = Instant::now();
    loop {
        let current = figures(http, gateway, scene).await;
        if current == expected || started.elapsed() > PATIENCE {
            assert_eq!(
                current, expected,
                "scans, subscribes, unsubscribes of {scene}"
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The follower once the registry's record satisfies `done` (see [`figures_reach`]).
async fn follower_when(
    http: &reqwest::Client,
    gateway: &str,
    openid: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let started = Instant::now();
    loop {
        let (status, record) = api(http, gateway, &format!("/followers/{openid}"), None).await;
        if (status == 200 && done(&record)) || started.elapsed() > PATIENCE {
            assert_eq!(status, 200, "{record}");
            return record;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn follower(http: &reqwest::Client, gateway: &str, openid: &str) -> Value {
    let (status, body) = api(http, gateway, &format!("/followers/{openid}"), None).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// A temporary code for `scene`, made through the gateway: its ticket.
async fn qrcode(http: &reqwest::Client, gateway: &str, scene: &str) -> String {
    let (status, code) = api(
        http,
        gateway,
        "/qrcodes",
        Some(json!({"scene": scene, "expire_secs": 3600})),
    )
    .await;
    assert_eq!(status, 200, "{code}");
    code["ticket"].as_str().unwrap().to_owned()
}

/// The plaintext callback URL of account `main`, freshly signed (a new nonce every time, as
/// WeChat signs each attempt).
fn callback_url(gateway: &str) -> String {
    static NONCES: AtomicU64 = AtomicU64::new(0);
    let ts = now().to_string();
    let nonce = format!(
        "{}{}",
        rand::random::<u32>(),
        NONCES.fetch_add(1, Ordering::Relaxed)
    );
    let sig = signature::sign(&[TOKEN, &ts, &nonce]);
    format!("{gateway}/wechat/main?signature={sig}&timestamp={ts}&nonce={nonce}")
}

/// POSTs the plaintext push `xml` to a gateway as WeChat does; its answer.
async fn push(http: &reqwest::Client, gateway: &str, xml: &str) -> String {
    let response = http
        .post(callback_url(gateway))
        .body(xml.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{gateway}");
    response.text().await.unwrap()
}

/// The passive replies and customer-service messages in a user's sandbox inbox.
async fn inbox(http: &reqwest::Client, sandbox: &str, app_id: &str, openid: &str) -> Vec<Value> {
    let inbox: Value = http
        .get(format!(
            "{sandbox}/sandbox/apps/{app_id}/users/{openid}/inbox"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    inbox.as_array().unwrap().clone()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

// ---------------------------------------------------------------------------------------------
// 1. The funnel on one gateway.

const FUNNEL_APP: &str = "wxe2e0000000f0e201";

fn account(app_id: &str, sandbox: &str) -> String {
    format!(
        r#"[[accounts]]
id = "main"
app_id = "{app_id}"
app_secret = "{SECRET}"
token = "{TOKEN}"
mode = "plaintext"
api_base = "{sandbox}"
"#
    )
}

/// A test's world: the sandbox with an app whose callback is the gateway's.
struct Funnel {
    sandbox: Wxgate,
    gateway: Wxgate,
    receiver: Receiver,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Funnel {
    async fn start() -> Self {
        Self::start_with("", r#""subscribe", "SCAN""#).await
    }

    /// With more `[server]` settings and the sync webhook's `events`.
    async fn start_with(server: &str, sync_events: &str) -> Self {
        let receiver = Receiver::start().await;
        let sandbox = start(&["sandbox", "--listen", "127.0.0.1:0"]);
        let http = reqwest::Client::new();
        // The app exists before the gateway starts, as on WeChat (a token refused at start is
        // served as refused until its back-off ends), so the gateway's port is chosen first.
        let port = free_port();
        post(
            &http,
            format!("{}/sandbox/apps", sandbox.base),
            json!({"app_id": FUNNEL_APP, "app_secret": SECRET, "token": TOKEN, "mode": "plaintext",
                   "callback_url": format!("http://127.0.0.1:{port}/wechat/main")}),
        )
        .await;
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("wxgate.toml");
        std::fs::write(
            &config,
            format!(
                r#"[server]
listen = "127.0.0.1:{port}"
api_keys = ["{API_KEY}"]
{server}
[storage]
url = "sqlite://{db}"
{account}
[[accounts.campaigns]]
scene = "table-*"
[accounts.campaigns.news]
title = "Welcome to {{scene}}"
description = "Your table is {{scene}}"
url = "https://example.com/menu?table={{scene}}"
pic_url = "https://example.com/menu.png"
[[accounts.webhooks]]
url = "{hooks}/async"
secret = "{HOOK_SECRET}"
events = ["subscribe", "unsubscribe", "SCAN"]
mode = "async"
[[accounts.webhooks]]
url = "{hooks}/sync"
secret = "{HOOK_SECRET}"
events = [{sync_events}]
mode = "sync"
"#,
                db = dir.path().join("state.db").display(),
                account = account(FUNNEL_APP, &sandbox.base),
                hooks = receiver.base,
            ),
        )
        .unwrap();
        let gateway = start(&["serve", "--config", &config.display().to_string()]);
        assert_eq!(gateway.base, format!("http://127.0.0.1:{port}"));
        Self {
            sandbox,
            gateway,
            receiver,
            http,
            _dir: dir,
        }
    }

    async fn user(&self, unionid: &str) -> String {
        let user = post(
            &self.http,
            format!("{}/sandbox/apps/{FUNNEL_APP}/users", self.sandbox.base),
            json!({"unionid": unionid}),
        )
        .await;
        user["openid"].as_str().unwrap().to_owned()
    }

    async fn act(&self, openid: &str, action: Value) -> Value {
        post(
            &self.http,
            format!(
                "{}/sandbox/apps/{FUNNEL_APP}/users/{openid}/actions",
                self.sandbox.base
            ),
            action,
        )
        .await
    }

    async fn inbox(&self, openid: &str) -> Vec<Value> {
        inbox(&self.http, &self.sandbox.base, FUNNEL_APP, openid).await
    }

    /// The one async delivery of `openid`'s `event`, once it has arrived.
    async fn delivered(&self, openid: &str, event: &str) -> Received {
        until(&format!("the async {event} webhook"), async || {
            self.receiver.about("/async", openid, event).pop()
        })
        .await
    }
}

/// The news card of a sandbox delivery's passive reply.
fn card(delivery: &Value) -> Value {
    assert_eq!(delivery["outcome"], "reply", "{delivery}");
    assert_eq!(delivery["reply"]["msgtype"], "news", "{delivery}");
    delivery["reply"]["news"]["articles"][0].clone()
}

/// Checks a webhook request for `openid`'s `event` about `scene`.
fn check_push(received: &Received, openid: &str, event: &str, scene: Option<&str>) {
    let body = &received.body;
    assert_eq!(body["id"], received.delivery.as_str(), "{body}");
    assert_eq!(received.delivery.len(), 32, "{body}");
    assert_eq!(body["account"], "main", "{body}");
    assert_eq!(body["openid"], openid, "{body}");
    assert_eq!(body["msg_type"], "event", "{body}");
    assert_eq!(body["event"], event, "{body}");
    assert_eq!(body["scene"], json!(scene), "{body}");
    assert_eq!(body["message"]["FromUserName"], openid, "{body}");
    assert_eq!(body["message"]["Event"], event, "{body}");
    assert!(body["create_time"].as_u64().unwrap() > 0, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_scans_follows_gets_the_card_and_the_webhooks_and_registry_see_it() {
    let f = Funnel::start().await;
    let gateway = f.gateway.base.as_str();
    let ticket = qrcode(&f.http, gateway, "table-7").await;
    let openid = f.user("union-e2e-7").await;

    // Scan → follow → the campaign's card with the scene filled in.
    let follow = f
        .act(&openid, json!({"type": "scan", "ticket": ticket}))
        .await;
    assert!(
        follow["request"]["xml"]
            .as_str()
            .unwrap()
            .contains("qrscene_table-7"),
        "{follow}"
    );
    let article = card(&follow);
    assert_eq!(article["title"], "Welcome to table-7", "{follow}");
    assert_eq!(article["description"], "Your table is table-7", "{follow}");
    assert_eq!(article["url"], "https://example.com/menu?table=table-7");
    let inbox = f.inbox(&openid).await;
    assert!(
        inbox.iter().any(|m| m["source"] == "reply"
            && m["message"]["news"]["articles"][0]["title"] == "Welcome to table-7"),
        "{inbox:?}"
    );

    // The sync webhook was asked while WeChat waited; the async one gets the push soon after;
    // both signed (the receiver refuses anything else) and with the scene.
    let sync = f.receiver.about("/sync", &openid, "subscribe");
    assert_eq!(sync.len(), 1, "{sync:?}");
    check_push(&sync[0], &openid, "subscribe", Some("table-7"));
    assert_eq!(sync[0].body["message"]["EventKey"], "qrscene_table-7");
    let delivered = f.delivered(&openid, "subscribe").await;
    check_push(&delivered, &openid, "subscribe", Some("table-7"));
    assert_eq!(delivered.delivery, sync[0].delivery, "one id per push");
    let record = &delivered.body["follower"];
    assert_eq!(record["openid"], openid.as_str(), "{record}");
    assert_eq!(record["subscribed"], true, "{record}");
    assert_eq!(record["qr_scene"], "table-7", "{record}");
    assert_eq!(record["unionid"], "union-e2e-7", "{record}");

    // The registry: the profile from user/info and the scene.
    let record = follower_when(&f.http, gateway, &openid, |r| !r["scene"].is_null()).await;
    assert_eq!(record["subscribed"], true, "{record}");
    assert_eq!(record["scene"], "table-7", "{record}");
    assert_eq!(record["unionid"], "union-e2e-7", "{record}");
    assert_eq!(record["subscribe_scene"], "ADD_SCENE_QR_CODE", "{record}");
    assert!(record["subscribe_time"].as_i64().unwrap() > 0, "{record}");
    assert!(record["unsubscribed_at_ms"].is_null(), "{record}");
    figures_reach(&f.http, gateway, "table-7", (0, 1, 0)).await;

    // Unfollow: the registry keeps the follower, marked gone; the scene counts the loss.
    let unfollow = f.act(&openid, json!({"type": "unfollow"})).await;
    assert_eq!(unfollow["outcome"], "success", "{unfollow}");
    let gone = f.delivered(&openid, "unsubscribe").await;
    check_push(&gone, &openid, "unsubscribe", None);
    assert_eq!(
        gone.body["follower"]["subscribed"], false,
        "{:?}",
        gone.body
    );
    let record = follower_when(&f.http, gateway, &openid, |r| r["subscribed"] == false).await;
    assert_eq!(record["subscribed"], false, "{record}");
    assert!(
        record["unsubscribed_at_ms"].as_i64().unwrap() > 0,
        "{record}"
    );
    assert_eq!(record["scene"], "table-7", "the history is kept: {record}");
    figures_reach(&f.http, gateway, "table-7", (0, 1, 1)).await;

    // Each push reached each webhook once, and nothing came unsigned.
    let received = f.receiver.received();
    assert_eq!(received.len(), 3, "{received:?}");
    assert_eq!(f.receiver.forged(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_scans_gets_the_card_and_the_webhooks_and_figures_see_it() {
    let f = Funnel::start().await;
    let gateway = f.gateway.base.as_str();
    let openid = f.user("union-e2e-9").await;
    // A plain follow: no scene, no card.
    let follow = f.act(&openid, json!({"type": "follow"})).await;
    assert_ne!(follow["reply"]["msgtype"], "news", "{follow}");
    let followed = f.delivered(&openid, "subscribe").await;
    check_push(&followed, &openid, "subscribe", None);

    let ticket = qrcode(&f.http, gateway, "table-9").await;
    let scan = f
        .act(&openid, json!({"type": "scan", "ticket": ticket}))
        .await;
    assert!(
        scan["request"]["xml"].as_str().unwrap().contains("SCAN"),
        "{scan}"
    );
    let article = card(&scan);
    assert_eq!(article["title"], "Welcome to table-9", "{scan}");
    assert_eq!(article["url"], "https://example.com/menu?table=table-9");
    let inbox = f.inbox(&openid).await;
    assert!(
        inbox.iter().any(|m| m["source"] == "reply"
            && m["message"]["news"]["articles"][0]["title"] == "Welcome to table-9"),
        "{inbox:?}"
    );

    let sync = f.receiver.about("/sync", &openid, "SCAN");
    assert_eq!(sync.len(), 1, "{sync:?}");
    check_push(&sync[0], &openid, "SCAN", Some("table-9"));
    let delivered = f.delivered(&openid, "SCAN").await;
    check_push(&delivered, &openid, "SCAN", Some("table-9"));
    assert_eq!(delivered.delivery, sync[0].delivery);
    assert_eq!(delivered.body["follower"]["subscribed"], true);

    figures_reach(&f.http, gateway, "table-9", (1, 0, 0)).await;
    // A scan is not a follow: the follower's scene stays as the follow left it.
    let record = follower(&f.http, gateway, &openid).await;
    assert_eq!(record["subscribed"], true, "{record}");
    assert!(record["scene"].is_null(), "{record}");
    assert_eq!(record["unionid"], "union-e2e-9", "{record}");

    // Two sync requests (subscribe, SCAN) and two async deliveries, each once.
    let received = f.receiver.received();
    assert_eq!(received.len(), 4, "{received:?}");
    assert_eq!(f.receiver.forged(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_reply_is_the_passive_reply_and_a_late_one_comes_through_customer_service() {
    let f = Funnel::start_with("callback_deadline_ms = 1000", r#""text""#).await;
    let openid = f.user("union-e2e-sync").await;
    f.act(&openid, json!({"type": "follow"})).await;

    let quick = f
        .act(
            &openid,
            json!({"type": "text", "content": "table 4, please"}),
        )
        .await;
    assert_eq!(quick["outcome"], "reply", "{quick}");
    assert_eq!(quick["reply"]["text"]["content"], "got: table 4, please");

    // Past the callback deadline: WeChat gets no reply, the answer goes as a customer-service
    // message once the service gives it.
    let started = Instant::now();
    let slow = f
        .act(&openid, json!({"type": "text", "content": "slow table 5"}))
        .await;
    assert_ne!(slow["outcome"], "reply", "{slow}");
    assert!(
        started.elapsed() < Duration::from_millis(SLOW_SYNC_MS),
        "{slow}"
    );
    let custom = until("the late reply", async || {
        f.inbox(&openid)
            .await
            .into_iter()
            .find(|m| m["source"] == "custom")
    })
    .await;
    assert_eq!(
        custom["message"]["text"]["content"], "got: slow table 5",
        "{custom}"
    );
    let inbox = f.inbox(&openid).await;
    let replies: Vec<_> = inbox
        .iter()
        .filter(|m| m["source"] == "reply" || m["source"] == "custom")
        .map(|m| m["message"]["text"]["content"].clone())
        .collect();
    assert_eq!(
        replies,
        [json!("got: table 4, please"), json!("got: slow table 5")],
        "{inbox:?}"
    );
    let sync: Vec<_> = f
        .receiver
        .received()
        .into_iter()
        .filter(|r| r.path == "/sync")
        .collect();
    assert_eq!(sync.len(), 2, "one request per message: {sync:?}");
    assert!(
        sync.iter().all(|r| r.body["msg_type"] == "text"),
        "{sync:?}"
    );
    assert_eq!(f.receiver.forged(), 0);
}

// ---------------------------------------------------------------------------------------------
// 2. `kill -9` with async deliveries queued.

const KILL_APP: &str = "wxe2e0000000f0e202";
/// Text pushes queued for the async webhook.
const PUSHES: usize = 200;
/// How long the slow receiver takes over each delivery before the kill: long enough that the
/// queue is still nearly full when the first deliveries are through, however slowly the pushes
/// are queued on a loaded machine.
const SLOW_MS: u64 = 2_000;
/// The gateway's claim on a job (`server.deferred_claim_ms`): how long the jobs the killed
/// process was delivering wait before another worker may take them.
const CLAIM_MS: u64 = 1_000;
/// Async deliveries in flight at once per account (`webhook::worker::WORKERS`): the most a
/// kill can leave delivered but not completed, so sent again.
const WORKERS: usize = 32;

/// A text push from one of ten users, `n` its `MsgId`.
fn text_push(n: usize) -> String {
    let mut xml = Writer::new();
    xml.text("ToUserName", "gh_e2e0000000001")
        .text("FromUserName", &format!("o_kill_user_{}", n % 10))
        .number("CreateTime", now())
        .text("MsgType", "text")
        .text("Content", &format!("order {n}"))
        .number("MsgId", 7_000_000_000 + n as u64);
    xml.finish()
}

/// Adds `app_id` to the sandbox (its pushes come from the test) and writes the configuration of
/// a gateway on a SQLite store in `dir` with an async webhook for text messages; its path.
async fn text_hook(
    http: &reqwest::Client,
    sandbox: &Wxgate,
    app_id: &str,
    dir: &std::path::Path,
    receiver: &Receiver,
    server: &str,
    hook: &str,
) -> String {
    // The app exists before the gateway fetches its token at start.
    post(
        http,
        format!("{}/sandbox/apps", sandbox.base),
        json!({"app_id": app_id, "app_secret": SECRET, "token": TOKEN,
               "mode": "plaintext", "callback_url": "http://127.0.0.1:9/unused"}),
    )
    .await;
    let config = dir.join("wxgate.toml");
    std::fs::write(
        &config,
        format!(
            r#"[server]
listen = "127.0.0.1:0"
api_keys = ["{API_KEY}"]
{server}
[storage]
url = "sqlite://{db}"
{account}
[[accounts.webhooks]]
url = "{hooks}/async"
secret = "{HOOK_SECRET}"
events = ["text"]
mode = "async"
{hook}
"#,
            db = dir.join("state.db").display(),
            account = account(app_id, &sandbox.base),
            hooks = receiver.base,
        ),
    )
    .unwrap();
    config.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_with_async_deliveries_queued_loses_none_of_them() {
    let receiver = Receiver::start().await;
    receiver.hooks.delay_ms.store(SLOW_MS, Ordering::Relaxed);
    let sandbox = start(&["sandbox", "--listen", "127.0.0.1:0"]);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let http = reqwest::Client::new();
    let config = text_hook(
        &http,
        &sandbox,
        KILL_APP,
        dir.path(),
        &receiver,
        &format!("deferred_claim_ms = {CLAIM_MS}"),
        "timeout_ms = 30000",
    )
    .await;
    let gateway = start(&["serve", "--config", &config]);
    let started = Instant::now();
    for n in 0..PUSHES {
        let answer = push(&http, &gateway.base, &text_push(n)).await;
        assert!(answer.is_empty() || answer == "success", "{answer}");
    }
    let queued_in = started.elapsed();

    // Kill once some deliveries are through and most are still queued.
    let store = SqliteStore::open(&db).unwrap();
    until("the first deliveries", async || {
        (receiver.received().len() >= WORKERS).then_some(())
    })
    .await;
    let before_kill = receiver.received().len();
    let queued = store.queue_len("webhooks:main").await.unwrap();
    drop(gateway); // SIGKILL, then reaped
    let killed = Instant::now();
    assert!(
        queued as usize > PUSHES / 4,
        "only {queued} jobs queued at the kill: the test would prove little"
    );

    // The receiver is fast again; the gateway restarts on the same store.
    receiver.hooks.delay_ms.store(0, Ordering::Relaxed);
    let gateway = start(&["serve", "--config", &config]);
    let expected: std::collections::BTreeSet<String> =
        (0..PUSHES).map(|n| format!("order {n}")).collect();
    let seen = || {
        receiver
            .received()
            .iter()
            .filter_map(|r| r.body["message"]["Content"].as_str().map(str::to_owned))
            .collect::<std::collections::BTreeSet<String>>()
    };
    until("every delivery after the restart", async || {
        (seen() == expected).then_some(())
    })
    .await;
    let drained_in = killed.elapsed();
    until("an empty queue", async || {
        matches!(store.queue_len("webhooks:main").await, Ok(0)).then_some(())
    })
    .await;
    let dead = store.dead_jobs("webhooks:main").await.unwrap();
    drop(gateway);

    let received = receiver.received();
    let mut copies = std::collections::BTreeMap::<&str, usize>::new();
    for r in &received {
        *copies.entry(r.delivery.as_str()).or_default() += 1;
    }
    let duplicates: usize = copies.values().map(|c| c - 1).sum();
    eprintln!(
        "webhook kill test: {PUSHES} pushes queued in {:.2} s; kill -9 after {before_kill} \
         deliveries with {queued} jobs in the queue; all {} delivery ids arrived {:.2} s after \
         the kill (claim {CLAIM_MS} ms); {duplicates} duplicate(s), {} dead",
        queued_in.as_secs_f64(),
        copies.len(),
        drained_in.as_secs_f64(),
        dead.len(),
    );
    assert_eq!(copies.len(), PUSHES, "one delivery id per push");
    assert!(
        received
            .iter()
            .all(|r| r.body["id"] == r.delivery.as_str() && r.body["msg_type"] == "text"),
        "{received:?}"
    );
    assert!(dead.is_empty(), "{dead:?}");
    assert!(
        duplicates <= WORKERS,
        "{duplicates} duplicates from one kill with {WORKERS} deliveries in flight"
    );
    assert_eq!(receiver.forged(), 0);
}

const DEAD_APP: &str = "wxe2e0000000f0e204";
/// Pushes whose deliveries die while the receiver is down.
const LETTERS: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_that_is_down_is_retried_dead_lettered_and_redriven_each_delivery_once() {
    let receiver = Receiver::start().await;
    receiver.hooks.down.store(true, Ordering::Relaxed);
    let sandbox = start(&["sandbox", "--listen", "127.0.0.1:0"]);
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let config = text_hook(
        &http,
        &sandbox,
        DEAD_APP,
        dir.path(),
        &receiver,
        "",
        "max_attempts = 2",
    )
    .await;
    let gateway = start(&["serve", "--config", &config]);
    let gateway = gateway.base.as_str();
    for n in 0..LETTERS {
        push(&http, gateway, &text_push(n)).await;
    }
    // Two attempts each (the second after up to 1 s of back-off), then dead letters.
    let letters = until("the dead letters", async || {
        let (status, dead) = api(&http, gateway, "/webhooks/dead", None).await;
        assert_eq!(status, 200, "{dead}");
        let dead = dead.as_array().unwrap().clone();
        (dead.len() == LETTERS).then_some(dead)
    })
    .await;
    for letter in &letters {
        assert_eq!(letter["attempts"], 2, "{letter}");
        assert_eq!(letter["event"], "text", "{letter}");
        assert_eq!(
            letter["url"],
            format!("{}/async", receiver.base),
            "{letter}"
        );
        assert!(
            letter["reason"].as_str().unwrap().contains("503"),
            "{letter}"
        );
        assert!(!letter.to_string().contains(HOOK_SECRET), "{letter}");
    }
    assert_eq!(receiver.refused(), 2 * LETTERS as u64);
    assert!(receiver.received().is_empty());

    // The receiver is back; every dead letter is re-driven and delivered once.
    receiver.hooks.down.store(false, Ordering::Relaxed);
    let (status, redriven) = api(&http, gateway, "/webhooks/dead/redrive", Some(json!({}))).await;
    assert_eq!(status, 200, "{redriven}");
    assert_eq!(
        redriven["redriven"].as_array().unwrap().len(),
        LETTERS,
        "{redriven}"
    );
    assert_eq!(redriven["missing"], json!([]), "{redriven}");
    until("the re-driven deliveries", async || {
        (receiver.received().len() >= LETTERS).then_some(())
    })
    .await;
    // The workers poll every 500 ms at most: a second copy would have come by now.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let mut delivered: Vec<String> = receiver
        .received()
        .into_iter()
        .map(|r| r.delivery)
        .collect();
    delivered.sort();
    let mut expected: Vec<String> = letters
        .iter()
        .map(|l| l["delivery"].as_str().unwrap().to_owned())
        .collect();
    expected.sort();
    assert_eq!(
        delivered, expected,
        "each dead letter delivered once, same delivery id"
    );
    let (_, dead) = api(&http, gateway, "/webhooks/dead", None).await;
    assert_eq!(dead, json!([]));
    assert_eq!(receiver.refused(), 2 * LETTERS as u64);
    assert_eq!(receiver.forged(), 0);
}

// ---------------------------------------------------------------------------------------------
// 3. Two gateways on one Redis store and one PostgreSQL registry.

const FLEET_APP: &str = "wxe2e0000000f0e203";
const POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

fn postgres_url() -> String {
    std::env::var("WXGATE_TEST_POSTGRES_URL").unwrap_or_else(|_| POSTGRES_URL.to_owned())
}

fn required(variable: &str) -> bool {
    std::env::var(variable).is_ok_and(|value| value == "1")
}

/// A private `redis-server` on a free port, killed on drop.
struct PrivateRedis {
    child: Child,
    port: u16,
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl PrivateRedis {
    /// Starts one and waits until it accepts connections; `None` (test skipped) when
    /// `redis-server` cannot start, unless `WXGATE_REQUIRE_REDIS=1`.
    fn start_or_skip() -> Option<Self> {
        let port = free_port();
        let spawned = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(error) => {
                let message = format!("redis-server cannot start: {error}");
                assert!(
                    !required("WXGATE_REQUIRE_REDIS"),
                    "WXGATE_REQUIRE_REDIS=1 but {message}"
                );
                eprintln!("skipped: {message}");
                return None;
            }
        };
        let redis = Self { child, port };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server on {port} does not answer"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(redis)
    }
}

/// A schema of its own in the test database, dropped on drop.
struct Schema {
    name: String,
}

impl Schema {
    /// Creates it; `None` (test skipped) without a PostgreSQL server, unless
    /// `WXGATE_REQUIRE_POSTGRES=1`.
    async fn create_or_skip() -> Option<Self> {
        let name = format!("wxgate_e2e_{:016x}", rand::random::<u64>());
        let outcome = tokio::time::timeout(Duration::from_secs(15), async {
            let client = connect().await?;
            client.batch_execute(&format!("CREATE SCHEMA {name}")).await
        })
        .await;
        let error = match outcome {
            Ok(Ok(())) => return Some(Self { name }),
            Ok(Err(error)) => error.to_string(),
            Err(_) => "no answer within 15 s".to_owned(),
        };
        let message =
            format!("no PostgreSQL at {POSTGRES_URL} (or $WXGATE_TEST_POSTGRES_URL): {error}");
        assert!(
            !required("WXGATE_REQUIRE_POSTGRES"),
            "WXGATE_REQUIRE_POSTGRES=1 but {message}"
        );
        eprintln!("skipped: {message}");
        None
    }

    /// The registry URL of a gateway working in this schema.
    fn registry_url(&self) -> String {
        let url = postgres_url();
        let glue = if url.contains('?') { '&' } else { '?' };
        format!("{url}{glue}options=-csearch_path%3D{}", self.name)
    }

    /// Rows of `table` (in this schema) about `openid`.
    async fn rows(&self, table: &str, openid: &str) -> i64 {
        let client = connect().await.unwrap();
        let row = client
            .query_one(
                &format!(
                    "SELECT count(*) FROM {}.{table} WHERE account = 'main' AND openid = $1",
                    self.name
                ),
                &[&openid],
            )
            .await
            .unwrap();
        row.get(0)
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let statement = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name);
        // Drop runs inside the test's runtime: a thread of its own with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async { connect().await?.batch_execute(&statement).await })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test schema {}: {dropped:?}", self.name);
        }
    }
}

async fn connect() -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) =
        tokio_postgres::connect(&postgres_url(), tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

/// An event `openid` caused at `create_time`, as WeChat pushes it: `key` and `ticket` as
/// `EventKey` and `Ticket` when given.
fn event_push(
    openid: &str,
    create_time: u64,
    event: &str,
    key: Option<&str>,
    ticket: Option<&str>,
) -> String {
    let mut xml = Writer::new();
    xml.text("ToUserName", "gh_e2e0000000003")
        .text("FromUserName", openid)
        .number("CreateTime", create_time)
        .text("MsgType", "event")
        .text("Event", event);
    if let Some(key) = key {
        xml.text("EventKey", key);
    }
    if let Some(ticket) = ticket {
        xml.text("Ticket", ticket);
    }
    xml.finish()
}

/// Sends `xml` to both gateways at once (a retry after a failover), then to each once more.
async fn to_both(http: &reqwest::Client, gateways: [&str; 2], xml: &str) {
    tokio::join!(push(http, gateways[0], xml), push(http, gateways[1], xml));
    for gateway in gateways {
        push(http, gateway, xml).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gateways_on_redis_and_postgres_deliver_record_and_send_once() {
    let Some(redis) = PrivateRedis::start_or_skip() else {
        return;
    };
    let Some(schema) = Schema::create_or_skip().await else {
        return;
    };
    let receiver = Receiver::start().await;
    let sandbox = start(&["sandbox", "--listen", "127.0.0.1:0"]);
    let http = reqwest::Client::new();
    // WeChat's own delivery goes nowhere: the test delivers the push itself, to both gateways.
    post(
        &http,
        format!("{}/sandbox/apps", sandbox.base),
        json!({"app_id": FLEET_APP, "app_secret": SECRET, "token": TOKEN,
               "mode": "plaintext", "callback_url": "http://127.0.0.1:9/unused"}),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("wxgate.toml");
    std::fs::write(
        &config,
        format!(
            r#"[server]
listen = "127.0.0.1:0"
api_keys = ["{API_KEY}"]
[storage]
url = "redis://127.0.0.1:{port}/"
[registry]
url = "{registry}"
{account}
[[accounts.webhooks]]
url = "{hooks}/async"
secret = "{HOOK_SECRET}"
events = ["subscribe", "SCAN", "unsubscribe"]
mode = "async"
"#,
            port = redis.port,
            registry = schema.registry_url(),
            account = account(FLEET_APP, &sandbox.base),
            hooks = receiver.base,
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let checked = crate::process::run(&["check-config", &config]);
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    let a = start(&["serve", "--config", &config]);
    let b = start(&["serve", "--config", &config]);
    let gateways = [a.base.as_str(), b.base.as_str()];

    // The user follows through a code in the sandbox (so that user/info knows the follow).
    let ticket = qrcode(&http, gateways[0], "table-3").await;
    let user = post(
        &http,
        format!("{}/sandbox/apps/{FLEET_APP}/users", sandbox.base),
        json!({"unionid": "union-e2e-fleet"}),
    )
    .await;
    let openid = user["openid"].as_str().unwrap().to_owned();
    post(
        &http,
        format!(
            "{}/sandbox/apps/{FLEET_APP}/users/{openid}/actions",
            sandbox.base
        ),
        json!({"type": "scan", "ticket": ticket}),
    )
    .await;

    // WeChat's push reaches both gateways at once (a retry after a failover), then each once
    // more. (Its de-dup key is the sender and CreateTime: the test's events are seconds apart.)
    let at = now() - 30;
    let xml = event_push(
        &openid,
        at,
        "subscribe",
        Some("qrscene_table-3"),
        Some(&ticket),
    );
    to_both(&http, gateways, &xml).await;
    let delivered = until("the webhook delivery", async || {
        receiver.about("/async", &openid, "subscribe").pop()
    })
    .await;
    check_push(&delivered, &openid, "subscribe", Some("table-3"));
    assert_eq!(delivered.body["follower"]["qr_scene"], "table-3");
    // Both gateways' workers poll the shared queue every 500 ms at most: a second job would
    // have been delivered by now.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let hooks = receiver.received();
    assert_eq!(hooks.len(), 1, "one webhook delivery: {hooks:?}");
    assert_eq!(receiver.forged(), 0);

    assert_eq!(schema.rows("registry_followers", &openid).await, 1);
    assert_eq!(
        schema.rows("registry_events", &openid).await,
        1,
        "one follow recorded"
    );
    for gateway in gateways {
        figures_reach(&http, gateway, "table-3", (0, 1, 0)).await;
        let record = follower(&http, gateway, &openid).await;
        assert_eq!(record["scene"], "table-3", "{record}");
        assert_eq!(record["unionid"], "union-e2e-fleet", "{record}");
    }

    // The same Idempotency-Key to both gateways at once: one message.
    let message =
        json!({"touser": openid, "msgtype": "text", "text": {"content": "order 3 is ready"}});
    let send = |gateway: &str| {
        let (http, message) = (http.clone(), message.clone());
        let url = format!("{gateway}/v1/accounts/main/messages");
        async move {
            let response = http
                .post(url)
                .bearer_auth(API_KEY)
                .header("Idempotency-Key", "order-3-ready")
                .json(&message)
                .send()
                .await
                .unwrap();
            let replayed = response.headers().contains_key("idempotent-replayed");
            let status = response.status().as_u16();
            (
                status,
                replayed,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (first, second) = tokio::join!(send(gateways[0]), send(gateways[1]));
    // Later repeats, to either gateway, get the first answer back.
    let again = tokio::join!(send(gateways[0]), send(gateways[1]));
    for (status, replayed, body) in [again.0, again.1] {
        assert_eq!((status, replayed), (200, true), "{body}");
        assert_eq!(body["errcode"], 0, "{body}");
    }
    let sent: Vec<_> = [&first, &second]
        .into_iter()
        .filter(|(status, replayed, _)| *status == 200 && !replayed)
        .collect();
    assert_eq!(
        sent.len(),
        1,
        "one sent, the other replayed or in flight: {first:?} {second:?}"
    );
    for (status, replayed, body) in [&first, &second] {
        let in_flight = *status == 409 && body["error"] == "idempotency_key_in_flight";
        assert!(*status == 200 || in_flight, "{status} {replayed} {body}");
    }
    let custom: Vec<Value> = inbox(&http, &sandbox.base, FLEET_APP, &openid)
        .await
        .into_iter()
        .filter(|m| m["source"] == "custom")
        .collect();
    assert_eq!(custom.len(), 1, "{custom:?}");
    assert_eq!(custom[0]["message"]["text"]["content"], "order 3 is ready");

    // A scan by the follower, then the unfollow, each to both gateways: counted once each.
    let xml = event_push(&openid, at + 10, "SCAN", Some("table-3"), Some(&ticket));
    to_both(&http, gateways, &xml).await;
    let xml = event_push(&openid, at + 20, "unsubscribe", None, None);
    to_both(&http, gateways, &xml).await;
    for event in ["SCAN", "unsubscribe"] {
        until(&format!("the {event} webhook"), async || {
            receiver.about("/async", &openid, event).pop()
        })
        .await;
    }
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let events: Vec<Value> = receiver
        .received()
        .iter()
        .map(|r| r.body["event"].clone())
        .collect();
    assert_eq!(
        events,
        ["subscribe", "SCAN", "unsubscribe"],
        "one delivery per push"
    );
    assert_eq!(schema.rows("registry_events", &openid).await, 3);
    assert_eq!(schema.rows("registry_followers", &openid).await, 1);
    for gateway in gateways {
        figures_reach(&http, gateway, "table-3", (1, 1, 1)).await;
        let record = follower(&http, gateway, &openid).await;
        assert_eq!(record["subscribed"], false, "{record}");
    }
    eprintln!(
        "two gateways: each of 3 pushes sent 4 times (2 at once) → {} webhook deliveries, {} \
         registry row; the key sent 4 times (2 at once: {} and {}) → {} message",
        events.len(),
        schema.rows("registry_followers", &openid).await,
        first.0,
        second.0,
        custom.len()
    );
    drop((a, b));
}
