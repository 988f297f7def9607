//! Menu events: `CLICK`, `VIEW`, `view_miniprogram`, `scancode_*`, `pic_*`, `location_select`.

use serde::{Deserialize, Serialize};

use crate::message::{opt, text_or_empty};
use crate::xml::{Element, Fields, XmlError};

/// `CLICK`: `event_key` is the button's `key`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Click {
    /// `EventKey`.
    pub event_key: String,
}

impl Click {
    pub(crate) fn from_fields(raw: &impl Fields) -> Self {
        Self {
            event_key: text_or_empty(raw, "EventKey"),
        }
    }
}

/// `VIEW` / `view_miniprogram`: `event_key` is the URL or page path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct View {
    /// `EventKey`.
    pub event_key: String,
    /// `MenuId`: which conditional menu was hit, if any.
    pub menu_id: Option<String>,
}

impl View {
    pub(crate) fn from_fields(raw: &impl Fields) -> Self {
        Self {
            event_key: text_or_empty(raw, "EventKey"),
            menu_id: opt(raw, "MenuId"),
        }
    }
}

/// `scancode_push` / `scancode_waitmsg`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScanCode {
    /// `EventKey`.
    pub event_key: String,
    /// `ScanCodeInfo/ScanType`: `qrcode` or `barcode`.
    pub scan_type: String,
    /// `ScanCodeInfo/ScanResult`.
    pub scan_result: String,
}

impl ScanCode {
    pub(crate) fn from_element(raw: &Element) -> Self {
        let info = raw.child("ScanCodeInfo");
        let field = |name| {
            info.and_then(|i| i.text_of(name))
                .unwrap_or_default()
                .to_owned()
        };
        Self {
            event_key: text_or_empty(raw, "EventKey"),
            scan_type: field("ScanType"),
            scan_result: field("ScanResult"),
        }
    }
}

/// `pic_sysphoto` / `pic_photo_or_album` / `pic_weixin`; the photos follow as image messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SendPics {
    /// `EventKey`.
    pub event_key: String,
    /// `SendPicsInfo/Count`.
    pub count: u32,
    /// `SendPicsInfo/PicList/item/PicMd5Sum`, in order.
    pub pic_md5_sums: Vec<String>,
}

impl SendPics {
    pub(crate) fn from_element(raw: &Element) -> Result<Self, XmlError> {
        let info = raw.child("SendPicsInfo");
        let pic_md5_sums = info
            .and_then(|i| i.child("PicList"))
            .map(|list| {
                list.children_named("item")
                    .filter_map(|item| item.text_of("PicMd5Sum"))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let count = match info {
            Some(info) => info.parse_of("Count")?.unwrap_or_default(),
            None => 0,
        };
        Ok(Self {
            event_key: text_or_empty(raw, "EventKey"),
            count,
            pic_md5_sums,
        })
    }
}

/// `location_select`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LocationSelect {
    /// `EventKey`.
    pub event_key: String,
    /// `SendLocationInfo/Location_X`: latitude.
    pub latitude: Option<f64>,
    /// `SendLocationInfo/Location_Y`: longitude.
    pub longitude: Option<f64>,
    /// `SendLocationInfo/Scale`.
    pub scale: Option<f64>,
    /// `SendLocationInfo/Label`.
    pub label: String,
    /// `SendLocationInfo/Poiname`.
    pub poiname: String,
}

impl LocationSelect {
    pub(crate) fn from_element(raw: &Element) -> Result<Self, XmlError> {
        let empty = Element::default();
        let info = raw.child("SendLocationInfo").unwrap_or(&empty);
        Ok(Self {
            event_key: text_or_empty(raw, "EventKey"),
            latitude: info.parse_of("Location_X")?,
            longitude: info.parse_of("Location_Y")?,
            scale: info.parse_of("Scale")?,
            label: text_or_empty(info, "Label"),
            poiname: text_or_empty(info, "Poiname"),
        })
    }
}
