//! `MsgType` = `voice` ★★.

use serde::{Deserialize, Serialize};

use crate::message::{msg_id, opt, text_or_empty};
use crate::xml::{Fields, XmlError};

/// A voice message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Voice {
    /// `MediaId`.
    pub media_id: String,
    /// `Format`: `amr`, `speex`, ….
    pub format: String,
    /// `Recognition`: speech-to-text when enabled (often present but empty since 2023).
    pub recognition: Option<String>,
    /// `MsgId`.
    pub msg_id: Option<String>,
}

impl Voice {
    pub(crate) fn from_fields(raw: &impl Fields) -> Result<Self, XmlError> {
        Ok(Self {
            media_id: raw.required("MediaId")?.to_owned(),
            format: text_or_empty(raw, "Format"),
            recognition: opt(raw, "Recognition"),
            msg_id: msg_id(raw),
        })
    }
}
