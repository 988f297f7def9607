//! `GET /sns/oauth2/component/access_token`
//!
//! Exchanges the `code` of an authorizer's OAuth redirect for the user's web token, with the
//! component access token. A code is single-use and lives 5 minutes.
//!
//! See [WeChat Docs/代公众号发起网页授权](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/Before_Develop/official_account_website_authorization.html).

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::AppId;
use crate::endpoint::sns::oauth2::WebToken;
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Query of `GET /sns/oauth2/component/access_token` (plus the component token).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Request {
    /// The authorizer's `appid`.
    pub app_id: AppId,
    /// The code from the redirect.
    pub code: String,
    /// The component AppID.
    pub component_app_id: AppId,
}

impl Request {
    /// An `authorization_code` exchange for `app_id`.
    pub fn new(
        app_id: impl Into<AppId>,
        code: impl Into<String>,
        component_app_id: impl Into<AppId>,
    ) -> Self {
        Self {
            app_id: app_id.into(),
            code: code.into(),
            component_app_id: component_app_id.into(),
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
        s.serialize_field("code", &self.code)?;
        s.serialize_field("grant_type", "authorization_code")?;
        s.serialize_field("component_appid", self.component_app_id.as_str())?;
        s.end()
    }
}

/// The user's web token.
pub type Response = WebToken;

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/sns/oauth2/component/access_token";
    const AUTH: AuthKind = AuthKind::ComponentAccessToken;
    /// A code works once: a lost answer is not retried.
    const IDEMPOTENT: bool = false;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_has_the_wire_names() {
        let request = Request::new("wxa", "CODE", "wxc");
        assert_eq!(
            serde_urlencoded::to_string(&request).unwrap(),
            "appid=wxa&code=CODE&grant_type=authorization_code&component_appid=wxc"
        );
    }
}
