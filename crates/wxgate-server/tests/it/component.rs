//! Third-party platforms against the sandbox over loopback: verify tickets and authorization
//! notices at `/wechat/component/{component}/events`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use wxgate_sandbox::{AppSpec, RunningSandbox, SandboxConfig};
use wxgate_server::{Config, Gateway, Incoming, MessageRouter};
use wxgate_store::{MemoryStore, Store};

pub(crate) const COMPONENT_APPID: &str = "wxc0mp0nent0000001";
pub(crate) const COMPONENT_SECRET: &str = "component-app-secret";
pub(crate) const TOKEN: &str = "componenttoken";
pub(crate) const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
pub(crate) const AUTHORIZER: &str = "wx5a1db0c0ffee0a01";

pub(crate) struct Platform {
    pub(crate) sandbox: RunningSandbox,
    pub(crate) http: reqwest::Client,
    pub(crate) gateway_url: String,
}

impl Platform {
    /// `GET /v1/accounts/{account}/access-token` of the gateway: status and JSON body.
    pub(crate) async fn access_token(&self, account: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!(
                "{}/v1/accounts/{account}/access-token",
                self.gateway_url
            ))
            .bearer_auth(API_KEY)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Pushes a ticket and lets `AUTHORIZER` authorize the component.
    pub(crate) async fn authorize(&self) {
        let (_, ticket) = self
            .control(
                &format!("/sandbox/components/{COMPONENT_APPID}/push-ticket"),
                json!({}),
            )
            .await;
        assert_eq!(ticket["outcome"], "success", "{ticket}");
        let (status, authorized) = self
            .control(
                &format!("/sandbox/components/{COMPONENT_APPID}/authorize"),
                json!({"app_id": AUTHORIZER}),
            )
            .await;
        assert_eq!(status, 200, "{authorized}");
        assert_eq!(authorized["notice"]["outcome"], "success", "{authorized}");
    }

    /// A new user of `AUTHORIZER` who follows it: its openid.
    pub(crate) async fn follower(&self) -> String {
        let (_, user) = self
            .control(
                &format!("/sandbox/apps/{AUTHORIZER}/users"),
                json!({"nickname": "Alice"}),
            )
            .await;
        let openid = user["openid"].as_str().unwrap().to_owned();
        let (_, follow) = self.act(&openid, json!({"type": "follow"})).await;
        assert_ne!(follow["outcome"], "invalid", "{follow}");
        openid
    }

    /// A user action in the sandbox.
    pub(crate) async fn act(&self, openid: &str, action: Value) -> (u16, Value) {
        self.control(
            &format!("/sandbox/apps/{AUTHORIZER}/users/{openid}/actions"),
            action,
        )
        .await
    }

    /// A control call to the sandbox: its status and JSON answer.
    pub(crate) async fn control(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.sandbox.base_url()))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// How many verify tickets the sandbox pushed to the gateway.
    pub(crate) async fn ticket_pushes(&self) -> usize {
        let deliveries: Value = self
            .http
            .get(format!(
                "{}/sandbox/components/{COMPONENT_APPID}/deliveries",
                self.sandbox.base_url()
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        deliveries
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["info_type"] == "component_verify_ticket")
            .count()
    }
}

pub(crate) const API_KEY: &str = "component-api-key";

fn config(api_base: &str, server: &str) -> Config {
    config_with(api_base, server, "")
}

