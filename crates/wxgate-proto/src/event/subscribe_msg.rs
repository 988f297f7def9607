//! Subscription-notification events (`subscribe_msg_*_event`).

use serde::{Deserialize, Serialize};

use crate::message::{opt, text_or_empty};
use crate::xml::Element;

/// One template in a popup or change event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubscribeMsgItem {
    /// `TemplateId`.
    pub template_id: String,
    /// `SubscribeStatusString`: `accept` or `reject`.
    pub subscribe_status: String,
    /// `PopupScene`: 1 from an H5 page, 2 from an article (popup events only).
    pub popup_scene: Option<String>,
}

impl SubscribeMsgItem {
    pub(crate) fn list(raw: &Element, block: &str) -> Vec<Self> {
        raw.child(block)
            .map(|b| {
                b.children_named("List")
                    .map(|item| Self {
                        template_id: text_or_empty(item, "TemplateId"),
                        subscribe_status: text_or_empty(item, "SubscribeStatusString"),
                        popup_scene: opt(item, "PopupScene"),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// One sent notification in a `subscribe_msg_sent_event`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubscribeMsgSentItem {
    /// `TemplateId`.
    pub template_id: String,
    /// `MsgID`.
    pub msg_id: String,
    /// `ErrorCode`: 0 on success.
    pub error_code: String,
    /// `ErrorStatus`.
    pub error_status: String,
}

impl SubscribeMsgSentItem {
    pub(crate) fn list(raw: &Element) -> Vec<Self> {
        raw.child("SubscribeMsgSentEvent")
            .map(|b| {
                b.children_named("List")
                    .map(|item| Self {
                        template_id: text_or_empty(item, "TemplateId"),
                        msg_id: text_or_empty(item, "MsgID"),
                        error_code: text_or_empty(item, "ErrorCode"),
                        error_status: text_or_empty(item, "ErrorStatus"),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}
