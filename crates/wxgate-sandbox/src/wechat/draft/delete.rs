//! `POST /cgi-bin/draft/delete`: delete a draft.
//!
//! See [WeChat Docs/删除草稿](https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Delete_draft.html).

use super::*;

/// `POST /cgi-bin/draft/delete`
pub(super) const API: Api = Api::post("cgi-bin/draft/delete").daily(1_000);

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: MediaIdBody = typed_body(&body)?;
            sb.with_state(|s| {
                s.app_mut(&app_id)?
                    .drafts
                    .remove(&body.media_id)
                    .map(|_| ok())
                    .ok_or_else(|| WxError::new(40007, "invalid media_id"))
            })
        }
        .await,
    )
}
