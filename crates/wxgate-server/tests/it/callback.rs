//! The happy paths: verification, each mode, each kind of configured and coded reply.

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
