//! `POST /cgi-bin/message/mass/sendall`: send to every follower or to a tag.
//!
//! See [WeChat Docs/根据标签群发消息](https://developers.weixin.qq.com/doc/service/api/notify/message/api_sendall.html).

use super::*;

/// `POST /cgi-bin/message/mass/sendall`
pub(super) const API: Api = Api::post("cgi-bin/message/mass/sendall").daily(100);

/// `{"filter":{"is_to_all":false,"tag_id":2},"msgtype":"mpnews","mpnews":{...},"clientmsgid"?}`
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    filter: Filter,
    #[serde(default)]
    clientmsgid: Option<String>,
    #[serde(flatten)]
    message: MassMessage,
}

#[derive(Default, Deserialize)]
struct Filter {
    #[serde(default)]
    is_to_all: bool,
    #[serde(default)]
    tag_id: Option<NumberOrText>,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let body: Body = typed_body(&body)?;
            let audience = if body.filter.is_to_all {
                Audience::All
            } else {
                let tag = body
                    .filter
                    .tag_id
                    .as_ref()
                    .and_then(NumberOrText::value)
                    .and_then(|t| u32::try_from(t).ok())
                    .ok_or_else(|| WxError::argument_invalid("filter.tag_id"))?;
                Audience::Tag(tag)
            };
            submit_mass(&sb, &API, &q, &body.message, body.clientmsgid, audience).await
        }
        .await,
    )
}
