//! `POST /cgi-bin/draft/update`
//!
//! Replaces one article (`index`, from 0) of a draft. Sending the same replacement twice is
//! harmless, so the call may be retried.
//!
//! See [WeChat Docs/修改草稿](https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Update_draft.html).

use serde::Serialize;

use crate::MediaId;
use crate::endpoint::draft::Article;
use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/draft/update` (plus the access token):
/// `{"media_id": "...", "index": 0, "articles": {...}}` (one article, despite the name).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The draft.
    pub media_id: MediaId,
    /// Which article, from 0.
    pub index: u32,
    /// The new article.
    #[serde(rename = "articles")]
    pub article: Article,
}

impl Request {
    /// Replaces article `index` (from 0) of draft `media_id` with `article`.
    pub fn new(media_id: impl Into<MediaId>, index: u32, article: Article) -> Self {
        Self {
            media_id: media_id.into(),
            index,
            article,
        }
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/draft/update";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
