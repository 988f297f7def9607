//! `MsgType` = `video` or `shortvideo` ★.

use serde::{Deserialize, Serialize};

use crate::message::{msg_id, text_or_empty};
use crate::xml::{Fields, XmlError};

/// A video or short-video message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Video {
    /// `MediaId`.
    pub media_id: String,
    /// `ThumbMediaId`.
    pub thumb_media_id: String,
    /// `MsgId`.
    pub msg_id: Option<String>,
}

impl Video {
    pub(crate) fn from_fields(raw: &impl Fields) -> Result<Self, XmlError> {
        Ok(Self {
            media_id: raw.required("MediaId")?.to_owned(),
            thumb_media_id: text_or_empty(raw, "ThumbMediaId"),
            msg_id: msg_id(raw),
        })
    }
}
