//! `POST /cgi-bin/user/tag/get`: the followers with a tag, paged.
//!
//! See [WeChat Docs/获取标签下粉丝列表](https://developers.weixin.qq.com/doc/service/api/usermanage/tag/api_gettagfans.html).

use super::*;

/// `POST /cgi-bin/user/tag/get`
pub(super) const API: Api = Api::post("cgi-bin/user/tag/get");

/// The request body.
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    tagid: Option<u64>,
    #[serde(default)]
    next_openid: String,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            let id = tag_id(body.tagid)?;
            let next = body.next_openid;
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
