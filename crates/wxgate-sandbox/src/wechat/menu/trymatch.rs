//! `POST /cgi-bin/menu/trymatch`: the menu a user would see.
//!
//! See [WeChat Docs/测试个性化菜单匹配结果](https://developers.weixin.qq.com/doc/service/api/custommenu/api_trymatchmenu.html).

use super::*;

/// `POST /cgi-bin/menu/trymatch`
pub(super) const API: Api = Api::post("cgi-bin/menu/trymatch").daily(20_000);

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            let user_id = body.user_id.as_deref().unwrap_or_default();
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                let user = app
                    .user(user_id)
                    .ok_or_else(|| WxError::new(65302, "no such user"))?;
                let menu = effective_menu(app, user)
                    .ok_or_else(|| WxError::new(46003, "menu no exist"))?;
                Ok(json!({"button": menu.button}))
            })
        }
        .await,
    )
}

/// `{"user_id": "OPENID or WeChat ID"}`
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    user_id: Option<String>,
}
