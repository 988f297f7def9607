//! `POST /cgi-bin/component/api_set_authorizer_option`
//!
//! Sets one option of an authorizer (see
//! [`api_get_authorizer_option`](super::api_get_authorizer_option) for the names and values).
//!
//! See [WeChat Docs/设置授权方选项信息](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/Account_Authorization/api_set_authorizer_option.html).

use serde::Serialize;

use crate::AppId;
use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/component/api_set_authorizer_option` (plus the component token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The component AppID.
    #[serde(rename = "component_appid")]
    pub component_app_id: AppId,
    /// The authorizer's AppID.
    #[serde(rename = "authorizer_appid")]
    pub authorizer_app_id: AppId,
    /// `location_report`, `voice_recognize` or `customer_service`.
    pub option_name: String,
    /// The new value (`"0"`, `"1"`, `"2"`).
    pub option_value: String,
}

impl Request {
    /// Sets `option_name` of `authorizer_app_id` to `option_value`.
    pub fn new(
        component_app_id: impl Into<AppId>,
        authorizer_app_id: impl Into<AppId>,
        option_name: impl Into<String>,
        option_value: impl Into<String>,
    ) -> Self {
        Self {
            component_app_id: component_app_id.into(),
            authorizer_app_id: authorizer_app_id.into(),
            option_name: option_name.into(),
            option_value: option_value.into(),
        }
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/component/api_set_authorizer_option";
    const AUTH: AuthKind = AuthKind::ComponentAccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_the_wire_names() {
        assert_eq!(
            serde_json::to_value(Request::new("wxc", "wxa", "location_report", "2")).unwrap(),
            serde_json::json!({"component_appid": "wxc", "authorizer_appid": "wxa", "option_name": "location_report", "option_value": "2"})
        );
    }
}
