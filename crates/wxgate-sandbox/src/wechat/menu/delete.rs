//! `GET /cgi-bin/menu/delete`: delete every menu, conditional ones included.
//!
//! See [WeChat Docs/删除自定义菜单](https://developers.weixin.qq.com/doc/service/api/custommenu/api_deletemenu.html).

use super::*;

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter("cgi-bin/menu/delete", &q).await?;
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
