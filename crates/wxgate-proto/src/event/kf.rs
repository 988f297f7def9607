//! Customer-service session events: `kf_create_session`, `kf_close_session`, `kf_switch_session`.

use serde::{Deserialize, Serialize};

use crate::message::text_or_empty;
use crate::xml::Fields;

/// A session opened or closed by an agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KfSession {
    /// `KfAccount`.
    pub kf_account: String,
}

impl KfSession {
    pub(crate) fn from_fields(raw: &impl Fields) -> Self {
        Self {
            kf_account: text_or_empty(raw, "KfAccount"),
        }
    }
}

/// A session handed from one agent to another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KfSwitchSession {
    /// `FromKfAccount`.
    pub from_kf_account: String,
    /// `ToKfAccount`.
    pub to_kf_account: String,
}

impl KfSwitchSession {
    pub(crate) fn from_fields(raw: &impl Fields) -> Self {
        Self {
            from_kf_account: text_or_empty(raw, "FromKfAccount"),
            to_kf_account: text_or_empty(raw, "ToKfAccount"),
        }
    }
}
