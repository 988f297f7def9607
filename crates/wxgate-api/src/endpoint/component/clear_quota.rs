//! `POST /cgi-bin/component/clear_quota`
//!
//! Clears the API call counters of the component itself (10 clears a month).
//!
//! See [WeChat Docs/第三方平台对其所有API调用次数清零](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/Api_Call_Limit/component_clear_quota.html).

use serde::Serialize;

use crate::AppId;
use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/component/clear_quota` (plus the component token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The component AppID.
    #[serde(rename = "component_appid")]
    pub component_app_id: AppId,
}

impl Request {
    /// A request to clear the component's quotas.
    pub fn new(component_app_id: impl Into<AppId>) -> Self {
        Self {
            component_app_id: component_app_id.into(),
        }
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/component/clear_quota";
    const AUTH: AuthKind = AuthKind::ComponentAccessToken;
    const IDEMPOTENT: bool = false;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_the_wire_names() {
        assert_eq!(
            serde_json::to_value(Request::new("wxc")).unwrap(),
            serde_json::json!({"component_appid": "wxc"})
        );
    }
}
