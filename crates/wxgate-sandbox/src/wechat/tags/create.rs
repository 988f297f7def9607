//! `POST /cgi-bin/tags/create`: create a tag.
//!
//! See [WeChat Docs/创建标签](https://developers.weixin.qq.com/doc/service/api/usermanage/tag/api_createtag.html).

use super::*;

/// `POST /cgi-bin/tags/create`
pub(super) const API: Api = Api::post("cgi-bin/tags/create").daily(1_000);

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let name = tag_name(&typed_body::<TagBody>(&body)?.tag)?;
            sb.with_state(|s| {
                let app = s.app_mut(&app_id)?;
                if duplicate(app, &name, None) {
                    return Err(WxError::new(45157, "invalid tag name"));
                }
                if app.tags.len() >= MAX_TAGS {
                    return Err(WxError::new(45056, "too many tags"));
                }
                let id = app.next_tag_id;
                app.next_tag_id += 1;
                app.tags.insert(id, Tag { name: name.clone() });
                Ok(json!({"tag": {"id": id, "name": name}}))
            })
        }
        .await,
    )
}
