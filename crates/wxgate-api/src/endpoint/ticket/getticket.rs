//! `GET /cgi-bin/ticket/getticket`
//!
//! Gets the `jsapi_ticket` (`type=jsapi`, for `wx.config` signatures) or the card `api_ticket`
//! (`type=wx_card`). Both live 7200 s and have a small quota: cache them.
//!
//! See [WeChat Docs/JS-SDK说明 附录1](https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/JS-SDK.html).

use serde::{Deserialize, Serialize};

use crate::endpoint::{AuthKind, Endpoint, Method};

/// Query of `GET /cgi-bin/ticket/getticket` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// Which ticket.
    #[serde(rename = "type")]
    pub kind: TicketType,
}

impl Request {
    /// A request for the ticket of that type.
    pub fn new(kind: TicketType) -> Self {
        Self { kind }
    }

    /// The `jsapi_ticket`.
    pub fn jsapi() -> Self {
        Self::new(TicketType::Jsapi)
    }

    /// The card `api_ticket`.
    pub fn wx_card() -> Self {
        Self::new(TicketType::WxCard)
    }
}

/// The `type` parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum TicketType {
    /// `jsapi`: the JS-SDK ticket.
    #[serde(rename = "jsapi")]
    Jsapi,
    /// `wx_card`: the card `api_ticket`.
    #[serde(rename = "wx_card")]
    WxCard,
}

impl TicketType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jsapi => "jsapi",
            Self::WxCard => "wx_card",
        }
    }
}

/// `{"errcode":0,"errmsg":"ok","ticket":"...","expires_in":7200}`
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The ticket.
    pub ticket: String,
    /// Seconds the ticket stays valid (7200).
    pub expires_in: i64,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("ticket", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/cgi-bin/ticket/getticket";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_response() {
        assert_eq!(
            serde_urlencoded::to_string(Request::wx_card()).unwrap(),
            "type=wx_card"
        );
        let response: Response = serde_json::from_str(
            r#"{"errcode":0,"errmsg":"ok","ticket":"bxLdikRXVbTPdHSM05e5u5sUoXNKd8-41ZO3MhKoyN5OfkWITDGgnr2fwJ0m9E8NYzWKVZvdVtaUgWvsdshFKA","expires_in":7200}"#,
        )
        .unwrap();
        assert_eq!(response.expires_in, 7200);
        assert!(response.ticket.starts_with("bxLdik"));
    }
}
