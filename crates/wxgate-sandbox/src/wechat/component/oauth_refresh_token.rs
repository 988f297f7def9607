//! `GET /sns/oauth2/component/refresh_token`: refresh an authorizer's web-authorization token
//! with the component's token (`appid`, `grant_type=refresh_token`, `component_appid`,
//! `component_access_token`, `refresh_token`); 40030 invalid refresh token, 42002 expired.
//!
//! See [WeChat Docs/代公众号发起网页授权](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/Before_Develop/official_account_website_authorization.html).

use super::*;
use crate::wechat::oauth::token_body;

/// `GET /sns/oauth2/component/refresh_token`
pub(super) const API: Api = Api::get("sns/oauth2/component/refresh_token");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply((|| {
        let app_id = super::oauth_access_token::enter_oauth(&sb, &API, &q)?;
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
    })())
}
