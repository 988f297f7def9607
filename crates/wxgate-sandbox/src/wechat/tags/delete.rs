//! `POST /cgi-bin/tags/delete`: delete a tag.
//!
//! See [WeChat Docs/删除标签](https://developers.weixin.qq.com/doc/service/api/usermanage/tag/api_deletetag.html).

use super::*;

/// `POST /cgi-bin/tags/delete`
pub(super) const API: Api = Api::post("cgi-bin/tags/delete");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let id = tag_id(typed_body::<TagBody>(&body)?.tag.id)?;
            sb.with_state(|s| {
                let app = s.app_mut(&app_id)?;
                editable(app, id)?;
                app.tags.remove(&id);
                for user in app.users.values_mut() {
                    user.tags.retain(|t| *t != id);
                }
                Ok(ok())
            })
        }
        .await,
    )
}
