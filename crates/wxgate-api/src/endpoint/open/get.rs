//! `POST /cgi-bin/open/get`
//!
//! The Open Platform account the authorizer is bound to (89002: none).
//!
//! See [WeChat Docs/获取公众号/小程序所绑定的开放平台帐号](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/account/get.html).

use serde::Serialize;

use crate::AppId;
use crate::endpoint::open::OpenAppId;
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/open/get` (plus the authorizer's access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The authorizer's AppID.
    #[serde(rename = "appid")]
    pub app_id: AppId,
}

impl Request {
    /// The binding of `app_id`.
    pub fn new(app_id: impl Into<AppId>) -> Self {
        Self {
            app_id: app_id.into(),
        }
    }
}

/// The Open Platform account.
pub type Response = OpenAppId;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/open/get";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_the_wire_names() {
        assert_eq!(
            serde_json::to_value(Request::new("wxa")).unwrap(),
            serde_json::json!({"appid": "wxa"})
        );
    }
}
