//! Drafts (草稿箱) and publications (发布能力) of an app.
//!
//! See [WeChat Docs/草稿箱](https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Add_draft.html)
//! and [WeChat Docs/发布能力](https://developers.weixin.qq.com/doc/offiaccount/Publish/Publish.html).

use serde::{Deserialize, Serialize};

/// One article of a draft or a publication, as `draft/add` takes it (unknown fields such as
/// `article_type` are ignored; fields of the wrong type are a data format error).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Article {
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) author: String,
    #[serde(default)]
    pub(crate) digest: String,
    pub(crate) content: String,
    #[serde(default)]
    pub(crate) content_source_url: String,
    pub(crate) thumb_media_id: String,
    #[serde(default)]
    pub(crate) need_open_comment: u8,
    #[serde(default)]
    pub(crate) only_fans_can_comment: u8,
    #[serde(default)]
    pub(crate) pic_crop_235_1: String,
    #[serde(default)]
    pub(crate) pic_crop_1_1: String,
}

/// A draft: its articles (1 to 8) and when it last changed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Draft {
    pub(crate) articles: Vec<Article>,
    pub(crate) update_time: u64,
}

/// A publish job and, once it succeeded, the publication it made.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct PublishJob {
    /// 0 success, 1 publishing, 2 original failed, 3 common failed, 4 audit refused,
    /// 5 deleted by the user after success, 6 banned after success.
    pub(crate) status: u8,
    pub(crate) article_id: Option<String>,
    pub(crate) articles: Vec<Article>,
    /// `deleted[i]`: article `i + 1` was deleted with `freepublish/delete`.
    pub(crate) deleted: Vec<bool>,
    pub(crate) update_time: u64,
}
