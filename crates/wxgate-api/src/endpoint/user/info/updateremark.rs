//! `POST /cgi-bin/user/info/updateremark`
//!
//! Sets the operator's remark for a follower (shown as `remark` by `user/info`); remarks are
//! shorter than 30 characters. 40003 for an unknown OpenID.
//!
//! See [WeChat Docs/设置用户备注名](https://developers.weixin.qq.com/doc/offiaccount/User_Management/Configuring_user_notes.html).

use serde::Serialize;

use crate::OpenId;
use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/user/info/updateremark` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The user.
    pub openid: OpenId,
    /// The new remark (empty clears it).
    pub remark: String,
}

impl Request {
    /// Sets `openid`'s remark to `remark`.
    pub fn new(openid: impl Into<OpenId>, remark: impl Into<String>) -> Self {
        Self {
            openid: openid.into(),
            remark: remark.into(),
        }
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/user/info/updateremark";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
