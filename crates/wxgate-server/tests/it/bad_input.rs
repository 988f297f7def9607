//! Every kind of bad input gets its status and a short reason that leaks no secret.

use wxgate_server::MessageRouter;

use crate::common::*;

fn assert_no_secret(body: &str) {
    for secret in [TOKEN, KEY] {
        assert!(!body.contains(secret), "leaked a secret: {body}");
    }
}

#[tokio::test]
async fn wrong_or_missing_signature_is_401() {
    let gw = gateway(MessageRouter::new(), "").await;
    let ts = now();
    let wrong = plain_uri("plain", ts).replace("nonce=12345", "nonce=12346");
    let (status, body) = post(&gw.router, &wrong, text_xml("hello", 1)).await;
    assert_eq!(status.as_u16(), 401, "{body}");
    assert_no_secret(&body);
    let (status, _) = post(
        &gw.router,
        &format!("/wechat/plain?timestamp={ts}&nonce=1"),
        text_xml("hello", 1),
    )
    .await;
    assert_eq!(status.as_u16(), 401);
    let (status, _) = post(&gw.router, "/wechat/plain", text_xml("hello", 1)).await;
    assert_eq!(status.as_u16(), 401);
    // Encrypted: a forged msg_signature.
    let (uri, body) = encrypted("safe", &text_xml("hello", 2), true);
    let forged = uri.replace("msg_signature=", "msg_signature=0");
    let (status, _) = post(&gw.router, &forged, body).await;
    assert_eq!(status.as_u16(), 401);
}

#[tokio::test]
async fn timestamp_outside_window_is_401() {
    let gw = gateway(MessageRouter::new(), "timestamp_window_secs = 60").await;
    let (status, body) = post(
        &gw.router,
        &plain_uri("plain", now() - 3600),
        text_xml("hello", 1),
    )
    .await;
    assert_eq!(
        (status.as_u16(), body.as_str()),
        (401, "timestamp outside the accepted window")
    );
    let (status, _) = post(
        &gw.router,
        &plain_uri("plain", now() + 3600),
        text_xml("hello", 1),
    )
    .await;
    assert_eq!(status.as_u16(), 401);
    let (status, _) = post(
        &gw.router,
        &plain_uri("plain", now() - 30),
        text_xml("hello", 1),
    )
    .await;
    assert_eq!(status.as_u16(), 200);
}

#[tokio::test]
async fn malformed_xml_is_400() {
    let gw = gateway(MessageRouter::new(), "").await;
    for body in [
        "<xml><Content>unclosed</xml>",
        "not xml at all",
        "",
        "<xml><ToUserName>a</ToUserName></xml>",
    ] {
        let (status, reason) = post(&gw.router, &plain_uri("plain", now()), body).await;
        assert_eq!(status.as_u16(), 400, "{body:?} → {reason}");
        assert!(reason.len() < 200, "{reason}");
    }
}

