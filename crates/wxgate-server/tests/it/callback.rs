//! The happy paths: verification, each mode, each kind of configured and coded reply.

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;
use wxgate_proto::reply::{Reply, SUCCESS};
use wxgate_server::{EventKind, Incoming, MessageRouter};

use crate::common::*;

#[tokio::test]
async fn echo_verification() {
    let gw = gateway(MessageRouter::new(), "").await;
    let ts = now().to_string();
    let sig = wxgate_proto::signature::sign(&[TOKEN, &ts, "99"]);
    for account in ["plain", "compat", "safe"] {
        let (status, body) = get(&gw.router, &format!("/wechat/{account}?signature={sig}&timestamp={ts}&nonce=99&echostr=4375120948345356249")).await;
        assert_eq!(
            (status.as_u16(), body.as_str()),
            (200, "4375120948345356249"),
            "{account}"
        );
    }
    let (status, body) = get(
        &gw.router,
        &format!("/wechat/plain?signature={sig}&timestamp={ts}&nonce=98&echostr=x"),
    )
    .await;
    assert_eq!(status.as_u16(), 401);
    assert_ne!(body, "x");
}

#[tokio::test]
async fn plaintext_keyword_regex_and_greeting() {
    let gw = gateway(MessageRouter::new(), "").await;
    let (status, body) = post(&gw.router, &plain_uri("plain", now()), text_xml("hello", 1)).await;
    assert_eq!(status.as_u16(), 200);
    let parsed = Reply::parse(&body).unwrap();
    assert_eq!(parsed.reply, Reply::text("Hi there"));
    assert_eq!(
        (parsed.to_user_name.as_str(), parsed.from_user_name.as_str()),
        ("o_user", "gh_test")
    );

    let (_, body) = post(
        &gw.router,
        &plain_uri("plain", now()),
        text_xml("order 42", 2),
    )
    .await;
    assert!(
        matches!(Reply::parse(&body).unwrap().reply, Reply::News { ref articles } if articles[0].title == "Your order")
    );

    let subscribe = format!(
        "<xml><ToUserName>gh_test</ToUserName><FromUserName>o_user</FromUserName><CreateTime>{}</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>",
        now()
    );
    let (_, body) = post(&gw.router, &plain_uri("plain", now()), subscribe).await;
    assert_eq!(Reply::parse(&body).unwrap().reply, Reply::text("Welcome!"));

    let (_, body) = post(
        &gw.router,
        &plain_uri("plain", now()),
        text_xml("nothing configured", 3),
    )
    .await;
    assert_eq!(body, SUCCESS);
}

#[tokio::test]
async fn safe_mode_reply_is_encrypted_and_round_trips_chinese_and_emoji() {
    let gw = gateway(MessageRouter::new(), "").await;
    let (uri, body) = encrypted("safe", &text_xml("hello", 10), true);
    let (status, reply) = post(&gw.router, &uri, body).await;
    assert_eq!(status.as_u16(), 200, "{reply}");
    assert!(
        reply.contains("<Encrypt>") && reply.contains("<MsgSignature>"),
        "{reply}"
    );
    let inner =
        String::from_utf8(crypt().open_reply(&reply).expect("valid encrypted reply")).unwrap();
    assert_eq!(Reply::parse(&inner).unwrap().reply, Reply::text("你好 🎉"));
}

#[tokio::test]
async fn compatible_mode_accepts_both_and_answers_in_kind() {
    let gw = gateway(MessageRouter::new(), "").await;
    let (uri, body) = encrypted("compat", &text_xml("hello", 20), false);
    let (_, reply) = post(&gw.router, &uri, body).await;
    let inner = String::from_utf8(crypt().open_reply(&reply).unwrap()).unwrap();
    assert_eq!(Reply::parse(&inner).unwrap().reply, Reply::text("Hi there"));
    let (_, reply) = post(
        &gw.router,
        &plain_uri("compat", now()),
        text_xml("hello", 21),
    )
    .await;
    assert_eq!(Reply::parse(&reply).unwrap().reply, Reply::text("Hi there"));
}

