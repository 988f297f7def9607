//! Temporary media: `POST /cgi-bin/media/upload?type=` (multipart field `media`) and
//! `GET /cgi-bin/media/get?media_id=`.
//!
//! Types and size limits: image 10 MB, voice 2 MB, video 10 MB, thumb 64 KB (45001 over the limit).
//! Formats, by the file name's extension or else the part's content type (40005 otherwise; the
//! bytes are not inspected): image bmp/png/jpeg/jpg/gif, voice amr/mp3 (permanent also wma/wav),
//! video mp4, thumb jpg/jpeg. Unknown type 40004, no `media` field 41005. Media live
//! 3 days; `media/get` of unknown or expired media answers 40007; video answers
//! `{"video_url": …}` (a sandbox URL that serves the bytes) instead of the bytes.
//!
//! `POST /cgi-bin/media/uploadimg` stores an article image (≤ 1 MB, 45001) and answers its `url`,
//! a sandbox URL (`/sandbox/media/{id}`) rather than `mmbiz.qpic.cn`.
//!
//! See [WeChat Docs/新增临时素材](https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/New_temporary_materials.html)
//! and [WeChat Docs/获取临时素材](https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Get_temporary_materials.html).

pub(super) mod get;
pub(super) mod upload;
pub(super) mod uploadimg;

use axum::extract::{Multipart, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::json;

use super::api::{Api, Routes};
use super::params;
use crate::Sandbox;
use crate::error::WxError;
use crate::state::{MEDIA_TTL, Media, URL_SAFE};

/// This group's APIs.
pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .api(upload::API, upload::handler)
        .api(get::API, get::handler)
        .api(uploadimg::API, uploadimg::handler)
}

/// The body limit of `media/upload` (largest type plus multipart overhead).
pub(crate) const MAX_UPLOAD: usize = 11 * 1024 * 1024;

pub(crate) fn limit_of(kind: &str) -> Option<usize> {
    match kind {
        "image" | "video" => Some(10 * 1024 * 1024),
        "voice" => Some(2 * 1024 * 1024),
        "thumb" => Some(64 * 1024),
        _ => None,
    }
}

/// One uploaded file: the multipart field `media`, and `description` (permanent videos).
pub(crate) struct Upload {
    pub(crate) filename: String,
    pub(crate) content_type: String,
    pub(crate) bytes: axum::body::Bytes,
    pub(crate) description: Option<String>,
}

/// Read the `media` field (41005 when absent or empty) and an optional `description` field.
pub(crate) async fn read_upload(
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
    kind: &str,
) -> Result<Upload, WxError> {
    let missing = || WxError::new(41005, "media data missing");
    let mut multipart = multipart.map_err(|_| missing())?;
    let mut file = None;
    let mut description = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("media") if file.is_none() => {
                let filename = field.file_name().unwrap_or("media").to_owned();
                let content_type = field
                    .content_type()
                    .map(str::to_owned)
                    .unwrap_or_else(|| guess_type(kind, &filename).to_owned());
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| WxError::new(45001, "media size out of limit"))?;
                file = Some((filename, content_type, bytes));
            }
            Some("description") => description = field.text().await.ok(),
            _ => {}
        }
    }
    let (filename, content_type, bytes) = file.ok_or_else(missing)?;
    if bytes.is_empty() {
        return Err(missing());
    }
    Ok(Upload {
        filename,
        content_type,
        bytes,
        description,
    })
}

/// The file's format (lower-case extension, or else from the content type) must be one WeChat
/// accepts for `kind` (40005 "invalid file type").
pub(crate) fn check_format(kind: &str, upload: &Upload) -> Result<(), WxError> {
    let lower = upload.filename.to_ascii_lowercase();
    let extension = lower
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_owned())
        .filter(|ext| !ext.is_empty())
        .or_else(|| {
            let ext = match upload.content_type.split(';').next().unwrap_or("").trim() {
                "image/png" => "png",
                "image/jpeg" | "image/jpg" => "jpg",
                "image/gif" => "gif",
                "image/bmp" => "bmp",
                "audio/amr" => "amr",
                "audio/mpeg" | "audio/mp3" => "mp3",
                "audio/wav" | "audio/x-wav" => "wav",
                "audio/x-ms-wma" => "wma",
                "video/mp4" => "mp4",
                _ => return None,
            };
            Some(ext.to_owned())
        })
        .unwrap_or_default();
    let allowed: &[&str] = match kind {
        "image" => &["bmp", "png", "jpeg", "jpg", "gif"],
        "voice" => &["amr", "mp3", "wma", "wav"],
        "video" => &["mp4"],
        "thumb" => &["jpg", "jpeg"],
        "uploadimg" => &["jpg", "jpeg", "png"],
        _ => &[],
    };
    if allowed.contains(&extension.as_str()) {
        Ok(())
    } else {
        Err(WxError::new(40005, "invalid file type"))
    }
}

fn guess_type(kind: &str, filename: &str) -> &'static str {
    let lower = filename.to_ascii_lowercase();
    match kind {
        _ if lower.ends_with(".png") => "image/png",
        _ if lower.ends_with(".gif") => "image/gif",
        "image" | "thumb" => "image/jpeg",
        _ if lower.ends_with(".mp3") => "audio/mpeg",
        "voice" => "audio/amr",
        "video" => "video/mp4",
        _ => "application/octet-stream",
    }
}

/// `http://HOST/sandbox/media/{id}`: where the sandbox serves a stored file.
pub(crate) fn media_url(headers: &axum::http::HeaderMap, media_id: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}/sandbox/media/{media_id}")
}
