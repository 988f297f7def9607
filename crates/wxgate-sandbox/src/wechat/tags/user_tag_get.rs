//! `POST /cgi-bin/user/tag/get`: the followers with a tag, paged.
//!
//! See [WeChat Docs/获取标签下粉丝列表](https://developers.weixin.qq.com/doc/service/api/usermanage/tag/api_gettagfans.html).

use super::*;

/// `POST /cgi-bin/user/tag/get`
pub(super) const API: Api = Api::post("cgi-bin/user/tag/get");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body = json_body(&body)?;
            let id = tag_id(&body, "/tagid")?;
            let next = str_field(&body, "next_openid")
                .unwrap_or_default()
                .to_owned();
            let page_size = sb.config().user_page_size.max(1);
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                if !app.tags.contains_key(&id) {
                    return Err(WxError::new(45159, "invalid tag id"));
                }
                let openids: Vec<String> = app
                    .followers()
                    .into_iter()
                    .filter(|u| u.tags.contains(&id))
                    .map(|u| u.openid.clone())
                    .collect();
                crate::wechat::user::page(&openids, &next, page_size, None)
            })
        }
        .await,
    )
}
