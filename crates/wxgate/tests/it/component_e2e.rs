//! A third-party platform end to end, with the real `wxgate serve` and `wxgate sandbox` on
//! loopback, one step after the other:
//!
//! a. the sandbox knows the component (events and message URLs on the gateway) and an Official
//!    Account; a verify ticket is pushed;
//! b. the account's administrator authorizes through the gateway's page: its PC link leads to
//!    the sandbox's authorization page, whose form is submitted as a browser would; the return
//!    handler stores the authorizer, and the `authorized` notice reaches the gateway too;
//! c. the gateway has the authorizer's token, and the sandbox accepts it;
//! d. a user of the account sends text: the configured reply arrives, and both the push and
//!    the reply are sealed with the component's key and AppID, not the account's;
//! e. the sandbox's full-network release test passes every case;
//! f. the gateway restarts on the same SQLite store: ticket and tokens survive, and neither the
//!    start nor a token request makes any call to WeChat;
//! g. the account revokes the authorization: the notice reaches the gateway, and the
//!    authorizer's `/v1` calls are refused clearly.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, LOCATION};
use serde_json::{Value, json};
use wxgate_proto::crypto::{AesKey, MessageCrypt};
use wxgate_proto::envelope::RequestEnvelope;
use wxgate_store::{SqliteStore, Store as _};

use crate::process::{Wxgate, start};

const COMPONENT_APPID: &str = "wxc0mp0nente2e0002";
const COMPONENT_SECRET: &str = "component-e2e-secret";
const COMPONENT_TOKEN: &str = "componente2etoken";
const COMPONENT_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
/// The account that authorizes the component; its own key differs from the component's.
const AUTHORIZER: &str = "wxe2e0000000000c02";
const AUTHORIZER_TOKEN: &str = "accountowntoken";
const AUTHORIZER_KEY: &str = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut";
const API_KEY: &str = "component-e2e-key";
const REPLY: &str = "Hello from the platform";
/// How long after the restart the gateway must have made no call of its own.
const QUIET: Duration = Duration::from_secs(1);

/// The sandbox, the gateway's address and config, and a client that does not follow redirects.
struct Env {
    sandbox: Wxgate,
    gateway_base: String,
    config: String,
    http: reqwest::Client,
    dir: tempfile::TempDir,
}

