//! The smaller records an app keeps: menus, mass-send jobs, tags, media, QR codes and OAuth
//! grants.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Temporary media live 3 days (see [WeChat Docs/新增临时素材](https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/New_temporary_materials.html)).
pub(crate) const MEDIA_TTL: u64 = 3 * 86_400;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Menu {
    pub(crate) menuid: u64,
    /// Normalised buttons (leaves carry `"sub_button": []`, like `menu/get`).
    pub(crate) button: Value,
    #[serde(default)]
    pub(crate) matchrule: Option<Value>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct MassJob {
    pub(crate) msgtype: String,
    pub(crate) sent_at: u64,
    /// `SEND_SUCCESS`, or `DELETE` after `mass/delete`.
    pub(crate) status: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Tag {
    pub(crate) name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Media {
    pub(crate) kind: String,
    pub(crate) filename: String,
    pub(crate) content_type: String,
    /// Base64 of the bytes (keeps the state file JSON-friendly).
    pub(crate) data: String,
    pub(crate) created_at: u64,
    /// Permanent videos: `description.title`.
    #[serde(default)]
    pub(crate) title: Option<String>,
    /// Permanent videos: `description.introduction`.
    #[serde(default)]
    pub(crate) introduction: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct QrCode {
    pub(crate) app_id: String,
    pub(crate) action_name: String,
    pub(crate) scene_id: Option<u64>,
    pub(crate) scene_str: Option<String>,
    pub(crate) url: String,
    pub(crate) created_at: u64,
    pub(crate) expires_at: Option<u64>,
}

impl QrCode {
    pub(crate) fn permanent(&self) -> bool {
        self.expires_at.is_none()
    }

    /// The scene as events carry it: `scene_id` in decimal, or `scene_str`.
    pub(crate) fn scene(&self) -> String {
        match (&self.scene_str, self.scene_id) {
            (Some(s), _) => s.clone(),
            (None, Some(id)) => id.to_string(),
            (None, None) => String::new(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct OAuthCode {
    pub(crate) app_id: String,
    pub(crate) openid: String,
    pub(crate) scope: String,
    pub(crate) expires_at: u64,
    pub(crate) used: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct OAuthToken {
    pub(crate) app_id: String,
    pub(crate) openid: String,
    pub(crate) scope: String,
    pub(crate) expires_at: u64,
}
