//! `POST /cgi-bin/template/api_add_template`
//!
//! Adds a template from WeChat's library to the account and answers its `template_id`. The
//! short id is `TM…`/`OPENTM…` for industry templates or a number for category templates, whose
//! `keyword_name_list` picks the keywords in order (40246 when empty or unknown). 40037 for an
//! unknown short id, 45026 when the account already has the maximum number of templates.
//!
//! Not idempotent (each call adds a template).
//!
//! See [WeChat Docs/选用模板](https://developers.weixin.qq.com/doc/service/api/notify/template/api_addtemplate.html).

use serde::{Deserialize, Serialize};

use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/template/api_add_template` (plus the access token).
///
/// ```
/// use wxgate_api::endpoint::template::api_add_template::Request;
/// let request = Request::new("47123").keywords(["时间", "地点", "金额"]);
/// assert_eq!(
///     serde_json::to_string(&request).unwrap(),
///     r#"{"template_id_short":"47123","keyword_name_list":["时间","地点","金额"]}"#,
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The library template's number (`TM00015`, `OPENTM207940503`, `47123`).
    pub template_id_short: String,
    /// The category template's keywords, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keyword_name_list: Vec<String>,
}

impl Request {
    /// Adds the library template `template_id_short`.
    pub fn new(template_id_short: impl Into<String>) -> Self {
        Self {
            template_id_short: template_id_short.into(),
            keyword_name_list: Vec::new(),
        }
    }

    /// Picks these keywords of a category template, in order.
    pub fn keywords<I, S>(mut self, keywords: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.keyword_name_list = keywords.into_iter().map(Into::into).collect();
        self
    }
}

/// `{"errcode":0,"errmsg":"ok","template_id":"Doclyl5uP7Aciu-qZ7mJNPtWkbkYnWBWVja26EGbNyk"}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The account's new template.
    pub template_id: String,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/template/api_add_template";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = false;
    type Response = Response;
}