#[tokio::test]
async fn bad_base64_bad_padding_and_wrong_appid_are_400() {
    let gw = gateway(MessageRouter::new(), "").await;
    let sign = |encrypt: &str| {
        let ts = now().to_string();
        let msg_sig = crypt().msg_signature(&ts, "5", encrypt);
        let sig = wxgate_proto::signature::sign(&[TOKEN, &ts, "5"]);
        format!(
            "/wechat/safe?signature={sig}&timestamp={ts}&nonce=5&encrypt_type=aes&msg_signature={msg_sig}"
        )
    };
    let envelope =
        |encrypt: &str| wxgate_proto::envelope::RequestEnvelope::safe_body("gh_test", encrypt);

    let (status, reason) = post(
        &gw.router,
        &sign("@@not-base64@@"),
        envelope("@@not-base64@@"),
    )
    .await;
    assert_eq!(
        (status.as_u16(), reason.as_str()),
        (400, "Encrypt is not valid base64")
    );

    // Ciphertext from another key: decrypts to garbage padding.
    let other = wxgate_proto::crypto::MessageCrypt::new(
        TOKEN,
        wxgate_proto::crypto::AesKey::parse(&"B".repeat(43)).unwrap(),
        APP_ID,
    );
    let garbage = other.encrypt(text_xml("hello", 1).as_bytes(), [1; 16]);
    let (status, reason) = post(&gw.router, &sign(&garbage), envelope(&garbage)).await;
    assert_eq!(status.as_u16(), 400, "{reason}");
    assert_no_secret(&reason);

    let foreign = wxgate_proto::crypto::MessageCrypt::new(
        TOKEN,
        wxgate_proto::crypto::AesKey::parse(KEY).unwrap(),
        "wxSOMEONEELSE0000",
    );
    let wrong_app = foreign.encrypt(text_xml("hello", 1).as_bytes(), [2; 16]);
    let (status, reason) = post(&gw.router, &sign(&wrong_app), envelope(&wrong_app)).await;
    assert_eq!(
        (status.as_u16(), reason.as_str()),
        (400, "appid in the decrypted message does not match")
    );

    let short = "AAAAAAAAAAAAAAAAAAAAAA==";
    let (status, _) = post(&gw.router, &sign(short), envelope(short)).await;
    assert_eq!(status.as_u16(), 400);
}

#[tokio::test]
async fn plaintext_push_to_a_safe_account_is_400() {
    let gw = gateway(MessageRouter::new(), "").await;
    let (status, reason) = post(&gw.router, &plain_uri("safe", now()), text_xml("hello", 1)).await;
    assert_eq!(
        (status.as_u16(), reason.as_str()),
        (400, "this account requires encrypted messages")
    );
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let gw = gateway(MessageRouter::new(), "").await;
    let huge = format!(
        "<xml><Content>{}</Content></xml>",
        "x".repeat((1 << 20) + 1)
    );
    let (status, _) = post(&gw.router, &plain_uri("plain", now()), huge).await;
    assert_eq!(status.as_u16(), 413);
}

#[tokio::test]
async fn xxe_and_billion_laughs_are_refused_without_expansion() {
    let gw = gateway(MessageRouter::new(), "").await;
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content></xml>"#;
    let (status, reason) = post(&gw.router, &plain_uri("plain", now()), xxe).await;
    assert_eq!(
        (status.as_u16(), reason.as_str()),
        (400, "DTD and entity declarations are not allowed")
    );
    let mut lol = String::from("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", i - 1)
        };
        lol.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!("&{prev};").repeat(10)
        ));
    }
    lol.push_str("]><xml><Content>&lol9;</Content></xml>");
    let started = std::time::Instant::now();
    let (status, _) = post(&gw.router, &plain_uri("plain", now()), lol.clone()).await;
    assert_eq!(status.as_u16(), 400);
    assert!(started.elapsed().as_secs() < 2, "must not expand");
    // Inside an encrypted envelope too.
    let (uri, body) = encrypted("safe", xxe, true);
    let (status, _) = post(&gw.router, &uri, body).await;
    assert_eq!(status.as_u16(), 400);
}

#[tokio::test]
async fn unknown_account_is_404() {
    let gw = gateway(MessageRouter::new(), "").await;
    let (status, _) = post(
        &gw.router,
        &plain_uri("nobody", now()),
        text_xml("hello", 1),
    )
    .await;
    assert_eq!(status.as_u16(), 404);
    let (status, _) = get(
        &gw.router,
        "/wechat/nobody?signature=x&timestamp=1&nonce=1&echostr=1",
    )
    .await;
    assert_eq!(status.as_u16(), 404);
}

#[tokio::test]
async fn non_utf8_body_is_400() {
    let gw = gateway(MessageRouter::new(), "").await;
    let (status, reason) = post(
        &gw.router,
        &plain_uri("plain", now()),
        vec![0xff, 0xfe, 0x00],
    )
    .await;
    assert_eq!(
        (status.as_u16(), reason.as_str()),
        (400, "body is not UTF-8")
    );
}
