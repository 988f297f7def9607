//! Outbound messages (`POST /v1/accounts/{account}/messages`, `…/template-messages`) against
//! the sandbox: sends, WeChat's refusals as JSON errors, and `Idempotency-Key` on one gateway
//! and across two sharing a registry (a SQLite file, and PostgreSQL).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio_postgres::NoTls;
use wxgate_store::registry::PostgresRegistry;

use crate::world::{self, World};

const APP_ID: &str = "wx5a1db0c0ffee0b17";
const SECRET: &str = "outbound-app-secret";
const API_KEY: &str = "outbound-full-key";
const MENU_KEY: &str = "outbound-menu-only-key";
const MESSAGE_KEY: &str = "outbound-message-key";

/// A preset template of every sandbox app.
const TEMPLATE: &str = "tpl1";

fn keys() -> String {
    format!(
        r#"["{API_KEY}", {{ key = "{MENU_KEY}", paths = ["cgi-bin/menu/"] }}, {{ key = "{MESSAGE_KEY}", paths = ["cgi-bin/message/"] }}]"#
    )
}

fn builder() -> world::WorldBuilder {
    world::world(APP_ID, SECRET, "outboundtoken").api_keys(&keys(), API_KEY)
}

/// An answer with its headers.
struct Sent {
    status: u16,
    replayed: bool,
    retry_after: Option<String>,
    body: Value,
}

async fn post(
    w: &World,
    base: &str,
    route: &str,
    key: &str,
    idempotency_key: Option<&str>,
    body: &Value,
) -> Sent {
    let mut request = w
        .http
        .post(format!("{base}/v1/accounts/main/{route}"))
        .bearer_auth(key)
        .json(body);
    if let Some(idempotency_key) = idempotency_key {
        request = request.header("Idempotency-Key", idempotency_key);
    }
    let response = request.send().await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let replayed = header("idempotent-replayed").as_deref() == Some("true");
    let retry_after = header("retry-after");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    Sent {
        status,
        replayed,
        retry_after,
        body,
    }
}

async fn message(w: &World, key: Option<&str>, body: &Value) -> Sent {
    post(w, &w.gateway_url, "messages", API_KEY, key, body).await
}

async fn template(w: &World, key: Option<&str>, body: &Value) -> Sent {
    post(w, &w.gateway_url, "template-messages", API_KEY, key, body).await
}

fn text(openid: &str, content: &str) -> Value {
    json!({"touser": openid, "msgtype": "text", "text": {"content": content}})
}

/// The messages in `openid`'s inbox that came from `source` (`custom`, `template`, …).
async fn inbox(w: &World, openid: &str, source: &str) -> Vec<Value> {
    let inbox = w
        .sandbox(
            reqwest::Method::GET,
            &format!("/sandbox/apps/{APP_ID}/users/{openid}/inbox"),
            None,
        )
        .await;
    inbox
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["source"] == source)
        .map(|item| item["message"].clone())
        .collect()
}

/// A follower who just sent a text, which opens the 48-hour window (5 sends).
async fn chatty_follower(w: &World) -> String {
    let (openid, _) = w.new_follower(json!({})).await;
    w.act(&openid, json!({"type": "text", "content": "hello"}))
        .await;
    openid
}

#[tokio::test]
async fn a_text_reaches_the_user_and_wechats_answer_comes_back() {
    let w = builder().start().await;
    let openid = chatty_follower(&w).await;
    let sent = message(&w, None, &text(&openid, "Your order shipped")).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert_eq!(sent.body["errcode"], 0);
    assert!(!sent.replayed);
    let received = inbox(&w, &openid, "custom").await;
    assert_eq!(received.len(), 1, "{received:?}");
    assert!(received[0].to_string().contains("Your order shipped"));
    // A key scoped to cgi-bin/message/ may send; one scoped to the menu may not.
    let sent = post(
        &w,
        &w.gateway_url,
        "messages",
        MESSAGE_KEY,
        None,
        &text(&openid, "again"),
    )
    .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let refused = post(
        &w,
        &w.gateway_url,
        "messages",
        MENU_KEY,
        None,
        &text(&openid, "no"),
    )
    .await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.body["error"], "forbidden");
    assert_eq!(inbox(&w, &openid, "custom").await.len(), 2);
}

#[tokio::test]
async fn a_template_message_answers_its_msgid() {
    let w = builder().start().await;
    let (openid, _) = w.new_follower(json!({})).await;
    let body = json!({
        "touser": openid,
        "template_id": TEMPLATE,
        "url": "https://example.com/order/7",
        "data": {"first": {"value": "Order 7"}, "keyword1": {"value": "shipped"}}
    });
    let sent = template(&w, None, &body).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(sent.body["msgid"].as_u64().is_some(), "{}", sent.body);
    let received = inbox(&w, &openid, "template").await;
    assert_eq!(received.len(), 1, "{received:?}");
    assert!(received[0].to_string().contains("Order 7"));
    // An unknown template: WeChat's 40037 as a 502 with its errcode.
    let mut unknown = body.clone();
    unknown["template_id"] = json!("no-such-template");
    let refused = template(&w, None, &unknown).await;
    assert_eq!(refused.status, 502, "{}", refused.body);
    assert_eq!(refused.body["error"], "wechat");
    assert_eq!(refused.body["errcode"], 40037);
}

