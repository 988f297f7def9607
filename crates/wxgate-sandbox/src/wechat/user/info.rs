//! `GET /cgi-bin/user/info?openid=`: one user.
//!
//! See [WeChat Docs/获取用户基本信息](https://developers.weixin.qq.com/doc/service/api/usermanage/userinfo/api_userinfo.html).

use super::*;

/// `GET /cgi-bin/user/info`
pub(super) const API: Api = Api::get("cgi-bin/user/info").daily(5_000_000);

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let openid = q.get("openid").cloned().unwrap_or_default();
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                let user = app.user(&openid).ok_or_else(WxError::invalid_openid)?;
                Ok(user_info(user))
            })
        }
        .await,
    )
}
