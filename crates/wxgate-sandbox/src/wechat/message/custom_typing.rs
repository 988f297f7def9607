//! `POST /cgi-bin/message/custom/typing`: show or hide the typing indicator.
//!
//! See [WeChat Docs/客服输入状态](https://developers.weixin.qq.com/doc/service/api/customer/message/api_typing.html).

use super::*;

/// `POST /cgi-bin/message/custom/typing`
pub(super) const API: Api = Api::post("cgi-bin/message/custom/typing");

/// `{"touser":"OPENID","command":"Typing"}`
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    touser: String,
    #[serde(default)]
    command: String,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            let command = body.command.as_str();
            if command != "Typing" && command != "CancelTyping" {
                return Err(WxError::new(45072, "command invalid"));
            }
            let openid = body.touser.clone();
            sb.with_state(|s| {
                let now = s.now();
                let user = s.app_mut(&app_id)?.user_mut(&openid)?;
                if !user.subscribed {
                    return Err(WxError::new(43004, "require subscribe"));
                }
                let last_interaction = user.windows.iter().map(|w| w.opened_at).max();
                if last_interaction.is_none_or(|t| t + 30 < now) {
                    return Err(WxError::new(
                        45080,
                        "has not sent message to user in 30 seconds",
                    ));
                }
                if command == "CancelTyping" {
                    user.typing_until = 0;
                } else if user.typing_until > now {
                    return Err(WxError::new(45081, "you are already typing"));
                } else {
                    user.typing_until = now + 15;
                }
                Ok(ok())
            })
        }
        .await,
    )
}