#[tokio::test]
async fn code_routes_come_before_configured_replies_and_fallback_after() {
    let router = MessageRouter::new()
        .keyword("hello", |m: Incoming| async move {
            format!("code for {}", m.account())
        })
        .click("MENU_1", |_m: Incoming| async { "clicked" })
        .fallback(|_m: Incoming| async { "fallback" });
    let gw = gateway(router, "").await;
    let (_, body) = post(
        &gw.router,
        &plain_uri("plain", now()),
        text_xml("hello", 30),
    )
    .await;
    assert_eq!(
        Reply::parse(&body).unwrap().reply,
        Reply::text("code for plain")
    );
    let (_, body) = post(
        &gw.router,
        &plain_uri("plain", now()),
        text_xml("order 7", 31),
    )
    .await;
    assert!(
        matches!(Reply::parse(&body).unwrap().reply, Reply::News { .. }),
        "configured reply before fallback"
    );
    let (_, body) = post(&gw.router, &plain_uri("plain", now()), text_xml("zzz", 32)).await;
    assert_eq!(Reply::parse(&body).unwrap().reply, Reply::text("fallback"));
    let click = format!(
        "<xml><ToUserName>gh_test</ToUserName><FromUserName>o_user</FromUserName><CreateTime>{}</CreateTime><MsgType>event</MsgType><Event>CLICK</Event><EventKey>MENU_1</EventKey></xml>",
        now()
    );
    let (_, body) = post(&gw.router, &plain_uri("plain", now()), click).await;
    assert_eq!(Reply::parse(&body).unwrap().reply, Reply::text("clicked"));
}

#[tokio::test]
async fn replies_to_notification_events_become_success() {
    let gw = gateway(
        MessageRouter::new().event(EventKind::Unsubscribe, |_m: Incoming| async { "bye" }),
        "",
    )
    .await;
    let unsub = format!(
        "<xml><ToUserName>gh_test</ToUserName><FromUserName>o_user</FromUserName><CreateTime>{}</CreateTime><MsgType>event</MsgType><Event>unsubscribe</Event></xml>",
        now()
    );
    let (_, body) = post(&gw.router, &plain_uri("plain", now()), unsub).await;
    assert_eq!(body, SUCCESS);
}

#[tokio::test]
async fn unknown_message_type_reaches_the_fallback_with_all_fields() {
    let router = MessageRouter::new()
        .fallback(|m: Incoming| async move { m.raw.text_of("Beam").map(|b| format!("beam={b}")) });
    let gw = gateway(router, "").await;
    let xml = format!(
        "<xml><ToUserName>gh_test</ToUserName><FromUserName>o_user</FromUserName><CreateTime>{}</CreateTime><MsgType>hologram</MsgType><Beam>9000</Beam><MsgId>40</MsgId></xml>",
        now()
    );
    let (_, body) = post(&gw.router, &plain_uri("plain", now()), xml).await;
    assert_eq!(Reply::parse(&body).unwrap().reply, Reply::text("beam=9000"));
}

#[tokio::test]
async fn health_and_metrics() {
    let gw = gateway(MessageRouter::new(), "").await;
    assert_eq!(get(&gw.router, "/healthz").await.1, "ok");
    post(
        &gw.router,
        &plain_uri("plain", now()),
        text_xml("hello", 50),
    )
    .await;
    let (_, metrics) = get(&gw.router, "/metrics").await;
    assert!(
        metrics.contains("wxgate_callbacks_total{account=\"plain\",outcome=\"reply\"} 1"),
        "{metrics}"
    );
}

/// The callback route has no request span: its lines name the account themselves, and at
/// `debug` each push logs its account and status, whatever the answer. Other routes keep theirs.
#[tokio::test]
async fn pushes_log_account_and_status_without_a_request_span() {
    let logs = Logs::capture();
    let gw = gateway(MessageRouter::new(), "").await;
    let (status, _) = post(&gw.router, &plain_uri("plain", now()), text_xml("hello", 1)).await;
    assert_eq!(status.as_u16(), 200);
    let (status, _) = post(
        &gw.router,
        &plain_uri("nobody", now()),
        text_xml("hello", 2),
    )
    .await;
    assert_eq!(status.as_u16(), 404);
    let forged = format!("/wechat/plain?signature=0&timestamp={}&nonce=1", now());
    let (status, _) = post(&gw.router, &forged, text_xml("hello", 3)).await;
    assert_eq!(status.as_u16(), 401);
    let (status, _) = get(&gw.router, "/healthz").await;
    assert_eq!(status.as_u16(), 200);

    let text = logs.text();
    for line in [
        "push answered account=plain status=200",
        "push answered account=nobody status=404",
        "push answered account=plain status=401",
    ] {
        assert!(text.contains(line), "{line} not in {text}");
    }
    assert!(
        text.lines()
            .any(|l| l.contains("push refused") && l.contains("account=plain")),
        "{text}"
    );
    assert!(!text.contains("path=/wechat/"), "{text}");
    // The control: the trace layer still spans the other routes.
    assert!(text.contains("request{method=GET path=/healthz}"), "{text}");
}

