//! `POST /cgi-bin/draft/add`
//!
//! Creates a draft of 1 to 8 articles (44003 none, 45008 more) and answers its `media_id`.
//! Each call creates a draft, so it is never repeated once it may have reached WeChat.
//!
//! See [WeChat Docs/新建草稿](https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Add_draft.html).

use serde::{Deserialize, Serialize};

use crate::MediaId;
use crate::endpoint::draft::Article;
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/draft/add` (plus the access token): `{"articles": [...]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The articles, in order (the first is the main one).
    pub articles: Vec<Article>,
}

impl Request {
    /// A draft of one article; add more with [`Request::article`].
    pub fn new(article: Article) -> Self {
        Self {
            articles: vec![article],
        }
    }

    /// Appends an article.
    pub fn article(mut self, article: Article) -> Self {
        self.articles.push(article);
        self
    }
}

/// `{"media_id": "..."}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The new draft's id (for `draft/get`, `draft/update`, `freepublish/submit`).
    pub media_id: MediaId,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/draft/add";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = false;
    type Response = Response;
}
