//! Webhooks against a local receiver on 127.0.0.1:0 and the sandbox: signed JSON, sync replies
//! (passive, or through customer service when late), async deliveries retried, dead-lettered,
//! listed and re-driven, one delivery per push whatever WeChat retries.

use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::{Value, json};
use wxgate_sandbox::Mode;
use wxgate_server::webhook::signature;

use crate::world::{self, World};

const APP_ID: &str = "wx5a1db0c0ffee0b07";
const SECRET: &str = "webhook-app-secret";
const TOKEN: &str = "webhooktoken";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const API_KEY: &str = "webhook-api-key";
const HOOK_SECRET: &str = "hook-secret-value";

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Received {
    headers: HeaderMap,
    body: Value,
    raw: Bytes,
    /// The status the receiver answered.
    status: u16,
}

/// A webhook receiver: answers `status` (200 with a text reply echoing the push's Content,
/// 500 to fail, 204 for no reply), after `delay_ms`.
#[derive(Default)]
struct Receiver {
    got: Mutex<Vec<Received>>,
    status: AtomicU16,
    delay_ms: AtomicU64,
}

impl Receiver {
    async fn start() -> (Arc<Self>, String) {
        let receiver = Arc::new(Self::default());
        receiver.status.store(200, Ordering::SeqCst);
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(Arc::clone(&receiver));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (receiver, url)
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits up to 20 s until `done` holds for what was received.
    async fn wait_for(&self, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..200 {
            let got = self.got();
            if done(&got) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "the receiver never got what was expected: {:#?}",
            self.got()
        );
    }
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    raw: Bytes,
) -> axum::response::Response {
    let delay = receiver.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let status = receiver.status.load(Ordering::SeqCst);
    let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    receiver.got.lock().unwrap().push(Received {
        headers,
        body: body.clone(),
        raw,
        status,
    });
    match status {
        200 => {
            let content = body["message"]["Content"].as_str().unwrap_or("event");
            axum::Json(json!({"reply": {"type": "text", "content": format!("service: {content}")}}))
                .into_response()
        }
        other => StatusCode::from_u16(other).unwrap().into_response(),
    }
}

/// Checks the headers and the signature of a received request.
fn assert_signed(got: &Received) {
    let header = |name: &str| got.headers.get(name).unwrap().to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "application/json");
    let timestamp: u64 = header("x-wxgate-timestamp").parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(timestamp.abs_diff(now) < 60, "{timestamp} vs {now}");
    assert_eq!(
        header("x-wxgate-signature"),
        signature(HOOK_SECRET.as_bytes(), timestamp, &got.raw)
    );
    assert_eq!(
        header("x-wxgate-delivery"),
        got.body["id"].as_str().unwrap()
    );
}

fn hook(url: &str, mode: &str, events: &str, extra: &str) -> String {
    format!(
        "\n[[accounts.webhooks]]\nurl = \"{url}\"\nsecret = \"{HOOK_SECRET}\"\nevents = {events}\nmode = \"{mode}\"\n{extra}\n"
    )
}

async fn world(mode: Mode, deadline_ms: u64, toml: &str) -> World {
    world::world(APP_ID, SECRET, TOKEN)
        .mode(mode)
        .aes_key(KEY)
        .api_key(API_KEY)
        .deadline_ms(deadline_ms)
        .accounts(toml)
        .start()
        .await
}

async fn says(w: &World, openid: &str, text: &str) -> Value {
    w.act(openid, json!({"type": "text", "content": text}))
        .await
}

