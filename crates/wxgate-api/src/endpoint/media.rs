//! `cgi-bin/media/*`: temporary media (临时素材, kept 3 days) and article images.
//!
//! See [WeChat Docs/新增临时素材](https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/New_temporary_materials.html).

pub mod get;
pub mod upload;
pub mod uploadimg;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::endpoint::{Part, RawResponse};

/// The `type` of an uploaded media: what WeChat checks its size and format against.
///
/// Limits (temporary and permanent): image ≤ 10 MB (bmp/png/jpeg/jpg/gif), voice ≤ 2 MB and
/// ≤ 60 s (amr/mp3), video ≤ 10 MB (mp4), thumb ≤ 64 KB (jpg). Over the size WeChat answers
/// 45001 (or 40006), a wrong format 40005.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum MediaType {
    /// `image`
    Image,
    /// `voice`
    Voice,
    /// `video`
    Video,
    /// `thumb`: a thumbnail (video and music messages, article covers).
    Thumb,
}

impl MediaType {
    /// The wire name (`image`, `voice`, `video`, `thumb`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Voice => "voice",
            Self::Video => "video",
            Self::Thumb => "thumb",
        }
    }
}

/// A file to upload: its name (WeChat looks at the extension), content type and bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct File {
    /// The file name sent in the multipart part (`photo.png`).
    pub file_name: String,
    /// The part's content type (`image/png`); `None` sends none.
    pub content_type: Option<String>,
    /// The content.
    pub bytes: Bytes,
}

impl File {
    /// A file named `file_name` holding `bytes` (no content type).
    pub fn new(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        Self {
            file_name: file_name.into(),
            content_type: None,
            bytes: bytes.into(),
        }
    }

    /// With a content type (`image/png`).
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The multipart part `name` carrying this file.
    pub(crate) fn part(&self, name: &str) -> Part {
        Part::file(
            name,
            self.file_name.clone(),
            self.content_type.clone(),
            self.bytes.clone(),
        )
    }
}

/// Whether an answer that may be a file or JSON is JSON (`video_url`, a video's `down_url`):
/// WeChat labels those `application/json` or `text/plain`; files carry their media type.
pub(crate) fn is_json(response: &RawResponse) -> bool {
    match response.content_type.as_deref() {
        Some(content_type) => {
            let essence = content_type
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            essence == "application/json" || essence == "text/json" || essence == "text/plain"
        }
        None => response.body.first() == Some(&b'{'),
    }
}
