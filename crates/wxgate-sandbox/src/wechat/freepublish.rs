//! Publishing (发布能力): `freepublish/submit`, `freepublish/get`, `freepublish/delete`,
//! `freepublish/getarticle`, `freepublish/batchget`.
//!
//! `submit` takes a draft's `media_id` (40007 when unknown) and moves the draft into a publish
//! job; the sandbox publishes at once (`publish_status` 0 with an `article_id`) and, if the app
//! has a callback URL, pushes the `PUBLISHJOBFINISH` event. `freepublish/get` of an unknown
//! `publish_id` and `getarticle`/`delete` of an unknown `article_id` answer 53600 ("Article ID
//! 无效"; for `publish_id` a sandbox choice). `delete` with `index` 0 or absent deletes every
//! article (the job's status becomes 5), otherwise the article at `index` (from 1; out of range
//! 47003); deleted articles stay in `getarticle` with `is_deleted` and leave `batchget` once
//! all of them are deleted. Published pages are served at `/sandbox/articles/{article_id}/{idx}`.
//!
//! See [WeChat Docs/发布能力](https://developers.weixin.qq.com/doc/offiaccount/Publish/Publish.html).

pub(super) mod batchget;
pub(super) mod delete;
pub(super) mod get;
pub(super) mod getarticle;
pub(super) mod submit;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get as get_route;
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::{Api, Routes};
use super::draft::{PageBody, article_url, news_item};
use super::{ok, params, reply, typed_body};
use crate::Sandbox;
use crate::error::WxError;
use crate::state::{Article, PublishJob};

/// This group's APIs, and the pages of drafts and publications.
pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .api(submit::API, submit::handler)
        .api(get::API, get::handler)
        .api(delete::API, delete::handler)
        .api(getarticle::API, getarticle::handler)
        .api(batchget::API, batchget::handler)
        .page("/sandbox/articles/{id}/{idx}", get_route(article_page))
}

/// `{"article_id": "..."}`
#[derive(Deserialize)]
struct ArticleIdBody {
    article_id: String,
}

fn invalid_article_id() -> WxError {
    WxError::new(53600, "Article ID 无效")
}

/// The publish job that made `article_id`.
fn by_article<'a>(
    jobs: impl Iterator<Item = (&'a String, &'a PublishJob)>,
    article_id: &str,
) -> Option<(&'a String, &'a PublishJob)> {
    jobs.into_iter()
        .find(|(_, job)| job.article_id.as_deref() == Some(article_id))
}

/// `news_item` of a publication: every article, with `is_deleted`.
fn published_items(headers: &HeaderMap, article_id: &str, job: &PublishJob) -> Vec<Value> {
    job.articles
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mut item = news_item(headers, article_id, i + 1, a);
            item["is_deleted"] = json!(job.deleted.get(i).copied().unwrap_or(false));
            item
        })
        .collect()
}

/// `article_detail` of `freepublish/get` and of the `PUBLISHJOBFINISH` event: the URLs of the
/// articles not deleted.
fn article_detail(headers: &HeaderMap, article_id: &str, job: &PublishJob) -> Vec<(usize, String)> {
    (1..=job.articles.len())
        .filter(|idx| !job.deleted.get(idx - 1).copied().unwrap_or(false))
        .map(|idx| (idx, article_url(headers, article_id, idx)))
        .collect()
}

/// `GET /sandbox/articles/{id}/{idx}`: an article's content as HTML, by draft `media_id` or
/// publication `article_id` (404 when unknown or deleted).
async fn article_page(
    State(sb): State<Sandbox>,
    Path((id, idx)): Path<(String, usize)>,
) -> Response {
    let found: Option<Article> = sb.with_state_ro(|s| {
        s.apps.values().find_map(|app| {
            let index = idx.checked_sub(1)?;
            if let Some(draft) = app.drafts.get(&id) {
                return draft.articles.get(index).cloned();
            }
            let (_, job) = by_article(app.publish_jobs.iter(), &id)?;
            if job.deleted.get(index).copied().unwrap_or(false) {
                return None;
            }
            job.articles.get(index).cloned()
        })
    });
    match found {
        Some(article) => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            article.content,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such article").into_response(),
    }
}
