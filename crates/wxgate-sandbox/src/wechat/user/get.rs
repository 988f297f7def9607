//! `GET /cgi-bin/user/get?next_openid=`: the followers, paged.
//!
//! See [WeChat Docs/获取关注用户列表](https://developers.weixin.qq.com/doc/service/api/usermanage/userinfo/api_getfans.html).

use super::*;

/// `GET /cgi-bin/user/get`
pub(super) const API: Api = Api::get("cgi-bin/user/get").daily(500);

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let next = q.get("next_openid").cloned().unwrap_or_default();
            let page_size = sb.config().user_page_size.max(1);
            sb.with_state(|s| {
                let app = s.app_mut(&app_id)?;
                let followers: Vec<String> =
                    app.followers().iter().map(|u| u.openid.clone()).collect();
                page(&followers, &next, page_size, Some(followers.len()))
            })
        }
        .await,
    )
}
