//! `GET /sns/oauth2/refresh_token`: refresh an OAuth access token.
//!
//! See [WeChat Docs/刷新网页授权凭证](https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsrefreshtoken.html).

use super::*;

/// `GET /sns/oauth2/refresh_token`
pub(super) const API: Api = Api::get("sns/oauth2/refresh_token");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    let result = async {
        let app_id = q.get("appid").cloned().unwrap_or_default();
        if app_id.is_empty() {
            return Err(WxError::new(41002, "appid missing"));
        }
        if sb.with_state_ro(|s| s.app(&app_id).is_none()) {
            return Err(WxError::invalid_appid());
        }
        sb.enter_app(&API, &app_id).await?;
        if q.get("grant_type").map(String::as_str) != Some("refresh_token") {
            return Err(WxError::new(40002, "invalid grant_type"));
        }
        let refresh = q.get("refresh_token").cloned().unwrap_or_default();
        sb.with_state(|s| {
            let now = s.now();
            let grant = s
                .refresh_tokens
                .get(&refresh)
                .filter(|g| g.app_id == app_id)
                .cloned()
                .ok_or_else(|| WxError::new(40030, "invalid refresh_token"))?;
            if grant.expires_at <= now {
                return Err(WxError::new(42002, "refresh_token expired"));
            }
            Ok(token_body(s, &grant, refresh))
        })
    }
    .await;
    reply(result)
}
