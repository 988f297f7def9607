//! `POST /cgi-bin/message/mass/speed/set`: set the app's mass-send speed (0–4).
//!
//! See [WeChat Docs/设置群发速度](https://developers.weixin.qq.com/doc/service/api/notify/message/api_setspeed.html).

use super::*;

/// `POST /cgi-bin/message/mass/speed/set`
pub(super) const API: Api = Api::post("cgi-bin/message/mass/speed/set");

/// `{"speed":1}`
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    speed: Option<i64>,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            let speed = body.speed.ok_or_else(|| WxError::new(45084, "no speed"))?;
            let speed = u8::try_from(speed)
                .ok()
                .filter(|s| *s <= 4)
                .ok_or_else(|| WxError::new(45083, "speed out of range"))?;
            sb.with_state(|s| {
                s.app_mut(&app_id)?.mass_speed = speed;
                Ok(ok())
            })
        }
        .await,
    )
}
