//! `POST /cgi-bin/component/api_get_authorizer_option`: one of the authorizer's options
//! (`location_report` 0–2, `voice_recognize` 0–1, `customer_service` 0–1; all start at `0`);
//! another name answers 47003.
//!
//! See [WeChat Docs/获取授权方选项信息](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/Account_Authorization/api_get_authorizer_option.html).

use super::*;

/// `POST /cgi-bin/component/api_get_authorizer_option`
pub(super) const API: Api = Api::post("cgi-bin/component/api_get_authorizer_option");

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    component_appid: String,
    #[serde(default)]
    authorizer_appid: String,
    #[serde(default)]
    option_name: String,
}

/// The options and their largest value.
pub(super) fn option_max(name: &str) -> Result<u8, WxError> {
    match name {
        "location_report" => Ok(2),
        "voice_recognize" | "customer_service" => Ok(1),
        _ => Err(WxError::argument_invalid("option_name")),
    }
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let body: Body = typed_body(&body)?;
            let id = sb.enter_component(&API, &q, Some(&body.component_appid))?;
            option_max(&body.option_name)?;
            sb.with_state_ro(|s| {
                let component = s.component(&id).ok_or_else(not_authorized)?;
                let authorizer = component.authorizer(&body.authorizer_appid)?;
                let value = authorizer
                    .options
                    .get(&body.option_name)
                    .cloned()
                    .unwrap_or_else(|| "0".to_owned());
                Ok(json!({
                    "authorizer_appid": body.authorizer_appid,
                    "option_name": body.option_name,
                    "option_value": value,
                }))
            })
        }
        .await,
    )
}
