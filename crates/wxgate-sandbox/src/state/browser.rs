//! What the sandbox keeps for pages opened in its "WeChat browser": the phone's answers to the
//! JS-SDK's device APIs, the share cards pages set, and the `wx.config` sessions that passed.

use serde::{Deserialize, Serialize};

/// Share cards kept per app (the oldest are dropped first).
pub(crate) const SHARES_KEPT: usize = 200;
/// `wx.config` sessions kept per app (the oldest are dropped first).
pub(crate) const SESSIONS_KEPT: usize = 100;

/// The values the simulated phone answers the JS-SDK with, set by `POST /sandbox/apps/{app_id}/device`
/// and the console.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct Device {
    /// Whose phone it is: the user `snsapi_base` signs in silently and the consent page
    /// preselects (when it is still a user of the app).
    pub(crate) openid: Option<String>,
    /// What `scanQRCode` with `needResult: 1` answers as `resultStr`.
    pub(crate) scan_result: String,
    /// What `chooseImage` answers as `localIds`.
    pub(crate) local_ids: Vec<String>,
    /// `getLocation`: degrees.
    pub(crate) latitude: f64,
    /// `getLocation`: degrees.
    pub(crate) longitude: f64,
    /// `getLocation`: metres per second.
    pub(crate) speed: f64,
    /// `getLocation`: metres.
    pub(crate) accuracy: f64,
    /// `getNetworkType`: one of [`NETWORK_TYPES`].
    pub(crate) network_type: String,
}

/// The `networkType` values of `getNetworkType`.
pub(crate) const NETWORK_TYPES: [&str; 6] = ["wifi", "2g", "3g", "4g", "5g", "none"];

impl Default for Device {
    fn default() -> Self {
        Self {
            openid: None,
            scan_result: "https://example.com/scanned".to_owned(),
            local_ids: vec!["wxLocalResource://sandbox-photo-1".to_owned()],
            latitude: 23.099_994,
            longitude: 113.324_520,
            speed: 0.0,
            accuracy: 30.0,
            network_type: "wifi".to_owned(),
        }
    }
}

/// One `wx.config` that passed: the page may call the APIs it listed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct JsSession {
    /// The page's URL (without the fragment).
    pub(crate) url: String,
    pub(crate) js_api_list: Vec<String>,
    pub(crate) created_at: u64,
}
