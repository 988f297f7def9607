//! `POST /cgi-bin/component/api_component_token`: the component access token.
//!
//! Body `{"component_appid","component_appsecret","component_verify_ticket"}`: 61011 unknown
//! component, 41004/40125 secret, 61006 a ticket never pushed to this component, 61005 a ticket
//! older than 12 hours, 45009 daily quota. Every call issues a new token valid 2 hours; the
//! previous one stays valid 5 minutes.
//!
//! See [WeChat Docs/获取令牌](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/token/component_access_token.html).

use super::*;

/// `POST /cgi-bin/component/api_component_token`
pub(super) const API: Api = Api::post("cgi-bin/component/api_component_token").daily(2_000);

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    component_appid: String,
    #[serde(default)]
    component_appsecret: String,
    #[serde(default)]
    component_verify_ticket: String,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, body: Bytes) -> Response {
    reply(
        async {
            let body: Body = typed_body(&body)?;
            sb.with_state(|s| {
                let now = s.now();
                let component = s.component_mut(&body.component_appid)?;
                component.count_call(API.path, now);
                super::api_start_push_ticket::check_secret(component, &body.component_appsecret)?;
                component.check_ticket(&body.component_verify_ticket, now)?;
                component.consume_quota(API.path, API.daily_limit, now)?;
                let token = s.issue_component_token(&body.component_appid)?;
                Ok(json!({"component_access_token": token, "expires_in": COMPONENT_TOKEN_TTL}))
            })
        }
        .await,
    )
}
