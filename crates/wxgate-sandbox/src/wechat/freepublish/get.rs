//! `POST /cgi-bin/freepublish/get`: the status of a publish job.
//!
//! See [WeChat Docs/发布状态轮询接口](https://developers.weixin.qq.com/doc/offiaccount/Publish/Get_status.html).

use super::*;

/// `POST /cgi-bin/freepublish/get`
pub(super) const API: Api = Api::post("cgi-bin/freepublish/get").daily(100);

/// `{"publish_id": "..."}`
#[derive(Deserialize)]
struct Body {
    publish_id: String,
}

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
            let body: Body = typed_body(&body)?;
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                let job = app
                    .publish_jobs
                    .get(&body.publish_id)
                    .ok_or_else(invalid_article_id)?;
                let mut answer = json!({
                    "publish_id": body.publish_id,
                    "publish_status": job.status,
                });
                if let Some(article_id) = &job.article_id {
                    let items: Vec<Value> = article_detail(&headers, article_id, job)
                        .into_iter()
                        .map(|(idx, url)| json!({"idx": idx, "article_url": url}))
                        .collect();
                    answer["article_id"] = json!(article_id);
                    answer["article_detail"] = json!({"count": items.len(), "item": items});
                }
                answer["fail_idx"] = json!([]);
                Ok(answer)
            })
        }
        .await,
    )
}
