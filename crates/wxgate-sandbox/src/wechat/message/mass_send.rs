//! `POST /cgi-bin/message/mass/send`: send to a list of 2–10 000 OpenIDs.
//!
//! See [WeChat Docs/根据OpenID群发消息](https://developers.weixin.qq.com/doc/service/api/notify/message/api_masssend.html).

use super::*;

/// `POST /cgi-bin/message/mass/send`
pub(super) const API: Api = Api::post("cgi-bin/message/mass/send").daily(100);

/// `{"touser":["OPENID1","OPENID2"],"msgtype":"mpnews","mpnews":{...},"clientmsgid"?}`
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    touser: Vec<String>,
    #[serde(default)]
    clientmsgid: Option<String>,
    #[serde(flatten)]
    message: MassMessage,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let body: Body = typed_body(&body)?;
            if body.touser.len() < 2 || body.touser.len() > 10_000 {
                return Err(WxError::new(
                    40130,
                    "invalid openid list size, at least two openid",
                ));
            }
            let audience = Audience::OpenIds(body.touser);
            submit_mass(&sb, &API, &q, &body.message, body.clientmsgid, audience).await
        }
        .await,
    )
}
