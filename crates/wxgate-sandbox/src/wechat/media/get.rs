//! `GET /cgi-bin/media/get?media_id=MEDIA_ID`: download a temporary media.
//!
//! See [WeChat Docs/获取临时素材](https://developers.weixin.qq.com/doc/service/api/material/temporary/api_getmedia.html).

use super::*;

/// `GET /cgi-bin/media/get`
pub(super) const API: Api = Api::get("cgi-bin/media/get").daily(200_000);

pub(crate) async fn handler(
    State(sb): State<Sandbox>,
    headers: axum::http::HeaderMap,
    query: RawQuery,
) -> Response {
    let q = params(query);
    let result = async {
        let app_id = sb.enter(&API, &q).await?;
        let media_id = q.get("media_id").cloned().unwrap_or_default();
        sb.with_state_ro(|s| {
            let now = s.now();
            s.app(&app_id)
                .and_then(|app| app.media.get(&media_id))
                .filter(|m| m.created_at + MEDIA_TTL > now)
                .cloned()
                .ok_or_else(|| WxError::new(40007, "invalid media_id"))
        })
    }
    .await;
    match result {
        Err(error) => error.into_response(),
        Ok(media) if media.kind == "video" => axum::Json(json!({
            "video_url": media_url(&headers, q.get("media_id").map(String::as_str).unwrap_or_default())
        }))
        .into_response(),
        Ok(media) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&media.data)
                .unwrap_or_default();
            (
                [
                    (header::CONTENT_TYPE, media.content_type),
                    (
                        header::CONTENT_DISPOSITION,
                        format!(
                            "attachment; filename=\"{}\"",
                            media.filename.replace('"', "")
                        ),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
    }
}
