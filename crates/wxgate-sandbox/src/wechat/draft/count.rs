//! `GET /cgi-bin/draft/count`: how many drafts the account has.
//!
//! See [WeChat Docs/获取草稿总数](https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Count_drafts.html).

use super::*;

/// `GET /cgi-bin/draft/count`
pub(super) const API: Api = Api::get("cgi-bin/draft/count").daily(1_000);

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                Ok(json!({"total_count": app.drafts.len()}))
            })
        }
        .await,
    )
}
