//! `MsgType` = `text` ★★★.

use serde::{Deserialize, Serialize};

use crate::message::{msg_id, opt};
use crate::xml::{Fields, XmlError};

/// A text message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Text {
    /// `Content`, exactly as sent.
    pub content: String,
    /// `MsgId`.
    pub msg_id: Option<String>,
    /// `bizmsgmenuid`: the option tapped in a customer-service menu message.
    pub biz_msg_menu_id: Option<String>,
    /// `MsgDataId`: set when sent from an article.
    pub msg_data_id: Option<String>,
    /// `Idx`: the article's index, from 1.
    pub idx: Option<String>,
}

impl Text {
    pub(crate) fn from_fields(raw: &impl Fields) -> Result<Self, XmlError> {
        Ok(Self {
            content: raw.required("Content")?.to_owned(),
            msg_id: msg_id(raw),
            biz_msg_menu_id: opt(raw, "bizmsgmenuid"),
            msg_data_id: opt(raw, "MsgDataId"),
            idx: opt(raw, "Idx"),
        })
    }
}
