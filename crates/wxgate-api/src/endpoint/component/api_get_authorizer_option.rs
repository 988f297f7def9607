//! `POST /cgi-bin/component/api_get_authorizer_option`
//!
//! One option of an authorizer: `location_report` (0 off, 1 on entering the chat, 2 every
//! 5 s), `voice_recognize` (0/1) or `customer_service` (0/1).
//!
//! See [WeChat Docs/获取授权方选项信息](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/Account_Authorization/api_get_authorizer_option.html).

use serde::{Deserialize, Serialize};

use crate::AppId;
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/component/api_get_authorizer_option` (plus the component token).
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
}

impl Request {
    /// The option `option_name` of `authorizer_app_id`.
    pub fn new(
        component_app_id: impl Into<AppId>,
        authorizer_app_id: impl Into<AppId>,
        option_name: impl Into<String>,
    ) -> Self {
        Self {
            component_app_id: component_app_id.into(),
            authorizer_app_id: authorizer_app_id.into(),
            option_name: option_name.into(),
        }
    }
}

/// `{"authorizer_appid": "...", "option_name": "...", "option_value": "1"}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The authorizer's AppID.
    #[serde(rename = "authorizer_appid")]
    pub authorizer_app_id: AppId,
    /// The option.
    pub option_name: String,
    /// Its value, as a string (`"0"`, `"1"`, `"2"`).
    pub option_value: String,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/component/api_get_authorizer_option";
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
            serde_json::to_value(Request::new("wxc", "wxa", "voice_recognize")).unwrap(),
            serde_json::json!({"component_appid": "wxc", "authorizer_appid": "wxa", "option_name": "voice_recognize"})
        );
        let response: Response = serde_json::from_str(
            r#"{"authorizer_appid":"wx7bc5ba58cabd00f4","option_name":"voice_recognize","option_value":"1"}"#,
        )
        .unwrap();
        assert_eq!(response.option_value, "1");
    }
}
