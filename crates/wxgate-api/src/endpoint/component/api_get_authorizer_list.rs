//! `POST /cgi-bin/component/api_get_authorizer_list`
//!
//! The accounts that authorized the component, a page at a time (`count` at most 500), with
//! their refresh tokens.
//!
//! See [WeChat Docs/拉取所有已授权的帐号信息](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/Account_Authorization/api_get_authorizer_list.html).

use serde::{Deserialize, Serialize};

use crate::endpoint::{AuthKind, Endpoint, Method};
use crate::{AppId, Secret};

/// Body of `POST /cgi-bin/component/api_get_authorizer_list` (plus the component token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The component AppID.
    #[serde(rename = "component_appid")]
    pub component_app_id: AppId,
    /// Where the page starts, from 0.
    pub offset: u32,
    /// The page size, at most 500.
    pub count: u32,
}

impl Request {
    /// The page of `count` (capped at 500) authorizers from `offset`.
    pub fn new(component_app_id: impl Into<AppId>, offset: u32, count: u32) -> Self {
        Self {
            component_app_id: component_app_id.into(),
            offset,
            count: count.min(500),
        }
    }
}

/// `{"total_count": N, "list": [...]}`
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// How many accounts authorized the component in all.
    pub total_count: u64,
    /// This page.
    #[serde(default)]
    pub list: Vec<Authorizer>,
}

/// One authorizer of the list. `Debug` redacts the refresh token.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct Authorizer {
    /// The authorizer's AppID.
    #[serde(rename = "authorizer_appid")]
    pub authorizer_app_id: AppId,
    /// Its refresh token.
    pub refresh_token: Secret,
    /// When it authorized, Unix seconds.
    #[serde(default)]
    pub auth_time: Option<i64>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/component/api_get_authorizer_list";
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
            serde_json::to_value(Request::new("wxc", 0, 1000)).unwrap(),
            serde_json::json!({"component_appid": "wxc", "offset": 0, "count": 500})
        );
        let response: Response = serde_json::from_str(
            r#"{"total_count":33,"list":[{"authorizer_appid":"wxa","refresh_token":"R3FRESH","auth_time":1558000607}]}"#,
        )
        .unwrap();
        assert_eq!(response.total_count, 33);
        assert_eq!(response.list[0].authorizer_app_id.as_str(), "wxa");
        assert_eq!(response.list[0].auth_time, Some(1_558_000_607));
        assert!(!format!("{response:?}").contains("R3FRESH"));
    }
}
