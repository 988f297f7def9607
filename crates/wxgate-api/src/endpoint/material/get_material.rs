//! `POST /cgi-bin/material/get_material`
//!
//! Reads a permanent material: the file's bytes for images, voice and thumbs; JSON for a video
//! (`title`, `description`, `down_url`) and for a news material (`news_item`). 40007 for an
//! unknown `media_id`.
//!
//! See [WeChat Docs/获取永久素材](https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Getting_Permanent_Assets.html).

use serde::{Deserialize, Serialize};

use crate::MediaId;
use crate::endpoint::draft::NewsItem;
use crate::endpoint::media::is_json;
use crate::endpoint::{AuthKind, Download, Endpoint, FromResponse, Method, RawResponse};
use crate::error::Error;

/// Body of `POST /cgi-bin/material/get_material` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The material.
    pub media_id: MediaId,
}

impl Request {
    /// The material `media_id`.
    pub fn new(media_id: impl Into<MediaId>) -> Self {
        Self {
            media_id: media_id.into(),
        }
    }
}

/// A permanent material, as its type answers.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Response {
    /// Images, voice, thumbs: the file.
    File(Download),
    /// A video: its description and where to download it.
    Video(Video),
    /// A (legacy) news material: its articles.
    News(Vec<NewsItem>),
}

/// `{"title": "...", "description": "...", "down_url": "..."}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Video {
    /// The title.
    #[serde(default)]
    pub title: String,
    /// The introduction given at upload.
    #[serde(default)]
    pub description: String,
    /// Where to download the video.
    pub down_url: String,
}

/// The JSON forms, told apart by their fields.
#[derive(Deserialize)]
#[serde(untagged)]
enum Json {
    News { news_item: Vec<NewsItem> },
    Video(Video),
}

/// JSON (`application/json`, `text/plain`) is a video or news material; anything else the file.
impl FromResponse for Response {
    fn from_response(path: &str, response: RawResponse) -> Result<Self, Error> {
        if !is_json(&response) {
            return Download::from_response(path, response).map(Self::File);
        }
        Ok(match Json::from_response(path, response)? {
            Json::News { news_item } => Self::News(news_item),
            Json::Video(video) => Self::Video(video),
        })
    }
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/material/get_material";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    fn json(body: &'static str) -> RawResponse {
        RawResponse {
            content_type: Some("application/json; charset=utf-8".to_owned()),
            content_disposition: None,
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    #[test]
    fn videos_news_and_files() {
        let path = "/cgi-bin/material/get_material";
        let video = Response::from_response(
            path,
            json(r#"{"title":"T","description":"D","down_url":"http://d"}"#),
        )
        .unwrap();
        assert!(matches!(&video, Response::Video(v) if v.down_url == "http://d" && v.title == "T"));
        let news = Response::from_response(
            path,
            json(r#"{"news_item":[{"title":"N","thumb_media_id":"M","show_cover_pic":1,"content":"c","url":"u"}]}"#),
        )
        .unwrap();
        let Response::News(items) = news else {
            panic!("news expected")
        };
        assert_eq!(items[0].article.title, "N");
        assert!(items[0].show_cover_pic);
        let file = Response::from_response(
            path,
            RawResponse {
                content_type: Some("image/png".to_owned()),
                content_disposition: None,
                body: Bytes::from_static(b"\x89PNG"),
            },
        )
        .unwrap();
        assert!(matches!(file, Response::File(d) if d.bytes.as_ref() == b"\x89PNG"));
    }
}
