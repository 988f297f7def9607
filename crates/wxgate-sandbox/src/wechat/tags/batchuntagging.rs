//! `POST /cgi-bin/tags/members/batchuntagging`: untag up to 50 users.
//!
//! See [WeChat Docs/批量为用户取消标签](https://developers.weixin.qq.com/doc/service/api/usermanage/tag/api_batchuntagging.html).

use super::*;

/// `POST /cgi-bin/tags/members/batchuntagging`
pub(super) const API: Api = Api::post("cgi-bin/tags/members/batchuntagging").daily(100_000);

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: BatchBody = typed_body(&body)?;
            let id = tag_id(body.tagid)?;
            sb.with_state(|s| {
                let openids = batch_openids(s, &app_id, body.openid_list.as_deref(), 50)?;
                let app = s.app_mut(&app_id)?;
                if !app.tags.contains_key(&id) {
                    return Err(WxError::new(45159, "invalid tag id"));
                }
                for openid in &openids {
                    app.user_mut(openid)?.tags.retain(|t| *t != id);
                }
                Ok(ok())
            })
        }
        .await,
    )
}
