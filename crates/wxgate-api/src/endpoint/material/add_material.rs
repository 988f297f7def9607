//! `POST /cgi-bin/material/add_material?type=TYPE` (multipart: part `media`, and for videos a
//! `description` field `{"title": "...", "introduction": "..."}`)
//!
//! Adds a permanent material; answers its `media_id` (and, for images, its URL). A video
//! without a description is refused (47003). Each call adds a material, so it is never
//! repeated once it may have reached WeChat.
//!
//! See [WeChat Docs/新增永久素材](https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Adding_Permanent_Assets.html).

use serde::{Deserialize, Serialize};

use crate::MediaId;
use crate::endpoint::media::{File, MediaType};
use crate::endpoint::{AuthKind, BodyKind, Endpoint, Method, Part};

/// Query `type` of `POST /cgi-bin/material/add_material` (plus the access token), the file and
/// a video's description.
///
/// ```
/// use wxgate_api::endpoint::material::add_material::Request;
/// use wxgate_api::endpoint::media::File;
/// let request = Request::video(File::new("v.mp4", vec![0; 8]), "标题", "简介");
/// assert_eq!(serde_urlencoded::to_string(&request).unwrap(), "type=video");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The material's type.
    #[serde(rename = "type")]
    pub kind: MediaType,
    /// The file (the multipart part `media`).
    #[serde(skip)]
    pub file: File,
    /// A video's title and introduction (the multipart field `description`).
    #[serde(skip)]
    pub description: Option<VideoDescription>,
}

/// The `description` of a video material.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct VideoDescription {
    /// The title.
    pub title: String,
    /// The introduction.
    pub introduction: String,
}

impl Request {
    /// A material of `kind` (for videos use [`Request::video`]).
    pub fn new(kind: MediaType, file: File) -> Self {
        Self {
            kind,
            file,
            description: None,
        }
    }

    /// A video material with its title and introduction.
    pub fn video(file: File, title: impl Into<String>, introduction: impl Into<String>) -> Self {
        Self {
            kind: MediaType::Video,
            file,
            description: Some(VideoDescription {
                title: title.into(),
                introduction: introduction.into(),
            }),
        }
    }
}

/// `{"media_id": "...", "url": "..."}` (`url` for images only).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The material's id.
    pub media_id: MediaId,
    /// An image's URL (usable inside WeChat only).
    #[serde(default)]
    pub url: Option<String>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/material/add_material";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = false;
    const BODY: BodyKind = BodyKind::Multipart;
    type Response = Response;

    fn parts(&self) -> Vec<Part> {
        let mut parts = vec![self.file.part("media")];
        if let Some(description) = &self.description {
            // Two strings always serialize.
            let json = serde_json::to_string(description).unwrap_or_default();
            parts.push(Part::text("description", json));
        }
        parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_video_sends_its_description_as_json() {
        let request = Request::video(File::new("v.mp4", vec![1]), "T\"", "I");
        let parts = request.parts();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1].name, "description");
        assert_eq!(parts[1].file_name, None);
        assert_eq!(
            parts[1].bytes.as_ref(),
            br#"{"title":"T\"","introduction":"I"}"#
        );
        assert_eq!(
            Request::new(MediaType::Image, File::new("a.png", vec![1]))
                .parts()
                .len(),
            1
        );
    }
}
