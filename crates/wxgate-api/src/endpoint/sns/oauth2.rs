//! `sns/oauth2/access_token` and `sns/oauth2/refresh_token`, and the web token both return.

use serde::Deserialize;

use crate::OpenId;
use crate::Secret;

pub mod access_token;
pub mod component;
pub mod refresh_token;

/// A user's web authorization token, as `sns/oauth2/access_token` and
/// `sns/oauth2/refresh_token` answer it. `Debug` redacts both tokens.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct WebToken {
    /// The web access token (not the account's access token), for `sns/userinfo` and
    /// `sns/auth`.
    pub access_token: Secret,
    /// Seconds it stays valid (7200).
    pub expires_in: i64,
    /// Renews the access token for 30 days.
    pub refresh_token: Secret,
    /// The user.
    pub openid: OpenId,
    /// The scopes granted, comma separated (`snsapi_base`, `snsapi_userinfo`).
    pub scope: String,
    /// The user's UnionID (userinfo scope, account bound to an Open Platform account).
    #[serde(default)]
    pub unionid: Option<String>,
    /// `1` for a virtual user of snapshot mode (快照页): the page was opened without consent.
    #[serde(default)]
    pub is_snapshotuser: Option<u8>,
}

impl WebToken {
    /// Whether the user is a snapshot-mode virtual user, not a real one.
    pub fn is_snapshot_user(&self) -> bool {
        self.is_snapshotuser == Some(1)
    }

    /// Whether `scope` was granted.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.split(',').any(|s| s.trim() == scope)
    }
}
