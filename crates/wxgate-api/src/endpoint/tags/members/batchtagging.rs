//! `POST /cgi-bin/tags/members/batchtagging`
//!
//! Tags 1–50 users at once (40032 otherwise); 45159 for an unknown tag, 40003 for an
//! unknown OpenID, 49003 for an OpenID of another account. A user carries at most 20 tags (45059); tagging again moves the tag to the end of the user's list (the last applied tag drives conditional menus).
//!
//! See [WeChat Docs/用户标签管理 批量为用户打标签](https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html).

use serde::Serialize;

use crate::OpenId;
use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// The most users one call may name.
pub const MAX_USERS: usize = 50;

/// Body of `POST /cgi-bin/tags/members/batchtagging` (plus the access token):
/// `{"openid_list":[..],"tagid":134}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The users (1–50).
    pub openid_list: Vec<OpenId>,
    /// The tag.
    pub tagid: u32,
}

impl Request {
    /// Tags `openids` with `tagid`.
    pub fn new<I>(tagid: u32, openids: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<OpenId>,
    {
        Self {
            openid_list: openids.into_iter().map(Into::into).collect(),
            tagid,
        }
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/tags/members/batchtagging";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form() {
        assert_eq!(
            serde_json::to_string(&Request::new(134, ["o1", "o2"])).unwrap(),
            r#"{"openid_list":["o1","o2"],"tagid":134}"#
        );
    }
}
