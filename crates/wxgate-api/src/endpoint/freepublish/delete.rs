//! `POST /cgi-bin/freepublish/delete`
//!
//! Deletes a published article (`index` from 1) or all of a publication's articles (no index);
//! deleted articles cannot be restored. 53600 for an unknown `article_id`. Not repeated once
//! it may have reached WeChat.
//!
//! See [WeChat Docs/删除发布](https://developers.weixin.qq.com/doc/offiaccount/Publish/Delete_posts.html).

use serde::Serialize;

use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/freepublish/delete` (plus the access token).
///
/// ```
/// use wxgate_api::endpoint::freepublish::delete::Request;
/// assert_eq!(serde_json::to_string(&Request::all("A1")).unwrap(), r#"{"article_id":"A1"}"#);
/// assert_eq!(
///     serde_json::to_string(&Request::article("A1", 2)).unwrap(),
///     r#"{"article_id":"A1","index":2}"#,
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The publication.
    pub article_id: String,
    /// Which article, from 1; `None` deletes them all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
}

impl Request {
    /// Deletes every article of publication `article_id`.
    pub fn all(article_id: impl Into<String>) -> Self {
        Self {
            article_id: article_id.into(),
            index: None,
        }
    }

    /// Deletes article `index` (from 1) of publication `article_id`.
    pub fn article(article_id: impl Into<String>, index: u32) -> Self {
        Self {
            article_id: article_id.into(),
            index: Some(index),
        }
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/freepublish/delete";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = false;
    type Response = Response;
}
