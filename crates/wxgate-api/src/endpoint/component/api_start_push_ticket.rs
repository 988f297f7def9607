//! `POST /cgi-bin/component/api_start_push_ticket`
//!
//! Asks WeChat to push a `component_verify_ticket` to the component's authorization-event URL
//! now, instead of waiting up to 10 minutes (after a first deployment, or when the stored
//! ticket was lost). Answers ok, or ok with `in a normal state` when pushes already run.
//!
//! See [WeChat Docs/启动ticket推送服务](https://developers.weixin.qq.com/doc/oplatform/openApi/OpenApiDoc/ticket-token/startPushTicket.html).

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::endpoint::{Ack, AuthKind, Endpoint, Method};
use crate::{AppId, Secret};

/// Body of `POST /cgi-bin/component/api_start_push_ticket`. `Debug` redacts the secret.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Request {
    /// The component AppID.
    pub component_app_id: AppId,
    /// The component AppSecret (sent as `component_secret`).
    pub component_secret: Secret,
}

impl Request {
    /// A push request for `component_app_id`.
    pub fn new(component_app_id: impl Into<AppId>, component_secret: Secret) -> Self {
        Self {
            component_app_id: component_app_id.into(),
            component_secret,
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
        s.serialize_field("component_secret", self.component_secret.expose())?;
        s.end()
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/component/api_start_push_ticket";
    const AUTH: AuthKind = AuthKind::None;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_the_wire_names_and_debug_hides_the_secret() {
        let request = Request::new("wxc", Secret::new("S3CRET"));
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            serde_json::json!({"component_appid": "wxc", "component_secret": "S3CRET"})
        );
        assert!(!format!("{request:?}").contains("S3CRET"));
    }
}
