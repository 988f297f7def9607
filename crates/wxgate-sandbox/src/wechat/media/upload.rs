//! `POST /cgi-bin/media/upload?type=TYPE`: upload a temporary media (multipart field `media`).
//!
//! See [WeChat Docs/新增临时素材](https://developers.weixin.qq.com/doc/service/api/material/temporary/api_uploadtempmedia.html).

use super::*;
use crate::wechat::reply;

/// `POST /cgi-bin/media/upload`
pub(super) const API: Api = Api::post("cgi-bin/media/upload")
    .daily(100_000)
    .body_limit(MAX_UPLOAD);

pub(crate) async fn handler(
    State(sb): State<Sandbox>,
    query: RawQuery,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let q = params(query);
    let result = async {
        let app_id = sb.enter(&API, &q).await?;
        let kind = q.get("type").cloned().unwrap_or_default();
        let limit = limit_of(&kind).ok_or_else(|| WxError::new(40004, "invalid media type"))?;
        let upload = read_upload(multipart, &kind).await?;
        if upload.bytes.len() > limit {
            return Err(WxError::new(45001, "media size out of limit"));
        }
        check_format(&kind, &upload)?;
        let Upload {
            filename,
            content_type,
            bytes,
            ..
        } = upload;
        sb.with_state(|s| {
            let now = s.now();
            let media_id = s.random_string(URL_SAFE, 64);
            s.app_mut(&app_id)?.media.insert(
                media_id.clone(),
                Media {
                    kind: kind.clone(),
                    filename,
                    content_type,
                    data: base64::engine::general_purpose::STANDARD.encode(&bytes),
                    created_at: now,
                    title: None,
                    introduction: None,
                },
            );
            let id_field = if kind == "thumb" {
                "thumb_media_id"
            } else {
                "media_id"
            };
            let mut body = json!({"type": kind, "created_at": now});
            body[id_field] = json!(media_id);
            Ok(body)
        })
    }
    .await;
    reply(result)
}