#[tokio::test]
async fn outside_the_48_hour_window_is_a_409_that_says_so() {
    let w = builder().start().await;
    let openid = chatty_follower(&w).await;
    w.sandbox(
        reqwest::Method::POST,
        "/sandbox/clock",
        Some(json!({"advance_secs": 49 * 3600})),
    )
    .await;
    let refused = message(&w, None, &text(&openid, "too late")).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.body["error"], "outside_window");
    assert_eq!(refused.body["errcode"], 45015);
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("48 hours")
    );
    // With a key: nothing was sent, so the key is released and a retry asks WeChat again.
    let before = w.calls("cgi-bin/message/custom/send").await;
    for _ in 0..2 {
        let again = message(&w, Some("late-1"), &text(&openid, "too late")).await;
        assert_eq!(again.status, 409, "{}", again.body);
        assert_eq!(again.body["error"], "outside_window");
        assert!(!again.replayed);
    }
    assert_eq!(w.calls("cgi-bin/message/custom/send").await, before + 2);
    assert!(inbox(&w, &openid, "custom").await.is_empty());
}

#[tokio::test]
async fn a_user_who_does_not_follow_is_a_409_not_follower() {
    let w = builder().start().await;
    let user = w
        .sandbox(
            reqwest::Method::POST,
            &format!("/sandbox/apps/{APP_ID}/users"),
            Some(json!({})),
        )
        .await;
    let openid = user["openid"].as_str().unwrap();
    let body =
        json!({"touser": openid, "template_id": TEMPLATE, "data": {"first": {"value": "x"}}});
    let refused = template(&w, None, &body).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.body["error"], "not_follower");
    assert_eq!(refused.body["errcode"], 43004);
}

#[tokio::test]
async fn the_window_used_up_is_a_429() {
    let w = builder().start().await;
    let openid = chatty_follower(&w).await;
    // A follow opens 3 sends, a text 5: 8 in all.
    for n in 0..8 {
        let sent = message(&w, None, &text(&openid, &format!("n{n}"))).await;
        assert_eq!(sent.status, 200, "{n}: {}", sent.body);
    }
    let refused = message(&w, None, &text(&openid, "one more")).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.body["error"], "message_limit");
    assert_eq!(refused.body["errcode"], 45047);
}

#[tokio::test]
async fn bad_bodies_and_keys_are_400_before_anything_is_sent() {
    let w = builder().start().await;
    let openid = chatty_follower(&w).await;
    let bad_bodies = [
        json!({"msgtype": "text", "text": {"content": "who?"}}),
        json!({"touser": "", "msgtype": "text", "text": {"content": "x"}}),
        json!({"touser": openid, "msgtype": "fax", "fax": {}}),
        json!({"touser": openid, "msgtype": "text"}),
        json!({"touser": openid, "msgtype": "text", "text": {"content": 7}}),
    ];
    for body in &bad_bodies {
        let refused = message(&w, None, body).await;
        assert_eq!(refused.status, 400, "{body}: {}", refused.body);
        assert_eq!(refused.body["error"], "bad_request");
    }
    let refused = template(&w, None, &json!({"touser": openid, "data": {}})).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("template_id")
    );
    let long = "k".repeat(129);
    for key in ["", "has space", "tab\tkey", long.as_str()] {
        let refused = message(&w, Some(key), &text(&openid, "x")).await;
        assert_eq!(refused.status, 400, "{key:?}: {}", refused.body);
        assert!(
            refused.body["message"]
                .as_str()
                .unwrap()
                .contains("Idempotency-Key")
        );
    }
    let unknown = w
        .api(
            reqwest::Method::POST,
            "/v1/accounts/nope/messages",
            Some(API_KEY),
            Some(text(&openid, "x")),
        )
        .await;
    assert_eq!(unknown.0, 404);
    assert_eq!(w.calls("cgi-bin/message/custom/send").await, 0);
    assert!(inbox(&w, &openid, "custom").await.is_empty());
}