impl Env {
    async fn sandbox_get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.sandbox.base))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "GET {path}: {response:?}");
        response.json().await.unwrap()
    }

    async fn sandbox_post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.sandbox.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert!(status.is_success(), "POST {path}: {status} {body}");
        body
    }

    /// `GET /v1/accounts/{account}/access-token` on the gateway: status and JSON body.
    async fn access_token(&self, account: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(format!(
                "{}/v1/accounts/{account}/access-token",
                self.gateway_base
            ))
            .header(AUTHORIZATION, format!("Bearer {API_KEY}"))
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    /// Every request the sandbox received on WeChat's paths so far, by route.
    async fn upstream_calls(&self) -> BTreeMap<String, u64> {
        serde_json::from_value(self.sandbox_get("/sandbox/calls").await).unwrap()
    }

    async fn component(&self) -> Value {
        self.sandbox_get(&format!("/sandbox/components/{COMPONENT_APPID}"))
            .await
    }

    /// The component's pushes to its events URL with `InfoType` `info_type`, oldest first.
    async fn notices(&self, info_type: &str) -> Vec<Value> {
        let deliveries = self
            .sandbox_get(&format!("/sandbox/components/{COMPONENT_APPID}/deliveries"))
            .await;
        deliveries
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["info_type"] == info_type)
            .cloned()
            .collect()
    }

    async fn act(&self, openid: &str, action: Value) -> Value {
        self.sandbox_post(
            &format!("/sandbox/apps/{AUTHORIZER}/users/{openid}/actions"),
            action,
        )
        .await
    }

    fn start_gateway(&self) -> Wxgate {
        let gateway = start(&["serve", "--config", &self.config]);
        assert_eq!(
            gateway.base, self.gateway_base,
            "the gateway keeps its port"
        );
        gateway
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The value of the first `attribute="…"` after `marker` in `html`, unescaped.
fn attribute_after(html: &str, marker: &str, attribute: &str) -> String {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {html}"));
    let rest = &html[at..];
    let start = rest.find(&format!("{attribute}=\"")).unwrap() + attribute.len() + 2;
    let end = start + rest[start..].find('"').unwrap();
    unescape(&rest[start..end])
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The fields of the sandbox's authorization form: its hidden inputs and the radio buttons'
/// values (`<input type=hidden name=N value="V">`, `<input type=radio name=app_id … value="V">`).
fn form_fields(html: &str) -> (Vec<(String, String)>, Vec<String>) {
    let mut hidden = Vec::new();
    let mut choices = Vec::new();
    for input in html.split("<input ").skip(1) {
        let tag = &input[..input.find('>').unwrap()];
        let value = tag
            .split_once("value=\"")
            .map(|(_, v)| unescape(&v[..v.find('"').unwrap()]))
            .unwrap_or_default();
        let name = tag
            .split_once("name=")
            .map(|(_, n)| n.split_whitespace().next().unwrap().to_owned())
            .unwrap();
        if tag.starts_with("type=hidden") {
            hidden.push((name, value));
        } else if tag.starts_with("type=radio") {
            choices.push(value);
        }
    }
    (hidden, choices)
}

fn component_crypt() -> MessageCrypt {
    MessageCrypt::new(
        COMPONENT_TOKEN,
        AesKey::parse(COMPONENT_KEY).unwrap(),
        COMPONENT_APPID,
    )
}

fn account_crypt() -> MessageCrypt {
    MessageCrypt::new(
        AUTHORIZER_TOKEN,
        AesKey::parse(AUTHORIZER_KEY).unwrap(),
        AUTHORIZER,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_from_authorization_to_revocation_through_the_real_binary() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = start(&["sandbox", "--listen", "127.0.0.1:0"]);
    let gateway_base = format!("http://127.0.0.1:{}", free_port());
    let config = dir.path().join("wxgate.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"{listen}\"\napi_keys = [\"{API_KEY}\"]\n\
             min_stale_age_secs = 0\n\
             [storage]\nurl = \"sqlite://{dir}/state.db\"\n\
             [[components]]\nid = \"open\"\napp_id = \"{COMPONENT_APPID}\"\n\
             app_secret = \"{COMPONENT_SECRET}\"\ntoken = \"{COMPONENT_TOKEN}\"\n\
             encoding_aes_key = \"{COMPONENT_KEY}\"\napi_base = \"{sandbox}\"\n\
             authorize_base = \"{sandbox}\"\n\
             [[components.replies]]\nkeyword = \"hello\"\ntext = \"{REPLY}\"\n",
            listen = gateway_base.trim_start_matches("http://"),
            dir = dir.path().display(),
            sandbox = sandbox.base,
        ),
    )
    .unwrap();
    let env = Env {
        sandbox,
        gateway_base,
        config: config.display().to_string(),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        dir,
    };
    let gateway = env.start_gateway();

    // a. The component, its verify ticket, and an account.
    env.sandbox_post(
        "/sandbox/components",
        json!({
            "component_appid": COMPONENT_APPID, "component_appsecret": COMPONENT_SECRET,
            "token": COMPONENT_TOKEN, "encoding_aes_key": COMPONENT_KEY,
            "events_url": format!("{}/wechat/component/open/events", env.gateway_base),
            "message_url": format!("{}/wechat/component/open/message/$APPID$", env.gateway_base),
        }),
    )
    .await;
    let ticket = env
        .sandbox_post(
            &format!("/sandbox/components/{COMPONENT_APPID}/push-ticket"),
            json!({}),
        )
        .await;
    assert_eq!(ticket["outcome"], "success", "{ticket}");
    // The account's own callback is not used: the component receives its messages.
    env.sandbox_post(
        "/sandbox/apps",
        json!({
            "app_id": AUTHORIZER, "app_secret": "account-own-secret", "token": AUTHORIZER_TOKEN,
            "encoding_aes_key": AUTHORIZER_KEY, "mode": "safe",
            "callback_url": "http://127.0.0.1:9/unused",
        }),
    )
    .await;

    // b. The administrator authorizes through the gateway's page.
    let page = env
        .http
        .get(format!(
            "{}/component/open/authorize?redirect=/done",
            env.gateway_base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    let pc = attribute_after(&page, "id=\"pc\"", "href");
    assert!(
        pc.starts_with(&format!("{}/cgi-bin/componentloginpage?", env.sandbox.base)),
        "{pc}"
    );
    let mobile = attribute_after(&page, "id=\"mobile\"", "href");
    assert!(mobile.starts_with(&env.sandbox.base), "{mobile}");
    let login = env.http.get(&pc).send().await.unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let login = login.text().await.unwrap();
    let (mut fields, choices) = form_fields(&login);
    assert!(choices.iter().any(|c| c == AUTHORIZER), "{login}");
    assert!(
        fields
            .iter()
            .any(|(name, value)| name == "component_appid" && value == COMPONENT_APPID),
        "{fields:?}"
    );
    fields.push(("app_id".to_owned(), AUTHORIZER.to_owned()));
    // The form has no action: it posts back to the page's own address.
    let agreed = env.http.post(&pc).form(&fields).send().await.unwrap();
    assert_eq!(agreed.status(), StatusCode::SEE_OTHER, "{agreed:?}");
    let back = agreed.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        back.starts_with(&format!("{}/component/open/authorized?", env.gateway_base))
            && back.contains("auth_code="),
        "{back}"
    );
    let returned = env.http.get(&back).send().await.unwrap();
    assert_eq!(returned.status(), StatusCode::SEE_OTHER, "{returned:?}");
    assert_eq!(
        returned.headers()[LOCATION].to_str().unwrap(),
        format!("/done?authorizer_appid={AUTHORIZER}")
    );
    let authorized = env.notices("authorized").await;
    assert_eq!(authorized.len(), 1, "{authorized:?}");
    assert_eq!(authorized[0]["outcome"], "success", "{authorized:?}");
    assert!(
        authorized[0]["xml"]
            .as_str()
            .unwrap()
            .contains(&format!("<AuthorizerAppid><![CDATA[{AUTHORIZER}]]>")),
        "{authorized:?}"
    );

    // c. The gateway has the authorizer's token, and WeChat accepts it.
    let (status, body) = env.access_token(AUTHORIZER).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["access_token"].as_str().unwrap().to_owned();
    let component = env.component().await;
    let sandbox_authorizer = component["authorizers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["app_id"] == AUTHORIZER)
        .unwrap_or_else(|| panic!("{component}"))
        .clone();
    assert_eq!(
        sandbox_authorizer["authorizer_access_token"],
        token.as_str()
    );
    let ips = env
        .sandbox_get(&format!("/cgi-bin/getcallbackip?access_token={token}"))
        .await;
    assert!(ips["ip_list"].is_array(), "{ips}");

    // d. A user of the account sends text; the configured reply arrives, and the push and the
    //    reply are sealed with the component's key and AppID.
    let user = env
        .sandbox_post(
            &format!("/sandbox/apps/{AUTHORIZER}/users"),
            json!({"nickname": "e2e user"}),
        )
        .await;
    let openid = user["openid"].as_str().unwrap().to_owned();
    let followed = env.act(&openid, json!({"type": "follow"})).await;
    assert!(
        matches!(followed["outcome"].as_str(), Some("success" | "empty")),
        "{followed}"
    );
    let sent = env
        .act(&openid, json!({"type": "text", "content": "hello"}))
        .await;
    assert_eq!(sent["outcome"], "reply", "{sent}");
    assert_eq!(sent["reply"]["msgtype"], "text", "{sent}");
    assert_eq!(sent["reply"]["text"]["content"], REPLY, "{sent}");
    let push = RequestEnvelope::parse(sent["request"]["body"].as_str().unwrap()).unwrap();
    let plain = String::from_utf8(component_crypt().decrypt(&push.encrypt).unwrap()).unwrap();
    assert!(
        plain.contains("<Content><![CDATA[hello]]></Content>"),
        "{plain}"
    );
    assert!(account_crypt().decrypt(&push.encrypt).is_err());
    let raw = sent["raw"].as_str().unwrap();
    let reply = String::from_utf8(component_crypt().open_reply(raw).unwrap()).unwrap();
    assert!(reply.contains(REPLY), "{reply}");
    assert!(
        reply.contains(&format!("<ToUserName><![CDATA[{openid}]]>")),
        "{reply}"
    );
    assert!(account_crypt().open_reply(raw).is_err());

    // e. The full-network release test passes every case.
    let release = env
        .sandbox_post(
            &format!("/sandbox/components/{COMPONENT_APPID}/release-test"),
            json!({}),
        )
        .await;
    let cases = release["cases"].as_array().unwrap();
    let names: Vec<&str> = cases.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["ticket", "event", "text", "api"], "{release}");
    assert!(
        cases.iter().all(|c| c["passed"] == true),
        "failed cases: {release}"
    );
    assert_eq!(release["passed"], true, "{release}");

    // f. Restart on the same store: ticket and tokens survive, and no call reaches WeChat.
    let before = env.upstream_calls().await;
    drop(gateway); // SIGKILL, then reaped
    let gateway = env.start_gateway();
    let restarted = Instant::now();
    let (status, body) = env.access_token(AUTHORIZER).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["access_token"],
        token.as_str(),
        "the stored token is served"
    );
    assert_eq!(
        env.upstream_calls().await,
        before,
        "calls at start or for the token"
    );
    // The verify ticket the sandbox pushed last is the one kept.
    let store = SqliteStore::open(env.dir.path().join("state.db")).unwrap();
    let kept = store
        .get("wxgate:component:{open}:verify_ticket")
        .await
        .unwrap()
        .expect("the verify ticket is kept");
    let kept: Value = serde_json::from_slice(&kept).unwrap();
    let component = env.component().await;
    assert_eq!(kept["ticket"], component["verify_ticket"], "{kept}");
    // The pre-auth code kept for the next administrator survived too: the page calls nothing.
    let page = env
        .http
        .get(format!("{}/component/open/authorize", env.gateway_base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(env.upstream_calls().await, before, "calls for the page");
    // And the component token: a refresh of the authorizer's token (a stale report, believed
    // at once with `min_stale_age_secs = 0`) is one `api_authorizer_token` call, with no new
    // component token; the rotated refresh token is what the store keeps.
    let refreshed = env
        .http
        .post(format!(
            "{}/v1/accounts/{AUTHORIZER}/access-token/refresh",
            env.gateway_base
        ))
        .header(AUTHORIZATION, format!("Bearer {API_KEY}"))
        .json(&json!({"stale": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), StatusCode::OK);
    let refreshed: Value = refreshed.json().await.unwrap();
    let fresh = refreshed["access_token"].as_str().unwrap().to_owned();
    assert_ne!(fresh, token);
    let mut expected = before.clone();
    *expected
        .entry("cgi-bin/component/api_authorizer_token".to_owned())
        .or_default() += 1;
    assert_eq!(env.upstream_calls().await, expected);
    let component = env.component().await;
    let record = store
        .get(&format!(
            "wxgate:component:open:{{{AUTHORIZER}}}:authorizer"
        ))
        .await
        .unwrap()
        .expect("the authorizer is kept");
    let record: Value = serde_json::from_slice(&record).unwrap();
    let sandbox_authorizer = component["authorizers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["app_id"] == AUTHORIZER)
        .unwrap_or_else(|| panic!("{component}"))
        .clone();
    assert_eq!(
        sandbox_authorizer["authorizer_access_token"],
        fresh.as_str()
    );
    assert_eq!(
        record["refresh_token"], sandbox_authorizer["authorizer_refresh_token"],
        "the rotated refresh token is kept"
    );

    // g. The account revokes the authorization: the notice reaches the gateway, and the
    //    authorizer's calls are refused clearly.
    let revoked = env
        .sandbox_post(
            &format!("/sandbox/components/{COMPONENT_APPID}/unauthorize"),
            json!({"app_id": AUTHORIZER}),
        )
        .await;
    assert_eq!(revoked["notice"]["outcome"], "success", "{revoked}");
    let (status, body) = env.access_token(AUTHORIZER).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"], "unknown_account", "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(AUTHORIZER)
            && message.contains("revoked its authorization")
            && message.contains("/component/open/authorize"),
        "{body}"
    );
    // Nothing else reached WeChat since the restart. The refresher's first round runs right
    // at start and has nothing to signal when it finds every token fresh: give it a quiet
    // second (a call it made would be counted), well before its next round.
    tokio::time::sleep(QUIET.saturating_sub(restarted.elapsed())).await;
    assert_eq!(env.upstream_calls().await, expected);
    drop(gateway);
}
