//! `POST /cgi-bin/media/uploadimg`: upload an image for article bodies; answers its URL.
//!
//! See [WeChat Docs/上传图文消息内的图片获取URL](https://developers.weixin.qq.com/doc/service/api/material/permanent/api_uploadimage.html).

use super::*;
use crate::wechat::reply;

/// `POST /cgi-bin/media/uploadimg`
pub(super) const API: Api = Api::post("cgi-bin/media/uploadimg").body_limit(MAX_UPLOAD);

/// Article images are limited to 1 MB.
const LIMIT: usize = 1024 * 1024;

pub(crate) async fn handler(
    State(sb): State<Sandbox>,
    headers: axum::http::HeaderMap,
    query: RawQuery,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let q = params(query);
    let result = async {
        let app_id = sb.enter(&API, &q).await?;
        let upload = read_upload(multipart, "image").await?;
        if upload.bytes.len() > LIMIT {
            return Err(WxError::new(45001, "media size out of limit"));
        }
        check_format("uploadimg", &upload)?;
        sb.with_state(|s| {
            let now = s.now();
            let id = s.random_string(URL_SAFE, 64);
            s.app_mut(&app_id)?.materials.insert(
                id.clone(),
                Media {
                    kind: "uploadimg".to_owned(),
                    filename: upload.filename,
                    content_type: upload.content_type,
                    data: base64::engine::general_purpose::STANDARD.encode(&upload.bytes),
                    created_at: now,
                    title: None,
                    introduction: None,
                },
            );
            Ok(json!({"url": media_url(&headers, &id)}))
        })
    }
    .await;
    reply(result)
}
