//! `[[components]]`: third-party platforms (开放平台第三方平台) the gateway serves, and their checks.

use serde::{Deserialize, Serialize};

use super::{ReplyContent, ReplyRule, Secret, WebhookConfig};

/// `[[components]]`: one third-party platform. WeChat pushes its verify tickets and
/// authorization notices to `/wechat/component/{id}/events`, and the messages of the accounts
/// that authorized it to `/wechat/component/{id}/message/{appid}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ComponentConfig {
    /// The `{component}` in URLs and store keys.
    pub id: String,
    /// The component AppID (`wx…`).
    pub app_id: String,
    /// The component AppSecret.
    pub app_secret: Secret,
    /// The message verification Token (3–32 letters or digits).
    pub token: Secret,
    /// The message encryption key (43 characters): WeChat encrypts every push to a component.
    pub encoding_aes_key: Secret,
    /// Base URL of WeChat's API (the sandbox's address in tests and the demo).
    #[serde(default = "super::default_api_base")]
    pub api_base: String,
    /// Base URL of WeChat's authorization pages (default: WeChat's own, `https://mp.weixin.qq.com`
    /// for PC and `https://open.weixin.qq.com` for mobile; the sandbox's address in tests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorize_base: Option<String>,
    /// This platform's public address (`https://platform.example.com`), from which the return
    /// URL of the authorization page is built; unset: `server.public_url`, else the request's
    /// `Host` (which a client may set as it likes behind some proxies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// Replies configured without code, shared by every authorizer, tried in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replies: Vec<ReplyRule>,
    /// The greeting sent to new followers of every authorizer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribe_reply: Option<ReplyContent>,
    /// `[[components.webhooks]]`: business services that receive the authorizers' pushes and
    /// the platform's authorization notices (`authorized`, `updateauthorized`,
    /// `unauthorized`) as signed JSON.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webhooks: Vec<WebhookConfig>,
}

impl ComponentConfig {
    /// A component with WeChat's API and no replies; set the other fields on the value returned.
    #[must_use]
    pub fn new(
        id: impl Into<String>,
        app_id: impl Into<String>,
        app_secret: Secret,
        token: Secret,
        encoding_aes_key: Secret,
    ) -> Self {
        Self {
            id: id.into(),
            app_id: app_id.into(),
            app_secret,
            token,
            encoding_aes_key,
            api_base: super::default_api_base(),
            authorize_base: None,
            public_url: None,
            replies: Vec::new(),
            subscribe_reply: None,
            webhooks: Vec::new(),
        }
    }
}
