//! `cgi-bin/user/*`: followers, their profiles and remarks, and the followers of a tag.
//!
//! The shared pieces live here: the OpenID [`Page`] that `user/get`, `user/tag/get` and
//! `tags/members/getblacklist` answer, the [`pages`] stream that walks such pages by
//! `next_openid`, the profile [`UserInfo`] and its [`Lang`].
//!
//! See [WeChat Docs/获取用户列表](https://developers.weixin.qq.com/doc/offiaccount/User_Management/Getting_a_User_List.html)
//! and [WeChat Docs/获取用户基本信息](https://developers.weixin.qq.com/doc/offiaccount/User_Management/Get_users_basic_information_UnionID.html).

pub mod get;
pub mod info;
pub mod tag;

use std::future::Future;

use futures::Stream;
use serde::{Deserialize, Deserializer, Serialize};

use crate::OpenId;
use crate::error::Error;

/// One page of OpenIDs: `{"total":2,"count":2,"data":{"openid":["O1","O2"]},"next_openid":"O2"}`.
///
/// The last page is `{"total":2,"count":0,"next_openid":""}` (no `data`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Page {
    /// How many there are in all (`user/get` and `getblacklist` only).
    #[serde(default)]
    pub total: Option<u64>,
    /// How many this page holds.
    #[serde(default)]
    pub count: u64,
    /// The OpenIDs of this page (`data.openid`).
    #[serde(default, rename = "data", deserialize_with = "openid_data")]
    pub openids: Vec<OpenId>,
    /// Where the next page starts (the last OpenID of this page); empty on the last page.
    #[serde(default)]
    pub next_openid: String,
}

impl Page {
    /// Whether a page follows (this page is not empty and names where the next one starts).
    pub fn has_next(&self) -> bool {
        !self.openids.is_empty() && !self.next_openid.is_empty()
    }
}

/// `"data":{"openid":[...]}` (or `null`) as the list of OpenIDs.
fn openid_data<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<OpenId>, D::Error> {
    #[derive(Deserialize)]
    struct Data {
        #[serde(default)]
        openid: Vec<OpenId>,
    }
    Ok(Option::<Data>::deserialize(deserializer)?
        .map(|data| data.openid)
        .unwrap_or_default())
}

/// Walks paged OpenID lists: calls `fetch` with `""` for the first page and then with each
/// page's `next_openid`, yielding every non-empty page, until a page is empty or has no
/// `next_openid` (WeChat's last page is `count: 0`, so a list of N pages costs N + 1 calls).
/// An error ends the stream after it is yielded.
///
/// The endpoint files build on it: [`get::pages`], [`tag::get::pages`] and
/// [`crate::endpoint::tags::members::getblacklist::pages`].
pub fn pages<F, Fut>(fetch: F) -> impl Stream<Item = Result<Page, Error>>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<Page, Error>>,
{
    futures::stream::unfold(
        (fetch, Some(String::new())),
        |(mut fetch, next)| async move {
            let next = next?;
            match fetch(next.clone()).await {
                Err(error) => Some((Err(error), (fetch, None))),
                Ok(page) if page.openids.is_empty() => None,
                Ok(page) => {
                    // A next_openid equal to the one asked for would loop forever: stop instead.
                    let more = (page.has_next() && page.next_openid != next)
                        .then(|| page.next_openid.clone());
                    Some((Ok(page), (fetch, more)))
                }
            }
        },
    )
}

/// The OpenIDs of a stream of pages, one by one.
pub fn openids<S>(pages: S) -> impl Stream<Item = Result<OpenId, Error>>
where
    S: Stream<Item = Result<Page, Error>>,
{
    use futures::StreamExt;
    pages.flat_map(|page| {
        let items: Vec<Result<OpenId, Error>> = match page {
            Ok(page) => page.openids.into_iter().map(Ok).collect(),
            Err(error) => vec![Err(error)],
        };
        futures::stream::iter(items)
    })
}

/// The language of a profile's texts (`lang`): WeChat accepts `zh_CN`, `zh_TW` and `en`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Lang {
    /// `zh_CN`, simplified Chinese (WeChat's default).
    #[default]
    #[serde(rename = "zh_CN")]
    ZhCn,
    /// `zh_TW`, traditional Chinese.
    #[serde(rename = "zh_TW")]
    ZhTw,
    /// `en`, English.
    #[serde(rename = "en")]
    En,
}

