//! Job results: `TEMPLATESENDJOBFINISH`, `MASSSENDJOBFINISH`, `PUBLISHJOBFINISH`.

use serde::{Deserialize, Serialize};

use crate::message::{opt, text_or_empty};
use crate::xml::{Element, XmlError};

/// The delivery result of a template message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TemplateSendJobFinish {
    /// `MsgID` (capital D), the `msgid` returned by `message/template/send`.
    pub msg_id: String,
    /// `Status`: `success`, `failed:user block`, `failed: system failed`, `failed:freq limit`, ….
    pub status: String,
}

impl TemplateSendJobFinish {
    pub(crate) fn from_element(raw: &Element) -> Self {
        Self {
            msg_id: text_or_empty(raw, "MsgID"),
            status: text_or_empty(raw, "Status"),
        }
    }
}

/// The result of a mass send. Copyright-check and URL details stay in the raw document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MassSendJobFinish {
    /// `MsgID`.
    pub msg_id: String,
    /// `Status`: `send success`, `send fail` or `err(NNNNN)`.
    pub status: String,
    /// `TotalCount`.
    pub total_count: Option<u64>,
    /// `FilterCount`.
    pub filter_count: Option<u64>,
    /// `SentCount`.
    pub sent_count: Option<u64>,
    /// `ErrorCount`.
    pub error_count: Option<u64>,
}

impl MassSendJobFinish {
    pub(crate) fn from_element(raw: &Element) -> Result<Self, XmlError> {
        Ok(Self {
            msg_id: text_or_empty(raw, "MsgID"),
            status: text_or_empty(raw, "Status"),
            total_count: raw.parse_of("TotalCount")?,
            filter_count: raw.parse_of("FilterCount")?,
            sent_count: raw.parse_of("SentCount")?,
            error_count: raw.parse_of("ErrorCount")?,
        })
    }
}

/// The result of a publish job (`PublishEventInfo`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PublishJobFinish {
    /// `publish_id`.
    pub publish_id: String,
    /// `publish_status`: 0 success, other values failures.
    pub publish_status: String,
    /// `article_id`, on success.
    pub article_id: Option<String>,
    /// `article_detail/item/article_url`, in order.
    pub article_urls: Vec<String>,
}

impl PublishJobFinish {
    pub(crate) fn from_element(raw: &Element) -> Self {
        let empty = Element::default();
        let info = raw.child("PublishEventInfo").unwrap_or(&empty);
        let article_urls = info
            .child("article_detail")
            .map(|d| {
                d.children_named("item")
                    .filter_map(|i| i.text_of("article_url"))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Self {
            publish_id: text_or_empty(info, "publish_id"),
            publish_status: text_or_empty(info, "publish_status"),
            article_id: opt(info, "article_id"),
            article_urls,
        }
    }
}
