//! `POST /cgi-bin/component/api_authorizer_token`: a new authorizer access token.
//!
//! The refresh token rotates: the answer carries a new `authorizer_refresh_token` and the one
//! presented answers 61023 from then on (as does any other). 61003 when the account has not
//! authorized the component.
//!
//! See [WeChat Docs/获取/刷新接口调用令牌](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/token/api_authorizer_token.html).

use super::*;

/// `POST /cgi-bin/component/api_authorizer_token`
pub(super) const API: Api = Api::post("cgi-bin/component/api_authorizer_token");

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    component_appid: String,
    #[serde(default)]
    authorizer_appid: String,
    #[serde(default)]
    authorizer_refresh_token: String,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let body: Body = typed_body(&body)?;
            let id = sb.enter_component(&API, &q, Some(&body.component_appid))?;
            sb.with_state(|s| {
                let fresh = format!(
                    "refreshtoken@@@{}",
                    s.random_string(crate::state::URL_SAFE, 43)
                );
                let component = s.component_mut(&id)?;
                let authorizer = component
                    .authorizers
                    .get_mut(&body.authorizer_appid)
                    .ok_or_else(not_authorized)?;
                if body.authorizer_refresh_token.is_empty()
                    || authorizer.refresh_token != body.authorizer_refresh_token
                {
                    return Err(WxError::new(61023, "refresh_token is invalid"));
                }
                authorizer.refresh_token = fresh.clone();
                let token = s.issue_authorizer_token(&id, &body.authorizer_appid)?;
                Ok(json!({
                    "authorizer_access_token": token,
                    "expires_in": COMPONENT_TOKEN_TTL,
                    "authorizer_refresh_token": fresh,
                }))
            })
        }
        .await,
    )
}
