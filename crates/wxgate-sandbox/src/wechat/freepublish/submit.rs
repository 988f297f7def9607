//! `POST /cgi-bin/freepublish/submit`: publish a draft; answers the job's `publish_id`.
//!
//! See [WeChat Docs/发布接口](https://developers.weixin.qq.com/doc/offiaccount/Publish/Publish.html).

use super::*;
use crate::state::URL_SAFE;

/// `POST /cgi-bin/freepublish/submit`
pub(super) const API: Api = Api::post("cgi-bin/freepublish/submit").daily(100);

/// `{"media_id": "..."}`
#[derive(Deserialize)]
struct Body {
    media_id: String,
}

/// `FromUserName` of the `PUBLISHJOBFINISH` event (WeChat puts the publishing operator there).
const PUBLISHER: &str = "oSandboxPublisher";

/// The first `publish_id` (WeChat's are ten-digit numbers in a string).
const FIRST_PUBLISH_ID: u64 = 2_247_483_648;

pub(crate) async fn handler(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    query: RawQuery,
    body: Bytes,
) -> Response {
    let q = params(query);
    let result = async {
        let app_id = sb.enter(&API, &q).await?;
        let body: Body = typed_body(&body)?;
        let (publish_id, article_id, job) = sb.with_state(|s| {
            let now = s.now();
            let article_id = s.random_string(URL_SAFE, 43);
            let app = s.app_mut(&app_id)?;
            let draft = app
                .drafts
                .remove(&body.media_id)
                .ok_or_else(|| WxError::new(40007, "invalid media_id"))?;
            app.publish_serial = app.publish_serial.max(FIRST_PUBLISH_ID - 1) + 1;
            let publish_id = app.publish_serial.to_string();
            let job = PublishJob {
                status: 0,
                article_id: Some(article_id.clone()),
                deleted: vec![false; draft.articles.len()],
                articles: draft.articles,
                update_time: now,
            };
            app.publish_jobs.insert(publish_id.clone(), job.clone());
            Ok::<_, WxError>((publish_id, article_id, job))
        })?;
        let detail = article_detail(&headers, &article_id, &job);
        let event_publish_id = publish_id.clone();
        crate::push::notify(&sb, &app_id, PUBLISHER, "PUBLISHJOBFINISH", move |w| {
            w.start("PublishEventInfo")
                .text("publish_id", &event_publish_id)
                .number("publish_status", job.status)
                .text("article_id", &article_id)
                .start("article_detail")
                .number("count", detail.len());
            for (idx, url) in &detail {
                w.start("item")
                    .number("idx", idx)
                    .text("article_url", url)
                    .end();
            }
            w.end().end();
        });
        let msg_data_id: u64 = publish_id.parse().unwrap_or_default();
        Ok(json!({
            "errcode": 0,
            "errmsg": "ok",
            "publish_id": publish_id,
            "msg_data_id": msg_data_id,
        }))
    }
    .await;
    reply(result)
}
