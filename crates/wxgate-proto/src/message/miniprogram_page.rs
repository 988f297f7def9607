//! `MsgType` = `miniprogrampage` ★ (Mini Program customer service; listed for completeness).

use serde::{Deserialize, Serialize};

use crate::message::text_or_empty;
use crate::xml::{Fields, XmlError};

/// A Mini Program card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MiniProgramPage {
    /// `AppId` of the Mini Program.
    pub app_id: String,
    /// `Title`.
    pub title: String,
    /// `PagePath`.
    pub page_path: String,
    /// `ThumbUrl`.
    pub thumb_url: String,
    /// `ThumbMediaId`.
    pub thumb_media_id: String,
}

impl MiniProgramPage {
    pub(crate) fn from_fields(raw: &impl Fields) -> Result<Self, XmlError> {
        Ok(Self {
            app_id: text_or_empty(raw, "AppId"),
            title: text_or_empty(raw, "Title"),
            page_path: text_or_empty(raw, "PagePath"),
            thumb_url: text_or_empty(raw, "ThumbUrl"),
            thumb_media_id: text_or_empty(raw, "ThumbMediaId"),
        })
    }
}
