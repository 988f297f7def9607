//! `POST /cgi-bin/component/api_component_token`
//!
//! Gets the component access token with the component AppSecret and the latest
//! `component_verify_ticket`. Valid 2 hours. Errors: 61005 ticket expired, 61006 ticket
//! invalid, 61011 invalid component, 40125 wrong secret, 61004 IP not whitelisted.
//!
//! See [WeChat Docs/令牌](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/token/component_access_token.html).

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::endpoint::{AuthKind, Endpoint, Method};
use crate::{AppId, Secret};

/// Body of `POST /cgi-bin/component/api_component_token`. `Debug` redacts the secret and the
/// ticket.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Request {
    /// The component AppID.
    pub component_app_id: AppId,
    /// The component AppSecret (sent as `component_appsecret`).
    pub component_app_secret: Secret,
    /// The latest `component_verify_ticket` WeChat pushed.
    pub component_verify_ticket: Secret,
}

impl Request {
    /// A token request.
    pub fn new(
        component_app_id: impl Into<AppId>,
        component_app_secret: Secret,
        component_verify_ticket: Secret,
    ) -> Self {
        Self {
            component_app_id: component_app_id.into(),
            component_app_secret,
            component_verify_ticket,
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
        s.serialize_field("component_appsecret", self.component_app_secret.expose())?;
        s.serialize_field(
            "component_verify_ticket",
            self.component_verify_ticket.expose(),
        )?;
        s.end()
    }
}

/// `{"component_access_token": "...", "expires_in": 7200}`. `Debug` redacts the token.
#[derive(Clone, Debug, serde::Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The component access token, for `?component_access_token=`.
    pub component_access_token: Secret,
    /// Seconds it stays valid (7200).
    pub expires_in: i64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/component/api_component_token";
    const AUTH: AuthKind = AuthKind::None;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_the_wire_names_and_debug_hides_secrets() {
        let request = Request::new("wxc", Secret::new("S3CRET"), Secret::new("ticket@@@T1CKET"));
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            serde_json::json!({
                "component_appid": "wxc",
                "component_appsecret": "S3CRET",
                "component_verify_ticket": "ticket@@@T1CKET",
            })
        );
        let debug = format!("{request:?}");
        assert!(!debug.contains("S3CRET") && !debug.contains("T1CKET"));
        let response: Response = serde_json::from_str(
            r#"{"component_access_token":"61W3mEpU66027wgNZ","expires_in":7200}"#,
        )
        .unwrap();
        assert_eq!(
            response.component_access_token.expose(),
            "61W3mEpU66027wgNZ"
        );
        assert!(!format!("{response:?}").contains("61W3"));
    }
}