#[tokio::test]
async fn a_sync_reply_becomes_the_passive_reply_and_a_failure_falls_through() {
    let (receiver, url) = Receiver::start().await;
    let toml = format!(
        "[[accounts.replies]]\nkeyword = \"menu\"\ntext = \"configured menu\"\n{}",
        hook(&url, "sync", "[\"text\"]", "")
    );
    let w = world(Mode::Plaintext, 4500, &toml).await;
    let (openid, _) = w.new_follower(json!({"nickname": "Bo"})).await;

    let outcome = says(&w, &openid, "hello").await;
    assert_eq!(outcome["outcome"], "reply", "{outcome}");
    assert_eq!(outcome["reply"]["text"]["content"], "service: hello");
    let got = receiver.got();
    assert_eq!(got.len(), 1, "the follow is not a text: {got:#?}");
    assert_signed(&got[0]);
    let body = &got[0].body;
    assert_eq!(body["account"], "main");
    assert_eq!(body["openid"], openid.as_str());
    assert_eq!(body["msg_type"], "text");
    assert_eq!(body["event"], Value::Null);
    assert_eq!(body["scene"], Value::Null);
    assert_eq!(body["message"]["Content"], "hello");
    assert_eq!(body["message"]["FromUserName"], openid.as_str());
    assert!(body["message"]["MsgId"].is_string(), "{body}");
    assert!(body.get("follower").is_some(), "{body}");

    // No reply, then a failure: the configured reply answers.
    receiver.status.store(204, Ordering::SeqCst);
    let outcome = says(&w, &openid, "menu").await;
    assert_eq!(
        outcome["reply"]["text"]["content"], "configured menu",
        "{outcome}"
    );
    receiver.status.store(500, Ordering::SeqCst);
    let outcome = says(&w, &openid, "menu").await;
    assert_eq!(
        outcome["reply"]["text"]["content"], "configured menu",
        "{outcome}"
    );
    let outcome = says(&w, &openid, "no rule for this").await;
    assert_eq!(outcome["outcome"], "success", "{outcome}");
    let metrics = w.metrics().await;
    for line in [
        "wxgate_webhook_deliveries_total{account=\"main\",result=\"sync_reply\"} 1",
        "wxgate_webhook_deliveries_total{account=\"main\",result=\"sync_no_reply\"} 1",
        "wxgate_webhook_deliveries_total{account=\"main\",result=\"sync_failed\"} 2",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "{line} not in\n{metrics}"
        );
    }
    assert!(!metrics.contains(HOOK_SECRET));
}

#[tokio::test]
async fn a_slow_sync_answer_arrives_through_customer_service() {
    let (receiver, url) = Receiver::start().await;
    receiver.delay_ms.store(1500, Ordering::SeqCst);
    let w = world(
        Mode::Safe,
        800,
        &hook(&url, "sync", "[\"text\"]", "timeout_ms = 5000"),
    )
    .await;
    let (openid, _) = w.new_follower(json!({"nickname": "Cy"})).await;
    let outcome = says(&w, &openid, "slow one").await;
    assert_eq!(outcome["outcome"], "success", "{outcome}");
    for _ in 0..100 {
        let inbox = w
            .sandbox(
                reqwest::Method::GET,
                &format!("/sandbox/apps/{APP_ID}/users/{openid}/inbox"),
                None,
            )
            .await;
        if inbox
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["source"] == "custom" && e.to_string().contains("service: slow one"))
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the late sync answer never reached the inbox");
}

