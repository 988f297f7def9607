//! `GET /cgi-bin/media/get?media_id=MEDIA_ID`
//!
//! Downloads a temporary media: the file's bytes, or for a video `{"video_url": "..."}` (where
//! to download it). Unknown or expired media (older than 3 days) answer 40007.
//!
//! See [WeChat Docs/获取临时素材](https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Get_temporary_materials.html).

use serde::{Deserialize, Serialize};

use crate::MediaId;
use crate::endpoint::media::is_json;
use crate::endpoint::{AuthKind, Download, Endpoint, FromResponse, Method, RawResponse};
use crate::error::Error;

/// Query of `GET /cgi-bin/media/get` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The media to download.
    pub media_id: MediaId,
}

impl Request {
    /// A download of `media_id`.
    pub fn new(media_id: impl Into<MediaId>) -> Self {
        Self {
            media_id: media_id.into(),
        }
    }
}

/// A temporary media: the file itself, or where a video is.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Response {
    /// The file (images, voice, thumbs): bytes, content type, file name.
    File(Download),
    /// A video: `{"video_url": "..."}`.
    Video(VideoUrl),
}

/// `{"video_url": "..."}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct VideoUrl {
    /// Where to download the video (HTTP GET, no token).
    pub video_url: String,
}

impl Response {
    /// The file, if the answer is one (not a video link).
    pub fn file(&self) -> Option<&Download> {
        match self {
            Self::File(file) => Some(file),
            Self::Video(_) => None,
        }
    }

    /// The video's URL, if the answer is one.
    pub fn video_url(&self) -> Option<&str> {
        match self {
            Self::File(_) => None,
            Self::Video(video) => Some(&video.video_url),
        }
    }
}

/// JSON (`application/json`, `text/plain`) is a video link; anything else is the file.
impl FromResponse for Response {
    fn from_response(path: &str, response: RawResponse) -> Result<Self, Error> {
        if is_json(&response) {
            VideoUrl::from_response(path, response).map(Self::Video)
        } else {
            Download::from_response(path, response).map(Self::File)
        }
    }
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/cgi-bin/media/get";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    fn raw(content_type: Option<&str>, body: &'static [u8]) -> RawResponse {
        RawResponse {
            content_type: content_type.map(str::to_owned),
            content_disposition: Some(r#"attachment; filename="m.jpg""#.to_owned()),
            body: Bytes::from_static(body),
        }
    }

    #[test]
    fn files_and_video_links_are_told_apart_by_content_type() {
        let file = Response::from_response(PATH, raw(Some("image/jpeg"), b"{jpeg")).unwrap();
        let download = file.file().expect("a file");
        assert_eq!(download.bytes.as_ref(), b"{jpeg");
        assert_eq!(download.file_name.as_deref(), Some("m.jpg"));
        let video = Response::from_response(
            PATH,
            raw(Some("text/plain"), br#"{"video_url":"http://v/1.mp4"}"#),
        )
        .unwrap();
        assert_eq!(video.video_url(), Some("http://v/1.mp4"));
        let bad = Response::from_response(PATH, raw(Some("application/json"), b"[]"));
        assert!(bad.is_err());
    }

    const PATH: &str = "/cgi-bin/media/get";
}
