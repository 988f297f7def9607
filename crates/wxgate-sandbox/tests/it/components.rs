//! Third-party platforms (components): the control API, verify tickets on the virtual clock,
//! component and authorizer tokens, the authorization page, notices, message routing to the
//! component's message URL, component OAuth, open accounts and the release test — against a
//! tiny platform server in the test that verifies, decrypts and answers like a real one.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use serde_json::{Value, json};
use wxgate_proto::component::{Notice, NoticeKind};
use wxgate_proto::crypto::{AesKey, MessageCrypt};
use wxgate_proto::signature;
use wxgate_proto::xml::{self, Writer};

use crate::common::{APP, Env, SECRET, errcode, start};

const COMPONENT: &str = "wx134c8103faa5a59e";
const COMPONENT_SECRET: &str = "componentsecret";
const TOKEN: &str = "AAAAA";
/// The component's key (vector E's 43 × `A`), unlike the app's.
const KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// How the platform answers its authorizers' messages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    /// `echo: <Content>` / `event: <Event>`.
    Echo,
    /// The release test's expected answers, the API case included.
    Release,
    /// Wrong answers to the release test.
    Wrong,
}

/// A message push as the platform saw it: (AppID in the path, query, plaintext).
type Pushed = (String, BTreeMap<String, String>, String);

#[derive(Clone)]
struct Platform {
    base: Arc<Mutex<String>>,
    behaviour: Arc<Mutex<Behaviour>>,
    notices: Arc<Mutex<Vec<Notice>>>,
    /// (path AppID, query, plaintext) of each message push.
    messages: Arc<Mutex<Vec<Pushed>>>,
}

fn crypt() -> MessageCrypt {
    MessageCrypt::new(TOKEN, AesKey::parse(KEY).expect("key"), COMPONENT)
}

/// Verifies both signatures and decrypts with the component's key and AppID.
fn open(query: &BTreeMap<String, String>, body: &str) -> String {
    let (ts, nonce) = (&query["timestamp"], &query["nonce"]);
    assert!(
        signature::verify(&[TOKEN, ts, nonce], &query["signature"]),
        "signature"
    );
    assert_eq!(query["encrypt_type"], "aes");
    let envelope = xml::parse(body).expect("envelope");
    let encrypt = envelope.text_of("Encrypt").expect("Encrypt");
    assert!(
        crypt().verify_msg_signature(&query["msg_signature"], ts, nonce, encrypt),
        "msg_signature"
    );
    String::from_utf8(crypt().decrypt(encrypt).expect("component AppID trailer")).expect("utf8")
}

async fn events(
    State(p): State<Platform>,
    Query(query): Query<BTreeMap<String, String>>,
    body: String,
) -> &'static str {
    assert!(!query.contains_key("openid"));
    let envelope = xml::parse(&body).expect("envelope");
    assert_eq!(envelope.text_of("AppId"), Some(COMPONENT));
    let notice = Notice::parse(&open(&query, &body)).expect("notice");
    p.notices.lock().expect("lock").push(notice);
    "success"
}

