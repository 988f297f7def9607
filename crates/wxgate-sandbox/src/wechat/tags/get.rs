//! `GET /cgi-bin/tags/get`: every tag with its follower count.
//!
//! See [WeChat Docs/获取公众号已创建的标签](https://developers.weixin.qq.com/doc/service/api/usermanage/tag/api_gettags.html).

use super::*;

/// `GET /cgi-bin/tags/get`
pub(super) const API: Api = Api::get("cgi-bin/tags/get").daily(1_000);

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                let tags: Vec<Value> = app
                    .tags
                    .iter()
                    .map(|(id, tag)| {
                        let count = app.users.values().filter(|u| u.tags.contains(id)).count();
                        json!({"id": id, "name": tag.name, "count": count})
                    })
                    .collect();
                Ok(json!({"tags": tags}))
            })
        }
        .await,
    )
}
