//! `POST /cgi-bin/tags/getidlist`: a user's tags.
//!
//! See [WeChat Docs/获取用户身上的标签列表](https://developers.weixin.qq.com/doc/service/api/usermanage/tag/api_gettagidlist.html).

use super::*;

/// `POST /cgi-bin/tags/getidlist`
pub(super) const API: Api = Api::post("cgi-bin/tags/getidlist");

/// The request body.
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    openid: String,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let Body { openid } = typed_body(&body)?;
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                let user = app.user(&openid).ok_or_else(WxError::invalid_openid)?;
                Ok(json!({"tagid_list": user.tags}))
            })
        }
        .await,
    )
}
