//! `GET /cgi-bin/material/get_materialcount`: how many materials of each type.
//!
//! See [WeChat Docs/获取素材总数](https://developers.weixin.qq.com/doc/service/api/material/permanent/api_getmaterialcount.html).

use super::*;

/// `GET /cgi-bin/material/get_materialcount`
pub(super) const API: Api = Api::get("cgi-bin/material/get_materialcount");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                Ok(json!({
                    "voice_count": count(app, "voice"),
                    "video_count": count(app, "video"),
                    "image_count": count(app, "image"),
                    "news_count": 0,
                }))
            })
        }
        .await,
    )
}
