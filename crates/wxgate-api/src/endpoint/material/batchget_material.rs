//! `POST /cgi-bin/material/batchget_material`
//!
//! A page of permanent materials of one type (`count` 1 to 20, 47003 otherwise; unknown type
//! 40004), most recent first. News items carry their articles, the others a name and (images)
//! a URL.
//!
//! See [WeChat Docs/获取素材列表](https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Get_materials_list.html).

use serde::{Deserialize, Serialize};

use crate::MediaId;
use crate::endpoint::draft::NewsContent;
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/material/batchget_material` (plus the access token).
///
/// ```
/// use wxgate_api::endpoint::material::batchget_material::{MaterialType, Request};
/// assert_eq!(
///     serde_json::to_string(&Request::new(MaterialType::Image, 0, 20)).unwrap(),
///     r#"{"type":"image","offset":0,"count":20}"#,
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// Which materials.
    #[serde(rename = "type")]
    pub kind: MaterialType,
    /// How many to skip.
    pub offset: u32,
    /// How many to return, 1 to 20.
    pub count: u32,
}

impl Request {
    /// The page of `count` (1 to 20) materials of `kind` after the first `offset`.
    pub fn new(kind: MaterialType, offset: u32, count: u32) -> Self {
        Self {
            kind,
            offset,
            count,
        }
    }
}

/// The `type` of a material list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum MaterialType {
    /// `image`
    Image,
    /// `voice`
    Voice,
    /// `video`
    Video,
    /// `news` (legacy news material)
    News,
}

/// `{"total_count": N, "item_count": n, "item": [...]}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// How many materials of the type there are.
    pub total_count: u64,
    /// How many this page holds.
    pub item_count: u64,
    /// The page.
    #[serde(default)]
    pub item: Vec<Item>,
}

/// One material of the page.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Item {
    /// A news material: `{"media_id", "content": {"news_item": [...]}, "update_time"}`.
    News(NewsMaterial),
    /// An image, voice or video: `{"media_id", "name", "update_time", "url"}`.
    Media(MediaMaterial),
}

impl Item {
    /// The material's id.
    pub fn media_id(&self) -> &MediaId {
        match self {
            Self::News(news) => &news.media_id,
            Self::Media(media) => &media.media_id,
        }
    }
}

/// A news material of the page.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NewsMaterial {
    /// Its id.
    pub media_id: MediaId,
    /// Its articles.
    pub content: NewsContent,
    /// When it last changed (Unix seconds).
    #[serde(default)]
    pub update_time: u64,
}

/// An image, voice or video material of the page.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct MediaMaterial {
    /// Its id.
    pub media_id: MediaId,
    /// The file name given at upload.
    #[serde(default)]
    pub name: String,
    /// When it was added (Unix seconds).
    #[serde(default)]
    pub update_time: u64,
    /// An image's URL.
    #[serde(default)]
    pub url: Option<String>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/material/batchget_material";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_and_media_items() {
        let page: Response = serde_json::from_str(
            r#"{"total_count":2,"item_count":2,"item":[
                {"media_id":"N1","content":{"news_item":[{"title":"T","thumb_media_id":"M"}]},"update_time":5},
                {"media_id":"I1","name":"a.png","update_time":6,"url":"http://i"}]}"#,
        )
        .unwrap();
        assert!(
            matches!(&page.item[0], Item::News(n) if n.content.news_item[0].article.title == "T")
        );
        assert!(
            matches!(&page.item[1], Item::Media(m) if m.name == "a.png" && m.url.as_deref() == Some("http://i"))
        );
        assert_eq!(page.item[1].media_id(), "I1");
    }
}
