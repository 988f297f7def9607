//! `POST /cgi-bin/tags/members/getblacklist`: the blocked users, paged.
//!
//! See [WeChat Docs/获取公众号的黑名单列表](https://developers.weixin.qq.com/doc/service/api/usermanage/userinfo/api_getblacklist.html).

use super::*;

/// `POST /cgi-bin/tags/members/getblacklist`
pub(super) const API: Api = Api::post("cgi-bin/tags/members/getblacklist");

/// The request body (an empty body reads as the first page).
#[derive(Default, Deserialize)]
struct Body {
    #[serde(default)]
    begin_openid: String,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body).or_else(|e| {
                if e.code == 44002 {
                    Ok(Body::default())
                } else {
                    Err(e)
                }
            })?;
            let next = body.begin_openid;
            let page_size = sb.config().user_page_size.max(1);
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                let mut blocked: Vec<(u64, String)> = app
                    .users
                    .values()
                    .filter(|u| u.blacklisted)
                    .map(|u| (u.blacklisted_at, u.openid.clone()))
                    .collect();
                blocked.sort();
                let openids: Vec<String> = blocked.into_iter().map(|(_, o)| o).collect();
                crate::wechat::user::page(&openids, &next, page_size, Some(openids.len()))
            })
        }
        .await,
    )
}
