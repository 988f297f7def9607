//! `POST /cgi-bin/material/del_material`
//!
//! Deletes a permanent material (40007 for an unknown one). Not repeated once it may have
//! reached WeChat: a repeat after a lost answer would report 40007 for a deleted material.
//!
//! See [WeChat Docs/删除永久素材](https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Deleting_Permanent_Assets.html).

use serde::Serialize;

use crate::MediaId;
use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/material/del_material` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The material.
    pub media_id: MediaId,
}

impl Request {
    /// Deletes the material `media_id`.
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
    const PATH: &'static str = "/cgi-bin/material/del_material";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = false;
    type Response = Response;
}
