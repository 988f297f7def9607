//! `POST /cgi-bin/component/api_set_authorizer_option`: set one of the authorizer's options
//! (47003 for an unknown name or a value out of range).
//!
//! See [WeChat Docs/设置授权方选项信息](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/Account_Authorization/api_set_authorizer_option.html).

use super::*;

/// `POST /cgi-bin/component/api_set_authorizer_option`
pub(super) const API: Api = Api::post("cgi-bin/component/api_set_authorizer_option");

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    component_appid: String,
    #[serde(default)]
    authorizer_appid: String,
    #[serde(default)]
    option_name: String,
    #[serde(default)]
    option_value: String,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let body: Body = typed_body(&body)?;
            let id = sb.enter_component(&API, &q, Some(&body.component_appid))?;
            let max = super::api_get_authorizer_option::option_max(&body.option_name)?;
            if !body.option_value.parse::<u8>().is_ok_and(|v| v <= max) {
                return Err(WxError::argument_invalid("option_value"));
            }
            sb.with_state(|s| {
                let component = s.component_mut(&id)?;
                let authorizer = component
                    .authorizers
                    .get_mut(&body.authorizer_appid)
                    .ok_or_else(not_authorized)?;
                authorizer
                    .options
                    .insert(body.option_name, body.option_value);
                Ok(ok())
            })
        }
        .await,
    )
}
