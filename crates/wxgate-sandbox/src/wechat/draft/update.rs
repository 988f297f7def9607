//! `POST /cgi-bin/draft/update`: replace article `index` (from 0) of a draft.
//!
//! See [WeChat Docs/修改草稿](https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Update_draft.html).

use super::*;

/// `POST /cgi-bin/draft/update`
pub(super) const API: Api = Api::post("cgi-bin/draft/update").daily(1_000);

/// `{"media_id": "...", "index": 0, "articles": {...}}` (one article, despite the name).
#[derive(Deserialize)]
struct Body {
    media_id: String,
    index: u64,
    articles: Article,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            sb.with_state(|s| {
                let now = s.now();
                let app = s.app_mut(&app_id)?;
                check_articles(app, std::slice::from_ref(&body.articles))?;
                let draft = app
                    .drafts
                    .get_mut(&body.media_id)
                    .ok_or_else(|| WxError::new(40007, "invalid media_id"))?;
                let slot = usize::try_from(body.index)
                    .ok()
                    .and_then(|i| draft.articles.get_mut(i))
                    .ok_or_else(|| WxError::argument_invalid("index out of range"))?;
                *slot = body.articles;
                draft.update_time = now;
                Ok(ok())
            })
        }
        .await,
    )
}
