//! The follow funnel's configuration: `[registry]`, `[[accounts.campaigns]]` and
//! `[[accounts.webhooks]]`.

use serde::{Deserialize, Serialize};

use super::reply::RawContent;
use super::{ReplyContent, Secret};

/// `[registry]`: where followers, scene figures and idempotency keys are kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct RegistryConfig {
    /// `sqlite://FILE`, `sqlite::memory:` or `postgres://USER@HOST/DB`. Unset: the store's
    /// own file with a SQLite store, a private in-memory database with `memory://`; a Redis
    /// store needs it set (every instance must share one registry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// `[[accounts.campaigns]]`: the reply to a scan of a parametric QR code.
///
/// `scene` is a scene value, or a prefix followed by `*` (`table-*` matches `table-7`). The
/// reply (`text`, or a `[accounts.campaigns.news]` card) may contain `{scene}` and `{openid}`,
/// filled in for each scan. It answers both a new follower (`subscribe` with `qrscene_…`) and
/// an existing one (`SCAN`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawCampaign", into = "RawCampaign")]
#[non_exhaustive]
pub struct Campaign {
    /// The scene, or a prefix pattern ending in `*`.
    pub scene: String,
    /// The reply, with `{scene}` and `{openid}` placeholders.
    pub content: ReplyContent,
}

impl Campaign {
    /// A campaign answering scans of `scene` (exact, or a prefix ending in `*`) with `content`.
    #[must_use]
    pub fn new(scene: impl Into<String>, content: ReplyContent) -> Self {
        Self {
            scene: scene.into(),
            content,
        }
    }

    /// Whether a scan of `scene` belongs to this campaign.
    #[must_use]
    pub fn matches(&self, scene: &str) -> bool {
        crate::router::scene_matches(&self.scene, scene)
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCampaign {
    scene: String,
    #[serde(flatten)]
    content: RawContent,
}

impl TryFrom<RawCampaign> for Campaign {
    type Error = &'static str;

    fn try_from(raw: RawCampaign) -> Result<Self, Self::Error> {
        Ok(Self::new(raw.scene, raw.content.try_into()?))
    }
}

impl From<Campaign> for RawCampaign {
    fn from(campaign: Campaign) -> Self {
        Self {
            scene: campaign.scene,
            content: campaign.content.into(),
        }
    }
}

/// `[[accounts.webhooks]]`: a business service that receives pushes as signed JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct WebhookConfig {
    /// Where pushes are POSTed (`http://` or `https://`).
    pub url: String,
    /// The HMAC-SHA256 key of `X-Wxgate-Signature`.
    pub secret: Secret,
    /// Which pushes: message types (`text`, `image`, …) and event names (`subscribe`, `SCAN`,
    /// `CLICK`, …) as WeChat spells them, or `*` for every push.
    pub events: Vec<String>,
    /// `sync` (the answer may be the passive reply) or `async` (durable queue, retries).
    #[serde(default)]
    pub mode: WebhookMode,
    /// How long one delivery may take (ms, default 3000 in sync mode, 10000 in async mode).
    /// A sync answer that misses the callback deadline is sent through customer service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// Attempts of an async delivery before it becomes a dead letter (default 8).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
}

impl WebhookConfig {
    /// An async webhook to `url` for `events`.
    #[must_use]
    pub fn new(url: impl Into<String>, secret: Secret, events: Vec<String>) -> Self {
        Self {
            url: url.into(),
            secret,
            events,
            mode: WebhookMode::default(),
            timeout_ms: None,
            max_attempts: default_max_attempts(),
        }
    }

    /// Whether a push of this `MsgType` (and `Event`, for events) goes to this webhook.
    #[must_use]
    pub fn wants(&self, msg_type: &str, event: Option<&str>) -> bool {
        self.events.iter().any(|wanted| {
            wanted == "*"
                || Some(wanted.as_str()) == event
                || (event.is_none() && wanted == msg_type)
        })
    }

    /// The timeout of one delivery.
    #[must_use]
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.timeout_ms.unwrap_or(match self.mode {
            WebhookMode::Sync => 3000,
            WebhookMode::Async => 10_000,
        }))
    }
}

fn default_max_attempts() -> u32 {
    8
}

/// How a webhook is delivered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookMode {
    /// While WeChat waits: the service's answer may be the passive reply.
    Sync,
    /// Through the durable queue, retried with back-off, dead-lettered after the last attempt.
    #[default]
    Async,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scene_patterns() {
        let text = ReplyContent::Text("t".into());
        let prefix = Campaign::new("table-*", text.clone());
        assert!(prefix.matches("table-7"));
        assert!(prefix.matches("table-"));
        assert!(!prefix.matches("tabl"));
        let exact = Campaign::new("promo", text);
        assert!(exact.matches("promo"));
        assert!(!exact.matches("promo2"));
    }

    #[test]
    fn a_campaign_reads_from_flat_keys() {
        let c: Campaign =
            toml_edit::de::from_str("scene = \"t-*\"\ntext = \"hi {scene}\"").unwrap();
        assert_eq!(c.content, ReplyContent::Text("hi {scene}".into()));
        assert!(toml_edit::de::from_str::<Campaign>("scene = \"t\"").is_err());
    }

    #[test]
    fn webhook_event_filter() {
        let hook = WebhookConfig::new(
            "http://x",
            Secret::new("s"),
            vec!["text".into(), "subscribe".into(), "SCAN".into()],
        );
        assert!(hook.wants("text", None));
        assert!(hook.wants("event", Some("subscribe")));
        assert!(hook.wants("event", Some("SCAN")));
        assert!(!hook.wants("event", Some("CLICK")));
        assert!(!hook.wants("image", None));
        let all = WebhookConfig::new("http://x", Secret::new("s"), vec!["*".into()]);
        assert!(all.wants("image", None));
    }
}
