//! `POST /cgi-bin/message/custom/typing`
//!
//! Shows or hides "typing…" to a user for up to 15 s; needs an interaction within the last
//! 30 s (45080) and is not re-sent while active (45081).
//!
//! See [WeChat Docs/客服消息 客服输入状态](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html).

use serde::Serialize;

use crate::OpenId;
use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/message/custom/typing` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The user.
    #[serde(rename = "touser")]
    pub to_user: OpenId,
    /// Start or stop.
    pub command: Command,
}

impl Request {
    /// A typing command for `to_user`.
    pub fn new(to_user: impl Into<OpenId>, command: Command) -> Self {
        Self {
            to_user: to_user.into(),
            command,
        }
    }
}

/// The `command`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Command {
    /// `Typing`
    Typing,
    /// `CancelTyping`
    CancelTyping,
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/message/custom/typing";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form() {
        let request = Request::new("o1", Command::CancelTyping);
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"touser":"o1","command":"CancelTyping"}"#
        );
    }
}
