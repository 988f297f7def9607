//! `POST /cgi-bin/freepublish/batchget`
//!
//! A page of the account's successful publications (`count` 1 to 20, 47003 otherwise), most
//! recent first.
//!
//! See [WeChat Docs/获取成功发布列表](https://developers.weixin.qq.com/doc/offiaccount/Publish/Get_publication_records.html).

use serde::{Deserialize, Serialize};

use crate::endpoint::draft::{NewsContent, flag};
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/freepublish/batchget` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// How many publications to skip.
    pub offset: u32,
    /// How many to return, 1 to 20.
    pub count: u32,
    /// Leave out the articles' `content` (`no_content` 1).
    #[serde(with = "flag")]
    pub no_content: bool,
}

impl Request {
    /// The page of `count` (1 to 20) publications after the first `offset`.
    pub fn new(offset: u32, count: u32) -> Self {
        Self {
            offset,
            count,
            no_content: false,
        }
    }

    /// Without the articles' content.
    pub fn no_content(mut self) -> Self {
        self.no_content = true;
        self
    }
}

/// `{"total_count": N, "item_count": n, "item": [...]}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// How many publications there are in all.
    pub total_count: u64,
    /// How many this page holds.
    pub item_count: u64,
    /// The page.
    #[serde(default)]
    pub item: Vec<Item>,
}

/// One publication of the page.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Item {
    /// The publication's id.
    pub article_id: String,
    /// Its articles.
    pub content: NewsContent,
    /// When it was published (Unix seconds).
    pub update_time: u64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/freepublish/batchget";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
