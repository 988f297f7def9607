//! `POST /cgi-bin/message/template/send`
//!
//! Sends a template message to a follower: a template the account added
//! ([`api_add_template`](crate::endpoint::template::api_add_template)) filled with `data`
//! (`{{name.DATA}}` placeholders), optionally opening a URL or a mini-program page. Answers the
//! message's `msgid`; the delivery result arrives later as a `TEMPLATESENDJOBFINISH` event.
//! `client_msg_id` makes WeChat send at most once per user and id (for about 10 minutes).
//! Errors: 40037 unknown template, 40003 unknown OpenID, 43004 not following, 47003 bad `data`.
//!
//! Not idempotent: the client never repeats it once it may have reached WeChat.
//!
//! See [WeChat Docs/发送模板消息](https://developers.weixin.qq.com/doc/service/api/notify/template/api_sendtemplatemessage.html).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::OpenId;
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/message/template/send` (plus the access token).
///
/// ```
/// use wxgate_api::endpoint::message::template::send::Request;
/// let request = Request::new("OPENID", "TEMPLATE_ID")
///     .value("keyword1", "巧克力")
///     .client_msg_id("MSG_000001");
/// assert_eq!(
///     serde_json::to_string(&request).unwrap(),
///     r#"{"touser":"OPENID","template_id":"TEMPLATE_ID","client_msg_id":"MSG_000001","data":{"keyword1":{"value":"巧克力"}}}"#,
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Request {
    /// The recipient.
    #[serde(rename = "touser")]
    pub to_user: OpenId,
    /// The account's template.
    pub template_id: String,
    /// A web page opened when the message is tapped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A mini-program page opened when the message is tapped (wins over `url` where supported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub miniprogram: Option<MiniProgram>,
    /// Idempotency key: one send per (user, id) within about 10 minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_msg_id: Option<String>,
    /// The placeholders' values by name (`keyword1` fills `{{keyword1.DATA}}`).
    pub data: BTreeMap<String, Value>,
}

impl Request {
    /// A message of `template_id` to `to_user`, without data yet.
    pub fn new(to_user: impl Into<OpenId>, template_id: impl Into<String>) -> Self {
        Self {
            to_user: to_user.into(),
            template_id: template_id.into(),
            url: None,
            miniprogram: None,
            client_msg_id: None,
            data: BTreeMap::new(),
        }
    }

    /// Fills the placeholder `name` with `value`.
    pub fn value(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.data.insert(name.into(), Value::new(value));
        self
    }

    /// Fills the placeholder `name` with `value` (with a colour, for instance).
    pub fn data(mut self, name: impl Into<String>, value: Value) -> Self {
        self.data.insert(name.into(), value);
        self
    }

    /// Opens `url` when tapped.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Opens the mini-program page `page_path` of `app_id` when tapped.
    pub fn miniprogram(mut self, app_id: impl Into<String>, page_path: impl Into<String>) -> Self {
        self.miniprogram = Some(MiniProgram {
            app_id: app_id.into(),
            page_path: Some(page_path.into()),
        });
        self
    }

    /// Sends at most once per user and `id` (for about 10 minutes).
    pub fn client_msg_id(mut self, id: impl Into<String>) -> Self {
        self.client_msg_id = Some(id.into());
        self
    }
}

/// One placeholder's value: `{"value": "...", "color": "#173177"?}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Value {
    /// The text.
    pub value: String,
    /// Legacy colour (`#RRGGBB`), ignored by WeChat since the 2023 template rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

impl Value {
    /// A value without colour.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            color: None,
        }
    }

    /// With the legacy colour `color` (`#173177`).
    pub fn color(mut self, color: impl Into<String>) -> Self {
        self.color = Some(color.into());
        self
    }
}

/// `{"appid": "...", "pagepath": "..."}`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MiniProgram {
    /// The mini program's AppID (linked to the account).
    #[serde(rename = "appid")]
    pub app_id: String,
    /// The page, with its query (`index?foo=bar`).
    #[serde(rename = "pagepath", default, skip_serializing_if = "Option::is_none")]
    pub page_path: Option<String>,
}

/// `{"errcode":0,"errmsg":"ok","msgid":200228332}`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The message id (named again in `TEMPLATESENDJOBFINISH`).
    #[serde(rename = "msgid")]
    pub msg_id: u64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/message/template/send";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = false;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn full_wire_form() {
        let request = Request::new("o1", "T1")
            .url("http://weixin.qq.com/download")
            .miniprogram("wxmini", "index?foo=bar")
            .data("keyword2", Value::new("39.8元").color("#173177"))
            .value("keyword1", "巧克力");
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({"touser":"o1","template_id":"T1","url":"http://weixin.qq.com/download",
                "miniprogram":{"appid":"wxmini","pagepath":"index?foo=bar"},
                "data":{"keyword1":{"value":"巧克力"},"keyword2":{"value":"39.8元","color":"#173177"}}})
        );
        let response: Response =
            serde_json::from_str(r#"{"errcode":0,"errmsg":"ok","msgid":200228332}"#).unwrap();
        assert_eq!(response.msg_id, 200_228_332);
    }
}
