//! `cgi-bin/draft/*`: the draft box (草稿箱), where articles are written before they are
//! published (`freepublish/submit`).
//!
//! One [`Article`] model serves drafts, publications and the legacy news material: what
//! `draft/add` takes, and, inside a [`NewsItem`], what `draft/get`,
//! `freepublish/getarticle` and `material/get_material` answer.
//!
//! See [WeChat Docs/新建草稿](https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Add_draft.html).

pub mod add;
pub mod batchget;
pub mod count;
pub mod delete;
pub mod get;
pub mod update;

use serde::{Deserialize, Serialize};

use crate::MediaId;

/// One article (图文) of a draft: what `draft/add` and `draft/update` send.
///
/// WeChat's limits: `title` ≤ 32 characters (45003), `author` ≤ 16 (45110), `digest` ≤ 128
/// (45004), `content` < 20 000 characters and < 1 MB (45002; images only from
/// `media/uploadimg`), `content_source_url` ≤ 1 024 bytes (45005); `thumb_media_id` must be a
/// permanent image material (40007).
///
/// ```
/// use wxgate_api::endpoint::draft::Article;
/// let article = Article::new("标题", "<p>正文</p>", "THUMB_ID").author("作者").open_comment(true);
/// assert_eq!(
///     serde_json::to_string(&article).unwrap(),
///     r#"{"title":"标题","author":"作者","content":"<p>正文</p>","thumb_media_id":"THUMB_ID","need_open_comment":1,"only_fans_can_comment":1}"#,
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Article {
    /// The title.
    #[serde(default)]
    pub title: String,
    /// The author (empty: none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub author: String,
    /// The summary shown in shares (empty: WeChat takes the start of the content for a
    /// single-article draft).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub digest: String,
    /// The HTML content.
    #[serde(default)]
    pub content: String,
    /// The "read more" (阅读原文) link (empty: none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub content_source_url: String,
    /// The cover: a permanent image material.
    #[serde(default)]
    pub thumb_media_id: MediaId,
    /// Whether comments are open (`need_open_comment` 1).
    #[serde(default, with = "flag")]
    pub need_open_comment: bool,
    /// Whether only followers may comment (`only_fans_can_comment` 1).
    #[serde(default, with = "flag")]
    pub only_fans_can_comment: bool,
    /// The 2.35:1 crop of the cover (`X1_Y1_X2_Y2`, fractions), empty: none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pic_crop_235_1: String,
    /// The 1:1 crop of the cover, empty: none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pic_crop_1_1: String,
}

impl Article {
    /// An article with its title, HTML content and cover (`thumb_media_id`), comments closed.
    pub fn new(
        title: impl Into<String>,
        content: impl Into<String>,
        thumb_media_id: impl Into<MediaId>,
    ) -> Self {
        Self {
            title: title.into(),
            content: content.into(),
            thumb_media_id: thumb_media_id.into(),
            ..Self::default()
        }
    }

    /// With an author.
    pub fn author(mut self, author: impl Into<String>) -> Self {
        self.author = author.into();
        self
    }

    /// With a summary.
    pub fn digest(mut self, digest: impl Into<String>) -> Self {
        self.digest = digest.into();
        self
    }

    /// With a "read more" link.
    pub fn content_source_url(mut self, url: impl Into<String>) -> Self {
        self.content_source_url = url.into();
        self
    }

    /// Opens comments, to everybody or (`fans_only`) to followers only.
    pub fn open_comment(mut self, fans_only: bool) -> Self {
        self.need_open_comment = true;
        self.only_fans_can_comment = fans_only;
        self
    }

    /// With the cover's crops (`pic_crop_235_1`, `pic_crop_1_1`).
    pub fn crops(mut self, crop_235_1: impl Into<String>, crop_1_1: impl Into<String>) -> Self {
        self.pic_crop_235_1 = crop_235_1.into();
        self.pic_crop_1_1 = crop_1_1.into();
        self
    }
}

/// An article as WeChat answers it (`news_item`): the [`Article`] plus what WeChat adds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NewsItem {
    /// The article as written.
    #[serde(flatten)]
    pub article: Article,
    /// Its page (a preview link for drafts, the permanent link once published).
    #[serde(default)]
    pub url: String,
    /// The cover's URL.
    #[serde(default)]
    pub thumb_url: String,
    /// Legacy news material: whether the cover shows in the body.
    #[serde(default, with = "flag")]
    pub show_cover_pic: bool,
    /// Publications: whether it was deleted (`freepublish/delete`).
    #[serde(default, with = "flag")]
    pub is_deleted: bool,
}

/// `{"news_item": [...]}`: the articles of a draft, a publication or a news material.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NewsContent {
    /// The articles, in order.
    #[serde(default)]
    pub news_item: Vec<NewsItem>,
}

/// WeChat's 0/1 flags as `bool` (reads `true`/`false` too).
pub(crate) mod flag {
    use serde::de::{self, Deserializer, Visitor};
    use serde::ser::Serializer;

    pub(crate) fn serialize<S: Serializer>(value: &bool, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(u8::from(*value))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<bool, D::Error> {
        struct Flag;
        impl Visitor<'_> for Flag {
            type Value = bool;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("0, 1 or a boolean")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
                Ok(v)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
                Ok(v != 0)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
                Ok(v != 0)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
                Ok(!matches!(v, "" | "0" | "false"))
            }
        }
        deserializer.deserialize_any(Flag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_items_read_flags_and_extras() {
        let item: NewsItem = serde_json::from_str(
            r#"{"title":"T","author":"A","digest":"D","content":"<p>c</p>","content_source_url":"",
               "thumb_media_id":"M","show_cover_pic":0,"need_open_comment":1,"only_fans_can_comment":0,
               "url":"http://u","thumb_url":"http://t","is_deleted":true}"#,
        )
        .unwrap();
        assert_eq!(item.article.title, "T");
        assert_eq!(item.article.thumb_media_id, "M");
        assert!(item.article.need_open_comment);
        assert!(!item.article.only_fans_can_comment);
        assert!(item.is_deleted);
        assert_eq!(item.url, "http://u");
    }

    #[test]
    fn a_minimal_article_sends_zero_flags() {
        let json = serde_json::to_value(Article::new("T", "C", "M")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"title":"T","content":"C","thumb_media_id":"M",
                "need_open_comment":0,"only_fans_can_comment":0})
        );
    }
}
