//! `POST /cgi-bin/draft/get`
//!
//! The articles of a draft (40007 for an unknown `media_id`).
//!
//! See [WeChat Docs/获取草稿](https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Get_draft.html).

use serde::Serialize;

use crate::MediaId;
use crate::endpoint::draft::NewsContent;
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/draft/get` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The draft.
    pub media_id: MediaId,
}

impl Request {
    /// The draft `media_id`.
    pub fn new(media_id: impl Into<MediaId>) -> Self {
        Self {
            media_id: media_id.into(),
        }
    }
}

/// `{"news_item": [...]}`
pub type Response = NewsContent;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/draft/get";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
