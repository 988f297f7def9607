//! `POST /cgi-bin/message/mass/delete`
//!
//! Deletes a sent mass message (its news page becomes unreadable; the chat message stays), or
//! one article of it (`article_idx`, from 1).
//!
//! See [WeChat Docs/删除群发](https://developers.weixin.qq.com/doc/service/api/notify/message/api_deletemassmsg.html).

use serde::Serialize;

use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/message/mass/delete` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The send job.
    pub msg_id: u64,
    /// Only this article (1-based); all when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article_idx: Option<u32>,
    /// The article's URL instead of `msg_id`/`article_idx`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Request {
    /// Deletes `msg_id`.
    pub fn new(msg_id: u64) -> Self {
        Self {
            msg_id,
            article_idx: None,
            url: None,
        }
    }

    /// Deletes only the article at `index` (from 1).
    pub fn article_idx(mut self, index: u32) -> Self {
        self.article_idx = Some(index);
        self
    }

    /// Names the article by its URL.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/message/mass/delete";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
