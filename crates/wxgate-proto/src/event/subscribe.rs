//! `subscribe` and `SCAN` ★★★.

use serde::{Deserialize, Serialize};

use crate::message::{opt, text_or_empty};
use crate::xml::Fields;

/// The prefix WeChat puts before the scene value when a QR scan causes a follow.
pub const QR_SCENE_PREFIX: &str = "qrscene_";

/// A follow. Through a parametric QR code, `event_key` is `qrscene_<scene>` and `ticket` is set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Subscribe {
    /// `EventKey`: absent or empty for a plain follow.
    pub event_key: Option<String>,
    /// `Ticket` of the QR code scanned.
    pub ticket: Option<String>,
}

impl Subscribe {
    pub(crate) fn from_fields(raw: &impl Fields) -> Self {
        Self {
            event_key: opt(raw, "EventKey").filter(|k| !k.is_empty()),
            ticket: opt(raw, "Ticket"),
        }
    }

    /// The QR scene value, without the `qrscene_` prefix, if this follow came from a QR code.
    #[must_use]
    pub fn scene(&self) -> Option<&str> {
        self.event_key
            .as_deref()
            .and_then(|k| k.strip_prefix(QR_SCENE_PREFIX))
    }
}

/// A follower scanned a parametric QR code: `event_key` is the scene value, no prefix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Scan {
    /// `EventKey`: `scene_id` as a decimal string, or `scene_str`.
    pub event_key: String,
    /// `Ticket` of the QR code.
    pub ticket: Option<String>,
}

impl Scan {
    pub(crate) fn from_fields(raw: &impl Fields) -> Self {
        Self {
            event_key: text_or_empty(raw, "EventKey"),
            ticket: opt(raw, "Ticket"),
        }
    }
}
