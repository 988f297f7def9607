//! `POST /cgi-bin/material/add_material?type=TYPE`: add a permanent material (multipart `media`, videos also `description`).
//!
//! See [WeChat Docs/新增永久素材](https://developers.weixin.qq.com/doc/service/api/material/permanent/api_addmaterial.html).

use super::*;

/// `POST /cgi-bin/material/add_material`
pub(super) const API: Api =
    Api::post("cgi-bin/material/add_material").body_limit(crate::wechat::media::MAX_UPLOAD);

/// The `description` form field of a video: `{"title": "...", "introduction": "..."}`.
#[derive(Deserialize)]
struct Description {
    #[serde(default)]
    title: String,
    #[serde(default)]
    introduction: String,
}

pub(crate) async fn handler(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
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
            description,
        } = upload;
        let (title, introduction) = if kind == "video" {
            let description: Description = description
                .as_deref()
                .and_then(|d| serde_json::from_str(d).ok())
                .ok_or_else(|| WxError::argument_invalid("description"))?;
            (Some(description.title), Some(description.introduction))
        } else {
            (None, None)
        };
        sb.with_state(|s| {
            let now = s.now();
            let media_id = s.random_string(URL_SAFE, 43);
            let app = s.app_mut(&app_id)?;
            if count(app, &kind) >= capacity(&kind) {
                return Err(WxError::quota());
            }
            app.materials.insert(
                media_id.clone(),
                Media {
                    kind: kind.clone(),
                    filename,
                    content_type,
                    data: base64::engine::general_purpose::STANDARD.encode(&bytes),
                    created_at: now,
                    title,
                    introduction,
                },
            );
            let mut body = json!({"media_id": media_id});
            if kind == "image" {
                body["url"] = json!(media_url(&headers, &media_id));
            }
            Ok(body)
        })
    }
    .await;
    reply(result)
}
