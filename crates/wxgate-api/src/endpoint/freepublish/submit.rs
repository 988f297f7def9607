//! `POST /cgi-bin/freepublish/submit`
//!
//! Publishes a draft (its `media_id`, 40007 when unknown): answers the job's `publish_id`; the
//! draft leaves the draft box. Never repeated once it may have reached WeChat: a failure after
//! that says the draft may have been published ([`Error::may_have_been_sent`]); check
//! `freepublish/batchget` before submitting again.
//!
//! See [WeChat Docs/发布接口](https://developers.weixin.qq.com/doc/offiaccount/Publish/Publish.html).
//!
//! [`Error::may_have_been_sent`]: crate::Error::may_have_been_sent

use serde::{Deserialize, Serialize};

use crate::MediaId;
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/freepublish/submit` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The draft to publish.
    pub media_id: MediaId,
}

impl Request {
    /// Publishes the draft `media_id`.
    pub fn new(media_id: impl Into<MediaId>) -> Self {
        Self {
            media_id: media_id.into(),
        }
    }
}

/// `{"errcode": 0, "errmsg": "ok", "publish_id": "100000001", "msg_data_id": 2247483650}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The publish job, for `freepublish/get` and the `PUBLISHJOBFINISH` event.
    pub publish_id: String,
    /// The message's data id (for comment management), when WeChat gives one.
    #[serde(default)]
    pub msg_data_id: Option<u64>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/freepublish/submit";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = false;
    type Response = Response;
}