async fn dead(w: &World) -> Vec<Value> {
    let (status, body) = w
        .api(
            reqwest::Method::GET,
            "/v1/accounts/main/webhooks/dead",
            Some(API_KEY),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().clone()
}

#[tokio::test]
async fn an_async_webhook_that_is_down_is_retried_dead_lettered_and_redriven() {
    let (receiver, url) = Receiver::start().await;
    receiver.status.store(503, Ordering::SeqCst);
    let w = world(
        Mode::Plaintext,
        4500,
        &hook(
            &url,
            "async",
            "[\"subscribe\", \"text\"]",
            "max_attempts = 2",
        ),
    )
    .await;
    let (openid, _) = w.new_follower(json!({"nickname": "Di"})).await;
    let got = receiver.wait_for(|got| got.len() >= 2).await;
    assert_eq!(got[0].body["event"], "subscribe");
    assert_eq!(got[0].body["openid"], openid.as_str());
    assert_signed(&got[0]);
    assert_signed(&got[1]);
    assert_eq!(
        got[0].headers["x-wxgate-delivery"], got[1].headers["x-wxgate-delivery"],
        "the same delivery id on every attempt"
    );
    let mut letters = Vec::new();
    for _ in 0..100 {
        letters = dead(&w).await;
        if !letters.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(letters.len(), 1, "{letters:?}");
    let letter = &letters[0];
    assert_eq!(letter["url"], url.as_str());
    assert_eq!(letter["event"], "subscribe");
    assert_eq!(letter["attempts"], 2);
    assert_eq!(letter["delivery"], got[0].body["id"]);
    assert!(
        letter["reason"].as_str().unwrap().contains("503"),
        "{letter}"
    );
    assert!(!letter.to_string().contains(HOOK_SECRET));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.got().len(), 2, "no attempt after the last");

    // Unknown ids are reported; then the receiver is back and the letter is re-driven.
    receiver.status.store(200, Ordering::SeqCst);
    let (status, body) = w
        .api(
            reqwest::Method::POST,
            "/v1/accounts/main/webhooks/dead/redrive",
            Some(API_KEY),
            Some(json!({"ids": ["424242"]})),
        )
        .await;
    assert_eq!(
        (status, &body["missing"]),
        (200, &json!(["424242"])),
        "{body}"
    );
    let (status, body) = w
        .api(
            reqwest::Method::POST,
            "/v1/accounts/main/webhooks/dead/redrive",
            Some(API_KEY),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["redriven"], json!([letter["id"]]));
    let got = receiver
        .wait_for(|got| got.iter().any(|r| r.status == 200))
        .await;
    assert_eq!(
        got[2].headers["x-wxgate-delivery"],
        got[0].headers["x-wxgate-delivery"]
    );
    assert!(dead(&w).await.is_empty());
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(receiver.got().len(), 3, "delivered once after the re-drive");
    let (status, _) = w
        .api(
            reqwest::Method::GET,
            "/v1/accounts/main/webhooks/dead",
            None,
            None,
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = w
        .api(
            reqwest::Method::GET,
            "/v1/accounts/nope/webhooks/dead",
            Some(API_KEY),
            None,
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_retried_push_is_delivered_once_and_safe_mode_works_the_same() {
    let (receiver, url) = Receiver::start().await;
    let w = world(Mode::Safe, 4500, &hook(&url, "async", "[\"*\"]", "")).await;
    let (openid, _) = w.new_follower(json!({"nickname": "Ed"})).await;
    says(&w, &openid, "first").await;
    let got = receiver
        .wait_for(|got| got.iter().any(|r| r.body["message"]["Content"] == "first"))
        .await;
    for received in &got {
        assert_signed(received);
    }

    // WeChat's retry of one push: the same XML again (a fresh signature), encrypted.
    let inner = format!(
        "<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[retried]]></Content><MsgId>987654321</MsgId></xml>"
    );
    let crypt = wxgate_proto::crypto::MessageCrypt::new(
        TOKEN,
        wxgate_proto::crypto::AesKey::parse(KEY).unwrap(),
        APP_ID,
    );
    for nonce in ["n1", "n2"] {
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            .to_string();
        let encrypt = crypt.encrypt(inner.as_bytes(), *b"0123456789abcdef");
        let body = wxgate_proto::envelope::RequestEnvelope::safe_body("gh_x", &encrypt);
        let msg_sig = crypt.msg_signature(&ts, nonce, &encrypt);
        let sig = wxgate_proto::signature::sign(&[TOKEN, &ts, nonce]);
        let response = w
            .http
            .post(format!(
                "{}/wechat/main?signature={sig}&timestamp={ts}&nonce={nonce}&openid={openid}&encrypt_type=aes&msg_signature={msg_sig}",
                w.gateway_url
            ))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    receiver
        .wait_for(|got| {
            got.iter()
                .any(|r| r.body["message"]["Content"] == "retried")
        })
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = receiver.got();
    assert_eq!(
        got.len(),
        3,
        "follow, first, and one for both copies: {got:#?}"
    );
    let retried: Vec<_> = got
        .iter()
        .filter(|r| r.body["message"]["Content"] == "retried")
        .collect();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].body["create_time"], 1_700_000_000_u64);
}
