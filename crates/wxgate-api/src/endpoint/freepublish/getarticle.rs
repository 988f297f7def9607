//! `POST /cgi-bin/freepublish/getarticle`
//!
//! The articles of a publication, deleted ones marked `is_deleted` (53600 for an unknown
//! `article_id`).
//!
//! See [WeChat Docs/通过 article_id 获取已发布文章](https://developers.weixin.qq.com/doc/offiaccount/Publish/Get_article_from_id.html).

use serde::Serialize;

use crate::endpoint::draft::NewsContent;
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/freepublish/getarticle` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The publication.
    pub article_id: String,
}

impl Request {
    /// The articles of publication `article_id`.
    pub fn new(article_id: impl Into<String>) -> Self {
        Self {
            article_id: article_id.into(),
        }
    }
}

/// `{"news_item": [...]}`
pub type Response = NewsContent;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/freepublish/getarticle";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
