//! `MsgType` = `link` ★.

use serde::{Deserialize, Serialize};

use crate::message::{msg_id, text_or_empty};
use crate::xml::{Fields, XmlError};

/// A link the user shared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Link {
    /// `Title`.
    pub title: String,
    /// `Description`.
    pub description: String,
    /// `Url`.
    pub url: String,
    /// `MsgId`.
    pub msg_id: Option<String>,
}

impl Link {
    pub(crate) fn from_fields(raw: &impl Fields) -> Result<Self, XmlError> {
        Ok(Self {
            title: text_or_empty(raw, "Title"),
            description: text_or_empty(raw, "Description"),
            url: raw.required("Url")?.to_owned(),
            msg_id: msg_id(raw),
        })
    }
}
