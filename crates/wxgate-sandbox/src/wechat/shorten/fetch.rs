//! `POST /cgi-bin/shorten/fetch`: the data stored under a short key.
//!
//! See [WeChat Docs/短链转长信息](https://developers.weixin.qq.com/doc/service/api/qrcode/shorten/api_fetchshorten.html).

use super::*;

/// `POST /cgi-bin/shorten/fetch`
pub(super) const API: Api = Api::post("cgi-bin/shorten/fetch");

/// `{"short_key":"..."}`
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    short_key: String,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            let key = body.short_key;
            sb.with_state_ro(|s| {
                let now = s.now();
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                let (data, created, until) = app
                    .short_keys
                    .get(&key)
                    .filter(|(_, _, until)| *until > now)
                    .ok_or_else(|| WxError::argument_invalid("short_key"))?;
                Ok(json!({
                    "errcode": 0,
                    "errmsg": "ok",
                    "long_data": data,
                    "create_time": created,
                    "expire_seconds": until - now,
                }))
            })
        }
        .await,
    )
}
