//! Drafts (草稿箱): `draft/add`, `draft/get`, `draft/update`, `draft/delete`, `draft/count`,
//! `draft/batchget`.
//!
//! A draft holds 1 to 8 articles (none: 44003, more: 45008). Each article needs a `title`
//! (≤ 32 characters, 45003), `content` (≤ 20 000 characters and < 1 MB, 45002) and a
//! `thumb_media_id` naming a permanent image or thumb material of the app (40007); `author`
//! ≤ 16 characters (45110), `digest` ≤ 128 (45004), `content_source_url` ≤ 1 024 bytes (45005).
//! An empty title or content is 47003. Unknown draft ids are 40007. Article pages are served by
//! the sandbox at `/sandbox/articles/{media_id or article_id}/{idx}`.
//!
//! See [WeChat Docs/新建草稿](https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Add_draft.html)
//! and [WeChat Docs/获取草稿列表](https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Get_draft_list.html).

pub(super) mod add;
pub(super) mod batchget;
pub(super) mod count;
pub(super) mod delete;
pub(super) mod get;
pub(super) mod update;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::{Api, Routes};
use super::media::media_url;
use super::{ok, params, reply, typed_body};
use crate::Sandbox;
use crate::error::WxError;
use crate::state::{App, Article, Draft};

/// This group's APIs.
pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .api(add::API, add::handler)
        .api(get::API, get::handler)
        .api(update::API, update::handler)
        .api(delete::API, delete::handler)
        .api(count::API, count::handler)
        .api(batchget::API, batchget::handler)
}

/// Most articles in one draft.
const MAX_ARTICLES: usize = 8;

/// `{"media_id": "..."}`
#[derive(Deserialize)]
pub(super) struct MediaIdBody {
    pub(super) media_id: String,
}

/// `{"offset": 0, "count": 20, "no_content": 0}` of the `batchget` APIs.
#[derive(Deserialize)]
pub(crate) struct PageBody {
    pub(crate) offset: u64,
    pub(crate) count: u64,
    #[serde(default)]
    pub(crate) no_content: u8,
}

impl PageBody {
    /// `count` must be 1-20 (47003).
    pub(crate) fn range(&self) -> Result<(usize, usize), WxError> {
        if !(1..=20).contains(&self.count) {
            return Err(WxError::argument_invalid("count must be 1-20"));
        }
        Ok((
            usize::try_from(self.offset).unwrap_or(usize::MAX),
            usize::try_from(self.count).unwrap_or(20),
        ))
    }
}

/// Check a draft's articles against WeChat's limits and the app's materials.
pub(crate) fn check_articles(app: &App, articles: &[Article]) -> Result<(), WxError> {
    if articles.is_empty() {
        return Err(WxError::new(44003, "empty news data"));
    }
    if articles.len() > MAX_ARTICLES {
        return Err(WxError::new(45008, "article size out of limit"));
    }
    articles.iter().try_for_each(|a| check_article(app, a))
}

fn check_article(app: &App, article: &Article) -> Result<(), WxError> {
    let chars = |s: &str| s.chars().count();
    if article.title.trim().is_empty() {
        return Err(WxError::argument_invalid("title is empty"));
    }
    if chars(&article.title) > 32 {
        return Err(WxError::new(45003, "title size out of limit"));
    }
    if chars(&article.author) > 16 {
        return Err(WxError::new(45110, "author size out of limit"));
    }
    if chars(&article.digest) > 128 {
        return Err(WxError::new(45004, "description size out of limit"));
    }
    if article.content.trim().is_empty() {
        return Err(WxError::argument_invalid("content is empty"));
    }
    if chars(&article.content) > 20_000 || article.content.len() >= 1024 * 1024 {
        return Err(WxError::new(45002, "content size out of limit"));
    }
    if article.content_source_url.len() > 1024 {
        return Err(WxError::new(45005, "url size out of limit"));
    }
    let thumb_ok = app
        .materials
        .get(&article.thumb_media_id)
        .is_some_and(|m| m.kind == "image" || m.kind == "thumb");
    if !thumb_ok {
        return Err(WxError::new(40007, "invalid media_id"));
    }
    Ok(())
}

/// `http://HOST/sandbox/articles/{id}/{idx}`: the page of article `idx` (from 1) of a draft or
/// a publication.
pub(crate) fn article_url(headers: &HeaderMap, id: &str, idx: usize) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}/sandbox/articles/{id}/{idx}")
}

/// An article as `draft/get` and `freepublish/getarticle` answer it (`id` names the draft or
/// the publication, `idx` counts from 1).
pub(crate) fn news_item(headers: &HeaderMap, id: &str, idx: usize, article: &Article) -> Value {
    json!({
        "title": article.title,
        "author": article.author,
        "digest": article.digest,
        "content": article.content,
        "content_source_url": article.content_source_url,
        "thumb_media_id": article.thumb_media_id,
        "show_cover_pic": 0,
        "need_open_comment": article.need_open_comment,
        "only_fans_can_comment": article.only_fans_can_comment,
        "pic_crop_235_1": article.pic_crop_235_1,
        "pic_crop_1_1": article.pic_crop_1_1,
        "url": article_url(headers, id, idx),
        "thumb_url": media_url(headers, &article.thumb_media_id),
    })
}

/// `news_item` of every article of a draft.
fn news_items(headers: &HeaderMap, media_id: &str, draft: &Draft) -> Vec<Value> {
    draft
        .articles
        .iter()
        .enumerate()
        .map(|(i, a)| news_item(headers, media_id, i + 1, a))
        .collect()
}
