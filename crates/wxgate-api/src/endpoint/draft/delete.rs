//! `POST /cgi-bin/draft/delete`
//!
//! Deletes a draft (40007 for an unknown one). Not repeated once it may have reached WeChat:
//! a repeat after a lost answer would report 40007 for a draft that was deleted.
//!
//! See [WeChat Docs/删除草稿](https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Delete_draft.html).

use serde::Serialize;

use crate::MediaId;
use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/draft/delete` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The draft.
    pub media_id: MediaId,
}

impl Request {
    /// Deletes the draft `media_id`.
    pub fn new(media_id: impl Into<MediaId>) -> Self {
        Self {
            media_id: media_id.into(),
        }
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/draft/delete";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = false;
    type Response = Response;
}
