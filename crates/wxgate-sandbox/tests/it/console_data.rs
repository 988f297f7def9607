//! The data the console is drawn from: a user's whole conversation, the deliveries list with
//! why a push failed, setting the clock either way, and the favicon.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use wxgate_proto::xml::{self, Writer};
use wxgate_sandbox::SandboxConfig;

use crate::common::{APP, Env, START, start, start_with};

const REFUSAL: &str = "timestamp outside the accepted window";

/// A plaintext callback: "hello" gets a text reply, "refuse" a 401 with a reason, "shout" a
/// 500 with a 5 000-character body, anything else `success`.
async fn callback(Query(_query): Query<BTreeMap<String, String>>, body: String) -> Response {
    let message = xml::parse(&body).expect("push XML");
    let content = message.text_of("Content").unwrap_or_default().to_owned();
    match content.as_str() {
        "hello" => {
            let mut w = Writer::new();
            w.text(
                "ToUserName",
                message.text_of("FromUserName").unwrap_or_default(),
            )
            .text(
                "FromUserName",
                message.text_of("ToUserName").unwrap_or_default(),
            )
            .number("CreateTime", START)
            .text("MsgType", "text")
            .text("Content", "hi there");
            w.finish().into_response()
        }
        "refuse" => (StatusCode::UNAUTHORIZED, REFUSAL).into_response(),
        "shout" => (StatusCode::INTERNAL_SERVER_ERROR, "x".repeat(5000)).into_response(),
        _ => "success".into_response(),
    }
}

/// A sandbox whose app [`APP`] pushes to [`callback`], and a following user named Alice.
async fn with_callback() -> (Env, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let app = axum::Router::new().route("/cb", axum::routing::post(callback));
        axum::serve(listener, app).await.expect("serve");
    });
    let env = start().await;
    let status = env
        .add_app(json!({
            "app_id": APP, "app_secret": "s3cret", "token": "tok", "mode": "plaintext",
            "callback_url": format!("http://{addr}/cb")
        }))
        .await;
    assert_eq!(status, 200, "updates the app");
    let user = env
        .post(
            &format!("/sandbox/apps/{APP}/users"),
            json!({"nickname": "Alice"}),
        )
        .await;
    let openid = user["openid"].as_str().expect("openid").to_owned();
    let follow = env.act(APP, &openid, json!({"type": "follow"})).await;
    assert_eq!(follow["outcome"], "success", "{follow}");
    (env, openid)
}

fn text(env_item: &Value) -> String {
    match env_item["direction"].as_str() {
        Some("sent") => format!("> {}", env_item["summary"].as_str().unwrap_or_default()),
        Some("received") => {
            let message = &env_item["message"];
            let kind = message["msgtype"].as_str().unwrap_or_default();
            format!(
                "< {}",
                message[kind]["content"].as_str().unwrap_or_default()
            )
        }
        other => panic!("no direction: {other:?} in {env_item}"),
    }
}

#[tokio::test]
async fn the_conversation_interleaves_what_the_user_sent_and_received() {
    let (env, alice) = with_callback().await;
    let xss = "<img src=x onerror=alert(1)>";
    for content in ["hello", "refuse", xss] {
        env.act(APP, &alice, json!({"type": "text", "content": content}))
            .await;
    }
    let token = env.token().await;
    let sent = env
        .post(
            &format!("/cgi-bin/message/custom/send?access_token={token}"),
            json!({"touser": alice, "msgtype": "text", "text": {"content": "later, from support"}}),
        )
        .await;
    assert_eq!(sent["errcode"], 0, "{sent}");

    let conversation = env
        .get(&format!("/sandbox/apps/{APP}/users/{alice}/conversation"))
        .await;
    let lines: Vec<String> = conversation
        .as_array()
        .expect("a list")
        .iter()
        .map(text)
        .collect();
    assert_eq!(
        lines,
        [
            "> [follows the account]",
            "> hello",
            "< hi there",
            "> refuse",
            "< 该公众号暂时无法提供服务，请稍后再试",
            &format!("> {xss}"),
            "< later, from support",
        ],
        "{conversation}"
    );
    let items = conversation.as_array().expect("a list");
    assert_eq!(items[1]["outcome"], "reply");
    assert_eq!(items[1]["attempts"], 1);
    assert_eq!(items[3]["outcome"], "invalid");
    assert_eq!(
        items[3]["error"],
        format!("callback answered HTTP 401 Unauthorized: {REFUSAL}")
    );
    assert_eq!(items[5]["outcome"], "success");
    assert_eq!(items[2]["source"], "reply", "inbox items keep their fields");
    assert_eq!(items[6]["source"], "custom");

    // The inbox keeps its shape: what the user received only.
    let inbox = env
        .get(&format!("/sandbox/apps/{APP}/users/{alice}/inbox"))
        .await;
    assert_eq!(inbox.as_array().expect("a list").len(), 3, "{inbox}");

    let missing = env
        .http
        .get(env.url(&format!("/sandbox/apps/{APP}/users/onobody/conversation")))
        .send()
        .await
        .expect("send");
    assert_eq!(missing.status().as_u16(), 404);
}

