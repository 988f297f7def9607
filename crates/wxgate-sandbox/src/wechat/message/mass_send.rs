//! `POST /cgi-bin/message/mass/send`: send to a list of 2–10 000 OpenIDs.
//!
//! See [WeChat Docs/根据OpenID群发消息](https://developers.weixin.qq.com/doc/service/api/notify/message/api_masssend.html).

use super::*;

/// `POST /cgi-bin/message/mass/send`
pub(super) const API: Api = Api::post("cgi-bin/message/mass/send").daily(100);

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let body = json_body(&body)?;
            let openids: Vec<String> = body
                .get("touser")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            if openids.len() < 2 || openids.len() > 10_000 {
                return Err(WxError::new(
                    40130,
                    "invalid openid list size, at least two openid",
                ));
            }
            submit_mass(&sb, &API, &q, &body, Audience::OpenIds(openids)).await
        }
        .await,
    )
}
