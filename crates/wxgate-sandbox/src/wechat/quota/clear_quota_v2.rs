//! `POST /cgi-bin/clear_quota/v2`: reset every daily quota (AppSecret).
//!
//! See [WeChat Docs/使用AppSecret重置API调用次数](https://developers.weixin.qq.com/doc/service/api/apimanage/api_clearquotabyappsecret.html).

use super::*;

/// `POST /cgi-bin/clear_quota/v2`
pub(super) const API: Api = Api::post("cgi-bin/clear_quota/v2");

/// `{"appid":"APPID","appsecret":"APPSECRET"}`
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    appid: String,
    #[serde(default)]
    appsecret: Option<String>,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, body: Bytes) -> Response {
    reply(
        async {
            let body: Body = typed_body(&body)?;
            let app_id = body.appid;
            sb.enter_app(&API, &app_id).await?;
            crate::wechat::token::check_app(&sb, &app_id, body.appsecret.as_deref())?;
            clear(&sb, &app_id)
        }
        .await,
    )
}
