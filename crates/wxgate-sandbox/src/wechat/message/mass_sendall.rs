//! `POST /cgi-bin/message/mass/sendall`: send to every follower or to a tag.
//!
//! See [WeChat Docs/根据标签群发消息](https://developers.weixin.qq.com/doc/service/api/notify/message/api_sendall.html).

use super::*;

/// `POST /cgi-bin/message/mass/sendall`
pub(super) const API: Api = Api::post("cgi-bin/message/mass/sendall").daily(100);

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let body = json_body(&body)?;
            let to_all = body
                .pointer("/filter/is_to_all")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let audience = if to_all {
                Audience::All
            } else {
                let tag = body
                    .pointer("/filter/tag_id")
                    .and_then(|v| match v {
                        Value::Number(n) => n.as_u64(),
                        Value::String(s) => s.parse().ok(),
                        _ => None,
                    })
                    .and_then(|t| u32::try_from(t).ok())
                    .ok_or_else(|| WxError::argument_invalid("filter.tag_id"))?;
                Audience::Tag(tag)
            };
            submit_mass(&sb, &API, &q, &body, audience).await
        }
        .await,
    )
}
