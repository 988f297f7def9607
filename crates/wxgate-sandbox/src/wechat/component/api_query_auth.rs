//! `POST /cgi-bin/component/api_query_auth`: exchange an auth code for the authorizer's tokens.
//!
//! 61009 for an unknown code (or one whose account withdrew the authorization), 61010 after its
//! 10 minutes. A code may be exchanged again until it expires; each exchange answers the
//! authorizer's current tokens (a new access token only when the current one has less than 5
//! minutes left).
//!
//! See [WeChat Docs/使用授权码获取授权信息](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/token/authorization_info.html).

use super::*;

/// `POST /cgi-bin/component/api_query_auth`
pub(super) const API: Api = Api::post("cgi-bin/component/api_query_auth");

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    component_appid: String,
    #[serde(default)]
    authorization_code: String,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let body: Body = typed_body(&body)?;
            let id = sb.enter_component(&API, &q, Some(&body.component_appid))?;
            sb.with_state(|s| {
                let now = s.now();
                let component = s.component_mut(&id)?;
                let (app_id, expires_at) = component
                    .auth_codes
                    .get(&body.authorization_code)
                    .cloned()
                    .filter(|(app_id, _)| component.authorizers.contains_key(app_id))
                    .ok_or_else(|| WxError::new(61009, "code is invalid"))?;
                if now >= expires_at {
                    return Err(WxError::new(61010, "code is expired"));
                }
                let info = authorization_info(s, &id, &app_id)?;
                Ok(json!({"authorization_info": info}))
            })
        }
        .await,
    )
}
