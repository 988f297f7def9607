//! `MsgType` = `location` ★.

use serde::{Deserialize, Serialize};

use crate::message::{msg_id, text_or_empty};
use crate::xml::{Fields, XmlError};

/// A location the user sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Location {
    /// `Location_X`: latitude.
    pub latitude: f64,
    /// `Location_Y`: longitude.
    pub longitude: f64,
    /// `Scale`: map zoom.
    pub scale: Option<f64>,
    /// `Label`: the place, as text.
    pub label: String,
    /// `MsgId`.
    pub msg_id: Option<String>,
}

impl Location {
    pub(crate) fn from_fields(raw: &impl Fields) -> Result<Self, XmlError> {
        Ok(Self {
            latitude: raw
                .parse_of("Location_X")?
                .ok_or(XmlError::Missing("Location_X"))?,
            longitude: raw
                .parse_of("Location_Y")?
                .ok_or(XmlError::Missing("Location_Y"))?,
            scale: raw.parse_of("Scale")?,
            label: text_or_empty(raw, "Label"),
            msg_id: msg_id(raw),
        })
    }
}
