//! `GET /cgi-bin/menu/delete`: delete every menu, conditional ones included.
//!
//! See the protocol reference, §10 (删除接口).

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
