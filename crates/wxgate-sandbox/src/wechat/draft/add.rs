//! `POST /cgi-bin/draft/add`: create a draft of 1 to 8 articles; answers its `media_id`.
//!
//! See [WeChat Docs/新建草稿](https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Add_draft.html).

use super::*;
use crate::state::URL_SAFE;

/// `POST /cgi-bin/draft/add`
pub(super) const API: Api = Api::post("cgi-bin/draft/add").daily(1_000);

/// `{"articles": [...]}`
#[derive(Deserialize)]
struct Body {
    articles: Vec<Article>,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            sb.with_state(|s| {
                let now = s.now();
                let media_id = s.random_string(URL_SAFE, 43);
                let app = s.app_mut(&app_id)?;
                check_articles(app, &body.articles)?;
                app.drafts.insert(
                    media_id.clone(),
                    Draft {
                        articles: body.articles,
                        update_time: now,
                    },
                );
                Ok(json!({"media_id": media_id}))
            })
        }
        .await,
    )
}
