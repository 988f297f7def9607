//! `POST /cgi-bin/user/info/batchget`
//!
//! The profiles of 1–100 users in one call (47003 for an empty or longer list, 40003 when one
//! OpenID is unknown). [`Request::batches`] splits any number of OpenIDs into such calls and
//! [`infos`] sends them one after the other.
//!
//! See [WeChat Docs/批量获取用户基本信息](https://developers.weixin.qq.com/doc/offiaccount/User_Management/Get_users_basic_information_UnionID.html).

use std::future::Future;

use serde::{Deserialize, Serialize};

use crate::OpenId;
use crate::endpoint::user::{Lang, UserInfo};
use crate::endpoint::{AuthKind, Endpoint, Method};
use crate::error::Error;

/// The most users one call may ask for.
pub const MAX_USERS: usize = 100;

/// Body of `POST /cgi-bin/user/info/batchget` (plus the access token):
/// `{"user_list":[{"openid":"..","lang":"zh_CN"},..]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The users (1–100).
    pub user_list: Vec<UserRef>,
}

/// One entry of `user_list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UserRef {
    /// The user.
    pub openid: OpenId,
    /// The language of the answer's texts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
}

impl UserRef {
    /// `openid`, in WeChat's default language.
    pub fn new(openid: impl Into<OpenId>) -> Self {
        Self {
            openid: openid.into(),
            lang: None,
        }
    }
}

impl Request {
    /// The profiles of `openids` (send at most [`MAX_USERS`] per call; see [`Request::batches`]).
    pub fn new<I>(openids: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<OpenId>,
    {
        Self {
            user_list: openids.into_iter().map(UserRef::new).collect(),
        }
    }

    /// Asks for every user's texts in `lang`.
    pub fn lang(mut self, lang: Lang) -> Self {
        for user in &mut self.user_list {
            user.lang = Some(lang);
        }
        self
    }

    /// Requests of at most [`MAX_USERS`] users each, covering `openids` in order (none for
    /// no OpenIDs).
    ///
    /// ```
    /// use wxgate_api::endpoint::user::info::batchget::Request;
    /// let openids: Vec<String> = (0..250).map(|i| format!("o{i}")).collect();
    /// let sizes: Vec<usize> = Request::batches(openids).iter().map(|r| r.user_list.len()).collect();
    /// assert_eq!(sizes, [100, 100, 50]);
    /// ```
    pub fn batches<I>(openids: I) -> Vec<Self>
    where
        I: IntoIterator,
        I::Item: Into<OpenId>,
    {
        let all: Vec<OpenId> = openids.into_iter().map(Into::into).collect();
        all.chunks(MAX_USERS)
            .map(|chunk| Self::new(chunk.iter().cloned()))
            .collect()
    }
}

/// `{"user_info_list":[{..},..]}`
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The profiles, in the order asked for.
    #[serde(default)]
    pub user_info_list: Vec<UserInfo>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/user/info/batchget";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

/// The profiles of any number of users: one call per [`MAX_USERS`] (see
/// [`Request::batches`]), sent by `fetch` one after the other, in order. Each request gets
/// `lang` when one is given.
///
/// ```no_run
/// # async fn demo(credentials: wxgate_api::Credentials, openids: Vec<String>) -> Result<(), wxgate_api::Error> {
/// use wxgate_api::endpoint::user::info::batchget;
/// let credentials = &credentials;
/// let users = batchget::infos(openids, None, |request| async move {
///     credentials.call(&request).await
/// })
/// .await?;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// The first failed call's error.
pub async fn infos<I, F, Fut>(
    openids: I,
    lang: Option<Lang>,
    mut fetch: F,
) -> Result<Vec<UserInfo>, Error>
where
    I: IntoIterator,
    I::Item: Into<OpenId>,
    F: FnMut(Request) -> Fut,
    Fut: Future<Output = Result<Response, Error>>,
{
    let mut all = Vec::new();
    for request in Request::batches(openids) {
        let request = match lang {
            Some(lang) => request.lang(lang),
            None => request,
        };
        all.extend(fetch(request).await?.user_info_list);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form() {
        let request = Request::new(["o1", "o2"]).lang(Lang::ZhTw);
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"user_list":[{"openid":"o1","lang":"zh_TW"},{"openid":"o2","lang":"zh_TW"}]}"#
        );
    }

    #[test]
    fn batches_of_one_hundred() {
        assert!(Request::batches(Vec::<String>::new()).is_empty());
        let sizes = |n: usize| -> Vec<usize> {
            Request::batches((0..n).map(|i| format!("o{i}")))
                .iter()
                .map(|r| r.user_list.len())
                .collect()
        };
        assert_eq!(sizes(1), [1]);
        assert_eq!(sizes(100), [100]);
        assert_eq!(sizes(101), [100, 1]);
        let batches = Request::batches((0..201).map(|i| format!("o{i}")));
        assert_eq!(batches[2].user_list[0].openid, "o200");
    }
}
