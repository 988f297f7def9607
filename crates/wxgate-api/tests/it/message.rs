//! Customer-service and template messages against the sandbox: round trips, typed errors, and
//! sends that are never repeated once they may have reached WeChat.

use std::time::Duration;

use serde_json::{Value, json};
use wxgate_api::endpoint::message::custom::send::{self as custom, Message};
use wxgate_api::endpoint::message::template::send as template;
use wxgate_api::{AppId, AppSecret, Client, Credentials, ErrCode, RetryPolicy, endpoint::token};

use crate::common::{APP_ID, APP_SECRET, Env, memory_store, unique};

/// A started sandbox with its app, a client, a token and credentials on a memory store.
pub(crate) struct Fixture {
    pub(crate) env: Env,
    pub(crate) client: Client,
    pub(crate) token: String,
    pub(crate) credentials: Credentials,
}

impl Fixture {
    pub(crate) async fn start() -> Self {
        let env = Env::start().await;
        let client = env.client();
        let token = client
            .call(&token::Request::new(
                AppId::new(APP_ID),
                AppSecret::new(APP_SECRET),
            ))
            .await
            .expect("token")
            .access_token;
        let credentials = env.credentials(memory_store(), &unique("msg"));
        Self {
            env,
            client,
            token,
            credentials,
        }
    }

    /// A client whose attempts time out after `ms` milliseconds (retries as `Env::client`).
    pub(crate) fn impatient_client(&self, ms: u64) -> Client {
        Client::builder()
            .base_url(self.env.base_url())
            .timeout(Duration::from_millis(ms))
            .retry(RetryPolicy::new(
                3,
                Duration::from_millis(10),
                Duration::from_millis(20),
            ))
            .build()
            .expect("client")
    }

    /// A user who does not follow the account.
    pub(crate) async fn stranger(&self) -> String {
        let user: Value = self
            .env
            .http
            .post(format!(
                "{}/sandbox/apps/{APP_ID}/users",
                self.env.base_url()
            ))
            .json(&json!({}))
            .send()
            .await
            .expect("user")
            .json()
            .await
            .expect("user json");
        user["openid"].as_str().expect("openid").to_owned()
    }

    /// The messages of `source` (`custom`, `template`, `mass`, `preview`) in a user's inbox.
    pub(crate) async fn inbox_of(&self, openid: &str, source: &str) -> Vec<Value> {
        let inbox = self.env.inbox(openid).await;
        inbox
            .as_array()
            .expect("inbox")
            .iter()
            .filter(|m| m["source"] == source)
            .map(|m| m["message"].clone())
            .collect()
    }
}

/// `error` is WeChat's 45009 for `path`, and its text names the path.
pub(crate) fn assert_quota_error(error: &wxgate_api::Error, path: &str) {
    assert_eq!(
        error.errcode(),
        Some(ErrCode::DailyQuotaExceeded),
        "{error}"
    );
    assert_eq!(error.path(), Some(path));
    let text = error.to_string();
    assert!(
        text.contains(path) && text.contains("daily quota"),
        "{text}"
    );
}

#[tokio::test]
async fn custom_messages_round_trip_both_ways() {
    let f = Fixture::start().await;
    let openid = f.env.follower().await;
    f.client
        .call(&custom::Request::new(
            openid.as_str(),
            Message::text("你好 <a href=\"https://x\">x</a>"),
        ))
        .access_token(&f.token)
        .await
        .unwrap();
    f.credentials
        .call(&custom::Request::new(openid.as_str(), Message::text("second")).kf_account("a@kf"))
        .await
        .unwrap();
    let sent = f.inbox_of(&openid, "custom").await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(
        sent[0]["text"]["content"],
        "你好 <a href=\"https://x\">x</a>"
    );
    assert_eq!(sent[1]["customservice"]["kf_account"], "a@kf");
}

#[tokio::test]
async fn custom_message_errors_are_typed() {
    let f = Fixture::start().await;
    let stranger = f.stranger().await;
    let error = f
        .credentials
        .call(&custom::Request::new(
            stranger.as_str(),
            Message::text("hi"),
        ))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::RequireSubscribe), "{error}");
    assert!(!error.may_have_been_sent(), "WeChat refused it: {error}");

    let error = f
        .credentials
        .call(&custom::Request::new("o-nobody", Message::text("hi")))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::InvalidOpenId), "{error}");

    // The follow window allows 3 sends within a minute; once it is over, 45015.
    let openid = f.stranger().await;
    let url = format!(
        "{}/sandbox/apps/{APP_ID}/users/{openid}/actions",
        f.env.base_url()
    );
    f.env
        .http
        .post(&url)
        .json(&json!({"type": "follow"}))
        .send()
        .await
        .unwrap();
    f.env.advance(61).await;
    let error = f
        .credentials
        .call(&custom::Request::new(
            openid.as_str(),
            Message::text("late"),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        error.errcode(),
        Some(ErrCode::ResponseOutOfTimeLimit),
        "{error}"
    );

    let follower = f.env.follower().await;
    let error = f
        .credentials
        .call(&custom::Request::new(
            follower.as_str(),
            Message::image("no-such-media"),
        ))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::InvalidMediaId), "{error}");
}

