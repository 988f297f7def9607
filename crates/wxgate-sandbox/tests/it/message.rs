//! `message/custom/send` (the customer-service windows) and `message/template/send`.

use serde_json::{Value, json};

use crate::common::{APP, Env, errcode, start};

async fn send(env: &Env, token: &str, body: Value) -> i64 {
    errcode(
        &env.post(
            &format!("/cgi-bin/message/custom/send?access_token={token}"),
            body,
        )
        .await,
    )
}

fn text(openid: &str, content: &str) -> Value {
    json!({"touser": openid, "msgtype": "text", "text": {"content": content}})
}

#[tokio::test]
async fn a_user_message_opens_five_sends_for_48_hours() {
    let env = start().await;
    let token = env.token().await;
    let user = env.follower(APP).await;
    env.advance(61).await; // the follow window (3 in 1 minute) is over
    assert_eq!(send(&env, &token, text(&user, "hi")).await, 45015);
    env.act(APP, &user, json!({"type": "text", "content": "hello"}))
        .await;
    for i in 0..5 {
        assert_eq!(
            send(&env, &token, text(&user, &format!("answer {i}"))).await,
            0
        );
    }
    assert_eq!(send(&env, &token, text(&user, "one more")).await, 45047);
    env.act(APP, &user, json!({"type": "text", "content": "again"}))
        .await;
    assert_eq!(send(&env, &token, text(&user, "ok")).await, 0);
    env.advance(48 * 3600).await;
    let token = env.token().await;
    assert_eq!(send(&env, &token, text(&user, "late")).await, 45015);
    let inbox = env
        .get(&format!("/sandbox/apps/{APP}/users/{user}/inbox"))
        .await;
    let custom: Vec<&Value> = inbox
        .as_array()
        .expect("inbox")
        .iter()
        .filter(|m| m["source"] == "custom")
        .collect();
    assert_eq!(custom.len(), 6);
    assert_eq!(
        custom[0]["message"],
        json!({"msgtype": "text", "text": {"content": "answer 0"}})
    );
}

#[tokio::test]
async fn follow_opens_three_sends_for_a_minute() {
    let env = start().await;
    let token = env.token().await;
    let user = env.follower(APP).await;
    for _ in 0..3 {
        assert_eq!(send(&env, &token, text(&user, "welcome")).await, 0);
    }
    assert_eq!(send(&env, &token, text(&user, "too many")).await, 45047);
}

#[tokio::test]
async fn custom_send_errors() {
    let env = start().await;
    let token = env.token().await;
    let stranger = env.new_user(APP).await;
    assert_eq!(send(&env, &token, text(&stranger, "hi")).await, 43004);
    assert_eq!(send(&env, &token, text("onope", "hi")).await, 40003);
    let user = env.follower(APP).await;
    assert_eq!(
        send(&env, &token, json!({"touser": user, "msgtype": "nope"})).await,
        40008
    );
    assert_eq!(
        send(
            &env,
            &token,
            json!({"touser": user, "msgtype": "text", "text": {}})
        )
        .await,
        47003
    );
    assert_eq!(
        send(&env, &token, text(&user, &"x".repeat(2049))).await,
        45002
    );
    let two = json!({"touser": user, "msgtype": "news", "news": {"articles": [{"title": "a"}, {"title": "b"}]}});
    assert_eq!(send(&env, &token, two).await, 45008);
    let image = json!({"touser": user, "msgtype": "image", "image": {"media_id": "unknown"}});
    assert_eq!(send(&env, &token, image).await, 40007);
    let news = json!({"touser": user, "msgtype": "news", "news": {"articles": [{"title": "a", "url": "http://x", "picurl": "http://p"}]}});
    assert_eq!(send(&env, &token, news).await, 0);
    env.act(APP, &user, json!({"type": "unfollow"})).await;
    assert_eq!(send(&env, &token, text(&user, "bye")).await, 43004);
}

