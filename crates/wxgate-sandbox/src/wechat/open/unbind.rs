//! `POST /cgi-bin/open/unbind`: unbind the token's account from its open account.
//!
//! See [WeChat Docs/将公众号/小程序从开放平台帐号下解绑](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/account/unbind.html).

use super::*;

/// `POST /cgi-bin/open/unbind`
pub(super) const API: Api = Api::post("cgi-bin/open/unbind");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            same_app(&body, &app_id)?;
            sb.with_state(|s| {
                let open = s
                    .open_accounts
                    .get_mut(&body.open_appid)
                    .ok_or_else(|| WxError::new(89002, "open not exists"))?;
                let before = open.apps.len();
                open.apps.retain(|a| *a != app_id);
                if open.apps.len() == before {
                    return Err(WxError::new(89001, "not same contractor"));
                }
                Ok(ok())
            })
        }
        .await,
    )
}
