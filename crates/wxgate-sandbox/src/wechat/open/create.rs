//! `POST /cgi-bin/open/create`: create an open account and bind the token's account to it.
//!
//! See [WeChat Docs/创建开放平台帐号并绑定](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/account/create.html).

use super::*;

/// `POST /cgi-bin/open/create`
pub(super) const API: Api = Api::post("cgi-bin/open/create");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = if body.iter().all(u8::is_ascii_whitespace) {
                Body {
                    appid: None,
                    open_appid: String::new(),
                }
            } else {
                typed_body(&body)?
            };
            same_app(&body, &app_id)?;
            sb.with_state(|s| {
                if bound_to(s, &app_id).is_some() {
                    return Err(WxError::new(89000, "account has bound open"));
                }
                let open_appid = format!("wx{}", s.random_string(b"0123456789abcdef", 16));
                s.open_accounts.insert(
                    open_appid.clone(),
                    OpenAccount {
                        creator: app_id.clone(),
                        apps: vec![app_id],
                    },
                );
                Ok(json!({"open_appid": open_appid, "errcode": 0, "errmsg": "ok"}))
            })
        }
        .await,
    )
}
