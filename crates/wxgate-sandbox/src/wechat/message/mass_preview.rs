//! `POST /cgi-bin/message/mass/preview`: send a mass message to one follower to check it.
//!
//! See [WeChat Docs/预览消息](https://developers.weixin.qq.com/doc/service/api/notify/message/api_preview.html).

use super::*;

/// `POST /cgi-bin/message/mass/preview`
pub(super) const API: Api = Api::post("cgi-bin/message/mass/preview");

/// `{"touser":"OPENID","msgtype":"text","text":{...}}` (`towxname` is not modelled).
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    touser: Option<String>,
    #[serde(flatten)]
    message: MassMessage,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            let message = mass_message(&body.message)?;
            let openid = body
                .touser
                .ok_or_else(|| WxError::argument_invalid("touser (towxname is not modelled)"))?;
            sb.with_state(|s| {
                let now = s.now();
                let msg_id = s.random_u63() % 10_000_000_000;
                let user = s.app_mut(&app_id)?.user_mut(&openid)?;
                if !user.subscribed {
                    return Err(WxError::new(43004, "require subscribe"));
                }
                user.push_inbox(now, "preview", message);
                Ok(json!({"errcode": 0, "errmsg": "preview success", "msg_id": msg_id}))
            })
        }
        .await,
    )
}
