//! `POST /cgi-bin/component/api_start_push_ticket`: push a verify ticket now.
//!
//! Body `{"component_appid","component_secret"}`: 61011 unknown component, 41004 missing secret,
//! 40125 wrong secret. The ticket is pushed in the background, like WeChat's.
//!
//! See [WeChat Docs/启动票据推送服务](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/token/component_verify_ticket_service.html).

use super::*;

/// `POST /cgi-bin/component/api_start_push_ticket`
pub(super) const API: Api = Api::post("cgi-bin/component/api_start_push_ticket");

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    component_appid: String,
    #[serde(default)]
    component_secret: String,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, body: Bytes) -> Response {
    reply(
        async {
            let body: Body = typed_body(&body)?;
            sb.with_state(|s| {
                let now = s.now();
                let component = s.component_mut(&body.component_appid)?;
                component.count_call(API.path, now);
                check_secret(component, &body.component_secret)
            })?;
            let id = body.component_appid;
            let sb = sb.clone();
            tokio::spawn(async move {
                crate::push::component::push_ticket(&sb, &id).await;
            });
            Ok(ok())
        }
        .await,
    )
}

/// 41004 when missing, 40125 when wrong.
pub(super) fn check_secret(
    component: &crate::state::Component,
    secret: &str,
) -> Result<(), WxError> {
    if secret.is_empty() {
        return Err(WxError::new(41004, "appsecret missing"));
    }
    if secret != component.spec.component_appsecret.expose() {
        return Err(WxError::invalid_appsecret());
    }
    Ok(())
}
