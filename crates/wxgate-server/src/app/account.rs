//! One account at run time: its callback endpoint (Token, mode, keys) and the routes of its
//! configured replies.

use std::sync::Arc;

use wxgate_proto::callback::CallbackEndpoint;
use wxgate_proto::crypto::{AesKey, MessageCrypt};
use wxgate_proto::reply::Reply;

use crate::config::WebhookMode;
use crate::config::{AccountConfig, ConfigError, Problem, ReplyContent, ReplyRule, Trigger};
use crate::handler::{Fixed, Handler, Incoming};
use crate::metrics::{AccountMetrics, TokenMetrics};
use crate::router::{EventKind, Matcher, MessageRouter};
use crate::webhook::{Context, Webhooks};

/// One account at run time.
#[derive(Debug)]
pub(crate) struct Account {
    pub(crate) id: Arc<str>,
    pub(crate) endpoint: CallbackEndpoint,
    /// Routes from the config (`replies`, `subscribe_reply`).
    pub(crate) configured: MessageRouter,
    pub(crate) metrics: AccountMetrics,
    pub(crate) token_metrics: TokenMetrics,
    /// `[[accounts.webhooks]]`.
    pub(crate) webhooks: Arc<Webhooks>,
}

impl Account {
    /// The account from its configuration; `webhooks` is what delivering webhooks needs
    /// (`None`: webhooks are not called, as in unit tests).
    pub(crate) fn new(
        config: &AccountConfig,
        webhooks: Option<Context>,
    ) -> Result<Self, ConfigError> {
        Ok(Self {
            id: Arc::from(config.id.as_str()),
            endpoint: CallbackEndpoint::new(config.token.expose(), config.mode, crypt(config)?),
            configured: configured_routes(config)?,
            metrics: AccountMetrics::new(&config.id),
            token_metrics: TokenMetrics::new(&config.id),
            webhooks: Arc::new(Webhooks::new(config, webhooks)),
        })
    }

    /// Routes added in code first, then the sync webhooks, then the configured replies, then
    /// the code's fallback. A sync webhook without a reply falls through to the handler after
    /// it.
    pub(crate) fn handler_for(
        &self,
        code: &MessageRouter,
        incoming: &Incoming,
    ) -> Option<Arc<dyn Handler>> {
        if let Some(handler) = code.find(incoming) {
            return Some(Arc::clone(handler));
        }
        let next = self
            .configured
            .find(incoming)
            .or_else(|| code.fallback_handler())
            .cloned();
        if self.webhooks.any(WebhookMode::Sync, incoming) {
            return Some(Arc::new(crate::webhook::sync::SyncWebhook {
                webhooks: Arc::clone(&self.webhooks),
                next,
            }));
        }
        next
    }
}

/// The account's encryption, if it has an EncodingAESKey (and the previous one, if kept).
fn crypt(config: &AccountConfig) -> Result<Option<MessageCrypt>, ConfigError> {
    let Some(key) = &config.encoding_aes_key else {
        return Ok(None);
    };
    let key = AesKey::parse(key.expose()).map_err(|_| invalid(config, "encoding_aes_key"))?;
    let mut crypt = MessageCrypt::new(config.token.expose(), key, &config.app_id);
    if let Some(previous) = &config.previous_encoding_aes_key {
        let previous = AesKey::parse(previous.expose())
            .map_err(|_| invalid(config, "previous_encoding_aes_key"))?;
        crypt = crypt.with_previous_key(previous);
    }
    Ok(Some(crypt))
}

/// The configured replies, in order, then the greeting.
fn configured_routes(config: &AccountConfig) -> Result<MessageRouter, ConfigError> {
    let mut routes = MessageRouter::new();
    for rule in &config.replies {
        let matcher = matcher(rule).map_err(|_| invalid(config, "replies.regex"))?;
        routes = routes.push(matcher, Fixed(content_reply(&rule.content)));
    }
    if let Some(greeting) = &config.subscribe_reply {
        routes = routes.push(
            Matcher::Event(EventKind::Subscribe),
            Fixed(content_reply(greeting)),
        );
    }
    Ok(routes)
}

/// What a configured rule matches.
fn matcher(rule: &ReplyRule) -> Result<Matcher, regex::Error> {
    Ok(match &rule.trigger {
        Trigger::Keyword(keyword) => Matcher::Keyword(keyword.clone()),
        Trigger::Regex(pattern) => Matcher::Regex(regex::Regex::new(pattern)?),
        Trigger::Click(key) => Matcher::EventKey {
            event: EventKind::Click,
            key: key.clone(),
        },
        Trigger::Scene(scene) => Matcher::QrScene(scene.clone()),
    })
}

fn invalid(config: &AccountConfig, field: &str) -> ConfigError {
    ConfigError(vec![Problem::new(
        format!("accounts[id={}].{field}", config.id),
        "is invalid",
    )])
}

fn content_reply(content: &ReplyContent) -> Reply {
    match content {
        ReplyContent::News(news) => Reply::news(news.clone()),
        ReplyContent::Text(text) => Reply::text(text.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{NewsCard, Secret};
    use wxgate_proto::reply::Article;

    #[test]
    fn each_trigger_becomes_its_matcher() {
        let text = ReplyContent::Text("t".into());
        let rule = |trigger| ReplyRule::new(trigger, text.clone());
        assert!(matches!(
            matcher(&rule(Trigger::Keyword("k".into()))),
            Ok(Matcher::Keyword(k)) if k == "k"
        ));
        assert!(matches!(
            matcher(&rule(Trigger::Click("K1".into()))),
            Ok(Matcher::EventKey { event: EventKind::Click, key }) if key == "K1"
        ));
        assert!(matches!(
            matcher(&rule(Trigger::Scene("promo".into()))),
            Ok(Matcher::QrScene(s)) if s == "promo"
        ));
        assert!(matches!(
            matcher(&rule(Trigger::Regex("^a$".into()))),
            Ok(Matcher::Regex(_))
        ));
        assert!(matcher(&rule(Trigger::Regex("(".into()))).is_err());
    }

    #[test]
    fn contents_become_replies() {
        assert_eq!(
            content_reply(&ReplyContent::Text("hi".into())),
            Reply::text("hi")
        );
        let card = NewsCard {
            title: "T".into(),
            url: "https://example.com".into(),
            ..NewsCard::default()
        };
        assert_eq!(
            content_reply(&ReplyContent::News(card)),
            Reply::news(Article {
                title: "T".into(),
                url: "https://example.com".into(),
                ..Article::default()
            })
        );
    }

    #[test]
    fn a_bad_key_names_the_field_not_the_key() {
        let mut config = AccountConfig::new("main", "wx1", Secret::new("tok"));
        config.encoding_aes_key = Some(Secret::new("short-secret"));
        let err = Account::new(&config, None).unwrap_err();
        assert_eq!(err.0[0].path, "accounts[id=main].encoding_aes_key");
        assert!(!err.to_string().contains("short-secret"));
    }
}
