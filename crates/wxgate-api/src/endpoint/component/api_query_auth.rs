//! `POST /cgi-bin/component/api_query_auth`
//!
//! Exchanges the authorization code (from the authorization page's redirect, or the
//! `authorized` notice) for the authorizer's tokens: its `authorizer_access_token` and the
//! long-lived `authorizer_refresh_token`, which must be kept (losing it means the account has
//! to authorize again). Errors: 61009 code invalid, 61010 code expired.
//!
//! See [WeChat Docs/使用授权码获取授权信息](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/token/authorization_info.html).

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::endpoint::component::AuthorizationInfo;
use crate::endpoint::{AuthKind, Endpoint, Method};
use crate::{AppId, Secret};

/// Body of `POST /cgi-bin/component/api_query_auth` (plus the component token). `Debug`
/// redacts the code.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Request {
    /// The component AppID.
    pub component_app_id: AppId,
    /// The authorization code (sent as `authorization_code`).
    pub authorization_code: Secret,
}

impl Request {
    /// An exchange of `authorization_code`.
    pub fn new(component_app_id: impl Into<AppId>, authorization_code: Secret) -> Self {
        Self {
            component_app_id: component_app_id.into(),
            authorization_code,
        }
    }
}

impl Serialize for Request {
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
    {
        let mut s = serializer.serialize_struct("Request", 2)?;
        s.serialize_field("component_appid", self.component_app_id.as_str())?;
        s.serialize_field("authorization_code", self.authorization_code.expose())?;
        s.end()
    }
}

/// `{"authorization_info": {...}}`
#[derive(Clone, Debug, serde::Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The authorizer and its tokens.
    pub authorization_info: AuthorizationInfo,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/component/api_query_auth";
    const AUTH: AuthKind = AuthKind::ComponentAccessToken;
    /// The answer holds the only copy of a refresh token; a repeated exchange is left to the
    /// caller.
    const IDEMPOTENT: bool = false;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_forms() {
        let request = Request::new("wxc", Secret::new("queryauthcode@@@C0DE"));
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            serde_json::json!({"component_appid": "wxc", "authorization_code": "queryauthcode@@@C0DE"})
        );
        assert!(!format!("{request:?}").contains("C0DE"));
        let response: Response = serde_json::from_str(
            r#"{"authorization_info":{"authorizer_appid":"wxf8b4f85f3a794e77","authorizer_access_token":"QXjUqNqfYVH0yBE1iI","expires_in":7200,"authorizer_refresh_token":"dTo-YCXPL4llX","func_info":[{"funcscope_category":{"id":1}},{"funcscope_category":{"id":2}}]}}"#,
        )
        .unwrap();
        let info = response.authorization_info;
        assert_eq!(info.authorizer_app_id.as_str(), "wxf8b4f85f3a794e77");
        assert_eq!(
            info.authorizer_access_token.as_ref().map(Secret::expose),
            Some("QXjUqNqfYVH0yBE1iI")
        );
        assert_eq!(info.expires_in, Some(7200));
        assert_eq!(info.func_scope_ids(), [1, 2]);
        let debug = format!("{info:?}");
        assert!(!debug.contains("QXjU") && !debug.contains("dTo-"));
    }
}
