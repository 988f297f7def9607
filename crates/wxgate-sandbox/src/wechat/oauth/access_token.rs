//! `GET /sns/oauth2/access_token`: exchange a code for an OAuth access token.
//!
//! See [WeChat Docs/换取网页授权凭证](https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsaccesstoken.html).

use super::*;

/// `GET /sns/oauth2/access_token`
pub(super) const API: Api = Api::get("sns/oauth2/access_token");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    let result = async {
        let app_id = q.get("appid").cloned().unwrap_or_default();
        sb.enter_app(&API, &app_id).await?;
        crate::wechat::token::check_app(&sb, &app_id, q.get("secret").map(String::as_str))?;
        let code = q.get("code").cloned().unwrap_or_default();
        if code.is_empty() {
            return Err(WxError::new(41008, "missing code"));
        }
        if q.get("grant_type").map(String::as_str) != Some("authorization_code") {
            return Err(WxError::new(40002, "invalid grant_type"));
        }
        sb.with_state(|s| {
            let now = s.now();
            let invalid = || WxError::new(40029, "invalid code");
            let record = s.oauth_codes.get_mut(&code).ok_or_else(invalid)?;
            if record.app_id != app_id || record.expires_at <= now {
                return Err(invalid());
            }
            if record.used {
                return Err(WxError::new(40163, "code been used"));
            }
            record.used = true;
            let grant = OAuthToken {
                app_id: record.app_id.clone(),
                openid: record.openid.clone(),
                scope: record.scope.clone(),
                expires_at: now + REFRESH_TTL,
            };
            let refresh = s.random_token();
            s.refresh_tokens.insert(refresh.clone(), grant.clone());
            Ok(token_body(s, &grant, refresh))
        })
    }
    .await;
    reply(result)
}