async fn messages(
    State(p): State<Platform>,
    Path(app_id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
    body: String,
) -> String {
    let plain = open(&query, &body);
    p.messages
        .lock()
        .expect("lock")
        .push((app_id.clone(), query.clone(), plain.clone()));
    let message = xml::parse(&plain).expect("message");
    let user = message
        .text_of("FromUserName")
        .unwrap_or_default()
        .to_owned();
    let content = message.text_of("Content").map(str::to_owned);
    let event = message.text_of("Event").map(str::to_owned);
    let behaviour = *p.behaviour.lock().expect("lock");
    let text = match (behaviour, &content, &event) {
        (Behaviour::Echo, Some(c), _) => format!("echo: {c}"),
        (Behaviour::Echo, None, e) => format!("event: {}", e.clone().unwrap_or_default()),
        (Behaviour::Release, Some(c), _) if c.starts_with("QUERY_AUTH_CODE:") => {
            let code = c.trim_start_matches("QUERY_AUTH_CODE:").to_owned();
            let p = p.clone();
            tokio::spawn(async move { answer_by_api(&p, &code, &user).await });
            return String::new();
        }
        (Behaviour::Release, Some(c), _) => format!("{c}_callback"),
        (Behaviour::Release, None, e) => format!("{}from_callback", e.clone().unwrap_or_default()),
        (Behaviour::Wrong, Some(c), _) if c.starts_with("QUERY_AUTH_CODE:") => {
            return "success".to_owned();
        }
        (Behaviour::Wrong, _, _) => "hello".to_owned(),
    };
    let mut w = Writer::new();
    w.text("ToUserName", &user)
        .text(
            "FromUserName",
            message.text_of("ToUserName").unwrap_or_default(),
        )
        .number("CreateTime", 1)
        .text("MsgType", "text")
        .text("Content", &text);
    crypt().seal_reply(&w.finish(), &query["timestamp"], &query["nonce"], [9; 16])
}

/// The release test's API case: component token from the last ticket, `api_query_auth`, then a
/// customer-service message with the authorizer token.
async fn answer_by_api(p: &Platform, code: &str, user: &str) {
    let base = p.base.lock().expect("lock").clone();
    let http = reqwest::Client::new();
    let post = |path: String, body: Value| {
        let http = http.clone();
        async move {
            http.post(path)
                .json(&body)
                .send()
                .await
                .expect("send")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    let ticket = last_ticket(p).expect("a verify ticket");
    let token = post(
        format!("{base}/cgi-bin/component/api_component_token"),
        json!({"component_appid": COMPONENT, "component_appsecret": COMPONENT_SECRET,
               "component_verify_ticket": ticket}),
    )
    .await["component_access_token"]
        .as_str()
        .expect("component token")
        .to_owned();
    let auth = post(
        format!("{base}/cgi-bin/component/api_query_auth?component_access_token={token}"),
        json!({"component_appid": COMPONENT, "authorization_code": code}),
    )
    .await;
    let access = auth["authorization_info"]["authorizer_access_token"]
        .as_str()
        .expect("authorizer token")
        .to_owned();
    let sent = post(
        format!("{base}/cgi-bin/message/custom/send?access_token={access}"),
        json!({"touser": user, "msgtype": "text", "text": {"content": format!("{code}_from_api")}}),
    )
    .await;
    assert_eq!(errcode(&sent), 0, "{sent}");
}

fn last_ticket(p: &Platform) -> Option<String> {
    p.notices
        .lock()
        .expect("lock")
        .iter()
        .rev()
        .find_map(|n| match &n.kind {
            NoticeKind::ComponentVerifyTicket { ticket } => Some(ticket.clone()),
            _ => None,
        })
}

impl Platform {
    fn notices(&self) -> Vec<Notice> {
        self.notices.lock().expect("lock").clone()
    }
    fn set(&self, behaviour: Behaviour) {
        *self.behaviour.lock().expect("lock") = behaviour;
    }
    fn messages(&self) -> Vec<Pushed> {
        self.messages.lock().expect("lock").clone()
    }
    async fn wait_notices(&self, n: usize) -> Vec<Notice> {
        for _ in 0..200 {
            let notices = self.notices();
            if notices.len() >= n {
                return notices;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("expected {n} notices, got {:?}", self.notices());
    }
}

/// A sandbox (frozen clock, app [`APP`] with its own key) and a platform server registered as
/// component [`COMPONENT`].
async fn setup() -> (Env, Platform) {
    let env = start().await;
    let platform = Platform {
        base: Arc::new(Mutex::new(env.running.base_url())),
        behaviour: Arc::new(Mutex::new(Behaviour::Echo)),
        notices: Arc::default(),
        messages: Arc::default(),
    };
    let router = axum::Router::new()
        .route("/events", axum::routing::post(events))
        .route("/msg/{appid}/callback", axum::routing::post(messages))
        .with_state(platform.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    let created = env
        .http
        .post(env.url("/sandbox/components"))
        .json(&json!({
            "component_appid": COMPONENT, "component_appsecret": COMPONENT_SECRET,
            "token": TOKEN, "encoding_aes_key": KEY,
            "events_url": format!("http://{addr}/events"),
            "message_url": format!("http://{addr}/msg/$APPID$/callback"),
        }))
        .send()
        .await
        .expect("send");
    assert_eq!(created.status(), 201);
    (env, platform)
}

impl Env {
    async fn ticket(&self, platform: &Platform) -> String {
        let before = platform.notices().len();
        let pushed = self
            .post(
                &format!("/sandbox/components/{COMPONENT}/push-ticket"),
                json!({}),
            )
            .await;
        assert_eq!(pushed["outcome"], "success", "{pushed}");
        platform.wait_notices(before + 1).await;
        last_ticket(platform).expect("ticket")
    }

    async fn component_token(&self, platform: &Platform) -> String {
        let ticket = self.ticket(platform).await;
        let v = self
            .post(
                "/cgi-bin/component/api_component_token",
                json!({"component_appid": COMPONENT, "component_appsecret": COMPONENT_SECRET,
                       "component_verify_ticket": ticket}),
            )
            .await;
        assert_eq!(v["expires_in"], 7200, "{v}");
        v["component_access_token"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    async fn capi(&self, api: &str, token: &str, body: Value) -> Value {
        self.post(
            &format!("/cgi-bin/component/{api}?component_access_token={token}"),
            body,
        )
        .await
    }

    async fn authorize(&self, app: &str, scopes: Option<Vec<u32>>) -> Value {
        let mut body = json!({"app_id": app});
        if let Some(scopes) = scopes {
            body["func_scopes"] = json!(scopes);
        }
        self.post(&format!("/sandbox/components/{COMPONENT}/authorize"), body)
            .await
    }
}

#[tokio::test]
async fn the_control_api_checks_and_shows_components() {
    let (env, _platform) = setup().await;
    let again = env
        .http
        .post(env.url("/sandbox/components"))
        .json(
            &json!({"component_appid": COMPONENT, "component_appsecret": "s", "token": "t",
                      "encoding_aes_key": KEY, "events_url": "http://127.0.0.1:9/e"}),
        )
        .send()
        .await
        .expect("send");
    assert_eq!(again.status(), 200, "an update");
    for bad in [
        json!({"component_appid": "wxc", "component_appsecret": "s", "token": "t",
               "encoding_aes_key": "short", "events_url": "http://x/"}),
        json!({"component_appid": "", "component_appsecret": "s", "token": "t",
               "encoding_aes_key": KEY, "events_url": "http://x/"}),
        json!({"component_appid": "wxc", "component_appsecret": "s", "token": "t",
               "encoding_aes_key": KEY, "events_url": "ftp://x/"}),
        json!({"component_appid": "wxc"}),
    ] {
        let response = env
            .http
            .post(env.url("/sandbox/components"))
            .json(&bad)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 400, "{bad}");
    }
    let got = env.get(&format!("/sandbox/components/{COMPONENT}")).await;
    assert_eq!(got["events_url"], "http://127.0.0.1:9/e");
    assert_eq!(got["next_ticket_at"], crate::common::START + 600);
    let missing = env
        .http
        .get(env.url("/sandbox/components/wxnope"))
        .send()
        .await
        .expect("send");
    assert_eq!(missing.status(), 404);
    let unknown_app = env
        .http
        .post(env.url(&format!("/sandbox/components/{COMPONENT}/authorize")))
        .json(&json!({"app_id": "wxnoapp"}))
        .send()
        .await
        .expect("send");
    assert_eq!(unknown_app.status(), 404);
}

#[tokio::test]
async fn many_apps_authorize_at_once_and_calls_are_counted_per_second() {
    let (env, platform) = setup().await;
    let apps: Vec<Value> = (0..20)
        .map(|i| {
            json!({"app_id": format!("wxbulk{i:012}"), "app_secret": "s", "token": "t",
                   "mode": "plaintext", "callback_url": "http://127.0.0.1:9/"})
        })
        .collect();
    let ids: Vec<String> = apps
        .iter()
        .map(|a| a["app_id"].as_str().expect("app_id").to_owned())
        .collect();
    // One bad app refuses the whole array.
    let mut with_bad = apps.clone();
    with_bad.push(json!({"app_id": "", "app_secret": "s", "token": "t", "mode": "plaintext"}));
    let status = |r: reqwest::Response| r.status().as_u16();
    let send = |path: &str, body: &Value| env.http.post(env.url(path)).json(body).send();
    assert_eq!(
        status(send("/sandbox/apps", &json!(with_bad)).await.expect("send")),
        400
    );
    let missing = env.http.get(env.url(&format!("/sandbox/apps/{}", ids[0])));
    assert_eq!(status(missing.send().await.expect("send")), 404);
    let created = send("/sandbox/apps", &json!(apps)).await.expect("send");
    assert_eq!(created.status(), 201);
    assert_eq!(
        created.json::<Value>().await.expect("json"),
        json!({"created": 20, "updated": 0})
    );

    let authorize = format!("/sandbox/components/{COMPONENT}/authorize");
    let unknown = json!({"app_ids": [ids[0], "wxnoapp"]});
    assert_eq!(status(send(&authorize, &unknown).await.expect("send")), 404);
    let both = json!({"app_id": ids[0], "app_ids": [ids[1]]});
    assert_eq!(status(send(&authorize, &both).await.expect("send")), 400);
    assert!(platform.notices().is_empty(), "nothing authorized yet");
    let answer = env.post(&authorize, json!({"app_ids": ids})).await;
    assert_eq!(answer["authorized"], 20, "{answer}");
    assert_eq!(answer["notices"], json!({"success": 20, "failed": 0}));
    let authorized = platform
        .wait_notices(20)
        .await
        .into_iter()
        .filter(|n| matches!(n.kind, NoticeKind::Authorized(_)))
        .count();
    assert_eq!(authorized, 20);

    let token = env.component_token(&platform).await;
    let info = |id: &str| {
        env.capi(
            "api_get_authorizer_info",
            &token,
            json!({"component_appid": COMPONENT, "authorizer_appid": id}),
        )
    };
    for id in &ids[..3] {
        info(id).await;
    }
    env.advance(5).await;
    info(&ids[3]).await;
    let path = "cgi-bin/component/api_get_authorizer_info";
    let seconds = env
        .get(&format!("/sandbox/components/{COMPONENT}/calls/{path}"))
        .await;
    let start = crate::common::START;
    assert_eq!(
        seconds,
        json!({"path": path, "total": 4, "max_per_second": 3, "max_at": start,
               "seconds": {start.to_string(): 3, (start + 5).to_string(): 1}})
    );
    let calls = env
        .get(&format!("/sandbox/components/{COMPONENT}/calls"))
        .await;
    assert_eq!(calls["calls"][path], 4, "{calls}");
    assert_eq!(calls["calls"]["cgi-bin/component/api_component_token"], 1);
    assert_eq!(calls["authorizer_calls"], json!({}));
}

#[tokio::test]
async fn verify_tickets_are_pushed_every_ten_minutes_of_virtual_time() {
    let (env, platform) = setup().await;
    env.advance(599).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(platform.notices().is_empty(), "nothing before 10 minutes");
    env.advance(1).await;
    let notices = platform.wait_notices(1).await;
    assert_eq!(notices[0].app_id, COMPONENT);
    assert!(matches!(&notices[0].kind,
        NoticeKind::ComponentVerifyTicket { ticket } if ticket.starts_with("ticket@@@")));
    env.advance(600).await;
    platform.wait_notices(2).await;
    // A jump of an hour pushes one ticket, not six.
    env.advance(3600).await;
    platform.wait_notices(3).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(platform.notices().len(), 3);
    let deliveries = env
        .get(&format!("/sandbox/components/{COMPONENT}/deliveries"))
        .await;
    let deliveries = deliveries.as_array().expect("list");
    assert_eq!(deliveries.len(), 3);
    assert!(
        deliveries
            .iter()
            .all(|d| d["outcome"] == "success" && d["info_type"] == "component_verify_ticket")
    );

    // api_start_push_ticket checks the secret, then pushes.
    let wrong = env
        .post(
            "/cgi-bin/component/api_start_push_ticket",
            json!({"component_appid": COMPONENT, "component_secret": "nope"}),
        )
        .await;
    assert_eq!(errcode(&wrong), 40125);
    let unknown = env
        .post(
            "/cgi-bin/component/api_start_push_ticket",
            json!({"component_appid": "wxnope", "component_secret": "x"}),
        )
        .await;
    assert_eq!(errcode(&unknown), 61011);
    let started = env
        .post(
            "/cgi-bin/component/api_start_push_ticket",
            json!({"component_appid": COMPONENT, "component_secret": COMPONENT_SECRET}),
        )
        .await;
    assert_eq!(started, json!({"errcode": 0, "errmsg": "ok"}));
    platform.wait_notices(4).await;
}

#[tokio::test]
async fn a_running_clock_pushes_tickets_without_anyone_moving_it() {
    // Not frozen: the virtual clock follows the wall clock; the background scheduler notices.
    let running = wxgate_sandbox::spawn(wxgate_sandbox::SandboxConfig {
        start_time: Some(crate::common::START),
        ..Default::default()
    })
    .await
    .expect("spawn");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let router = axum::Router::new().route(
        "/events",
        axum::routing::post(
            move |Query(q): Query<BTreeMap<String, String>>, body: String| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send(open(&q, &body));
                    "success"
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    let http = reqwest::Client::new();
    let created = http
        .post(format!("{}/sandbox/components", running.base_url()))
        .json(
            &json!({"component_appid": COMPONENT, "component_appsecret": COMPONENT_SECRET,
                      "token": TOKEN, "encoding_aes_key": KEY,
                      "events_url": format!("http://{addr}/events")}),
        )
        .send()
        .await
        .expect("send");
    assert_eq!(created.status(), 201);
    // 599 s by hand (nothing due yet), then about a second of wall time.
    running.sandbox.advance_clock(599);
    assert!(rx.try_recv().is_err());
    let pushed = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a ticket within 5 s")
        .expect("pushed");
    assert!(pushed.contains("component_verify_ticket"), "{pushed}");
}

#[tokio::test]
async fn the_component_token_checks_secret_ticket_and_quota() {
    let (env, platform) = setup().await;
    let ticket = env.ticket(&platform).await;
    let call = |secret: &str, ticket: &str, component: &str| {
        env.post(
            "/cgi-bin/component/api_component_token",
            json!({"component_appid": component, "component_appsecret": secret,
                   "component_verify_ticket": ticket}),
        )
    };
    assert_eq!(
        errcode(&call(COMPONENT_SECRET, &ticket, "wxnope").await),
        61011
    );
    assert_eq!(errcode(&call("wrong", &ticket, COMPONENT).await), 40125);
    assert_eq!(errcode(&call("", &ticket, COMPONENT).await), 41004);
    assert_eq!(
        errcode(&call(COMPONENT_SECRET, "ticket@@@forged", COMPONENT).await),
        61006
    );
    let first = call(COMPONENT_SECRET, &ticket, COMPONENT).await;
    let token = first["component_access_token"].as_str().expect("token");
    // The component token is not an account's access token.
    assert_eq!(env.probe(token).await, 40001);
    let list = env
        .capi(
            "api_get_authorizer_list",
            token,
            json!({"component_appid": COMPONENT, "offset": 0, "count": 10}),
        )
        .await;
    assert_eq!(list["total_count"], 0, "{list}");
    let other = env
        .capi(
            "api_get_authorizer_list",
            token,
            json!({"component_appid": "wxother", "offset": 0, "count": 10}),
        )
        .await;
    assert_eq!(errcode(&other), 61011);
    assert_eq!(
        errcode(
            &env.capi(
                "api_get_authorizer_list",
                "nope",
                json!({"component_appid": COMPONENT, "count": 1})
            )
            .await
        ),
        40001
    );
    assert_eq!(
        errcode(
            &env.post(
                "/cgi-bin/component/api_create_preauthcode",
                json!({"component_appid": COMPONENT})
            )
            .await
        ),
        41001
    );
    // Daily quota: 2000 tokens, then 45009 until clear_quota.
    for _ in 1..2000 {
        let v = call(COMPONENT_SECRET, &ticket, COMPONENT).await;
        assert_eq!(errcode(&v), 0, "{v}");
    }
    let over = call(COMPONENT_SECRET, &ticket, COMPONENT).await;
    assert_eq!(errcode(&over), 45009);
    let newest = env.ticket(&platform).await;
    // Earlier tokens are superseded (5-minute overlap): take a fresh one through the quota reset.
    let current =
        env.get(&format!("/sandbox/components/{COMPONENT}")).await["component_access_token"]
            .as_str()
            .expect("current token")
            .to_owned();
    let cleared = env
        .capi(
            "clear_quota",
            &current,
            json!({"component_appid": COMPONENT}),
        )
        .await;
    assert_eq!(errcode(&cleared), 0, "{cleared}");
    assert_eq!(
        errcode(&call(COMPONENT_SECRET, &newest, COMPONENT).await),
        0
    );
    // A ticket is good for 12 hours.
    env.advance(12 * 3600).await;
    assert_eq!(
        errcode(&call(COMPONENT_SECRET, &newest, COMPONENT).await),
        61005
    );
}

#[tokio::test]
async fn the_authorization_page_redirects_with_an_auth_code_and_pushes_the_notice() {
    let (env, platform) = setup().await;
    let token = env.component_token(&platform).await;
    let pre = env
        .capi(
            "api_create_preauthcode",
            &token,
            json!({"component_appid": COMPONENT}),
        )
        .await;
    assert_eq!(pre["expires_in"], 1800);
    let pre = pre["pre_auth_code"].as_str().expect("code").to_owned();
    let redirect = "https://platform.example/back?x=<b>";
    for path in [
        "/cgi-bin/componentloginpage",
        "/wxaopen/safe/bindcomponent",
        "/safe/bindcomponent",
    ] {
        let page = env
            .http
            .get(env.url(path))
            .query(&[
                ("component_appid", COMPONENT),
                ("pre_auth_code", &pre),
                ("redirect_uri", redirect),
                ("auth_type", "1"),
            ])
            .send()
            .await
            .expect("send");
        assert_eq!(page.status(), 200, "{path}");
        let html = page.text().await.expect("html");
        assert!(html.contains(APP), "{html}");
        assert!(
            html.contains("x=&lt;b&gt;") && !html.contains("<b>"),
            "escaped"
        );
    }
    let bad = env
        .http
        .get(env.url("/cgi-bin/componentloginpage"))
        .query(&[
            ("component_appid", COMPONENT),
            ("pre_auth_code", "preauthcode@@@nope"),
            ("redirect_uri", redirect),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(bad.status(), 400);
    for bad_redirect in ["javascript:alert(1)", "https://x/\r\nSet-Cookie: a=b"] {
        let refused = env
            .http
            .get(env.url("/cgi-bin/componentloginpage"))
            .query(&[
                ("component_appid", COMPONENT),
                ("pre_auth_code", &pre),
                ("redirect_uri", bad_redirect),
            ])
            .send()
            .await
            .expect("send");
        assert_eq!(refused.status(), 400, "{bad_redirect}");
    }
    let form = [
        ("component_appid", COMPONENT),
        ("pre_auth_code", pre.as_str()),
        ("redirect_uri", redirect),
        ("app_id", APP),
    ];
    let agreed = env
        .http
        .post(env.url("/cgi-bin/componentloginpage"))
        .form(&form)
        .send()
        .await
        .expect("send");
    assert_eq!(agreed.status(), 303);
    let location = agreed.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let url = reqwest::Url::parse(&location).expect("url");
    let query: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(query["x"], "<b>");
    assert_eq!(query["expires_in"], "600");
    let code = query["auth_code"].clone();
    let notices = platform.wait_notices(2).await;
    match &notices[1].kind {
        NoticeKind::Authorized(a) => {
            assert_eq!(a.authorizer_app_id, APP);
            assert_eq!(a.authorization_code, code);
            assert_eq!(a.pre_auth_code.as_deref(), Some(pre.as_str()));
        }
        other => panic!("{other:?}"),
    }
    // The pre-auth code is single use.
    let again = env
        .http
        .post(env.url("/cgi-bin/componentloginpage"))
        .form(&form)
        .send()
        .await
        .expect("send");
    assert_eq!(again.status(), 400);
    // And expires after 30 minutes.
    let late = env
        .capi(
            "api_create_preauthcode",
            &token,
            json!({"component_appid": COMPONENT}),
        )
        .await["pre_auth_code"]
        .as_str()
        .expect("code")
        .to_owned();
    env.advance(1800).await;
    let expired = env
        .http
        .get(env.url("/cgi-bin/componentloginpage"))
        .query(&[
            ("component_appid", COMPONENT),
            ("pre_auth_code", &late),
            ("redirect_uri", redirect),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(expired.status(), 400);
    assert!(expired.text().await.expect("text").contains("expired"));
}

#[tokio::test]
async fn authorizer_tokens_rotate_refresh_tokens_and_stop_at_unauthorize() {
    let (env, platform) = setup().await;
    let token = env.component_token(&platform).await;
    let authorized = env.authorize(APP, Some(vec![1, 2, 3])).await;
    assert_eq!(authorized["notice"]["outcome"], "success", "{authorized}");
    let code = authorized["auth_code"].as_str().expect("code").to_owned();
    let query = |code: &str| {
        env.capi(
            "api_query_auth",
            &token,
            json!({"component_appid": COMPONENT, "authorization_code": code}),
        )
    };
    assert_eq!(errcode(&query("queryauthcode@@@nope").await), 61009);
    let info = query(&code).await["authorization_info"].clone();
    assert_eq!(info["authorizer_appid"], APP);
    assert_eq!(info["expires_in"], 7200);
    assert_eq!(
        info["func_info"],
        json!([{"funcscope_category": {"id": 1}}, {"funcscope_category": {"id": 2}},
               {"funcscope_category": {"id": 3}}])
    );
    let access = info["authorizer_access_token"]
        .as_str()
        .expect("access")
        .to_owned();
    let refresh = info["authorizer_refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    // The account's whole API works with the authorizer token.
    assert_eq!(env.probe(&access).await, 0);
    // The same code again (before it expires) answers the current tokens.
    let again = query(&code).await["authorization_info"].clone();
    assert_eq!(again["authorizer_access_token"], access.as_str());
    env.advance(600).await;
    assert_eq!(errcode(&query(&code).await), 61010);

    // Refresh: the refresh token rotates; the old one answers 61023.
    let token = env.component_token(&platform).await;
    let refresh_with = |refresh: String| {
        env.capi(
            "api_authorizer_token",
            &token,
            json!({"component_appid": COMPONENT, "authorizer_appid": APP,
                   "authorizer_refresh_token": refresh}),
        )
    };
    let rotated = refresh_with(refresh.clone()).await;
    let new_refresh = rotated["authorizer_refresh_token"]
        .as_str()
        .expect("new")
        .to_owned();
    let new_access = rotated["authorizer_access_token"]
        .as_str()
        .expect("access")
        .to_owned();
    assert_ne!(new_refresh, refresh);
    assert_ne!(new_access, access);
    assert_eq!(env.probe(&new_access).await, 0);
    let old = refresh_with(refresh).await;
    assert_eq!(errcode(&old), 61023, "{old}");
    assert!(
        old["errmsg"]
            .as_str()
            .unwrap_or_default()
            .starts_with("refresh_token is invalid")
    );
    assert_eq!(errcode(&refresh_with(new_refresh.clone()).await), 0);

    // Info, list, options.
    let details = env
        .capi(
            "api_get_authorizer_info",
            &token,
            json!({"component_appid": COMPONENT, "authorizer_appid": APP}),
        )
        .await;
    assert_eq!(
        details["authorizer_info"]["service_type_info"]["id"], 2,
        "{details}"
    );
    assert!(
        details["authorizer_info"]["user_name"]
            .as_str()
            .expect("gh")
            .starts_with("gh_")
    );
    assert_eq!(details["authorization_info"]["authorizer_appid"], APP);
    let list = env
        .capi(
            "api_get_authorizer_list",
            &token,
            json!({"component_appid": COMPONENT, "offset": 0, "count": 500}),
        )
        .await;
    assert_eq!(list["total_count"], 1);
    assert_eq!(list["list"][0]["authorizer_appid"], APP);
    let skipped = env
        .capi(
            "api_get_authorizer_list",
            &token,
            json!({"component_appid": COMPONENT, "offset": 1, "count": 500}),
        )
        .await;
    assert_eq!(skipped["list"], json!([]));
    assert_eq!(
        errcode(
            &env.capi(
                "api_get_authorizer_list",
                &token,
                json!({"component_appid": COMPONENT, "count": 501})
            )
            .await
        ),
        47003
    );
    let option = |name: &str| {
        env.capi(
            "api_get_authorizer_option",
            &token,
            json!({"component_appid": COMPONENT, "authorizer_appid": APP, "option_name": name}),
        )
    };
    assert_eq!(option("voice_recognize").await["option_value"], "0");
    let set = env
        .capi(
            "api_set_authorizer_option",
            &token,
            json!({"component_appid": COMPONENT, "authorizer_appid": APP,
                     "option_name": "location_report", "option_value": "2"}),
        )
        .await;
    assert_eq!(errcode(&set), 0);
    assert_eq!(option("location_report").await["option_value"], "2");
    assert_eq!(errcode(&option("nope").await), 47003);
    let out_of_range = env
        .capi(
            "api_set_authorizer_option",
            &token,
            json!({"component_appid": COMPONENT, "authorizer_appid": APP,
                     "option_name": "voice_recognize", "option_value": "2"}),
        )
        .await;
    assert_eq!(errcode(&out_of_range), 47003);

    // Changing the grants pushes updateauthorized; the same grants push nothing.
    let before = platform.notices().len();
    let same = env.authorize(APP, Some(vec![3, 2, 1])).await;
    assert!(same["notice"].is_null(), "{same}");
    let updated = env.authorize(APP, Some(vec![1, 2])).await;
    assert_eq!(updated["notice"]["info_type"], "updateauthorized");
    let notices = platform.wait_notices(before + 1).await;
    assert!(matches!(
        notices.last().map(|n| &n.kind),
        Some(NoticeKind::UpdateAuthorized(_))
    ));

    // Unauthorize: notice, and the authorizer's tokens are refused with 61003.
    let gone = env
        .post(
            &format!("/sandbox/components/{COMPONENT}/unauthorize"),
            json!({"app_id": APP}),
        )
        .await;
    assert_eq!(gone["notice"]["info_type"], "unauthorized", "{gone}");
    let notices = platform.wait_notices(before + 2).await;
    assert!(matches!(
        notices.last().map(|n| &n.kind),
        Some(NoticeKind::Unauthorized { .. })
    ));
    let refused = env
        .get(&format!("/cgi-bin/tags/get?access_token={new_access}"))
        .await;
    assert_eq!(errcode(&refused), 61003, "{refused}");
    assert_eq!(errcode(&refresh_with(new_refresh).await), 61003);
    assert_eq!(errcode(&option("voice_recognize").await), 61003);
    // The account's own token still works.
    assert_eq!(env.probe(&env.token().await).await, 0);
    let twice = env
        .http
        .post(env.url(&format!("/sandbox/components/{COMPONENT}/unauthorize")))
        .json(&json!({"app_id": APP}))
        .send()
        .await
        .expect("send");
    assert_eq!(twice.status(), 404);
}

#[tokio::test]
async fn authorizer_messages_go_to_the_message_url_encrypted_with_the_component_key() {
    let (env, platform) = setup().await;
    // The app has its own (different) key and a callback nobody listens on.
    let status = env
        .add_app(
            json!({"app_id": "wxba5fad812f8e6fb9", "app_secret": "s", "token": "own",
                        "encoding_aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
                        "mode": "safe", "callback_url": "http://127.0.0.1:9/own"}),
        )
        .await;
    assert_eq!(status, 201);
    env.authorize("wxba5fad812f8e6fb9", None).await;
    let openid = env.follower("wxba5fad812f8e6fb9").await;
    let sent = env
        .act(
            "wxba5fad812f8e6fb9",
            &openid,
            json!({"type": "text", "content": "hi"}),
        )
        .await;
    assert_eq!(sent["outcome"], "reply", "{sent}");
    assert_eq!(sent["reply"]["text"]["content"], "echo: hi");
    let messages = platform.messages();
    let (path_app, query, plain) = messages.last().expect("a push");
    assert_eq!(path_app, "wxba5fad812f8e6fb9", "$APPID$ replaced");
    assert_eq!(query["openid"], openid);
    assert!(
        plain.contains("<Content><![CDATA[hi]]></Content>"),
        "{plain}"
    );
    // Without the message-management permission set, the account's own callback gets them.
    env.authorize("wxba5fad812f8e6fb9", Some(vec![2, 3])).await;
    let count = platform.messages().len();
    let own = env
        .act(
            "wxba5fad812f8e6fb9",
            &openid,
            json!({"type": "text", "content": "again"}),
        )
        .await;
    assert_eq!(own["outcome"], "timeout", "{own}");
    assert_eq!(platform.messages().len(), count);
}

#[tokio::test]
async fn component_oauth_and_open_accounts() {
    let (env, platform) = setup().await;
    let token = env.component_token(&platform).await;
    let code = env.authorize(APP, None).await["auth_code"]
        .as_str()
        .expect("code")
        .to_owned();
    let access = env
        .capi(
            "api_query_auth",
            &token,
            json!({"component_appid": COMPONENT, "authorization_code": code}),
        )
        .await["authorization_info"]["authorizer_access_token"]
        .as_str()
        .expect("access")
        .to_owned();
    let openid = env.follower(APP).await;
    let redirect = env
        .http
        .get(env.url("/connect/oauth2/authorize"))
        .query(&[
            ("appid", APP),
            ("redirect_uri", "https://example.com/cb"),
            ("response_type", "code"),
            ("scope", "snsapi_base"),
            ("state", "S"),
            ("component_appid", COMPONENT),
            ("sandbox_openid", &openid),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(redirect.status(), 302);
    let location =
        reqwest::Url::parse(redirect.headers()["location"].to_str().expect("loc")).expect("url");
    let oauth_code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code");
    let exchange = |code: &str, component_token: &str| {
        env.get_owned(format!(
            "/sns/oauth2/component/access_token?appid={APP}&code={code}&grant_type=authorization_code&component_appid={COMPONENT}&component_access_token={component_token}"
        ))
    };
    assert_eq!(errcode(&exchange(&oauth_code, "nope").await), 40001);
    let grant = exchange(&oauth_code, &token).await;
    assert_eq!(grant["openid"], openid.as_str(), "{grant}");
    assert_eq!(errcode(&exchange(&oauth_code, &token).await), 40163);
    let refreshed = env
        .get_owned(format!(
            "/sns/oauth2/component/refresh_token?appid={APP}&grant_type=refresh_token&component_appid={COMPONENT}&component_access_token={token}&refresh_token={}",
            grant["refresh_token"].as_str().expect("refresh")
        ))
        .await;
    assert_eq!(refreshed["openid"], openid.as_str(), "{refreshed}");
    let unauthorized_app = env
        .get_owned(format!(
            "/sns/oauth2/component/access_token?appid=wxother&code=x&grant_type=authorization_code&component_appid={COMPONENT}&component_access_token={token}"
        ))
        .await;
    assert_eq!(errcode(&unauthorized_app), 61003);

    // Open accounts with the authorizer token.
    let open = |api: &str, body: Value| {
        env.post_owned(format!("/cgi-bin/open/{api}?access_token={access}"), body)
    };
    assert_eq!(errcode(&open("get", json!({"appid": APP})).await), 89002);
    assert_eq!(
        errcode(&open("create", json!({"appid": "wxother"})).await),
        40013
    );
    let created = open("create", json!({"appid": APP})).await;
    let open_appid = created["open_appid"]
        .as_str()
        .expect("open_appid")
        .to_owned();
    assert_eq!(errcode(&open("create", json!({"appid": APP})).await), 89000);
    assert_eq!(
        open("get", json!({"appid": APP})).await["open_appid"],
        open_appid.as_str()
    );
    assert_eq!(
        errcode(&open("bind", json!({"appid": APP, "open_appid": open_appid})).await),
        89000
    );
    assert_eq!(
        errcode(&open("unbind", json!({"appid": APP, "open_appid": open_appid})).await),
        0
    );
    assert_eq!(
        errcode(&open("unbind", json!({"appid": APP, "open_appid": open_appid})).await),
        89001
    );
    assert_eq!(
        errcode(&open("bind", json!({"appid": APP, "open_appid": "wxnope"})).await),
        89002
    );
    assert_eq!(
        errcode(&open("bind", json!({"appid": APP, "open_appid": open_appid})).await),
        0
    );
    let _ = SECRET;
}

#[tokio::test]
async fn the_release_test_passes_a_correct_platform_and_explains_a_wrong_one() {
    let (env, platform) = setup().await;
    // The platform needs a ticket for its component token.
    env.ticket(&platform).await;
    platform.set(Behaviour::Release);
    let report = env
        .post(
            &format!("/sandbox/components/{COMPONENT}/release-test"),
            json!({}),
        )
        .await;
    assert_eq!(report["passed"], true, "{report}");
    assert_eq!(report["app_id"], "wx570bc396a51b8ff8");
    let names: Vec<&str> = report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["ticket", "event", "text", "api"]);
    let app = env.get("/sandbox/apps/wx570bc396a51b8ff8").await;
    assert_eq!(app["original_id"], "gh_3c884a361561");
    let pushed = platform.messages();
    assert!(pushed.iter().all(|(a, _, _)| a == "wx570bc396a51b8ff8"));
    assert!(
        pushed
            .iter()
            .any(|(_, _, p)| p.contains("<Event><![CDATA[LOCATION]]></Event>"))
    );

    platform.set(Behaviour::Wrong);
    let report = env
        .post(
            &format!("/sandbox/components/{COMPONENT}/release-test"),
            json!({}),
        )
        .await;
    assert_eq!(report["passed"], false, "{report}");
    assert_eq!(
        report["cases"][0]["passed"], true,
        "the events URL still answers success"
    );
    for case in &report["cases"].as_array().expect("cases")[1..] {
        assert_eq!(case["passed"], false, "{case}");
        assert!(
            case["reason"].as_str().is_some_and(|r| !r.is_empty()),
            "{case}"
        );
    }
    assert!(
        report["cases"][1]["reason"]
            .as_str()
            .expect("reason")
            .contains("LOCATIONfrom_callback")
    );
    assert!(
        report["cases"][3]["reason"]
            .as_str()
            .expect("reason")
            .contains("empty answer")
    );

    let no_component = env
        .http
        .post(env.url("/sandbox/components/wxnope/release-test"))
        .send()
        .await
        .expect("send");
    assert_eq!(no_component.status(), 404);
}

#[tokio::test]
async fn components_survive_a_restart_with_the_state_file() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("state.json");
    let config = || wxgate_sandbox::SandboxConfig {
        state_file: Some(path.clone()),
        ..Default::default()
    };
    let refresh;
    {
        let env = crate::common::start_with(config()).await;
        let created = env
            .post(
                "/sandbox/components",
                json!({"component_appid": COMPONENT, "component_appsecret": COMPONENT_SECRET,
                       "token": TOKEN, "encoding_aes_key": KEY, "events_url": "http://127.0.0.1:9/e"}),
            )
            .await;
        assert_eq!(created["component_appid"], COMPONENT);
        env.authorize(APP, None).await;
        refresh = env.get(&format!("/sandbox/components/{COMPONENT}")).await["authorizers"][0]
            ["authorizer_refresh_token"]
            .as_str()
            .expect("refresh")
            .to_owned();
        env.running.sandbox.save().expect("save");
    }
    let env = crate::common::start_with(config()).await;
    let got = env.get(&format!("/sandbox/components/{COMPONENT}")).await;
    assert_eq!(
        got["authorizers"][0]["authorizer_refresh_token"],
        refresh.as_str()
    );
}

impl Env {
    async fn get_owned(&self, path: String) -> Value {
        self.get(&path).await
    }
}
