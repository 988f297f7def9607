//! `POST /cgi-bin/component/api_get_authorizer_info`
//!
//! An authorizer's account details (name, type, verification, `gh_` id, …) and what it
//! granted.
//!
//! See [WeChat Docs/获取授权方的帐号基本信息](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/token/api_get_authorizer_info.html).

use serde::{Deserialize, Serialize};

use crate::AppId;
use crate::endpoint::component::AuthorizationInfo;
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/component/api_get_authorizer_info` (plus the component token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The component AppID.
    #[serde(rename = "component_appid")]
    pub component_app_id: AppId,
    /// The authorizer's AppID.
    #[serde(rename = "authorizer_appid")]
    pub authorizer_app_id: AppId,
}

impl Request {
    /// The details of `authorizer_app_id`.
    pub fn new(component_app_id: impl Into<AppId>, authorizer_app_id: impl Into<AppId>) -> Self {
        Self {
            component_app_id: component_app_id.into(),
            authorizer_app_id: authorizer_app_id.into(),
        }
    }
}

/// `{"authorizer_info": {...}, "authorization_info": {...}}`
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The account.
    pub authorizer_info: AuthorizerInfo,
    /// What it granted (`authorizer_refresh_token` included).
    pub authorization_info: AuthorizationInfo,
}

/// An authorizer's account details. Fields WeChat leaves out are `None`; the rest (Mini
/// Program details, business flags) are in `extra`.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct AuthorizerInfo {
    /// `nick_name`.
    #[serde(default)]
    pub nick_name: Option<String>,
    /// `head_img`, the avatar URL.
    #[serde(default)]
    pub head_img: Option<String>,
    /// `service_type_info.id`: 0 subscription account, 1 subscription upgraded from a legacy
    /// account, 2 service account.
    #[serde(default)]
    pub service_type_info: Option<IdInfo>,
    /// `verify_type_info.id`: -1 unverified, 0 WeChat-verified, others partial verifications.
    #[serde(default)]
    pub verify_type_info: Option<IdInfo>,
    /// `user_name`, the original (`gh_`) id.
    #[serde(default)]
    pub user_name: Option<String>,
    /// `principal_name`, the owner.
    #[serde(default)]
    pub principal_name: Option<String>,
    /// `alias`, the WeChat id.
    #[serde(default)]
    pub alias: Option<String>,
    /// `qrcode_url`.
    #[serde(default)]
    pub qrcode_url: Option<String>,
    /// `account_status`: 1 normal, 14 deregistered, 16 banned, 18 warned, 19 frozen.
    #[serde(default)]
    pub account_status: Option<i64>,
    /// Everything else, as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// `{"id": N}`, the shape of `service_type_info` and `verify_type_info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct IdInfo {
    /// The id.
    pub id: i64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/component/api_get_authorizer_info";
    const AUTH: AuthKind = AuthKind::ComponentAccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_forms() {
        assert_eq!(
            serde_json::to_value(Request::new("wxc", "wxa")).unwrap(),
            serde_json::json!({"component_appid": "wxc", "authorizer_appid": "wxa"})
        );
        let response: Response = serde_json::from_str(
            r#"{"authorizer_info":{"nick_name":"微信SDK Demo Special","head_img":"http://wx.qlogo.cn/mmopen/x","service_type_info":{"id":2},"verify_type_info":{"id":0},"user_name":"gh_eb5e3a772040","principal_name":"腾讯计算机系统有限公司","alias":"paytest01","business_info":{"open_store":0,"open_scan":0,"open_pay":0,"open_card":0,"open_shake":0},"qrcode_url":"URL","account_status":1},
               "authorization_info":{"authorizer_appid":"wxf8b4f85f3a794e77","authorizer_refresh_token":"R","func_info":[{"funcscope_category":{"id":1}}]}}"#,
        )
        .unwrap();
        let info = response.authorizer_info;
        assert_eq!(info.user_name.as_deref(), Some("gh_eb5e3a772040"));
        assert_eq!(info.service_type_info, Some(IdInfo { id: 2 }));
        assert_eq!(info.account_status, Some(1));
        assert!(info.extra.contains_key("business_info"));
        assert_eq!(response.authorization_info.func_scope_ids(), [1]);
    }
}
