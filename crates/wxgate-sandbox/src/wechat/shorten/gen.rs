//! `POST /cgi-bin/shorten/gen`: store up to 4 KB under a short key.
//!
//! See [WeChat Docs/长信息转短链](https://developers.weixin.qq.com/doc/service/api/qrcode/shorten/api_genshortkey.html).

use super::*;

/// `POST /cgi-bin/shorten/gen`
pub(super) const API: Api = Api::post("cgi-bin/shorten/gen");

/// `{"long_data":"...","expire_seconds":86400?}`
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    long_data: String,
    #[serde(default)]
    expire_seconds: Option<u64>,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            let long_data = body.long_data;
            if long_data.is_empty() || long_data.len() > MAX_DATA {
                return Err(WxError::argument_invalid("long_data must be 1-4096 bytes"));
            }
            let expire = body
                .expire_seconds
                .filter(|e| *e > 0)
                .unwrap_or(MAX_EXPIRE)
                .min(MAX_EXPIRE);
            sb.with_state(|s| {
                let now = s.now();
                let key = s.random_string(ALNUM, 15);
                let app = s.app_mut(&app_id)?;
                app.short_keys.retain(|_, (_, _, until)| *until > now);
                app.short_keys
                    .insert(key.clone(), (long_data, now, now + expire));
                Ok(json!({"errcode": 0, "errmsg": "ok", "short_key": key}))
            })
        }
        .await,
    )
}
