//! `POST /cgi-bin/user/info/batchget`: up to 100 users.
//!
//! See [WeChat Docs/批量获取用户基本信息](https://developers.weixin.qq.com/doc/service/api/usermanage/userinfo/api_batchuserinfo.html).

use super::*;

/// `POST /cgi-bin/user/info/batchget`
pub(super) const API: Api = Api::post("cgi-bin/user/info/batchget").daily(5_000_000);

/// The request body.
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    user_list: Option<Vec<Entry>>,
}

/// One `user_list` entry (its `lang` is ignored: the sandbox answers in `zh_CN`).
#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    openid: String,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            let list = body
                .user_list
                .ok_or_else(|| WxError::argument_invalid("user_list"))?;
            if list.is_empty() || list.len() > 100 {
                return Err(WxError::argument_invalid("user_list size must be 1-100"));
            }
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                let infos = list
                    .iter()
                    .map(|entry| {
                        app.user(&entry.openid)
                            .map(user_info)
                            .ok_or_else(WxError::invalid_openid)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(json!({"user_info_list": infos}))
            })
        }
        .await,
    )
}
