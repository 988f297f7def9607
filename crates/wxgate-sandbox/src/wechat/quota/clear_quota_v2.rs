//! `POST /cgi-bin/clear_quota/v2`: reset every daily quota (AppSecret).
//!
//! See [WeChat Docs/使用AppSecret重置API调用次数](https://developers.weixin.qq.com/doc/service/api/apimanage/api_clearquotabyappsecret.html).

use super::*;

/// `POST /cgi-bin/clear_quota/v2`
pub(super) const API: Api = Api::post("cgi-bin/clear_quota/v2");

pub(crate) async fn handler(State(sb): State<Sandbox>, body: Bytes) -> Response {
    reply(
        async {
            let body = json_body(&body)?;
            let app_id = str_field(&body, "appid").unwrap_or_default().to_owned();
            sb.enter_app(&API, &app_id).await?;
            crate::wechat::token::check_app(&sb, &app_id, str_field(&body, "appsecret"))?;
            clear(&sb, &app_id)
        }
        .await,
    )
}
