//! `GET /cgi-bin/user/get`
//!
//! The account's followers, up to 10 000 OpenIDs per call in follow order: omit `next_openid`
//! for the first page, then pass the last page's `next_openid`; the last page has `count` 0.
//! An unknown `next_openid` answers 40003. [`pages`] and [`openids`] walk every page.
//!
//! See [WeChat Docs/获取用户列表](https://developers.weixin.qq.com/doc/offiaccount/User_Management/Getting_a_User_List.html).

use std::future::Future;

use futures::Stream;
use serde::Serialize;

use crate::OpenId;
use crate::endpoint::user::Page;
use crate::endpoint::{AuthKind, Endpoint, Method};
use crate::error::Error;

/// Query of `GET /cgi-bin/user/get` (plus the access token).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// Where to start: the previous page's `next_openid` (none for the first page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_openid: Option<OpenId>,
}

impl Request {
    /// The first page.
    pub fn new() -> Self {
        Self::default()
    }

    /// The page after `next_openid` (an empty string asks for the first page).
    pub fn next_openid(mut self, next_openid: impl Into<OpenId>) -> Self {
        let next = next_openid.into();
        self.next_openid = (!next.is_empty()).then_some(next);
        self
    }
}

/// `{"total":..,"count":..,"data":{"openid":[..]},"next_openid":".."}`
pub type Response = Page;

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/cgi-bin/user/get";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

/// Every page of followers: `fetch` sends each [`Request`] (with a client and token, or
/// through [`Credentials::call`](crate::Credentials::call)).
///
/// ```no_run
/// # async fn demo(credentials: wxgate_api::Credentials) -> Result<(), wxgate_api::Error> {
/// use futures::TryStreamExt;
/// use wxgate_api::endpoint::user::get;
/// let credentials = &credentials;
/// let pages = get::pages(|request| async move { credentials.call(&request).await });
/// let mut pages = std::pin::pin!(pages);
/// while let Some(page) = pages.try_next().await? {
///     println!("{} of {:?}", page.openids.len(), page.total);
/// }
/// # Ok(())
/// # }
/// ```
pub fn pages<F, Fut>(mut fetch: F) -> impl Stream<Item = Result<Page, Error>>
where
    F: FnMut(Request) -> Fut,
    Fut: Future<Output = Result<Page, Error>>,
{
    super::pages(move |next| fetch(Request::new().next_openid(next)))
}

/// Every follower's OpenID, page after page (see [`pages`]).
pub fn openids<F, Fut>(fetch: F) -> impl Stream<Item = Result<OpenId, Error>>
where
    F: FnMut(Request) -> Fut,
    Fut: Future<Output = Result<Page, Error>>,
{
    super::openids(pages(fetch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_page_omits_next_openid() {
        assert_eq!(serde_urlencoded::to_string(Request::new()).unwrap(), "");
        assert_eq!(
            serde_urlencoded::to_string(Request::new().next_openid("")).unwrap(),
            ""
        );
        assert_eq!(
            serde_urlencoded::to_string(Request::new().next_openid("O2")).unwrap(),
            "next_openid=O2"
        );
    }
}
