//! `POST /cgi-bin/tags/members/batchtagging`: tag up to 50 users.
//!
//! See [WeChat Docs/批量为用户打标签](https://developers.weixin.qq.com/doc/service/api/usermanage/tag/api_batchtagging.html).

use super::*;

/// `POST /cgi-bin/tags/members/batchtagging`
pub(super) const API: Api = Api::post("cgi-bin/tags/members/batchtagging").daily(100_000);

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
                let full = openids.iter().any(|o| {
                    app.user(o)
                        .is_some_and(|u| !u.tags.contains(&id) && u.tags.len() >= MAX_TAGS_PER_USER)
                });
                if full {
                    return Err(WxError::new(45059, "user has too many tags"));
                }
                for openid in &openids {
                    let user = app.user_mut(openid)?;
                    // Re-applying moves the tag to the end: the last applied tag drives menus.
                    user.tags.retain(|t| *t != id);
                    user.tags.push(id);
                }
                Ok(ok())
            })
        }
        .await,
    )
}
