//! Shared helpers: start a sandbox, call it, read errcodes.

use serde_json::{Value, json};
use wxgate_sandbox::{RunningSandbox, SandboxConfig};

pub const APP: &str = "wx0123456789abcdef";
pub const SECRET: &str = "s3cret";
pub const START: u64 = 1_700_000_000;

pub struct Env {
    pub running: RunningSandbox,
    pub http: reqwest::Client,
}

/// A sandbox with a frozen clock at [`START`] and one plaintext app [`APP`].
pub async fn start() -> Env {
    start_with(SandboxConfig::default()).await
}

pub async fn start_with(config: SandboxConfig) -> Env {
    let config = SandboxConfig {
        start_time: Some(config.start_time.unwrap_or(START)),
        freeze_clock: true,
        ..config
    };
    let running = wxgate_sandbox::spawn(config).await.expect("spawn");
    let env = Env {
        running,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
    };
    let status = env
        .add_app(json!({
            "app_id": APP, "app_secret": SECRET, "token": "tok", "mode": "plaintext",
            "callback_url": "http://127.0.0.1:9/unused"
        }))
        .await;
    // 200 when a state file already had the app.
    assert!(matches!(status, 200 | 201), "{status}");
    env
}

pub fn errcode(v: &Value) -> i64 {
    v.get("errcode").and_then(Value::as_i64).unwrap_or(0)
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.base_url())
    }

    pub async fn add_app(&self, body: Value) -> u16 {
        self.http
            .post(self.url("/sandbox/apps"))
            .json(&body)
            .send()
            .await
            .expect("send")
            .status()
            .as_u16()
    }

    pub async fn get(&self, path: &str) -> Value {
        self.http
            .get(self.url(path))
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json")
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json")
    }

    pub async fn token(&self) -> String {
        self.token_for(APP, SECRET).await
    }

    pub async fn token_for(&self, app: &str, secret: &str) -> String {
        let v = self
            .get(&format!(
                "/cgi-bin/token?grant_type=client_credential&appid={app}&secret={secret}"
            ))
            .await;
        v["access_token"].as_str().expect("access_token").to_owned()
    }

    pub async fn advance(&self, secs: u64) -> u64 {
        let v = self
            .post("/sandbox/clock", json!({"advance_secs": secs}))
            .await;
        v["now"].as_u64().expect("now")
    }

    pub async fn new_user(&self, app: &str) -> String {
        let v = self
            .post(&format!("/sandbox/apps/{app}/users"), json!({}))
            .await;
        v["openid"].as_str().expect("openid").to_owned()
    }

    pub async fn act(&self, app: &str, openid: &str, action: Value) -> Value {
        self.post(
            &format!("/sandbox/apps/{app}/users/{openid}/actions"),
            action,
        )
        .await
    }

    pub async fn act_status(&self, app: &str, openid: &str, action: Value) -> u16 {
        self.http
            .post(self.url(&format!("/sandbox/apps/{app}/users/{openid}/actions")))
            .json(&action)
            .send()
            .await
            .expect("send")
            .status()
            .as_u16()
    }

    /// A following user (the follow push goes to an unreachable callback: outcome timeout).
    pub async fn follower(&self, app: &str) -> String {
        let openid = self.new_user(app).await;
        let v = self.act(app, &openid, json!({"type": "follow"})).await;
        assert!(v["outcome"].is_string(), "{v}");
        openid
    }

    /// `menu/get` with a token: a cheap authenticated call; returns the errcode.
    pub async fn probe(&self, token: &str) -> i64 {
        errcode(
            &self
                .get(&format!("/cgi-bin/tags/get?access_token={token}"))
                .await,
        )
    }
}

impl Env {
    pub async fn post_owned(&self, path: String, body: Value) -> Value {
        self.post(&path, body).await
    }
}

/// The `wx.config` signature, computed here rather than by the crate under test: SHA-1 (lower
/// hex) of `jsapi_ticket=…&noncestr=…&timestamp=…&url=…` (keys sorted, raw values).
pub fn jssdk_signature(ticket: &str, nonce: &str, timestamp: u64, url: &str) -> String {
    use sha1::Digest as _;
    let plain = format!("jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={url}");
    hex::encode(sha1::Sha1::digest(plain.as_bytes()))
}

impl Env {
    /// A fresh jsapi ticket of `app` (through `cgi-bin/ticket/getticket`).
    pub async fn jsapi_ticket(&self, app: &str, secret: &str) -> String {
        let token = self.token_for(app, secret).await;
        let v = self
            .get(&format!(
                "/cgi-bin/ticket/getticket?access_token={token}&type=jsapi"
            ))
            .await;
        v["ticket"].as_str().expect("ticket").to_owned()
    }
}

#[test]
fn the_signature_matches_the_documented_example() {
    assert_eq!(
        jssdk_signature(
            "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
            "Wm3WZYTPz0wzccnW",
            1_414_587_457,
            "http://mp.weixin.qq.com?params=value",
        ),
        "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
    );
}
