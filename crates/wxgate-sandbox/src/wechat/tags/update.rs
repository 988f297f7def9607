//! `POST /cgi-bin/tags/update`: rename a tag.
//!
//! See [WeChat Docs/编辑标签](https://developers.weixin.qq.com/doc/service/api/usermanage/tag/api_updatetag.html).

use super::*;

/// `POST /cgi-bin/tags/update`
pub(super) const API: Api = Api::post("cgi-bin/tags/update").daily(1_000);

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let TagBody { tag } = typed_body(&body)?;
            let id = tag_id(tag.id)?;
            let name = tag_name(&tag)?;
            sb.with_state(|s| {
                let app = s.app_mut(&app_id)?;
                editable(app, id)?;
                if duplicate(app, &name, Some(id)) {
                    return Err(WxError::new(45157, "invalid tag name"));
                }
                app.tags.insert(id, Tag { name });
                Ok(ok())
            })
        }
        .await,
    )
}
