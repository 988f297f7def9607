//! `POST /cgi-bin/message/mass/preview`
//!
//! Sends a mass message to one follower (by OpenID or WeChat id) to check how it looks.
//!
//! Not idempotent: the client never repeats it once it may have reached WeChat.
//!
//! See [WeChat Docs/预览接口](https://developers.weixin.qq.com/doc/service/api/notify/message/api_preview.html).

use serde::Deserialize;
use serde::ser::{Serialize, SerializeMap, Serializer};

use super::Message;
use crate::OpenId;
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/message/mass/preview` (plus the access token).
///
/// ```
/// use wxgate_api::endpoint::message::mass::{Message, preview::Request};
/// assert_eq!(
///     serde_json::to_string(&Request::to_openid("o1", Message::wxcard("CARD"))).unwrap(),
///     r#"{"touser":"o1","msgtype":"wxcard","wxcard":{"card_id":"CARD"}}"#,
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    /// Who sees the preview.
    pub to: Recipient,
    /// What to send.
    pub message: Message,
}

/// The preview's recipient.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Recipient {
    /// `touser`: a follower's OpenID.
    OpenId(OpenId),
    /// `towxname`: a follower's WeChat id (wins over `touser` at WeChat).
    WxName(String),
}

impl Request {
    /// A preview for the follower `openid`.
    pub fn to_openid(openid: impl Into<OpenId>, message: Message) -> Self {
        Self {
            to: Recipient::OpenId(openid.into()),
            message,
        }
    }

    /// A preview for the follower with WeChat id `wx_name`.
    pub fn to_wx_name(wx_name: impl Into<String>, message: Message) -> Self {
        Self {
            to: Recipient::WxName(wx_name.into()),
            message,
        }
    }
}

impl Serialize for Request {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        match &self.to {
            Recipient::OpenId(openid) => map.serialize_entry("touser", openid)?,
            Recipient::WxName(name) => map.serialize_entry("towxname", name)?,
        }
        self.message.serialize_entries(&mut map)?;
        map.end()
    }
}

/// `{"errcode":0,"errmsg":"preview success","msg_id":34182}`
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The preview's message id, if WeChat gave one.
    #[serde(default)]
    pub msg_id: Option<u64>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/message/mass/preview";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = false;
    type Response = Response;
}
