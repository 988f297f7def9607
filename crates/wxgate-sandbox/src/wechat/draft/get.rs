//! `POST /cgi-bin/draft/get`: the articles of a draft.
//!
//! See [WeChat Docs/获取草稿](https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Get_draft.html).

use super::*;

/// `POST /cgi-bin/draft/get`
pub(super) const API: Api = Api::post("cgi-bin/draft/get").daily(500);

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
            let body: MediaIdBody = typed_body(&body)?;
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                let draft = app
                    .drafts
                    .get(&body.media_id)
                    .ok_or_else(|| WxError::new(40007, "invalid media_id"))?;
                Ok(json!({"news_item": news_items(&headers, &body.media_id, draft)}))
            })
        }
        .await,
    )
}