#[tokio::test]
async fn deliveries_say_when_who_what_how_and_why() {
    let (env, alice) = with_callback().await;
    env.act(APP, &alice, json!({"type": "text", "content": "refuse"}))
        .await;
    let shout = env
        .act(APP, &alice, json!({"type": "text", "content": "shout"}))
        .await;
    assert_eq!(shout["status"], 500, "{shout}");
    env.act(APP, &alice, json!({"type": "text", "content": "hello"}))
        .await;

    let deliveries = env.get(&format!("/sandbox/apps/{APP}/deliveries")).await;
    let list = deliveries.as_array().expect("a list");
    assert_eq!(list.len(), 4, "follow, refuse, shout, hello: {deliveries}");
    let refused = &list[1];
    assert_eq!(refused["at"], START);
    assert_eq!(refused["openid"], alice.as_str());
    assert_eq!(refused["nickname"], "Alice");
    assert_eq!(refused["summary"], "refuse");
    assert_eq!(refused["outcome"], "invalid");
    assert_eq!(refused["attempts"], 1);
    assert_eq!(refused["status"], 401);
    assert_eq!(
        refused["error"],
        format!("callback answered HTTP 401 Unauthorized: {REFUSAL}")
    );
    let long = list[2]["error"].as_str().expect("a reason");
    assert!(
        long.starts_with("callback answered HTTP 500 Internal Server Error: xxx"),
        "{long}"
    );
    assert!(long.chars().count() < 300, "bounded: {} chars", long.len());
    let ok = &list[3];
    assert_eq!(ok["outcome"], "reply");
    assert_eq!(ok["status"], 200);
    assert!(ok["error"].is_null(), "{ok}");
}

#[tokio::test]
async fn the_clock_can_be_set_back_and_forth_and_the_offset_is_saved() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sandbox.json");
    let config = SandboxConfig {
        state_file: Some(path.clone()),
        ..SandboxConfig::default()
    };
    {
        let env = start_with(config.clone()).await;
        assert_eq!(
            env.post("/sandbox/clock", json!({"now": START + 86_400}))
                .await["now"],
            START + 86_400
        );
        assert_eq!(env.get("/sandbox/clock").await["now"], START + 86_400);
        assert_eq!(
            env.post("/sandbox/clock", json!({"now": START - 3600}))
                .await["now"],
            START - 3600,
            "back in time"
        );
        assert_eq!(
            env.post("/sandbox/clock", json!({"advance_secs": 60}))
                .await["now"],
            START - 3540
        );
        for bad in [
            json!({"now": START, "advance_secs": 1}),
            json!({"now": -1}),
            json!({"later": 5}),
        ] {
            let response = env
                .http
                .post(env.url("/sandbox/clock"))
                .json(&bad)
                .send()
                .await
                .expect("send");
            assert_eq!(response.status().as_u16(), 400, "{bad}");
            let body: Value = response.json().await.expect("json");
            assert!(body["error"].is_string(), "{body}");
        }
        env.running.sandbox.save().expect("save");
    }
    let env = start_with(config).await;
    assert_eq!(env.get("/sandbox/clock").await["now"], START - 3540);
}

#[tokio::test]
async fn a_token_is_checked_against_the_clock_as_set() {
    let env = start().await;
    let token = env.token().await;
    env.post("/sandbox/clock", json!({"now": START + 7200}))
        .await;
    assert_eq!(env.probe(&token).await, 42001, "expired at +2 h");
    env.post("/sandbox/clock", json!({"now": START + 60})).await;
    assert_eq!(env.probe(&token).await, 0, "valid again before its expiry");
}

#[tokio::test]
async fn the_favicon_is_an_image_and_the_console_inserts_text_only() {
    let env = start().await;
    let icon = env
        .http
        .get(env.url("/favicon.ico"))
        .send()
        .await
        .expect("send");
    assert_eq!(icon.status().as_u16(), 200);
    assert_eq!(icon.headers()["content-type"], "image/png");
    let bytes = icon.bytes().await.expect("bytes");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes.to_vec()));
    let reader = decoder.read_info().expect("a PNG");
    assert_eq!(
        (reader.info().width, reader.info().height),
        (32, 32),
        "an icon-sized PNG"
    );

    let page = env
        .http
        .get(env.url("/sandbox/console"))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    assert!(
        page.contains("/conversation"),
        "the chat comes from the record"
    );
    for sink in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
    ] {
        assert!(!page.contains(sink), "the console uses {sink}");
    }
}
