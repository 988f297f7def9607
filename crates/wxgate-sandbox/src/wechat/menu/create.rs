//! `POST /cgi-bin/menu/create`: set the default menu.
//!
//! See [WeChat Docs/创建自定义菜单](https://developers.weixin.qq.com/doc/service/api/custommenu/api_createcustommenu.html).

use super::*;

/// `POST /cgi-bin/menu/create`
pub(super) const API: Api = Api::post("cgi-bin/menu/create").daily(1_000);

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let button = validate_buttons(&typed_body::<MenuBody>(&body)?)?;
            sb.with_state(|s| {
                let app = s.app_mut(&app_id)?;
                app.menu_serial += 1;
                app.menu = Some(Menu {
                    menuid: 400_000_000 + app.menu_serial,
                    button,
                    matchrule: None,
                });
                Ok(ok())
            })
        }
        .await,
    )
}