/// As [`config`], with `component` (keys, then tables) added to the `[[components]]`;
/// `server` may set `api_keys` itself.
pub(crate) fn config_with(api_base: &str, server: &str, component: &str) -> Config {
    let keys = if server.contains("api_keys") {
        String::new()
    } else {
        format!(r#"api_keys = ["{API_KEY}"]"#)
    };
    let toml = format!(
        r#"
[server]
{keys}
{server}

[storage]
url = "memory://"

[[components]]
id = "open"
app_id = "{COMPONENT_APPID}"
app_secret = "{COMPONENT_SECRET}"
token = "{TOKEN}"
encoding_aes_key = "{KEY}"
api_base = "{api_base}"
authorize_base = "{api_base}"
{component}

[[components.replies]]
keyword = "hello"
text = "Hi from the platform"
"#
    );
    Config::from_toml(&toml, Vec::new()).unwrap()
}

/// A gateway on `store` with component `open` and no `[[accounts]]`, serving over loopback.
async fn gateway(api_base: &str, store: &Arc<dyn Store>) -> (Gateway, tokio::net::TcpListener) {
    gateway_with(api_base, store, "", MessageRouter::new()).await
}

/// As [`gateway`], with lines added to `[server]` and message handlers.
async fn gateway_with(
    api_base: &str,
    store: &Arc<dyn Store>,
    server: &str,
    messages: MessageRouter,
) -> (Gateway, tokio::net::TcpListener) {
    gateway_built(
        Gateway::builder(config(api_base, server)).messages(messages),
        store,
    )
    .await
}

/// `builder` on `store`, and a listener.
pub(crate) async fn gateway_built(
    builder: wxgate_server::GatewayBuilder,
    store: &Arc<dyn Store>,
) -> (Gateway, tokio::net::TcpListener) {
    let gateway = builder.store(Arc::clone(store)).build().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    (gateway, listener)
}

/// The sandbox with the component (its events going to the gateway) and one account, and the
/// gateway serving.
async fn platform(store: &Arc<dyn Store>) -> (Platform, Gateway, tokio::task::JoinHandle<()>) {
    platform_with(store, "", MessageRouter::new()).await
}

/// As [`platform`], with lines added to the gateway's `[server]` and message handlers.
async fn platform_with(
    store: &Arc<dyn Store>,
    server: &str,
    messages: MessageRouter,
) -> (Platform, Gateway, tokio::task::JoinHandle<()>) {
    platform_built(store, |api_base| {
        Gateway::builder(config(api_base, server)).messages(messages)
    })
    .await
}

/// As [`platform`], with the gateway `build` makes from the sandbox's address.
pub(crate) async fn platform_built(
    store: &Arc<dyn Store>,
    build: impl FnOnce(&str) -> wxgate_server::GatewayBuilder,
) -> (Platform, Gateway, tokio::task::JoinHandle<()>) {
    let sandbox = wxgate_sandbox::spawn(SandboxConfig::default())
        .await
        .unwrap();
    let (gateway, listener) = gateway_built(build(&sandbox.base_url()), store).await;
    let gateway_url = format!("http://{}", listener.local_addr().unwrap());
    let serving = gateway.clone();
    let server = tokio::spawn(async move {
        let _ = wxgate_server::serve(&serving, listener).await;
    });
    sandbox
        .sandbox
        .add_app(AppSpec {
            app_id: AUTHORIZER.to_owned(),
            app_secret: "authorizer-own-secret".into(),
            token: "accounttoken".into(),
            ..AppSpec::default()
        })
        .unwrap();
    let platform = Platform {
        sandbox,
        http: reqwest::Client::new(),
        gateway_url,
    };
    let (status, body) = platform
        .control(
            "/sandbox/components",
            json!({
                "component_appid": COMPONENT_APPID,
                "component_appsecret": COMPONENT_SECRET,
                "token": TOKEN,
                "encoding_aes_key": KEY,
                "events_url": format!("{}/wechat/component/open/events", platform.gateway_url),
                "message_url": format!("{}/wechat/component/open/message/$APPID$", platform.gateway_url),
            }),
        )
        .await;
    assert!(status == 201 || status == 200, "{status} {body}");
    (platform, gateway, server)
}

#[tokio::test]
async fn a_pushed_ticket_gives_a_component_token_that_survives_a_restart() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (platform, gateway, server) = platform(&store).await;
    let (status, delivery) = platform
        .control(
            &format!("/sandbox/components/{COMPONENT_APPID}/push-ticket"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{delivery}");
    assert_eq!(delivery["outcome"], "success", "{delivery}");
    let component = gateway.component("open").unwrap();
    assert!(component.verify_ticket().await.unwrap().is_some());
    let token = component.component_access_token().await.unwrap();
    assert!(!token.token.is_empty());

    // A restarted gateway on the same store: a token at once, with no ticket pushed since.
    server.abort();
    let pushes = platform.ticket_pushes().await;
    let (restarted, _listener) = gateway_on(&platform, &store).await;
    let again = restarted
        .component("open")
        .unwrap()
        .component_access_token()
        .await
        .unwrap();
    assert_eq!(again.token, token.token, "the stored token, not a new one");
    assert_eq!(platform.ticket_pushes().await, pushes);
}

async fn gateway_on(
    platform: &Platform,
    store: &Arc<dyn Store>,
) -> (Gateway, tokio::net::TcpListener) {
    gateway(&platform.sandbox.base_url(), store).await
}

#[tokio::test]
async fn authorization_notices_store_and_forget_the_authorizer() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (platform, gateway, _server) = platform(&store).await;
    platform
        .control(
            &format!("/sandbox/components/{COMPONENT_APPID}/push-ticket"),
            json!({}),
        )
        .await;
    let (status, authorized) = platform
        .control(
            &format!("/sandbox/components/{COMPONENT_APPID}/authorize"),
            json!({"app_id": AUTHORIZER}),
        )
        .await;
    assert_eq!(status, 200, "{authorized}");
    assert_eq!(authorized["notice"]["outcome"], "success", "{authorized}");
    let component = gateway.component("open").unwrap();
    let listed: Vec<String> = component
        .authorizers()
        .await
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(listed, [AUTHORIZER]);
    // Its token came with the exchange of the authorization code.
    let credentials = component.authorizer_credentials(AUTHORIZER).await.unwrap();
    assert!(!credentials.access_token().await.unwrap().token.is_empty());

    let (status, unauthorized) = platform
        .control(
            &format!("/sandbox/components/{COMPONENT_APPID}/unauthorize"),
            json!({"app_id": AUTHORIZER}),
        )
        .await;
    assert_eq!(status, 200, "{unauthorized}");
    assert_eq!(
        unauthorized["notice"]["outcome"], "success",
        "{unauthorized}"
    );
    assert!(component.authorizers().await.unwrap().is_empty());
    assert!(component.authorizer_credentials(AUTHORIZER).await.is_err());
}

#[tokio::test]
async fn forged_or_unknown_notices_are_refused() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (platform, _gateway, _server) = platform(&store).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let body = format!("<xml><AppId>{COMPONENT_APPID}</AppId><Encrypt>AAAA</Encrypt></xml>");
    let post = |path: String, query: String| {
        platform
            .http
            .post(format!("{}{path}?{query}", platform.gateway_url))
            .body(body.clone())
            .send()
    };
    let bad = post(
        "/wechat/component/open/events".into(),
        format!("timestamp={now}&nonce=1&msg_signature=0000"),
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), 401);
    let unsigned = post(
        "/wechat/component/open/events".into(),
        format!("timestamp={now}"),
    )
    .await
    .unwrap();
    assert_eq!(unsigned.status(), 401);
    let unknown = post(
        "/wechat/component/nope/events".into(),
        format!("timestamp={now}&nonce=1&msg_signature=0000"),
    )
    .await
    .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn an_authorizers_user_gets_the_components_configured_reply() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (platform, _gateway, _server) = platform(&store).await;
    // Before it authorized the component, its pushes are refused.
    let early = platform
        .http
        .post(format!(
            "{}/wechat/component/open/message/{AUTHORIZER}?timestamp=1&nonce=1&msg_signature=0",
            platform.gateway_url
        ))
        .body("<xml/>")
        .send()
        .await
        .unwrap();
    assert_eq!(early.status(), 404);
    platform
        .control(
            &format!("/sandbox/components/{COMPONENT_APPID}/push-ticket"),
            json!({}),
        )
        .await;
    let (status, authorized) = platform
        .control(
            &format!("/sandbox/components/{COMPONENT_APPID}/authorize"),
            json!({"app_id": AUTHORIZER}),
        )
        .await;
    assert_eq!(status, 200, "{authorized}");
    let (_, user) = platform
        .control(
            &format!("/sandbox/apps/{AUTHORIZER}/users"),
            json!({"nickname": "Alice"}),
        )
        .await;
    let openid = user["openid"].as_str().unwrap();
    let actions = format!("/sandbox/apps/{AUTHORIZER}/users/{openid}/actions");
    let act = |action: Value| platform.control(&actions, action);
    let (_, follow) = act(json!({"type": "follow"})).await;
    assert_ne!(follow["outcome"], "invalid", "{follow}");
    // Sealed with the component's key and AppID by the sandbox, opened and answered (and
    // sealed again) by the gateway.
    let (_, outcome) = act(json!({"type": "text", "content": "hello"})).await;
    assert_eq!(outcome["outcome"], "reply", "{outcome}");
    assert_eq!(
        outcome["reply"]["text"]["content"].as_str(),
        Some("Hi from the platform"),
        "{outcome}"
    );
    // Other texts: no configured reply, `success`.
    let (_, other) = act(json!({"type": "text", "content": "something else"})).await;
    assert_eq!(other["outcome"], "success", "{other}");
}

