//! `POST /cgi-bin/freepublish/delete`: delete a published article (`index` from 1), or all of
//! them (`index` 0 or absent).
//!
//! See [WeChat Docs/删除发布](https://developers.weixin.qq.com/doc/offiaccount/Publish/Delete_posts.html).

use super::*;

/// `POST /cgi-bin/freepublish/delete`
pub(super) const API: Api = Api::post("cgi-bin/freepublish/delete").daily(10);

/// `{"article_id": "...", "index": 1}`
#[derive(Deserialize)]
struct Body {
    article_id: String,
    #[serde(default)]
    index: u64,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            sb.with_state(|s| {
                let app = s.app_mut(&app_id)?;
                let publish_id = by_article(app.publish_jobs.iter(), &body.article_id)
                    .map(|(id, _)| id.clone())
                    .ok_or_else(invalid_article_id)?;
                let job = app
                    .publish_jobs
                    .get_mut(&publish_id)
                    .ok_or_else(invalid_article_id)?;
                if body.index == 0 {
                    job.deleted.iter_mut().for_each(|d| *d = true);
                } else {
                    let slot = usize::try_from(body.index - 1)
                        .ok()
                        .and_then(|i| job.deleted.get_mut(i))
                        .ok_or_else(|| WxError::argument_invalid("index out of range"))?;
                    *slot = true;
                }
                if job.deleted.iter().all(|d| *d) {
                    job.status = 5;
                }
                Ok(ok())
            })
        }
        .await,
    )
}
