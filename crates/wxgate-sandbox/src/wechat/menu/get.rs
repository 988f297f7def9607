//! `GET /cgi-bin/menu/get`: the API-created menus.
//!
//! See [WeChat Docs/获取自定义菜单配置](https://developers.weixin.qq.com/doc/service/api/custommenu/api_getmenu.html).

use super::*;

/// `GET /cgi-bin/menu/get`
pub(super) const API: Api = Api::get("cgi-bin/menu/get").daily(10_000);

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                menu_json(app).ok_or_else(|| WxError::new(46003, "menu no exist"))
            })
        }
        .await,
    )
}
