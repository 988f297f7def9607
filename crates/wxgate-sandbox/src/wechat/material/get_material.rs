//! `POST /cgi-bin/material/get_material`: download a permanent material (videos answer JSON).
//!
//! See [WeChat Docs/获取永久素材](https://developers.weixin.qq.com/doc/service/api/material/permanent/api_getmaterial.html).

use super::*;

/// `POST /cgi-bin/material/get_material`
pub(super) const API: Api = Api::post("cgi-bin/material/get_material");

pub(crate) async fn handler(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    query: RawQuery,
    body: Bytes,
) -> Response {
    let q = params(query);
    let result = async {
        let app_id = sb.enter(&API, &q).await?;
        let body: MediaIdBody = typed_body(&body)?;
        sb.with_state_ro(|s| {
            let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
            find(app, &body).map(|(id, m)| (id.to_owned(), m.clone()))
        })
    }
    .await;
    match result {
        Err(error) => error.into_response(),
        Ok((id, media)) if media.kind == "video" => axum::Json(json!({
            "title": media.title,
            "description": media.introduction,
            "down_url": media_url(&headers, &id),
        }))
        .into_response(),
        Ok((_, media)) => (
            [(header::CONTENT_TYPE, media.content_type)],
            base64::engine::general_purpose::STANDARD
                .decode(media.data)
                .unwrap_or_default(),
        )
            .into_response(),
    }
}
