//! `POST /cgi-bin/clear_quota`: reset every daily quota (access_token).
//!
//! See [WeChat Docs/重置API调用次数](https://developers.weixin.qq.com/doc/service/api/apimanage/api_clearquota.html).

use super::*;

/// `POST /cgi-bin/clear_quota`
pub(super) const API: Api = Api::post("cgi-bin/clear_quota");

/// `{"appid":"APPID"}`
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    appid: String,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let caller = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            let app_id = body.appid.as_str();
            if app_id.is_empty() {
                return Err(WxError::new(41002, "appid missing"));
            }
            if app_id != caller {
                return Err(WxError::invalid_appid());
            }
            clear(&sb, app_id)
        }
        .await,
    )
}
