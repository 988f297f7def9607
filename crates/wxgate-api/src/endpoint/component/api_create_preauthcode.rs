//! `POST /cgi-bin/component/api_create_preauthcode`
//!
//! Creates a pre-authorization code for the authorization page (see
//! [`AuthorizationUrl`](super::AuthorizationUrl)). It lives 30 minutes (600 s in older
//! documents) and one authorization uses it up.
//!
//! See [WeChat Docs/预授权码](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/token/pre_auth_code.html).

use serde::Serialize;

use crate::endpoint::{AuthKind, Endpoint, Method};
use crate::{AppId, Secret};

/// Body of `POST /cgi-bin/component/api_create_preauthcode` (plus the component token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The component AppID.
    #[serde(rename = "component_appid")]
    pub component_app_id: AppId,
}

impl Request {
    /// A pre-auth code request.
    pub fn new(component_app_id: impl Into<AppId>) -> Self {
        Self {
            component_app_id: component_app_id.into(),
        }
    }
}

/// `{"pre_auth_code": "...", "expires_in": 1800}`. `Debug` redacts the code.
#[derive(Clone, Debug, serde::Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The pre-auth code.
    pub pre_auth_code: Secret,
    /// Seconds it stays valid.
    pub expires_in: i64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/component/api_create_preauthcode";
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
            serde_json::to_value(Request::new("wxc")).unwrap(),
            serde_json::json!({"component_appid": "wxc"})
        );
        let response: Response =
            serde_json::from_str(r#"{"pre_auth_code":"preauthcode@@@Cx_D","expires_in":1800}"#)
                .unwrap();
        assert_eq!(response.pre_auth_code.expose(), "preauthcode@@@Cx_D");
        assert_eq!(response.expires_in, 1800);
    }
}
