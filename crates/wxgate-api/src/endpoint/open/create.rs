//! `POST /cgi-bin/open/create`
//!
//! Creates an Open Platform account and binds the authorizer to it (89000: already bound).
//!
//! See [WeChat Docs/创建开放平台帐号并绑定](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/account/create.html).

use serde::Serialize;

use crate::AppId;
use crate::endpoint::open::OpenAppId;
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/open/create` (plus the authorizer's access token).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The authorizer's AppID (optional: it must be the token's account).
    #[serde(rename = "appid", skip_serializing_if = "Option::is_none")]
    pub app_id: Option<AppId>,
}

impl Request {
    /// A request for the token's account.
    pub fn new() -> Self {
        Self::default()
    }

    /// Names the account (it must be the token's).
    #[must_use]
    pub fn app_id(mut self, app_id: impl Into<AppId>) -> Self {
        self.app_id = Some(app_id.into());
        self
    }
}

/// The new Open Platform account.
pub type Response = OpenAppId;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/open/create";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = false;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_forms() {
        assert_eq!(
            serde_json::to_value(Request::new()).unwrap(),
            serde_json::json!({})
        );
        assert_eq!(
            serde_json::to_value(Request::new().app_id("wxa")).unwrap(),
            serde_json::json!({"appid": "wxa"})
        );
        let response: Response =
            serde_json::from_str(r#"{"open_appid":"wxo","errcode":0,"errmsg":"ok"}"#).unwrap();
        assert_eq!(response.open_app_id.as_str(), "wxo");
    }
}
