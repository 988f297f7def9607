//! `POST /cgi-bin/open/get`: the open account the token's account is bound to.
//!
//! See [WeChat Docs/获取公众号/小程序所绑定的开放平台帐号](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/account/get.html).

use super::*;

/// `POST /cgi-bin/open/get`
pub(super) const API: Api = Api::post("cgi-bin/open/get");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            same_app(&body, &app_id)?;
            sb.with_state_ro(|s| {
                bound_to(s, &app_id)
                    .map(|open_appid| json!({"open_appid": open_appid, "errcode": 0, "errmsg": "ok"}))
                    .ok_or_else(|| WxError::new(89002, "open not exists"))
            })
        }
        .await,
    )
}
