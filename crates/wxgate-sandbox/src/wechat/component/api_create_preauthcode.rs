//! `POST /cgi-bin/component/api_create_preauthcode`: a pre-auth code for the authorization page.
//!
//! Valid 30 minutes, single use (the page refuses it once an account authorized with it).
//!
//! See [WeChat Docs/获取预授权码](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/token/pre_auth_code.html).

use super::*;
use crate::state::PRE_AUTH_TTL;

/// `POST /cgi-bin/component/api_create_preauthcode`
pub(super) const API: Api = Api::post("cgi-bin/component/api_create_preauthcode");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let component_appid = component_of(&body)?;
            let id = sb.enter_component(&API, &q, Some(&component_appid))?;
            sb.with_state(|s| {
                let now = s.now();
                let code = format!(
                    "preauthcode@@@{}",
                    s.random_string(crate::state::URL_SAFE, 64)
                );
                let component = s.component_mut(&id)?;
                component.pre_auth_codes.retain(|_, e| *e > now);
                component
                    .pre_auth_codes
                    .insert(code.clone(), now + PRE_AUTH_TTL);
                Ok(json!({"pre_auth_code": code, "expires_in": PRE_AUTH_TTL}))
            })
        }
        .await,
    )
}
