//! `POST /cgi-bin/open/bind`: bind the token's account to an open account.
//!
//! See [WeChat Docs/将公众号/小程序绑定到开放平台帐号下](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/account/bind.html).

use super::*;

/// `POST /cgi-bin/open/bind`
pub(super) const API: Api = Api::post("cgi-bin/open/bind");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            same_app(&body, &app_id)?;
            sb.with_state(|s| {
                if bound_to(s, &app_id).is_some() {
                    return Err(WxError::new(89000, "account has bound open"));
                }
                let open = s
                    .open_accounts
                    .get_mut(&body.open_appid)
                    .ok_or_else(|| WxError::new(89002, "open not exists"))?;
                if open.apps.len() >= MAX_BOUND {
                    return Err(WxError::new(
                        89004,
                        "the open account has reached the limit of bound accounts",
                    ));
                }
                open.apps.push(app_id);
                Ok(ok())
            })
        }
        .await,
    )
}