/// `wxgate_server::serve` takes pushes to their handler ahead of the router; every request,
/// push or not, must be answered as the router answers it.
#[tokio::test]
async fn served_requests_are_answered_as_the_router_answers_them() {
    let config =
        wxgate_server::Config::from_toml(&config_toml("max_body_bytes = 4096"), Vec::new())
            .expect("valid test config");
    let gateway = wxgate_server::Gateway::builder(config)
        .build()
        .await
        .expect("gateway");
    let router = gateway.router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let _ = wxgate_server::serve(&gateway, listener).await;
    });
    let client = reqwest::Client::new();

    // One request of each kind, built afresh for each side (a signature is good for one body,
    // and a message is answered once).
    let cases = [
        "push with a reply",
        "push with no reply",
        "escaped account",
        "unknown account",
        "bad signature",
        "stale timestamp",
        "body over the limit",
        "not XML",
        "a path below an account",
        "no account",
        "another method",
        "verification",
        "health",
    ];
    for name in cases {
        let (method, uri, body) = request(name);
        let routed = router
            .clone()
            .oneshot(
                Request::builder()
                    .method(method)
                    .uri(&uri)
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
            .unwrap();
        let routed_type = routed.headers().get("content-type").cloned();
        let routed = (
            routed.status().as_u16(),
            routed_type.map(|v| v.to_str().unwrap().to_owned()),
            comparable(&routed.into_body().collect().await.unwrap().to_bytes()),
        );

        let (method, uri, body) = request(name);
        let served = client
            .request(method, format!("{base}{uri}"))
            .body(body)
            .send()
            .await
            .unwrap();
        let served = (
            served.status().as_u16(),
            served
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned()),
            comparable(&served.bytes().await.unwrap()),
        );
        assert_eq!(served, routed, "{name}");
    }
    server.abort();
}

/// The request `name` of [`served_requests_are_answered_as_the_router_answers_them`].
fn request(name: &str) -> (axum::http::Method, String, String) {
    use axum::http::Method;
    let push = |uri: String| (Method::POST, uri, text_xml("hello", next_id()));
    let at = |path: &str| plain_uri("plain", now()).replace("/wechat/plain", path);
    match name {
        "push with a reply" => push(plain_uri("plain", now())),
        "push with no reply" => (
            Method::POST,
            plain_uri("plain", now()),
            text_xml("nothing", next_id()),
        ),
        "escaped account" => push(at("/wechat/pl%61in")),
        "unknown account" => push(plain_uri("nobody", now())),
        "bad signature" => push(plain_uri("plain", now()).replace("signature=", "signature=0")),
        "stale timestamp" => push(plain_uri("plain", now() - 3600)),
        "body over the limit" => (Method::POST, plain_uri("plain", now()), "x".repeat(5000)),
        "not XML" => (Method::POST, plain_uri("plain", now()), "hello".to_owned()),
        "a path below an account" => push(at("/wechat/plain/more")),
        "no account" => push(at("/wechat/")),
        "another method" => (Method::PUT, plain_uri("plain", now()), String::new()),
        "verification" => {
            let ts = now().to_string();
            let sig = wxgate_proto::signature::sign(&[TOKEN, &ts, "7"]);
            let uri = format!("/wechat/plain?signature={sig}&timestamp={ts}&nonce=7&echostr=e42");
            (Method::GET, uri, String::new())
        }
        "health" => (Method::GET, "/healthz".to_owned(), String::new()),
        other => unreachable!("no request {other}"),
    }
}

/// A fresh `MsgId` for each push of a test.
fn next_id() -> u64 {
    static IDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1_000_000);
    IDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// An answer's body, with a reply's `CreateTime` (the second it was written) left out.
fn comparable(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body).into_owned();
    match Reply::parse(&text) {
        Ok(parsed) => format!(
            "{:?} to {} from {}",
            parsed.reply, parsed.to_user_name, parsed.from_user_name
        ),
        Err(_) => text,
    }
}
