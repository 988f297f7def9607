//! `GET /cgi-bin/template/get_all_private_template`
//!
//! Lists the account's templates with their title, industries, content and example.
//!
//! See [WeChat Docs/获取模板列表](https://developers.weixin.qq.com/doc/service/api/notify/template/api_getallprivatetemplate.html).

use serde::{Deserialize, Serialize};

use crate::endpoint::{AuthKind, Endpoint, Method};

/// Query of `GET /cgi-bin/template/get_all_private_template` (only the access token).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {}

impl Request {
    /// The request.
    pub fn new() -> Self {
        Self {}
    }
}

/// `{"template_list":[{...}]}`
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The templates.
    #[serde(default)]
    pub template_list: Vec<Template>,
}

/// One of the account's templates.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Template {
    /// Its id (for `message/template/send`).
    pub template_id: String,
    /// Its title.
    #[serde(default)]
    pub title: String,
    /// The primary industry's class names.
    #[serde(default)]
    pub primary_industry: String,
    /// The secondary industry's class names.
    #[serde(default)]
    pub deputy_industry: String,
    /// The text with `{{name.DATA}}` placeholders.
    #[serde(default)]
    pub content: String,
    /// An example of the filled text.
    #[serde(default)]
    pub example: String,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/cgi-bin/template/get_all_private_template";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
