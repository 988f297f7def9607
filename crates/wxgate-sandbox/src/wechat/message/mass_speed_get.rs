//! `POST /cgi-bin/message/mass/speed/get`: the app's mass-send speed.
//!
//! See [WeChat Docs/获取群发速度](https://developers.weixin.qq.com/doc/service/api/notify/message/api_getspeed.html).

use super::*;

/// `POST /cgi-bin/message/mass/speed/get`
pub(super) const API: Api = Api::post("cgi-bin/message/mass/speed/get");

/// `realspeed` (10 000 messages per minute) of each level 0–4.
pub(super) const REAL_SPEEDS: [u32; 5] = [80, 60, 45, 30, 10];

/// Any body (WeChat's takes none).
pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                let speed = app.mass_speed.min(4);
                Ok(json!({"speed": speed, "realspeed": REAL_SPEEDS[usize::from(speed)]}))
            })
        }
        .await,
    )
}
