//! The push engine against a tiny callback server in the test.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use serde_json::{Value, json};
use wxgate_proto::crypto::{AesKey, MessageCrypt};
use wxgate_proto::signature;
use wxgate_proto::xml::{self, Writer};
use wxgate_sandbox::SandboxConfig;

use crate::common::{Env, errcode, start_with};

const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const TOKEN: &str = "pushtoken";

/// What the callback answers.
#[derive(Clone)]
enum Behaviour {
    /// Echo text replies: `echo: <Content>` (or `event: <Event>`), encrypted when `encrypt`.
    Echo {
        encrypt: bool,
    },
    Raw(&'static str),
    /// Sleep this long on the first `n` attempts, then echo.
    Slow {
        n: usize,
        delay: Duration,
    },
    /// A news reply with this many articles.
    News(usize),
    /// Encrypt the reply for another AppID.
    WrongAppId,
    /// Encrypted reply with a broken MsgSignature.
    BadSignature,
}

#[derive(Clone, Debug)]
struct Received {
    query: BTreeMap<String, String>,
    body: String,
    plain: String,
}

#[derive(Clone)]
struct Callback {
    app_id: String,
    behaviour: Arc<Mutex<Behaviour>>,
    log: Arc<Mutex<Vec<Received>>>,
}

impl Callback {
    fn set(&self, behaviour: Behaviour) {
        *self.behaviour.lock().expect("lock") = behaviour;
    }
    fn received(&self) -> Vec<Received> {
        self.log.lock().expect("lock").clone()
    }
    fn crypt(&self) -> MessageCrypt {
        MessageCrypt::new(TOKEN, AesKey::parse(KEY).expect("key"), self.app_id.clone())
    }
}

async fn handle(
    State(cb): State<Callback>,
    Query(query): Query<BTreeMap<String, String>>,
    body: String,
) -> String {
    let ts = query["timestamp"].clone();
    let nonce = query["nonce"].clone();
    assert!(
        signature::verify(&[TOKEN, &ts, &nonce], &query["signature"]),
        "signature"
    );
    let plain = if query.get("encrypt_type").map(String::as_str) == Some("aes") {
        let envelope = xml::parse(&body).expect("envelope");
        let encrypt = envelope.text_of("Encrypt").expect("Encrypt");
        assert!(
            cb.crypt()
                .verify_msg_signature(&query["msg_signature"], &ts, &nonce, encrypt),
            "msg_signature"
        );
        String::from_utf8(cb.crypt().decrypt(encrypt).expect("decrypt")).expect("utf8")
    } else {
        body.clone()
    };
    let attempt = {
        let mut log = cb.log.lock().expect("lock");
        log.push(Received {
            query: query.clone(),
            body,
            plain: plain.clone(),
        });
        log.len()
    };
    let message = xml::parse(&plain).expect("message");
    let behaviour = cb.behaviour.lock().expect("lock").clone();
    let reply = |content: &str, articles: usize| {
        let mut w = Writer::new();
        w.text(
            "ToUserName",
            message.text_of("FromUserName").unwrap_or_default(),
        )
        .text(
            "FromUserName",
            message.text_of("ToUserName").unwrap_or_default(),
        )
        .number("CreateTime", 1);
        if articles == 0 {
            w.text("MsgType", "text").text("Content", content);
        } else {
            w.text("MsgType", "news")
                .number("ArticleCount", articles)
                .start("Articles");
            for i in 0..articles {
                w.start("item")
                    .text("Title", &format!("t{i}"))
                    .text("Description", "d")
                    .text("PicUrl", "http://p")
                    .text("Url", "http://u")
                    .end();
            }
            w.end();
        }
        w.finish()
    };
    let echo = match message.text_of("Content") {
        Some(content) => format!("echo: {content}"),
        None => format!("event: {}", message.text_of("Event").unwrap_or_default()),
    };
    match behaviour {
        Behaviour::Echo { encrypt: false } => reply(&echo, 0),
        Behaviour::Echo { encrypt: true } => {
            cb.crypt()
                .seal_reply(&reply(&echo, 0), &ts, &nonce, [7; 16])
        }
        Behaviour::Raw(body) => body.to_owned(),
        Behaviour::Slow { n, delay } => {
            if attempt <= n {
                tokio::time::sleep(delay).await;
            }
            reply(&echo, 0)
        }
        Behaviour::News(n) => reply("", n),
        Behaviour::WrongAppId => {
            let other =
                MessageCrypt::new(TOKEN, AesKey::parse(KEY).expect("key"), "wxsomebodyelse");
            other.seal_reply(&reply(&echo, 0), &ts, &nonce, [7; 16])
        }
        Behaviour::BadSignature => cb
            .crypt()
            .seal_reply(&reply(&echo, 0), &ts, &nonce, [7; 16])
            .replace("<MsgSignature><![CDATA[", "<MsgSignature><![CDATA[0"),
    }
}

async fn callback(app_id: &str, behaviour: Behaviour) -> (Callback, String) {
    let cb = Callback {
        app_id: app_id.to_owned(),
        behaviour: Arc::new(Mutex::new(behaviour)),
        log: Arc::default(),
    };
    let app = axum::Router::new()
        .route("/wechat", axum::routing::post(handle))
        .with_state(cb.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/wechat", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (cb, url)
}

/// A sandbox with app `app_id` in `mode`, pushing to a fresh callback.
async fn setup(
    app_id: &str,
    mode: &str,
    behaviour: Behaviour,
    config: SandboxConfig,
) -> (Env, Callback) {
    let env = start_with(config).await;
    let (cb, url) = callback(app_id, behaviour).await;
    let status = env
        .add_app(
            json!({"app_id": app_id, "app_secret": "s", "token": TOKEN, "encoding_aes_key": KEY,
                        "mode": mode, "callback_url": url}),
        )
        .await;
    assert_eq!(status, 201);
    (env, cb)
}

async fn inbox(env: &Env, app: &str, openid: &str) -> Vec<Value> {
    env.get(&format!("/sandbox/apps/{app}/users/{openid}/inbox"))
        .await
        .as_array()
        .expect("inbox")
        .clone()
}

#[tokio::test]
async fn plaintext_push_and_reply() {
    let (env, cb) = setup(
        "wxplain",
        "plaintext",
        Behaviour::Echo { encrypt: false },
        SandboxConfig::default(),
    )
    .await;
    let user = env.new_user("wxplain").await;
    let follow = env.act("wxplain", &user, json!({"type": "follow"})).await;
    assert_eq!(follow["outcome"], "reply");
    assert_eq!(follow["attempts"], 1);
    assert_eq!(follow["reply"]["msgtype"], "text");
    assert_eq!(follow["reply"]["text"]["content"], "event: subscribe");
    assert_eq!(follow["reply"]["to_user"], user.as_str());
    let said = env
        .act(
            "wxplain",
            &user,
            json!({"type": "text", "content": "你好 ]]> <b>"}),
        )
        .await;
    assert_eq!(said["reply"]["text"]["content"], "echo: 你好 ]]> <b>");
    let received = cb.received();
    assert_eq!(received.len(), 2);
    let last = &received[1];
    assert_eq!(last.query["openid"], user.as_str());
    assert!(!last.query.contains_key("encrypt_type"));
    let message = xml::parse(&last.body).expect("xml");
    assert_eq!(message.text_of("MsgType"), Some("text"));
    assert_eq!(message.text_of("FromUserName"), Some(user.as_str()));
    assert!(
        message
            .text_of("ToUserName")
            .expect("to")
            .starts_with("gh_")
    );
    assert!(
        message
            .text_of("MsgId")
            .expect("msgid")
            .parse::<u64>()
            .is_ok()
    );
    let inbox = inbox(&env, "wxplain", &user).await;
    assert_eq!(inbox.len(), 2);
    assert_eq!(inbox[1]["source"], "reply");
    assert_eq!(inbox[1]["message"]["text"]["content"], "echo: 你好 ]]> <b>");
}

#[tokio::test]
async fn compatible_mode_sends_plaintext_fields_and_encrypt() {
    let (env, cb) = setup(
        "wxcompat",
        "compatible",
        Behaviour::Echo { encrypt: false },
        SandboxConfig::default(),
    )
    .await;
    let user = env.new_user("wxcompat").await;
    env.act("wxcompat", &user, json!({"type": "follow"})).await;
    let plain_reply = env
        .act("wxcompat", &user, json!({"type": "text", "content": "hi"}))
        .await;
    assert_eq!(
        plain_reply["outcome"], "reply",
        "compatible mode accepts plaintext replies"
    );
    cb.set(Behaviour::Echo { encrypt: true });
    let sealed = env
        .act(
            "wxcompat",
            &user,
            json!({"type": "text", "content": "sealed"}),
        )
        .await;
    assert_eq!(sealed["outcome"], "reply", "{sealed}");
    assert_eq!(sealed["reply"]["text"]["content"], "echo: sealed");
    let last = cb.received().pop().expect("received");
    assert_eq!(last.query["encrypt_type"], "aes");
    let body = xml::parse(&last.body).expect("xml");
    assert_eq!(
        body.text_of("Content"),
        Some("sealed"),
        "plaintext fields are present"
    );
    assert!(body.text_of("Encrypt").is_some());
    assert_eq!(
        xml::parse(&last.plain).expect("inner").text_of("Content"),
        Some("sealed")
    );
}

#[tokio::test]
async fn safe_mode_encrypts_and_requires_encrypted_replies() {
    let (env, cb) = setup(
        "wxsafe",
        "safe",
        Behaviour::Echo { encrypt: true },
        SandboxConfig::default(),
    )
    .await;
    let user = env.new_user("wxsafe").await;
    let follow = env.act("wxsafe", &user, json!({"type": "follow"})).await;
    assert_eq!(follow["outcome"], "reply", "{follow}");
    assert!(
        follow["decrypted"]
            .as_str()
            .expect("decrypted")
            .contains("event: subscribe")
    );
    let last = cb.received().pop().expect("received");
    let body = xml::parse(&last.body).expect("xml");
    let names: Vec<&str> = body.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["ToUserName", "Encrypt"]);
    assert!(last.query.contains_key("msg_signature"));
    assert_eq!(
        xml::parse(&last.plain).expect("inner").text_of("Event"),
        Some("subscribe")
    );

    for (behaviour, reason) in [
        (Behaviour::Echo { encrypt: false }, "safe mode requires"),
        (Behaviour::WrongAppId, "decrypt"),
        (Behaviour::BadSignature, "MsgSignature"),
    ] {
        cb.set(behaviour);
        let out = env
            .act("wxsafe", &user, json!({"type": "text", "content": "x"}))
            .await;
        assert_eq!(out["outcome"], "invalid");
        assert!(
            out["error"].as_str().expect("error").contains(reason),
            "{out}"
        );
    }
    let inbox = inbox(&env, "wxsafe", &user).await;
    let notices = inbox.iter().filter(|m| m["source"] == "system").count();
    assert_eq!(notices, 3);
    assert_eq!(
        inbox.last().expect("last")["message"]["system"]["content"],
        "该公众号暂时无法提供服务，请稍后再试"
    );
}

#[tokio::test]
async fn success_empty_and_invalid_answers() {
    let (env, cb) = setup(
        "wxcls",
        "plaintext",
        Behaviour::Raw("success"),
        SandboxConfig::default(),
    )
    .await;
    let user = env.new_user("wxcls").await;
    assert_eq!(
        env.act("wxcls", &user, json!({"type": "follow"})).await["outcome"],
        "success"
    );
    cb.set(Behaviour::Raw(""));
    assert_eq!(
        env.act("wxcls", &user, json!({"type": "text", "content": "a"}))
            .await["outcome"],
        "empty"
    );
    assert!(
        inbox(&env, "wxcls", &user).await.is_empty(),
        "success and empty show nothing"
    );
    cb.set(Behaviour::Raw("{\"json\": true}"));
    let out = env
        .act("wxcls", &user, json!({"type": "text", "content": "a"}))
        .await;
    assert_eq!(out["outcome"], "invalid");
    assert_eq!(out["raw"], "{\"json\": true}");
    assert_eq!(inbox(&env, "wxcls", &user).await.len(), 1);
    // News: 1 article for a user message; up to 8 for an event.
    cb.set(Behaviour::News(2));
    assert_eq!(
        env.act("wxcls", &user, json!({"type": "text", "content": "a"}))
            .await["outcome"],
        "invalid"
    );
    let token = env.token_for("wxcls", "s").await;
    let menu = json!({"button": [{"type": "click", "name": "go", "key": "GO"}]});
    env.post(&format!("/cgi-bin/menu/create?access_token={token}"), menu)
        .await;
    let click = env
        .act("wxcls", &user, json!({"type": "click", "key": "GO"}))
        .await;
    assert_eq!(click["outcome"], "reply");
    assert_eq!(
        click["reply"]["news"]["articles"]
            .as_array()
            .expect("articles")
            .len(),
        2
    );
}

#[tokio::test]
async fn timeouts_retry_with_the_same_message() {
    let config = SandboxConfig {
        push_timeout: Duration::from_millis(400),
        push_attempts: 3,
        ..SandboxConfig::default()
    };
    let (env, cb) = setup(
        "wxslow",
        "plaintext",
        Behaviour::Slow {
            n: 10,
            delay: Duration::from_millis(1500),
        },
        config,
    )
    .await;
    let user = env.new_user("wxslow").await;
    env.act("wxslow", &user, json!({"type": "follow"})).await;
    let before = cb.received().len();
    let out = env
        .act(
            "wxslow",
            &user,
            json!({"type": "text", "content": "anyone?"}),
        )
        .await;
    assert_eq!(out["outcome"], "timeout");
    assert_eq!(out["attempts"], 3);
    assert!(out["reply"].is_null());
    let tries = &cb.received()[before..];
    assert_eq!(tries.len(), 3);
    let ids: Vec<String> = tries
        .iter()
        .map(|r| {
            xml::parse(&r.body)
                .expect("xml")
                .text_of("MsgId")
                .expect("id")
                .to_owned()
        })
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert!(
        tries.iter().all(|r| r.body == tries[0].body),
        "same XML on every attempt"
    );
    assert_eq!(
        inbox(&env, "wxslow", &user).await.last().expect("notice")["source"],
        "system"
    );

    // Slow once, then on time: a reply on the second attempt.
    let (env, cb) = setup(
        "wxslow",
        "plaintext",
        Behaviour::Slow {
            n: 1,
            delay: Duration::from_millis(1500),
        },
        SandboxConfig {
            push_timeout: Duration::from_millis(400),
            ..SandboxConfig::default()
        },
    )
    .await;
    let user = env.new_user("wxslow").await;
    let out = env.act("wxslow", &user, json!({"type": "follow"})).await;
    assert_eq!(out["outcome"], "reply");
    assert_eq!(out["attempts"], 2);
    assert_eq!(cb.received().len(), 2);
}

#[tokio::test]
async fn scanning_a_qr_code_subscribes_then_sends_scan() {
    let (env, cb) = setup(
        "wxscan",
        "plaintext",
        Behaviour::Raw("success"),
        SandboxConfig::default(),
    )
    .await;
    let token = env.token_for("wxscan", "s").await;
    let qr = env
        .post(&format!("/cgi-bin/qrcode/create?access_token={token}"),
              json!({"expire_seconds": 600, "action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 123}}}))
        .await;
    let ticket = qr["ticket"].as_str().expect("ticket");
    let user = env.new_user("wxscan").await;
    assert_eq!(
        env.act("wxscan", &user, json!({"type": "scan", "ticket": ticket}))
            .await["outcome"],
        "success"
    );
    let first = xml::parse(&cb.received()[0].body).expect("xml");
    assert_eq!(first.text_of("Event"), Some("subscribe"));
    assert_eq!(first.text_of("EventKey"), Some("qrscene_123"));
    assert_eq!(first.text_of("Ticket"), Some(ticket));
    let info = env
        .get(&format!(
            "/cgi-bin/user/info?access_token={token}&openid={user}"
        ))
        .await;
    assert_eq!(info["subscribe_scene"], "ADD_SCENE_QR_CODE");
    assert_eq!(info["qr_scene"], 123);
    env.act("wxscan", &user, json!({"type": "scan", "ticket": ticket}))
        .await;
    let second = xml::parse(&cb.received()[1].body).expect("xml");
    assert_eq!(second.text_of("Event"), Some("SCAN"));
    assert_eq!(second.text_of("EventKey"), Some("123"));
    // A scan opens 3 customer-service sends for a minute.
    let send = |text: &'static str| {
        env.post_owned(
            format!("/cgi-bin/message/custom/send?access_token={token}"),
            json!({"touser": user, "msgtype": "text", "text": {"content": text}}),
        )
    };
    assert_eq!(errcode(&send("thanks for scanning").await), 0);
    env.advance(600).await;
    assert_eq!(
        env.act_status("wxscan", &user, json!({"type": "scan", "ticket": ticket}))
            .await,
        404,
        "expired ticket"
    );
}

#[tokio::test]
async fn menu_events_need_the_button() {
    let (env, cb) = setup(
        "wxmenu",
        "plaintext",
        Behaviour::Echo { encrypt: false },
        SandboxConfig::default(),
    )
    .await;
    let user = env.new_user("wxmenu").await;
    assert_eq!(
        env.act_status("wxmenu", &user, json!({"type": "click", "key": "K"}))
            .await,
        409,
        "not following"
    );
    env.act("wxmenu", &user, json!({"type": "follow"})).await;
    assert_eq!(
        env.act_status("wxmenu", &user, json!({"type": "click", "key": "K"}))
            .await,
        409,
        "no menu"
    );
    let token = env.token_for("wxmenu", "s").await;
    let menu = json!({"button": [
        {"type": "click", "name": "k", "key": "K"},
        {"name": "more", "sub_button": [
            {"type": "view", "name": "v", "url": "http://example.com/"},
            {"type": "scancode_push", "name": "s", "key": "SCAN"},
            {"type": "pic_weixin", "name": "p", "key": "PIC"},
            {"type": "location_select", "name": "l", "key": "LOC"}]}]});
    assert_eq!(
        errcode(
            &env.post(&format!("/cgi-bin/menu/create?access_token={token}"), menu)
                .await
        ),
        0
    );
    assert_eq!(
        env.act_status("wxmenu", &user, json!({"type": "click", "key": "OTHER"}))
            .await,
        409
    );
    let click = env
        .act("wxmenu", &user, json!({"type": "click", "key": "K"}))
        .await;
    assert_eq!(click["reply"]["text"]["content"], "event: CLICK");
    let view = env
        .act(
            "wxmenu",
            &user,
            json!({"type": "view", "url": "http://example.com/"}),
        )
        .await;
    assert!(view["outcome"].is_string());
    env.act(
        "wxmenu",
        &user,
        json!({"type": "scancode_push", "key": "SCAN", "scan_result": "123"}),
    )
    .await;
    env.act(
        "wxmenu",
        &user,
        json!({"type": "pic_weixin", "key": "PIC", "count": 2}),
    )
    .await;
    env.act("wxmenu", &user, json!({"type": "location_select", "key": "LOC", "location_x": 23.0, "location_y": 113.0, "label": "here"})).await;
    let received = cb.received();
    let events: Vec<Value> = received
        .iter()
        .map(|r| {
            let m = xml::parse(&r.body).expect("xml");
            json!([m.text_of("Event"), m.text_of("EventKey")])
        })
        .collect();
    assert_eq!(
        events,
        vec![
            json!(["subscribe", ""]),
            json!(["CLICK", "K"]),
            json!(["VIEW", "http://example.com/"]),
            json!(["scancode_push", "SCAN"]),
            json!(["pic_weixin", "PIC"]),
            json!(["location_select", "LOC"]),
        ]
    );
    let scan = xml::parse(&received[3].body).expect("xml");
    assert_eq!(
        scan.child("ScanCodeInfo")
            .and_then(|s| s.text_of("ScanResult")),
        Some("123")
    );
    let pics = xml::parse(&received[4].body).expect("xml");
    assert_eq!(
        pics.child("SendPicsInfo").and_then(|s| s.text_of("Count")),
        Some("2")
    );
    let inbox = inbox(&env, "wxmenu", &user).await;
    assert!(
        inbox
            .iter()
            .all(|m| m["message"]["text"]["content"] != "event: VIEW"),
        "VIEW replies are ignored"
    );
}

#[tokio::test]
async fn every_message_type_and_unfollow() {
    let (env, cb) = setup(
        "wxtypes",
        "plaintext",
        Behaviour::Raw("success"),
        SandboxConfig::default(),
    )
    .await;
    let user = env.new_user("wxtypes").await;
    assert_eq!(
        env.act_status("wxtypes", &user, json!({"type": "text", "content": "x"}))
            .await,
        409
    );
    env.act("wxtypes", &user, json!({"type": "follow"})).await;
    assert_eq!(
        env.act_status("wxtypes", &user, json!({"type": "follow"}))
            .await,
        409
    );
    for action in [
        json!({"type": "image"}),
        json!({"type": "voice", "recognition": "你好"}),
        json!({"type": "video"}),
        json!({"type": "shortvideo"}),
        json!({"type": "location", "location_x": 23.134521, "location_y": 113.358803, "scale": 20, "label": "广州"}),
        json!({"type": "link", "title": "t", "description": "d", "url": "http://x"}),
        json!({"type": "report_location", "latitude": 23.137466, "longitude": 113.352425, "precision": 119.385040}),
        json!({"type": "unfollow"}),
    ] {
        assert_eq!(
            env.act("wxtypes", &user, action.clone()).await["outcome"],
            "success",
            "{action}"
        );
    }
    let kinds: Vec<String> = cb
        .received()
        .iter()
        .map(|r| {
            let m = xml::parse(&r.body).expect("xml");
            m.text_of("Event")
                .unwrap_or(m.text_of("MsgType").expect("type"))
                .to_owned()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "subscribe",
            "image",
            "voice",
            "video",
            "shortvideo",
            "location",
            "link",
            "LOCATION",
            "unsubscribe"
        ]
    );
    let image = xml::parse(&cb.received()[1].body).expect("xml");
    let media_id = image.text_of("MediaId").expect("media");
    let token = env.token_for("wxtypes", "s").await;
    let media = env
        .http
        .get(env.url(&format!(
            "/cgi-bin/media/get?access_token={token}&media_id={media_id}"
        )))
        .send()
        .await
        .expect("send");
    assert_eq!(
        media.headers()["content-type"],
        "image/png",
        "the user's image is downloadable"
    );
    let location = xml::parse(&cb.received()[5].body).expect("xml");
    assert_eq!(location.text_of("Label"), Some("广州"));
    let info = env
        .get(&format!(
            "/cgi-bin/user/info?access_token={token}&openid={user}"
        ))
        .await;
    assert_eq!(info["subscribe"], 0);
}

#[tokio::test]
async fn template_send_pushes_job_finished() {
    let (env, cb) = setup(
        "wxtpl",
        "plaintext",
        Behaviour::Raw("success"),
        SandboxConfig::default(),
    )
    .await;
    let user = env.new_user("wxtpl").await;
    env.act("wxtpl", &user, json!({"type": "follow"})).await;
    let token = env.token_for("wxtpl", "s").await;
    let sent = env
        .post(
            &format!("/cgi-bin/message/template/send?access_token={token}"),
            json!({"touser": user, "template_id": "tpl1", "data": {"k": {"value": "v"}}}),
        )
        .await;
    let msgid = sent["msgid"].as_u64().expect("msgid");
    let mut finished = None;
    for _ in 0..250 {
        if let Some(r) = cb
            .received()
            .iter()
            .find(|r| r.body.contains("TEMPLATESENDJOBFINISH"))
        {
            finished = Some(r.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let event = xml::parse(&finished.expect("TEMPLATESENDJOBFINISH pushed").body).expect("xml");
    assert_eq!(event.text_of("MsgID"), Some(msgid.to_string().as_str()));
    assert_eq!(event.text_of("Status"), Some("success"));
}

#[tokio::test]
async fn url_verification_on_demand() {
    let env = start_with(SandboxConfig::default()).await;
    let app = axum::Router::new().route(
        "/wechat",
        axum::routing::get(|Query(q): Query<BTreeMap<String, String>>| async move {
            if signature::verify(&[TOKEN, &q["timestamp"], &q["nonce"]], &q["signature"]) {
                q["echostr"].clone()
            } else {
                "bad".to_owned()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/wechat", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    env.add_app(
        json!({"app_id": "wxverify", "app_secret": "s", "token": TOKEN, "callback_url": url}),
    )
    .await;
    let v = env.post("/sandbox/apps/wxverify/verify", json!({})).await;
    assert_eq!(v["ok"], true, "{v}");
}

#[tokio::test]
async fn reply_types_and_http_errors() {
    let (env, cb) = setup(
        "wxkinds",
        "plaintext",
        Behaviour::Raw("success"),
        SandboxConfig::default(),
    )
    .await;
    let user = env.new_user("wxkinds").await;
    env.act("wxkinds", &user, json!({"type": "follow"})).await;
    let original = env.get("/sandbox/apps").await[1]["original_id"]
        .as_str()
        .expect("gh")
        .to_owned();
    let header = format!(
        "<ToUserName><![CDATA[{user}]]></ToUserName><FromUserName><![CDATA[{original}]]></FromUserName><CreateTime>1</CreateTime>"
    );
    let cases = [
        (
            format!(
                "<xml>{header}<MsgType>image</MsgType><Image><MediaId>m1</MediaId></Image></xml>"
            ),
            json!({"media_id": "m1"}),
        ),
        (
            format!(
                "<xml>{header}<MsgType>voice</MsgType><Voice><MediaId>m2</MediaId></Voice></xml>"
            ),
            json!({"media_id": "m2"}),
        ),
        (
            format!(
                "<xml>{header}<MsgType>video</MsgType><Video><MediaId>m3</MediaId><Title>t</Title></Video></xml>"
            ),
            json!({"media_id": "m3", "title": "t", "description": ""}),
        ),
        (
            format!(
                "<xml>{header}<MsgType>music</MsgType><Music><ThumbMediaId>m4</ThumbMediaId><MusicUrl>http://m</MusicUrl></Music></xml>"
            ),
            json!({"title": "", "description": "", "musicurl": "http://m", "hqmusicurl": "", "thumb_media_id": "m4"}),
        ),
        (
            format!(
                "<xml>{header}<MsgType>transfer_customer_service</MsgType><TransInfo><KfAccount>kf@x</KfAccount></TransInfo></xml>"
            ),
            json!({"kf_account": "kf@x"}),
        ),
    ];
    for (body, expected) in cases {
        let leaked: &'static str = Box::leak(body.into_boxed_str());
        cb.set(Behaviour::Raw(leaked));
        let out = env
            .act("wxkinds", &user, json!({"type": "text", "content": "x"}))
            .await;
        assert_eq!(out["outcome"], "reply", "{out}");
        let kind = out["reply"]["msgtype"]
            .as_str()
            .expect("msgtype")
            .to_owned();
        assert_eq!(out["reply"][kind.as_str()], expected);
    }
    let bad = [
        format!("<xml>{header}<MsgType>sticker</MsgType></xml>"),
        format!("<xml>{header}<MsgType>text</MsgType></xml>"),
        "<xml><ToUserName>x</ToUserName></xml>".to_owned(),
        "<html>502 Bad Gateway</html>".to_owned(),
        "<xml><unclosed>".to_owned(),
    ];
    for body in bad {
        let leaked: &'static str = Box::leak(body.into_boxed_str());
        cb.set(Behaviour::Raw(leaked));
        let out = env
            .act("wxkinds", &user, json!({"type": "text", "content": "x"}))
            .await;
        assert_eq!(out["outcome"], "invalid", "{leaked}");
    }
}

#[tokio::test]
async fn a_server_error_is_invalid_without_retry() {
    let env = start_with(SandboxConfig::default()).await;
    let hits = Arc::new(Mutex::new(0u32));
    let counter = hits.clone();
    let app = axum::Router::new().route(
        "/wechat",
        axum::routing::post(move || {
            let counter = counter.clone();
            async move {
                *counter.lock().expect("lock") += 1;
                (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "boom")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/wechat", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    env.add_app(json!({"app_id": "wx500", "app_secret": "s", "token": TOKEN, "callback_url": url}))
        .await;
    let user = env.new_user("wx500").await;
    let out = env.act("wx500", &user, json!({"type": "follow"})).await;
    assert_eq!(out["outcome"], "invalid");
    assert_eq!(out["attempts"], 1);
    assert_eq!(*hits.lock().expect("lock"), 1);
}

#[tokio::test]
async fn an_unreachable_callback_is_retried_then_timeout() {
    let env = start_with(SandboxConfig::default()).await;
    // Bind and drop: the port is closed, so connections are refused at once.
    let url = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}/wechat", listener.local_addr().expect("addr"))
    };
    env.add_app(
        json!({"app_id": "wxdown", "app_secret": "s", "token": TOKEN, "callback_url": url}),
    )
    .await;
    let user = env.new_user("wxdown").await;
    let out = env.act("wxdown", &user, json!({"type": "follow"})).await;
    assert_eq!(out["outcome"], "timeout");
    assert_eq!(out["attempts"], 3);
    assert!(
        out["error"]
            .as_str()
            .expect("error")
            .contains("could not reach")
    );
}

#[tokio::test]
async fn mass_sends_reach_followers_and_report_the_job() {
    let (env, cb) = setup(
        "wxmass",
        "safe",
        Behaviour::Raw("success"),
        SandboxConfig::default(),
    )
    .await;
    let a = env.new_user("wxmass").await;
    let b = env.new_user("wxmass").await;
    let stranger = env.new_user("wxmass").await;
    env.act("wxmass", &a, json!({"type": "follow"})).await;
    env.act("wxmass", &b, json!({"type": "follow"})).await;
    let token = env.token_for("wxmass", "s").await;
    let path = |p: &str| format!("/cgi-bin/message/mass/{p}?access_token={token}");
    let text = json!({"content": "hello all"});
    let all = env
        .post(&path("sendall"), json!({"filter": {"is_to_all": true}, "msgtype": "text", "text": text, "clientmsgid": "c1"}))
        .await;
    assert_eq!(errcode(&all), 0, "{all}");
    let msg_id = all["msg_id"].as_u64().expect("msg_id");
    assert_eq!(
        inbox(&env, "wxmass", &a).await.last().expect("mass")["source"],
        "mass"
    );
    assert!(inbox(&env, "wxmass", &stranger).await.is_empty());
    let again = env
        .post(&path("sendall"), json!({"filter": {"is_to_all": true}, "msgtype": "text", "text": text, "clientmsgid": "c1"}))
        .await;
    assert_eq!(errcode(&again), 45065);
    assert_eq!(again["msg_id"], msg_id);

    let mut finished = None;
    for _ in 0..250 {
        if let Some(r) = cb
            .received()
            .iter()
            .find(|r| r.plain.contains("MASSSENDJOBFINISH"))
        {
            finished = Some(r.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let event = xml::parse(&finished.expect("MASSSENDJOBFINISH pushed").plain).expect("xml");
    assert_eq!(event.text_of("FromUserName"), Some("mphelper"));
    assert_eq!(event.text_of("MsgID"), Some(msg_id.to_string().as_str()));
    assert_eq!(event.text_of("SentCount"), Some("2"));

    let listed = env
        .post(
            &path("send"),
            json!({"touser": [a, stranger], "msgtype": "mpnews", "mpnews": {"media_id": "m"}}),
        )
        .await;
    assert!(listed["msg_data_id"].is_u64(), "{listed}");
    assert_eq!(
        errcode(
            &env.post(
                &path("send"),
                json!({"touser": [a], "msgtype": "text", "text": text})
            )
            .await
        ),
        40130
    );
    assert_eq!(
        errcode(
            &env.post(
                &path("sendall"),
                json!({"filter": {"tag_id": 999}, "msgtype": "text", "text": text})
            )
            .await
        ),
        45159
    );
    assert_eq!(
        errcode(
            &env.post(
                &path("sendall"),
                json!({"filter": {"is_to_all": true}, "msgtype": "gif"})
            )
            .await
        ),
        40008
    );
    assert_eq!(
        errcode(
            &env.post(
                &path("preview"),
                json!({"touser": b, "msgtype": "text", "text": text})
            )
            .await
        ),
        0
    );
    assert_eq!(
        errcode(
            &env.post(
                &path("preview"),
                json!({"touser": stranger, "msgtype": "text", "text": text})
            )
            .await
        ),
        43004
    );
    assert_eq!(
        env.post(&path("get"), json!({"msg_id": msg_id})).await["msg_status"],
        "SEND_SUCCESS"
    );
    assert_eq!(
        errcode(&env.post(&path("delete"), json!({"msg_id": msg_id})).await),
        0
    );
    assert_eq!(
        env.post(&path("get"), json!({"msg_id": msg_id})).await["msg_status"],
        "DELETE"
    );
    assert_eq!(
        errcode(&env.post(&path("get"), json!({"msg_id": 1})).await),
        47003
    );
}
