//! `POST /cgi-bin/freepublish/getarticle`: the articles of a publication.
//!
//! See [WeChat Docs/通过 article_id 获取已发布文章](https://developers.weixin.qq.com/doc/offiaccount/Publish/Get_article_from_id.html).

use super::*;

/// `POST /cgi-bin/freepublish/getarticle`
pub(super) const API: Api = Api::post("cgi-bin/freepublish/getarticle").daily(100);

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
            let body: ArticleIdBody = typed_body(&body)?;
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                let (_, job) = by_article(app.publish_jobs.iter(), &body.article_id)
                    .ok_or_else(invalid_article_id)?;
                Ok(json!({"news_item": published_items(&headers, &body.article_id, job)}))
            })
        }
        .await,
    )
}