#[tokio::test]
async fn a_custom_send_that_timed_out_is_not_repeated() {
    let f = Fixture::start().await;
    let openid = f.env.follower().await;
    f.env
        .fault(json!({"path": "cgi-bin/message/custom/send", "delay_ms": 1500, "times": 1}))
        .await;
    let error = f
        .impatient_client(300)
        .call(&custom::Request::new(
            openid.as_str(),
            Message::text("once"),
        ))
        .access_token(&f.token)
        .await
        .unwrap_err();
    assert!(error.may_have_been_sent(), "{error}");
    assert!(error.to_string().contains("may have been sent"), "{error}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(f.env.calls("cgi-bin/message/custom/send").await, 1);

    f.env
        .fault(json!({"path": "cgi-bin/message/custom/send", "errcode": -1, "times": 1}))
        .await;
    let error = f
        .credentials
        .call(&custom::Request::new(
            openid.as_str(),
            Message::text("busy"),
        ))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::SystemError), "{error}");
    assert!(error.may_have_been_sent(), "{error}");
    assert_eq!(
        f.env.calls("cgi-bin/message/custom/send").await,
        2,
        "-1 on a send is not retried"
    );
}

#[tokio::test]
async fn custom_send_quota_error_names_the_path() {
    let f = Fixture::start().await;
    let openid = f.env.follower().await;
    f.env
        .fault(json!({"path": "cgi-bin/message/custom/send", "errcode": 45009, "times": 1}))
        .await;
    let error = f
        .credentials
        .call(&custom::Request::new(openid.as_str(), Message::text("x")))
        .await
        .unwrap_err();
    assert_quota_error(&error, "/cgi-bin/message/custom/send");
    assert_eq!(f.env.calls("cgi-bin/message/custom/send").await, 1);
}

#[tokio::test]
async fn template_messages_round_trip_with_client_msg_id() {
    let f = Fixture::start().await;
    let openid = f.env.follower().await;
    let request = template::Request::new(
        openid.as_str(),
        "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
    )
    .value("keyword1", "巧克力")
    .data("keyword2", template::Value::new("39.8元").color("#173177"))
    .url("https://example.com/order/1")
    .miniprogram("wxmini", "index?foo=bar")
    .client_msg_id(unique("tmsg"));
    let first = f
        .client
        .call(&request)
        .access_token(&f.token)
        .await
        .unwrap();
    let again = f.credentials.call(&request).await.unwrap();
    assert_eq!(first.msg_id, again.msg_id, "client_msg_id: sent once");
    let sent = f.inbox_of(&openid, "template").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["msgid"], first.msg_id);
    let body = &sent[0]["template"];
    assert_eq!(body["data"]["keyword1"]["value"], "巧克力");
    assert_eq!(body["data"]["keyword2"]["color"], "#173177");
    assert_eq!(body["url"], "https://example.com/order/1");
    assert_eq!(body["miniprogram"]["pagepath"], "index?foo=bar");
}

#[tokio::test]
async fn template_message_errors_are_typed() {
    let f = Fixture::start().await;
    let openid = f.env.follower().await;
    let error = f
        .credentials
        .call(&template::Request::new(openid.as_str(), "not-one-of-the-apps").value("k", "v"))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::InvalidTemplateId), "{error}");
    let stranger = f.stranger().await;
    let error = f
        .credentials
        .call(&template::Request::new(stranger.as_str(), "tpl1").value("k", "v"))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::RequireSubscribe), "{error}");
    let error = f
        .credentials
        .call(&template::Request::new("o-nobody", "tpl1").value("k", "v"))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::InvalidOpenId), "{error}");
    f.env
        .fault(json!({"path": "cgi-bin/message/template/send", "errcode": 45009, "times": 1}))
        .await;
    let error = f
        .credentials
        .call(&template::Request::new(openid.as_str(), "tpl1").value("k", "v"))
        .await
        .unwrap_err();
    assert_quota_error(&error, "/cgi-bin/message/template/send");
}

#[tokio::test]
async fn a_template_send_that_timed_out_is_not_repeated() {
    let f = Fixture::start().await;
    let openid = f.env.follower().await;
    f.env
        .fault(json!({"path": "cgi-bin/message/template/send", "delay_ms": 1500, "times": 1}))
        .await;
    let error = f
        .impatient_client(300)
        .call(&template::Request::new(openid.as_str(), "tpl1").value("k", "v"))
        .access_token(&f.token)
        .await
        .unwrap_err();
    assert!(error.may_have_been_sent(), "{error}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(f.env.calls("cgi-bin/message/template/send").await, 1);

    f.env
        .fault(json!({"path": "cgi-bin/message/template/send", "errcode": -1, "times": 1}))
        .await;
    let error = f
        .credentials
        .call(&template::Request::new(openid.as_str(), "tpl1").value("k", "v"))
        .await
        .unwrap_err();
    assert!(error.may_have_been_sent(), "{error}");
    assert_eq!(f.env.calls("cgi-bin/message/template/send").await, 2);
}