#[tokio::test]
async fn the_v1_routes_serve_an_authorizer_by_its_appid_until_it_revokes() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (platform, gateway, _server) = platform(&store).await;
    let (status, body) = platform.access_token(AUTHORIZER).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("unknown_account")),
        "{body}"
    );
    platform.authorize().await;
    let (status, body) = platform.access_token(AUTHORIZER).await;
    assert_eq!(status, 200, "{body}");
    let expected = gateway
        .component("open")
        .unwrap()
        .authorizer_credentials(AUTHORIZER)
        .await
        .unwrap()
        .access_token()
        .await
        .unwrap();
    assert_eq!(body["access_token"].as_str(), Some(expected.token.as_str()));
    let (status, body) = platform
        .control(
            &format!("/sandbox/components/{COMPONENT_APPID}/unauthorize"),
            json!({"app_id": AUTHORIZER}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = platform.access_token(AUTHORIZER).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("unknown_account")),
        "{body}"
    );
    // The refusal says why, and where the account authorizes again.
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains(AUTHORIZER)
            && message.contains("revoked its authorization")
            && message.contains("/component/open/authorize"),
        "{message}"
    );
    // Authorized again, it is served again.
    platform.authorize().await;
    let (status, body) = platform.access_token(AUTHORIZER).await;
    assert_eq!(status, 200, "{body}");
}

