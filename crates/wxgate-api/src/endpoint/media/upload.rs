//! `POST /cgi-bin/media/upload?type=TYPE` (multipart, part `media`)
//!
//! Uploads a temporary media, kept 3 days: its `media_id` goes into messages. Each upload
//! creates a new media (and counts against the daily quota), so the call is never repeated
//! once it may have reached WeChat. Errors: 40004 invalid type, 40005 wrong file format,
//! 45001 (or 40006) too large, 41005 no file.
//!
//! See [WeChat Docs/新增临时素材](https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/New_temporary_materials.html).

use serde::{Deserialize, Serialize};

use crate::MediaId;
use crate::endpoint::media::{File, MediaType};
use crate::endpoint::{AuthKind, BodyKind, Endpoint, Method, Part};

/// Query `type` of `POST /cgi-bin/media/upload` (plus the access token), and the file.
///
/// ```
/// use wxgate_api::endpoint::media::{File, MediaType, upload::Request};
/// let request = Request::new(MediaType::Image, File::new("a.png", vec![0x89, b'P']));
/// assert_eq!(serde_urlencoded::to_string(&request).unwrap(), "type=image");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The media's type.
    #[serde(rename = "type")]
    pub kind: MediaType,
    /// The file (the multipart part `media`).
    #[serde(skip)]
    pub file: File,
}

impl Request {
    /// An upload of `file` as `kind`.
    pub fn new(kind: MediaType, file: File) -> Self {
        Self { kind, file }
    }
}

/// `{"type": "image", "media_id": "...", "created_at": 123456789}` (thumbs answer
/// `thumb_media_id`, read into `media_id`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The media's type.
    #[serde(rename = "type")]
    pub kind: MediaType,
    /// The new media's id.
    #[serde(alias = "thumb_media_id")]
    pub media_id: MediaId,
    /// When it was uploaded (Unix seconds); it expires 3 days later.
    pub created_at: u64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/media/upload";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = false;
    const BODY: BodyKind = BodyKind::Multipart;
    type Response = Response;

    fn parts(&self) -> Vec<Part> {
        vec![self.file.part("media")]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumb_answers_thumb_media_id() {
        let response: Response = serde_json::from_str(
            r#"{"type":"thumb","thumb_media_id":"T1","created_at":1700000000}"#,
        )
        .unwrap();
        assert_eq!(response.kind, MediaType::Thumb);
        assert_eq!(response.media_id, "T1");
    }

    #[test]
    fn the_file_is_the_media_part() {
        let request = Request::new(
            MediaType::Voice,
            File::new("a.amr", b"#!AMR\n".to_vec()).content_type("audio/amr"),
        );
        let parts = request.parts();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].name, "media");
        assert_eq!(parts[0].file_name.as_deref(), Some("a.amr"));
        assert_eq!(parts[0].content_type.as_deref(), Some("audio/amr"));
    }
}
