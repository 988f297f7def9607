//! `MsgType` = `image` ★★★.

use serde::{Deserialize, Serialize};

use crate::message::{msg_id, text_or_empty};
use crate::xml::{Fields, XmlError};

/// An image message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Image {
    /// `PicUrl`: a system-generated URL of the picture.
    pub pic_url: String,
    /// `MediaId`: downloadable through temporary media for 3 days.
    pub media_id: String,
    /// `MsgId`.
    pub msg_id: Option<String>,
}

impl Image {
    pub(crate) fn from_fields(raw: &impl Fields) -> Result<Self, XmlError> {
        Ok(Self {
            pic_url: text_or_empty(raw, "PicUrl"),
            media_id: raw.required("MediaId")?.to_owned(),
            msg_id: msg_id(raw),
        })
    }
}