#[tokio::test]
async fn template_messages() {
    let env = start().await;
    let token = env.token().await;
    let user = env.follower(APP).await;
    let body = json!({"touser": user, "template_id": "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
        "url": "http://weixin.qq.com/download", "client_msg_id": "MSG_000001",
        "data": {"keyword1": {"value": "巧克力"}}});
    let path = format!("/cgi-bin/message/template/send?access_token={token}");
    let sent = env.post(&path, body.clone()).await;
    assert_eq!(errcode(&sent), 0);
    assert!(sent["msgid"].is_u64());
    let again = env.post(&path, body.clone()).await;
    assert_eq!(again["msgid"], sent["msgid"], "client_msg_id is idempotent");
    let mut bad = body.clone();
    bad["template_id"] = json!("bad id!");
    assert_eq!(errcode(&env.post(&path, bad).await), 40037);
    let mut no_data = body.clone();
    no_data["data"] = json!("x");
    assert_eq!(errcode(&env.post(&path, no_data).await), 47003);
    let stranger = env.new_user(APP).await;
    let mut to_stranger = body.clone();
    to_stranger["touser"] = json!(stranger);
    assert_eq!(errcode(&env.post(&path, to_stranger).await), 43004);
    let inbox = env
        .get(&format!("/sandbox/apps/{APP}/users/{user}/inbox"))
        .await;
    let templates: Vec<&Value> = inbox
        .as_array()
        .expect("inbox")
        .iter()
        .filter(|m| m["source"] == "template")
        .collect();
    assert_eq!(templates.len(), 1);
    assert_eq!(
        templates[0]["message"]["template"]["data"]["keyword1"]["value"],
        "巧克力"
    );
}

#[tokio::test]
async fn typing_indicator_rules() {
    let env = start().await;
    let token = env.token().await;
    let user = env.follower(APP).await;
    let path = format!("/cgi-bin/message/custom/typing?access_token={token}");
    let typing = json!({"touser": user, "command": "Typing"});
    assert_eq!(
        errcode(
            &env.post(&path, json!({"touser": user, "command": "Dance"}))
                .await
        ),
        45072
    );
    assert_eq!(errcode(&env.post(&path, typing.clone()).await), 0);
    assert_eq!(errcode(&env.post(&path, typing.clone()).await), 45081);
    env.advance(15).await;
    assert_eq!(errcode(&env.post(&path, typing.clone()).await), 0);
    assert_eq!(
        errcode(
            &env.post(&path, json!({"touser": user, "command": "CancelTyping"}))
                .await
        ),
        0
    );
    env.advance(16).await;
    assert_eq!(
        errcode(&env.post(&path, typing).await),
        45080,
        "no interaction in the last 30 s"
    );
}

/// Every body of the message, template, quota, short-key and network-check APIs is parsed into
/// a typed struct: an empty body answers 44002, malformed JSON or a field of the wrong type
/// 47001, a missing field the API's own code.
#[tokio::test]
async fn typed_bodies_answer_wechat_codes() {
    let env = start().await;
    let token = env.token().await;
    let user = env.follower(APP).await;
    let path = |p: &str| format!("/cgi-bin/{p}?access_token={token}");
    for api in [
        "message/custom/send",
        "message/custom/typing",
        "message/template/send",
        "message/mass/sendall",
        "message/mass/send",
        "message/mass/speed/set",
        "template/api_add_template",
        "shorten/gen",
        "shorten/fetch",
        "openapi/quota/get",
        "openapi/rid/get",
        "callback/check",
        "clear_quota",
    ] {
        let empty: Value = env
            .http
            .post(env.url(&path(api)))
            .body("")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(errcode(&empty), 44002, "{api}: {empty}");
        let malformed: Value = env
            .http
            .post(env.url(&path(api)))
            .body("{\"touser\":")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(errcode(&malformed), 47001, "{api}: {malformed}");
    }
    let wrong_types = [
        (
            "message/custom/send",
            json!({"touser": 5, "msgtype": "text", "text": {"content": "x"}}),
        ),
        (
            "message/custom/send",
            json!({"touser": user, "msgtype": "text", "text": {"content": 5}}),
        ),
        (
            "message/template/send",
            json!({"touser": user, "template_id": "tpl1", "client_msg_id": 7, "data": {}}),
        ),
        (
            "message/mass/send",
            json!({"touser": "o1", "msgtype": "text", "text": {"content": "x"}}),
        ),
        (
            "message/mass/sendall",
            json!({"filter": {"is_to_all": "yes"}, "msgtype": "text", "text": {"content": "x"}}),
        ),
        (
            "shorten/gen",
            json!({"long_data": "x", "expire_seconds": "soon"}),
        ),
        ("openapi/quota/get", json!({"cgi_path": ["/cgi-bin/token"]})),
        (
            "callback/check",
            json!({"action": "trace", "check_operator": "DEFAULT"}),
        ),
        ("callback/check", json!({"action": "all"})),
    ];
    for (api, body) in wrong_types {
        let answer = env.post(&path(api), body.clone()).await;
        assert_eq!(errcode(&answer), 47001, "{api} {body}: {answer}");
    }
    let missing = env.post(&path("message/mass/speed/set"), json!({})).await;
    assert_eq!(errcode(&missing), 45084, "{missing}");
    let out_of_range = env
        .post(&path("message/mass/speed/set"), json!({"speed": 9}))
        .await;
    assert_eq!(errcode(&out_of_range), 45083, "{out_of_range}");
}
