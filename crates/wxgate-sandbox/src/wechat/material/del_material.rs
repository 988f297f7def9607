//! `POST /cgi-bin/material/del_material`: delete a permanent material.
//!
//! See [WeChat Docs/删除永久素材](https://developers.weixin.qq.com/doc/service/api/material/permanent/api_delmaterial.html).

use super::*;

/// `POST /cgi-bin/material/del_material`
pub(super) const API: Api = Api::post("cgi-bin/material/del_material");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: MediaIdBody = typed_body(&body)?;
            sb.with_state(|s| {
                let app = s.app_mut(&app_id)?;
                let id = find(app, &body)?.0.to_owned();
                app.materials.remove(&id);
                Ok(ok())
            })
        }
        .await,
    )
}