/// A user's profile as `user/info` and `user/info/batchget` answer it.
///
/// A user who does not follow the account (`subscribe: 0`) has only `openid`, perhaps
/// `unionid` and `tagid_list`. WeChat no longer returns nickname, avatar, sex or location.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct UserInfo {
    /// Whether the user follows the account (`subscribe`: 1).
    #[serde(default, deserialize_with = "flag")]
    pub subscribe: bool,
    /// The user's OpenID for this account.
    pub openid: OpenId,
    /// The user's language (newer answers may omit it).
    #[serde(default)]
    pub language: Option<String>,
    /// When the user (last) followed, in Unix seconds.
    #[serde(default)]
    pub subscribe_time: Option<u64>,
    /// The UnionID, when the account is bound to an Open Platform account.
    #[serde(default)]
    pub unionid: Option<String>,
    /// The operator's remark for the user.
    #[serde(default)]
    pub remark: String,
    /// The legacy group id.
    #[serde(default)]
    pub groupid: i64,
    /// The user's tags, in the order they were applied.
    #[serde(default)]
    pub tagid_list: Vec<u32>,
    /// How the user came to follow (`ADD_SCENE_QR_CODE`, `ADD_SCENE_SEARCH`, …).
    #[serde(default)]
    pub subscribe_scene: Option<String>,
    /// The numeric scene of the QR code the user followed through (0 or absent otherwise).
    #[serde(default)]
    pub qr_scene: Option<u64>,
    /// The string scene of the QR code the user followed through (empty or absent otherwise).
    #[serde(default)]
    pub qr_scene_str: Option<String>,
}

/// `0`/`1` (or a JSON boolean) as a `bool`.
fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Int(i64),
        Bool(bool),
    }
    Ok(match Option::<Flag>::deserialize(deserializer)? {
        Some(Flag::Int(n)) => n != 0,
        Some(Flag::Bool(b)) => b,
        None => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_decode_with_and_without_data() {
        let page: Page = serde_json::from_str(
            r#"{"total":2,"count":2,"data":{"openid":["O1","O2"]},"next_openid":"O2"}"#,
        )
        .unwrap();
        assert_eq!(page.openids, ["O1", "O2"]);
        assert!(page.has_next());
        let last: Page = serde_json::from_str(r#"{"total":2,"count":0,"next_openid":""}"#).unwrap();
        assert_eq!(
            (last.total, last.count, last.openids.len()),
            (Some(2), 0, 0)
        );
        assert!(!last.has_next());
        let tag_page: Page = serde_json::from_str(r#"{"count":0,"data":null}"#).unwrap();
        assert_eq!(tag_page.total, None);
    }

    #[test]
    fn user_info_of_followers_and_strangers() {
        let follower: UserInfo = serde_json::from_str(
            r#"{"subscribe":1,"openid":"o6","language":"zh_CN","subscribe_time":1382694957,"unionid":"u1","remark":"","groupid":0,"tagid_list":[128,2],"subscribe_scene":"ADD_SCENE_QR_CODE","qr_scene":98765,"qr_scene_str":""}"#,
        )
        .unwrap();
        assert!(follower.subscribe);
        assert_eq!(follower.tagid_list, [128, 2]);
        assert_eq!(follower.qr_scene, Some(98765));
        let stranger: UserInfo =
            serde_json::from_str(r#"{"subscribe":0,"openid":"o7","tagid_list":[]}"#).unwrap();
        assert!(!stranger.subscribe);
        assert_eq!(stranger.subscribe_time, None);
    }

    #[test]
    fn langs_on_the_wire() {
        assert_eq!(serde_json::to_string(&Lang::ZhTw).unwrap(), r#""zh_TW""#);
        assert_eq!(serde_json::to_string(&Lang::En).unwrap(), r#""en""#);
    }

    #[test]
    fn pages_stop_on_an_empty_page_and_on_errors() {
        use futures::StreamExt;
        let answers = |next: String| async move {
            match next.as_str() {
                "" => Ok(Page {
                    total: Some(3),
                    count: 2,
                    openids: vec!["a".into(), "b".into()],
                    next_openid: "b".into(),
                }),
                "b" => Ok(Page {
                    total: Some(3),
                    count: 1,
                    openids: vec!["c".into()],
                    next_openid: "c".into(),
                }),
                _ => Ok(Page {
                    total: Some(3),
                    ..Page::default()
                }),
            }
        };
        let all: Vec<OpenId> = futures::executor::block_on(
            openids(pages(answers))
                .map(|o| o.unwrap())
                .collect::<Vec<_>>(),
        );
        assert_eq!(all, ["a", "b", "c"]);
        // A page that names itself as next would loop: the stream ends instead.
        let stuck = |_next: String| async move {
            Ok(Page {
                total: Some(1),
                count: 1,
                openids: vec!["a".into()],
                next_openid: "a".into(),
            })
        };
        let pages_seen = futures::executor::block_on(pages(stuck).count());
        assert_eq!(pages_seen, 2);
    }
}
