//! `POST /cgi-bin/user/tag/get`
//!
//! The followers carrying a tag, up to 10 000 per call, paged by `next_openid` like
//! `user/get` (the answer has no `total`); 45159 for an unknown tag. [`pages`] walks them all.
//!
//! See [WeChat Docs/用户标签管理 获取标签下粉丝列表](https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html).

use std::future::Future;

use futures::Stream;
use serde::Serialize;

use crate::OpenId;
use crate::endpoint::user::Page;
use crate::endpoint::{AuthKind, Endpoint, Method};
use crate::error::Error;

/// Body of `POST /cgi-bin/user/tag/get` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The tag.
    pub tagid: u32,
    /// Where to start: the previous page's `next_openid`, empty for the first page.
    pub next_openid: String,
}

impl Request {
    /// The first page of `tagid`'s followers.
    pub fn new(tagid: u32) -> Self {
        Self {
            tagid,
            next_openid: String::new(),
        }
    }

    /// The page after `next_openid`.
    pub fn next_openid(mut self, next_openid: impl Into<String>) -> Self {
        self.next_openid = next_openid.into();
        self
    }
}

/// `{"count":..,"data":{"openid":[..]},"next_openid":".."}`
pub type Response = Page;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/user/tag/get";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

/// Every page of `tagid`'s followers, each [`Request`] sent by `fetch`.
pub fn pages<F, Fut>(tagid: u32, mut fetch: F) -> impl Stream<Item = Result<Page, Error>>
where
    F: FnMut(Request) -> Fut,
    Fut: Future<Output = Result<Page, Error>>,
{
    crate::endpoint::user::pages(move |next| fetch(Request::new(tagid).next_openid(next)))
}

/// Every OpenID carrying `tagid` (see [`pages`]).
pub fn openids<F, Fut>(tagid: u32, fetch: F) -> impl Stream<Item = Result<OpenId, Error>>
where
    F: FnMut(Request) -> Fut,
    Fut: Future<Output = Result<Page, Error>>,
{
    crate::endpoint::user::openids(pages(tagid, fetch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form() {
        assert_eq!(
            serde_json::to_string(&Request::new(134)).unwrap(),
            r#"{"tagid":134,"next_openid":""}"#
        );
    }
}
