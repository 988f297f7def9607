//! `POST /cgi-bin/open/bind`
//!
//! Binds the authorizer to an Open Platform account (89004: more than 100 accounts bound; 89036: that account was not created by API or is not verified).
//!
//! See [WeChat Docs/将公众号/小程序绑定到开放平台帐号下](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/account/bind.html).

use serde::Serialize;

use crate::AppId;
use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/open/bind` (plus the authorizer's access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The authorizer's AppID.
    #[serde(rename = "appid")]
    pub app_id: AppId,
    /// The Open Platform account's AppID.
    #[serde(rename = "open_appid")]
    pub open_app_id: AppId,
}

impl Request {
    /// `app_id` with `open_app_id`.
    pub fn new(app_id: impl Into<AppId>, open_app_id: impl Into<AppId>) -> Self {
        Self {
            app_id: app_id.into(),
            open_app_id: open_app_id.into(),
        }
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/open/bind";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = false;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_the_wire_names() {
        assert_eq!(
            serde_json::to_value(Request::new("wxa", "wxo")).unwrap(),
            serde_json::json!({"appid": "wxa", "open_appid": "wxo"})
        );
    }
}
