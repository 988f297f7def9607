//! `GET /cgi-bin/menu/delete`: delete every menu, conditional ones included.
//!
//! See [WeChat Docs/删除自定义菜单](https://developers.weixin.qq.com/doc/service/api/custommenu/api_deletemenu.html).

use super::*;

/// `GET /cgi-bin/menu/delete`
pub(super) const API: Api = Api::get("cgi-bin/menu/delete").daily(1_000);

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            sb.with_state(|s| {
                let app = s.app_mut(&app_id)?;
                app.menu = None;
                app.conditional_menus.clear();
                Ok(ok())
            })
        }
        .await,
    )
}