#[tokio::test]
async fn the_same_key_twice_sends_once_and_replays_the_answer() {
    let w = builder().start().await;
    let openid = chatty_follower(&w).await;
    let body = text(&openid, "exactly once");
    let first = message(&w, Some("order-7-shipped"), &body).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(!first.replayed);
    // The same body with its keys in another order is the same request.
    let reordered: Value = serde_json::from_str(&format!(
        r#"{{"text": {{"content": "exactly once"}}, "msgtype": "text", "touser": "{openid}"}}"#
    ))
    .unwrap();
    let second = message(&w, Some("order-7-shipped"), &reordered).await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert!(second.replayed);
    assert_eq!(second.body, first.body);
    assert_eq!(inbox(&w, &openid, "custom").await.len(), 1);
    assert_eq!(w.calls("cgi-bin/message/custom/send").await, 1);

    // Another body, or the other route, with that key: 422, nothing sent.
    let other = message(
        &w,
        Some("order-7-shipped"),
        &text(&openid, "something else"),
    )
    .await;
    assert_eq!(other.status, 422, "{}", other.body);
    assert_eq!(other.body["error"], "idempotency_key_reused");
    let other_route = template(
        &w,
        Some("order-7-shipped"),
        &json!({"touser": openid, "template_id": TEMPLATE, "data": {}}),
    )
    .await;
    assert_eq!(other_route.status, 422, "{}", other_route.body);
    assert_eq!(inbox(&w, &openid, "custom").await.len(), 1);
    assert!(inbox(&w, &openid, "template").await.is_empty());

    // A template replay keeps its msgid.
    let body =
        json!({"touser": openid, "template_id": TEMPLATE, "data": {"first": {"value": "t"}}});
    let first = template(&w, Some("tpl-once"), &body).await;
    let second = template(&w, Some("tpl-once"), &body).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(second.replayed);
    assert_eq!(second.body["msgid"], first.body["msgid"]);
    assert_eq!(inbox(&w, &openid, "template").await.len(), 1);
}

/// Sends one message with one key through both gateways at once, many times over: exactly one
/// message reaches the user; every answer is the send's, a replay of it, or 409 in flight.
async fn one_send_across_two_gateways(w: &World, second: &str) {
    let openid = chatty_follower(w).await;
    let body = text(&openid, "one of two gateways");
    let bases = [w.gateway_url.clone(), second.to_owned()];
    let requests = (0..12).map(|n| {
        let base = bases[n % 2].clone();
        let body = body.clone();
        async move { post(w, &base, "messages", API_KEY, Some("fleet-key-1"), &body).await }
    });
    let answers = futures::future::join_all(requests).await;
    let mut fresh = 0;
    for answer in &answers {
        match answer.status {
            200 if answer.replayed => assert_eq!(answer.body["errcode"], 0),
            200 => fresh += 1,
            409 => {
                assert_eq!(answer.body["error"], "idempotency_key_in_flight");
                assert_eq!(answer.retry_after.as_deref(), Some("1"));
            }
            other => panic!("{other}: {}", answer.body),
        }
    }
    assert_eq!(fresh, 1, "one request sent");
    // Afterwards both gateways replay it.
    for base in &bases {
        let again = post(w, base, "messages", API_KEY, Some("fleet-key-1"), &body).await;
        assert_eq!(again.status, 200, "{}", again.body);
        assert!(again.replayed);
    }
    assert_eq!(inbox(w, &openid, "custom").await.len(), 1);
    assert_eq!(w.calls("cgi-bin/message/custom/send").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gateways_sharing_a_sqlite_registry_send_a_key_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("registry.db").display());
    let w = builder().registry_url(&url).start().await;
    let (second, _task) = builder().registry_url(&url).serve_another(&w).await;
    one_send_across_two_gateways(&w, &second).await;
}

const POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

fn postgres_url() -> String {
    std::env::var("WXGATE_TEST_POSTGRES_URL").unwrap_or_else(|_| POSTGRES_URL.to_owned())
}

/// Two registries (two connection pools, as two processes have) in one fresh schema, or
/// `None` (test skipped) without a server unless `WXGATE_REQUIRE_POSTGRES=1`.
async fn postgres_pair(schema: &str) -> Option<(PostgresRegistry, PostgresRegistry)> {
    let url = postgres_url();
    let connect = || {
        tokio::time::timeout(
            Duration::from_secs(15),
            PostgresRegistry::connect_in_schema(&url, schema),
        )
    };
    match (connect().await, connect().await) {
        (Ok(Ok(first)), Ok(Ok(second))) => Some((first, second)),
        (first, _) => {
            let required = std::env::var("WXGATE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
            let error = match first {
                Ok(Err(error)) => error.to_string(),
                _ => "no answer within 15 s".to_owned(),
            };
            assert!(
                !required,
                "WXGATE_REQUIRE_POSTGRES=1 but no PostgreSQL: {error}"
            );
            eprintln!("skipped: no PostgreSQL: {error}");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gateways_sharing_a_postgres_registry_send_a_key_once() {
    let schema = format!("wxgate_test_outbound_{:016x}", rand::random::<u64>());
    let Some((first, second)) = postgres_pair(&schema).await else {
        return;
    };
    let w = builder().registry(Arc::new(first)).start().await;
    let (url, _task) = builder().registry(Arc::new(second)).serve_another(&w).await;
    one_send_across_two_gateways(&w, &url).await;
    let (client, connection) = tokio_postgres::connect(&postgres_url(), NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await
        .unwrap();
}
