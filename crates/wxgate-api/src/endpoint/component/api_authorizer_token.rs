//! `POST /cgi-bin/component/api_authorizer_token`
//!
//! Gets a new `authorizer_access_token` with the authorizer's refresh token. The answer may
//! carry a new refresh token: store it before anything else, since the old one may stop
//! working (61023 `refresh_token is invalid`). 61003: the account no longer authorizes the
//! component.
//!
//! See [WeChat Docs/获取/刷新接口调用令牌](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/token/api_authorizer_token.html).

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::endpoint::{AuthKind, Endpoint, Method};
use crate::{AppId, Secret};

/// Body of `POST /cgi-bin/component/api_authorizer_token` (plus the component token). `Debug`
/// redacts the refresh token.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Request {
    /// The component AppID.
    pub component_app_id: AppId,
    /// The authorizer's AppID.
    pub authorizer_app_id: AppId,
    /// The authorizer's refresh token.
    pub authorizer_refresh_token: Secret,
}

impl Request {
    /// A refresh of `authorizer_app_id`'s token.
    pub fn new(
        component_app_id: impl Into<AppId>,
        authorizer_app_id: impl Into<AppId>,
        authorizer_refresh_token: Secret,
    ) -> Self {
        Self {
            component_app_id: component_app_id.into(),
            authorizer_app_id: authorizer_app_id.into(),
            authorizer_refresh_token,
        }
    }
}

impl Serialize for Request {
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
    {
        let mut s = serializer.serialize_struct("Request", 3)?;
        s.serialize_field("component_appid", self.component_app_id.as_str())?;
        s.serialize_field("authorizer_appid", self.authorizer_app_id.as_str())?;
        s.serialize_field(
            "authorizer_refresh_token",
            self.authorizer_refresh_token.expose(),
        )?;
        s.end()
    }
}

/// `{"authorizer_access_token": "...", "expires_in": 7200, "authorizer_refresh_token": "..."}`.
/// `Debug` redacts both tokens.
#[derive(Clone, Debug, serde::Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The authorizer access token, for `?access_token=` on the account's APIs.
    pub authorizer_access_token: Secret,
    /// Seconds it stays valid (7200).
    pub expires_in: i64,
    /// The refresh token to use next time (the same or a new one).
    #[serde(default)]
    pub authorizer_refresh_token: Option<Secret>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/component/api_authorizer_token";
    const AUTH: AuthKind = AuthKind::ComponentAccessToken;
    /// The refresh token may rotate: an answer lost on the way cannot be asked for again with
    /// the old one, so transport failures are not retried.
    const IDEMPOTENT: bool = false;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_forms() {
        let request = Request::new("wxc", "wxa", Secret::new("R3FRESH"));
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            serde_json::json!({"component_appid": "wxc", "authorizer_appid": "wxa", "authorizer_refresh_token": "R3FRESH"})
        );
        assert!(!format!("{request:?}").contains("R3FRESH"));
        let response: Response = serde_json::from_str(
            r#"{"authorizer_access_token":"ACC3SS","expires_in":7200,"authorizer_refresh_token":"N3W"}"#,
        )
        .unwrap();
        assert_eq!(response.authorizer_access_token.expose(), "ACC3SS");
        assert_eq!(
            response
                .authorizer_refresh_token
                .as_ref()
                .map(Secret::expose),
            Some("N3W")
        );
        let debug = format!("{response:?}");
        assert!(!debug.contains("ACC3SS") && !debug.contains("N3W"));
    }
}
