//! The demo's gateway runs on the sandbox's virtual clock: moving that clock (a day forward, or
//! back) never breaks pushes, and the token API keeps handing out tokens the sandbox accepts.

use serde_json::{Value, json};

use crate::process::{Wxgate, start};

const APP_ID: &str = "wxd3e0000000000001";

/// A demo with its state in a fresh directory, and the bearer key of its token API.
pub(crate) struct Demo {
    pub(crate) process: Wxgate,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) api_key: String,
    pub(crate) http: reqwest::Client,
}

impl Demo {
    pub(crate) fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let process = start_in(dir.path());
        let api_key = api_key(dir.path());
        Self {
            process,
            dir,
            api_key,
            http: reqwest::Client::new(),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.process.base)
    }

    pub(crate) async fn get(&self, path: &str) -> Value {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        assert!(response.status().is_success(), "GET {path}: {response:?}");
        response.json().await.unwrap()
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "POST {path}: {response:?}");
        response.json().await.unwrap()
    }

    /// A new virtual user who follows the demo account.
    pub(crate) async fn follower(&self, nickname: &str) -> String {
        let user = self
            .post(
                &format!("/sandbox/apps/{APP_ID}/users"),
                json!({"nickname": nickname}),
            )
            .await;
        let openid = user["openid"].as_str().unwrap().to_owned();
        let follow = self.act(&openid, json!({"type": "follow"})).await;
        assert_eq!(follow["outcome"], "reply", "{follow}");
        openid
    }

    pub(crate) async fn act(&self, openid: &str, action: Value) -> Value {
        self.post(
            &format!("/sandbox/apps/{APP_ID}/users/{openid}/actions"),
            action,
        )
        .await
    }

    /// The token API's current access_token.
    pub(crate) async fn token(&self) -> String {
        let response = self
            .http
            .get(self.url("/v1/accounts/demo/access-token"))
            .bearer_auth(&self.api_key)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{response:?}");
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// The sandbox's errcode for an authenticated call made with `token` (0: accepted).
    pub(crate) async fn probe(&self, token: &str) -> i64 {
        let answer = self
            .get(&format!("/cgi-bin/menu/get?access_token={token}"))
            .await;
        answer["errcode"].as_i64().unwrap_or(0)
    }
}

/// `wxgate demo --data-dir DIR` on a free port.
pub(crate) fn start_in(dir: &std::path::Path) -> Wxgate {
    start(&[
        "demo",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        dir.to_str().unwrap(),
    ])
}

/// The token API's key, from the secrets the demo keeps in its data dir.
pub(crate) fn api_key(dir: &std::path::Path) -> String {
    let secrets: Value =
        serde_json::from_slice(&std::fs::read(dir.join("demo-secrets.json")).unwrap()).unwrap();
    secrets["api_key"].as_str().unwrap().to_owned()
}

fn text_reply(outcome: &Value) -> &str {
    outcome["reply"]["text"]["content"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_day_later_messages_get_replies_and_tokens_work() {
    let demo = Demo::start();
    let alice = demo.follower("Alice").await;
    let before = demo.token().await;
    assert_eq!(demo.probe(&before).await, 0);

    let now = demo
        .post("/sandbox/clock", json!({"advance_secs": 86_400}))
        .await["now"]
        .as_u64()
        .unwrap();
    let hello = demo
        .act(&alice, json!({"type": "text", "content": "hello"}))
        .await;
    assert_eq!(hello["outcome"], "reply", "{hello}");
    assert!(text_reply(&hello).starts_with("Hi there"), "{hello}");

    assert_eq!(
        demo.probe(&before).await,
        42001,
        "the day really passed in the sandbox"
    );
    let after = demo.token().await;
    assert_ne!(after, before);
    assert_eq!(
        demo.probe(&after).await,
        0,
        "the sandbox accepts the new token"
    );

    // Back to where it was: pushes are still inside the gateway's window.
    let back = demo
        .post("/sandbox/clock", json!({"now": now - 86_400}))
        .await;
    assert_eq!(back["now"].as_u64(), Some(now - 86_400));
    let again = demo
        .act(&alice, json!({"type": "text", "content": "hello"}))
        .await;
    assert_eq!(again["outcome"], "reply", "{again}");
    let token = demo.token().await;
    assert_eq!(demo.probe(&token).await, 0);
}

#[tokio::test]
async fn a_push_the_gateway_refuses_says_why() {
    let demo = Demo::start();
    let bob = demo.follower("Bob").await;
    // A push signed for a time far from the gateway's clock: POST it the way the sandbox would
    // be refused, by pointing the app at the gateway with a wrong token.
    let apps = demo.get("/sandbox/apps").await;
    let mut spec = apps[0].clone();
    spec["token"] = json!("notthetoken");
    demo.post("/sandbox/apps", spec).await;
    let refused = demo
        .act(&bob, json!({"type": "text", "content": "hello"}))
        .await;
    assert_eq!(refused["outcome"], "invalid", "{refused}");
    assert_eq!(refused["status"], 401, "{refused}");
    let reason = refused["error"].as_str().unwrap();
    assert!(
        reason.starts_with("callback answered HTTP 401") && reason.contains("signature"),
        "{reason}"
    );
    let deliveries = demo
        .get(&format!("/sandbox/apps/{APP_ID}/deliveries"))
        .await;
    let last = deliveries.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["error"], reason, "{last}");
    assert_eq!(last["summary"], "hello", "{last}");
    assert_eq!(last["nickname"], "Bob", "{last}");
}