/// The sandbox's view of the component: its current component token and `AUTHORIZER`'s
/// refresh token, and how often `api_authorizer_token` was called.
async fn sandbox_component(platform: &Platform) -> (String, String, u64) {
    let component: Value = platform
        .http
        .get(format!(
            "{}/sandbox/components/{COMPONENT_APPID}",
            platform.sandbox.base_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let authorizer = component["authorizers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["app_id"] == AUTHORIZER)
        .unwrap_or_else(|| panic!("{component}"));
    (
        component["component_access_token"]
            .as_str()
            .unwrap()
            .to_owned(),
        authorizer["authorizer_refresh_token"]
            .as_str()
            .unwrap()
            .to_owned(),
        component["calls"]["cgi-bin/component/api_authorizer_token"]
            .as_u64()
            .unwrap_or(0),
    )
}

/// `POST /v1/accounts/AUTHORIZER/access-token/refresh` `{"stale": stale}`: status and body.
async fn report_stale(platform: &Platform, stale: &str) -> (u16, Value) {
    let response = platform
        .http
        .post(format!(
            "{}/v1/accounts/{AUTHORIZER}/access-token/refresh",
            platform.gateway_url
        ))
        .bearer_auth(API_KEY)
        .json(&json!({"stale": stale}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_refresh_token_wechat_refuses_answers_409_and_is_not_tried_again() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    // Stale reports are believed at once, so the report below forces a refresh.
    let (platform, _gateway, _server) = platform_with(
        &store,
        "min_stale_age_secs = 0\npublic_url = \"https://wx.example.com/\"",
        MessageRouter::new(),
    )
    .await;
    platform.authorize().await;
    let (status, body) = platform.access_token(AUTHORIZER).await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap().to_owned();

    // Something else rotates the refresh token (a store restored from an old backup would do
    // the same): the one the gateway keeps is now an old one.
    let (component_token, kept, _) = sandbox_component(&platform).await;
    let rotated: Value = platform
        .http
        .post(format!(
            "{}/cgi-bin/component/api_authorizer_token?component_access_token={component_token}",
            platform.sandbox.base_url()
        ))
        .json(
            &json!({"component_appid": COMPONENT_APPID, "authorizer_appid": AUTHORIZER,
                      "authorizer_refresh_token": kept}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(rotated["authorizer_refresh_token"].is_string(), "{rotated}");

    let (status, body) = report_stale(&platform, &token).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "reauthorization_required", "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains(AUTHORIZER)
            && message.contains(COMPONENT_APPID)
            && message.contains("61023")
            && message.contains("authorize"),
        "{message}"
    );
    assert_eq!(
        body["authorize_url"], "https://wx.example.com/component/open/authorize",
        "the link to authorize again, from server.public_url: {body}"
    );
    assert!(
        !body.to_string().contains(&kept),
        "no refresh token in {body}"
    );
    let (_, _, calls) = sandbox_component(&platform).await;
    assert_eq!(
        calls, 2,
        "the rotation above and the gateway's one refused attempt"
    );

    // Asked again, the gateway answers the same without asking WeChat.
    let (status, body) = report_stale(&platform, &token).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("reauthorization_required")),
        "{body}"
    );
    let (_, _, again) = sandbox_component(&platform).await;
    assert_eq!(again, calls, "the refused refresh token is not sent again");
}

#[tokio::test]
async fn an_authorizers_late_reply_is_sent_with_its_authorizer_token() {
    let router = MessageRouter::new().fallback(|m: Incoming| async move {
        tokio::time::sleep(Duration::from_millis(600)).await;
        m.text().map(|text| format!("late answer to {text}"))
    });
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (platform, _gateway, _server) =
        platform_with(&store, "callback_deadline_ms = 200", router).await;
    platform.authorize().await;
    let openid = platform.follower().await;
    let (_, outcome) = platform
        .act(
            &openid,
            json!({"type": "text", "content": "are you there?"}),
        )
        .await;
    assert_eq!(outcome["outcome"], "success", "{outcome}");
    let inbox_url = format!(
        "{}/sandbox/apps/{AUTHORIZER}/users/{openid}/inbox",
        platform.sandbox.base_url()
    );
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let inbox: Value = platform
            .http
            .get(&inbox_url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if inbox.as_array().unwrap().iter().any(|e| {
            e["source"] == "custom" && e.to_string().contains("late answer to are you there?")
        }) {
            return;
        }
    }
    panic!("the deferred reply never reached the authorizer's user");
}

#[tokio::test]
async fn the_sandboxs_full_network_release_test_passes_every_case() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (platform, gateway, _server) = platform(&store).await;
    // The platform has been receiving tickets for a while when it applies for release.
    platform
        .control(
            &format!("/sandbox/components/{COMPONENT_APPID}/push-ticket"),
            json!({}),
        )
        .await;
    let (status, report) = platform
        .control(
            &format!("/sandbox/components/{COMPONENT_APPID}/release-test"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    let cases: Vec<&str> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|case| case["name"].as_str())
        .collect();
    assert_eq!(cases, ["ticket", "event", "text", "api"], "{report}");
    assert_eq!(report["passed"], true, "{report}");
    // The test account is an authorizer like any other.
    let listed = gateway
        .component("open")
        .unwrap()
        .authorizers()
        .await
        .unwrap();
    assert!(
        listed.iter().any(|a| a.as_str() == "wx570bc396a51b8ff8"),
        "{listed:?}"
    );
}

#[tokio::test]
async fn the_authorization_page_links_to_wechat_and_its_return_stores_the_authorizer() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (platform, gateway, _server) = platform(&store).await;
    platform
        .control(
            &format!("/sandbox/components/{COMPONENT_APPID}/push-ticket"),
            json!({}),
        )
        .await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |path: &str| http.get(format!("{}{path}", platform.gateway_url)).send();
    let page = get("/component/open/authorize?redirect=/done")
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let link = |id: &str| {
        let start = html.find(&format!("id=\"{id}\" href=\"")).unwrap() + id.len() + 12;
        html[start..start + html[start..].find('"').unwrap()].replace("&amp;", "&")
    };
    let (pc, mobile) = (link("pc"), link("mobile"));
    let base = platform.sandbox.base_url();
    assert!(
        pc.starts_with(&format!(
            "{base}/cgi-bin/componentloginpage?component_appid={COMPONENT_APPID}&pre_auth_code="
        )),
        "{pc}"
    );
    assert!(pc.contains("redirect_uri=http%3A%2F%2F127.0.0.1"), "{pc}");
    assert!(
        mobile.starts_with(&format!("{base}/wxaopen/safe/bindcomponent?")),
        "{mobile}"
    );
    // WeChat's page (the sandbox's) accepts the link's pre-auth code.
    let wechat = http.get(&pc).send().await.unwrap();
    assert_eq!(wechat.status(), 200);
    // Redirects to other sites, and unknown platforms, are refused.
    let bad = get("/component/open/authorize?redirect=https://evil.example")
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let unknown = get("/component/nope/authorize").await.unwrap();
    assert_eq!(unknown.status(), 404);

    // The administrator agreed: WeChat sends them back with an auth code.
    let (_, authorized) = platform
        .control(
            &format!("/sandbox/components/{COMPONENT_APPID}/authorize"),
            json!({"app_id": AUTHORIZER}),
        )
        .await;
    let code = authorized["auth_code"].as_str().unwrap();
    gateway
        .component("open")
        .unwrap()
        .forget_authorizer(AUTHORIZER)
        .await
        .unwrap();
    let back = get(&format!(
        "/component/open/authorized?auth_code={}&expires_in=600&redirect=/done",
        code.replace('@', "%40")
    ))
    .await
    .unwrap();
    assert_eq!(back.status(), 303);
    assert_eq!(
        back.headers()["location"],
        format!("/done?authorizer_appid={AUTHORIZER}").as_str()
    );
    let listed = gateway
        .component("open")
        .unwrap()
        .authorizers()
        .await
        .unwrap();
    assert!(
        listed.iter().any(|a| a.as_str() == AUTHORIZER),
        "{listed:?}"
    );
    let refused = get("/component/open/authorized?auth_code=nonsense")
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
}

#[tokio::test]
async fn an_authorization_before_any_ticket_is_refused_so_wechat_pushes_it_again() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (platform, gateway, _server) = platform(&store).await;
    let (_, early) = platform
        .control(
            &format!("/sandbox/components/{COMPONENT_APPID}/authorize"),
            json!({"app_id": AUTHORIZER}),
        )
        .await;
    assert_ne!(early["notice"]["outcome"], "success", "{early}");
    assert_eq!(early["notice"]["status"], 503, "{early}");
    let component = gateway.component("open").unwrap();
    assert!(component.authorizers().await.unwrap().is_empty());
    // Once tickets flow, the next notice of that account (its grants changed) goes through.
    platform
        .control(
            &format!("/sandbox/components/{COMPONENT_APPID}/push-ticket"),
            json!({}),
        )
        .await;
    let (_, update) = platform
        .control(
            &format!("/sandbox/components/{COMPONENT_APPID}/authorize"),
            json!({"app_id": AUTHORIZER, "func_scopes": [1, 2]}),
        )
        .await;
    assert_eq!(update["notice"]["outcome"], "success", "{update}");
    let stored = component.authorizer(AUTHORIZER).await.unwrap().unwrap();
    assert_eq!(stored.func_scope_ids, [1, 2]);
}
