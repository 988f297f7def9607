//! `POST /cgi-bin/freepublish/batchget`: a page of successful publications, most recent first.
//!
//! See [WeChat Docs/获取成功发布列表](https://developers.weixin.qq.com/doc/offiaccount/Publish/Get_publication_records.html).

use super::*;

/// `POST /cgi-bin/freepublish/batchget`
pub(super) const API: Api = Api::post("cgi-bin/freepublish/batchget").daily(100);

pub(crate) async fn handler(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    query: RawQuery,
    body: Bytes,
) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: PageBody = typed_body(&body)?;
            let (offset, count) = body.range()?;
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                let mut all: Vec<(&String, &PublishJob)> = app
                    .publish_jobs
                    .values()
                    .filter(|job| job.status == 0)
                    .filter_map(|job| job.article_id.as_ref().map(|id| (id, job)))
                    .collect();
                all.sort_by_key(|(id, job)| (std::cmp::Reverse(job.update_time), (*id).clone()));
                let items: Vec<Value> = all
                    .iter()
                    .skip(offset)
                    .take(count)
                    .map(|(article_id, job)| {
                        let mut news = published_items(&headers, article_id, job);
                        if body.no_content == 1 {
                            for item in &mut news {
                                item["content"] = json!("");
                            }
                        }
                        json!({
                            "article_id": article_id,
                            "content": {"news_item": news},
                            "update_time": job.update_time,
                        })
                    })
                    .collect();
                Ok(json!({"total_count": all.len(), "item_count": items.len(), "item": items}))
            })
        }
        .await,
    )
}
