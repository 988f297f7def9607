//! `POST /cgi-bin/message/mass/get`: the status of a mass send.
//!
//! See [WeChat Docs/查询群发消息发送状态](https://developers.weixin.qq.com/doc/service/api/notify/message/api_massmsgget.html).

use super::*;

/// `POST /cgi-bin/message/mass/get`
pub(super) const API: Api = Api::post("cgi-bin/message/mass/get");

/// `{"msg_id":"201053012"}` (a number or a string).
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    msg_id: Option<NumberOrText>,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                let id = mass_job_id(app, body.msg_id.as_ref())?;
                let status = app.mass_jobs.get(&id).map(|j| j.status.clone());
                Ok(json!({"msg_id": id, "msg_status": status}))
            })
        }
        .await,
    )
}
