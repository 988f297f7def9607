//! `POST /cgi-bin/component/api_get_authorizer_info`: the authorizer's account and grants.
//!
//! The sandbox's accounts are verified service accounts (`service_type_info` 2,
//! `verify_type_info` 0) named after their AppID; 61003 when the account has not authorized the
//! component.
//!
//! See [WeChat Docs/获取授权帐号详情](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/token/api_get_authorizer_info.html).

use super::*;

/// `POST /cgi-bin/component/api_get_authorizer_info`
pub(super) const API: Api = Api::post("cgi-bin/component/api_get_authorizer_info");

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    component_appid: String,
    #[serde(default)]
    authorizer_appid: String,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let body: Body = typed_body(&body)?;
            let id = sb.enter_component(&API, &q, Some(&body.component_appid))?;
            sb.with_state_ro(|s| {
                let component = s.component(&id).ok_or_else(not_authorized)?;
                let authorizer = component.authorizer(&body.authorizer_appid)?;
                let app = s.app(&body.authorizer_appid).ok_or_else(not_authorized)?;
                let user_name = app.spec.original_id();
                Ok(json!({
                    "authorizer_info": {
                        "nick_name": format!("Sandbox {}", body.authorizer_appid),
                        "head_img": "",
                        "service_type_info": {"id": 2},
                        "verify_type_info": {"id": 0},
                        "user_name": user_name,
                        "principal_name": "Sandbox",
                        "alias": "",
                        "business_info": {"open_store": 0, "open_scan": 0, "open_pay": 0,
                                          "open_card": 0, "open_shake": 0},
                        "qrcode_url": "",
                        "account_status": 1,
                    },
                    "authorization_info": {
                        "authorizer_appid": body.authorizer_appid,
                        "authorizer_refresh_token": authorizer.refresh_token,
                        "func_info": func_info(&authorizer.func_scopes),
                    },
                }))
            })
        }
        .await,
    )
}
