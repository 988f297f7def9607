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
use crate::wechat::oauth::exchange_code;

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
        exchange_code(&sb, &app_id, &q)
    })())
}
