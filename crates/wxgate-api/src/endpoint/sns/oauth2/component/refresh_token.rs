//! `GET /sns/oauth2/component/refresh_token`
//!
//! Renews a user's web token obtained on behalf of an authorizer, with the component access
//! token.
//!
//! See [WeChat Docs/代公众号发起网页授权](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/Before_Develop/official_account_website_authorization.html).

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::endpoint::sns::oauth2::WebToken;
use crate::endpoint::{AuthKind, Endpoint, Method};
use crate::{AppId, Secret};

/// Query of `GET /sns/oauth2/component/refresh_token` (plus the component token). `Debug`
/// redacts the refresh token.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Request {
    /// The authorizer's `appid`.
    pub app_id: AppId,
    /// The component AppID.
    pub component_app_id: AppId,
    /// The user's refresh token.
    pub refresh_token: Secret,
}

impl Request {
    /// A `refresh_token` renewal for `app_id`.
    pub fn new(
        app_id: impl Into<AppId>,
        component_app_id: impl Into<AppId>,
        refresh_token: Secret,
    ) -> Self {
        Self {
            app_id: app_id.into(),
            component_app_id: component_app_id.into(),
            refresh_token,
        }
    }
}

impl Serialize for Request {
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
    {
        let mut s = serializer.serialize_struct("Request", 4)?;
        s.serialize_field("appid", self.app_id.as_str())?;
        s.serialize_field("grant_type", "refresh_token")?;
        s.serialize_field("component_appid", self.component_app_id.as_str())?;
        s.serialize_field("refresh_token", self.refresh_token.expose())?;
        s.end()
    }
}

/// The renewed web token.
pub type Response = WebToken;

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/sns/oauth2/component/refresh_token";
    const AUTH: AuthKind = AuthKind::ComponentAccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_has_the_wire_names_and_debug_hides_the_token() {
        let request = Request::new("wxa", "wxc", Secret::new("R3FRESH"));
        assert_eq!(
            serde_urlencoded::to_string(&request).unwrap(),
            "appid=wxa&grant_type=refresh_token&component_appid=wxc&refresh_token=R3FRESH"
        );
        assert!(!format!("{request:?}").contains("R3FRESH"));
    }
}
