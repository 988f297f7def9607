//! `GET /sns/oauth2/component/access_token`: exchange a web-authorization code of an authorizer
//! with the component's token (`appid`, `code`, `grant_type=authorization_code`,
//! `component_appid`, `component_access_token`).
//!
//! Codes come from `/connect/oauth2/authorize?appid=AUTHORIZER&…&component_appid=…`. Errors as
//! `sns/oauth2/access_token` (40029 invalid code, 40163 used), plus 61003 when the account has not
//! authorized the component and the component token's errors.
//!
//! See [WeChat Docs/代公众号发起网页授权](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/Before_Develop/official_account_website_authorization.html).

use super::*;
use crate::state::OAuthToken;
use crate::wechat::oauth::{REFRESH_TTL, token_body};

/// `GET /sns/oauth2/component/access_token`
pub(super) const API: Api = Api::get("sns/oauth2/component/access_token");

/// The component token, the `component_appid` it must belong to, and the authorizer `appid`.
pub(super) fn enter_oauth(sb: &Sandbox, api: &Api, q: &Params) -> Result<String, WxError> {
    let component_appid = q.get("component_appid").cloned().unwrap_or_default();
    let id = sb.enter_component(api, q, Some(&component_appid))?;
    let app_id = q.get("appid").cloned().unwrap_or_default();
    if app_id.is_empty() {
        return Err(WxError::new(41002, "appid missing"));
    }
    sb.with_state_ro(|s| {
        s.component(&id)
            .ok_or_else(not_authorized)?
            .authorizer(&app_id)
            .map(|_| ())
    })?;
    Ok(app_id)
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply((|| {
        let app_id = enter_oauth(&sb, &API, &q)?;
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
    })())
}
