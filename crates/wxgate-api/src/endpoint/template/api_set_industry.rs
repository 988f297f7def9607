//! `POST /cgi-bin/template/api_set_industry`
//!
//! Sets the account's two industries (ids of WeChat's industry table, e.g. `1` IT科技/互联网|电子商务,
//! `4` IT科技/电子技术); the templates an account may add depend on them.
//!
//! See [WeChat Docs/设置所属行业](https://developers.weixin.qq.com/doc/service/api/notify/template/api_setindustry.html).

use serde::Serialize;

use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/template/api_set_industry` (plus the access token). WeChat takes the
/// ids as strings.
///
/// ```
/// use wxgate_api::endpoint::template::api_set_industry::Request;
/// assert_eq!(
///     serde_json::to_string(&Request::new(1, 4)).unwrap(),
///     r#"{"industry_id1":"1","industry_id2":"4"}"#,
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The primary industry's id.
    pub industry_id1: String,
    /// The secondary industry's id.
    pub industry_id2: String,
}

impl Request {
    /// Primary industry `primary`, secondary `secondary`.
    pub fn new(primary: u32, secondary: u32) -> Self {
        Self {
            industry_id1: primary.to_string(),
            industry_id2: secondary.to_string(),
        }
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/template/api_set_industry";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
