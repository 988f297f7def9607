//! `POST /cgi-bin/tags/members/getblacklist`
//!
//! The blocked users, up to 10 000 per call in the order they were blocked, paged by
//! `begin_openid` (the previous page's `next_openid`) like `user/get`. [`pages`] walks them all.
//!
//! See [WeChat Docs/黑名单管理 获取公众号的黑名单列表](https://developers.weixin.qq.com/doc/offiaccount/User_Management/Manage_blacklist.html).

use std::future::Future;

use futures::Stream;
use serde::Serialize;

use crate::OpenId;
use crate::endpoint::user::Page;
use crate::endpoint::{AuthKind, Endpoint, Method};
use crate::error::Error;

/// Body of `POST /cgi-bin/tags/members/getblacklist` (plus the access token):
/// `{"begin_openid":""}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// Where to start: the previous page's `next_openid`, empty for the first page.
    pub begin_openid: String,
}

impl Request {
    /// The first page.
    pub fn new() -> Self {
        Self::default()
    }

    /// The page after `begin_openid`.
    pub fn begin_openid(mut self, begin_openid: impl Into<String>) -> Self {
        self.begin_openid = begin_openid.into();
        self
    }
}

/// `{"total":..,"count":..,"data":{"openid":[..]},"next_openid":".."}`
pub type Response = Page;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/tags/members/getblacklist";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

/// Every page of the blacklist, each [`Request`] sent by `fetch`.
pub fn pages<F, Fut>(mut fetch: F) -> impl Stream<Item = Result<Page, Error>>
where
    F: FnMut(Request) -> Fut,
    Fut: Future<Output = Result<Page, Error>>,
{
    crate::endpoint::user::pages(move |next| fetch(Request::new().begin_openid(next)))
}

/// Every blocked OpenID (see [`pages`]).
pub fn openids<F, Fut>(fetch: F) -> impl Stream<Item = Result<OpenId, Error>>
where
    F: FnMut(Request) -> Fut,
    Fut: Future<Output = Result<Page, Error>>,
{
    crate::endpoint::user::openids(pages(fetch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form() {
        assert_eq!(
            serde_json::to_string(&Request::new()).unwrap(),
            r#"{"begin_openid":""}"#
        );
    }
}
