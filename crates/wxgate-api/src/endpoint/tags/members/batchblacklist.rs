//! `POST /cgi-bin/tags/members/batchblacklist`
//!
//! Blocks 1–20 users at once (40032 otherwise); 40003 for an unknown OpenID, 49003 for an
//! OpenID of another account. Blocked users receive no customer-service or template messages (43019).
//!
//! See [WeChat Docs/黑名单管理 拉黑用户](https://developers.weixin.qq.com/doc/offiaccount/User_Management/Manage_blacklist.html).

use serde::Serialize;

use crate::OpenId;
use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// The most users one call may name.
pub const MAX_USERS: usize = 20;

/// Body of `POST /cgi-bin/tags/members/batchblacklist` (plus the access token): `{"openid_list":[..]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The users (1–20).
    pub openid_list: Vec<OpenId>,
}

impl Request {
    /// Blocks `openids`.
    pub fn new<I>(openids: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<OpenId>,
    {
        Self {
            openid_list: openids.into_iter().map(Into::into).collect(),
        }
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/tags/members/batchblacklist";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
