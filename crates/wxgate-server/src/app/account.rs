//! One account at run time: its callback endpoint (Token, mode, keys) and the routes of its
//! configured replies.

use std::sync::Arc;

use wxgate_proto::callback::CallbackEndpoint;
use wxgate_proto::crypto::{AesKey, MessageCrypt};
use wxgate_proto::reply::Reply;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::config::WebhookMode;
use crate::config::{
    AccountConfig, ConfigError, NewsCard, Problem, ReplyContent, ReplyRule, Trigger,
};
use crate::handler::{BoxFuture, Fixed, Handler, Incoming};
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
    /// Routes built into the gateway, tried before any other (the full-network release test's
    /// answers for WeChat's test account); empty for configured accounts.
    pub(crate) builtin: MessageRouter,
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
            builtin: MessageRouter::new(),
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
        if let Some(handler) = self.builtin.find(incoming) {
            return Some(Arc::clone(handler));
        }
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

/// The configured replies, in order, then the campaigns, in order, then the greeting.
fn configured_routes(config: &AccountConfig) -> Result<MessageRouter, ConfigError> {
    let mut routes = MessageRouter::new();
    for rule in &config.replies {
        let matcher = matcher(rule).map_err(|_| invalid(config, "replies.regex"))?;
        routes = routes.push(matcher, Fixed(content_reply(&rule.content)));
    }
    // After every `replies` rule (so `scene = "…"` rules win over a campaign's pattern), before
    // the greeting (so a follow through a campaign's code gets the campaign's card).
    for campaign in &config.campaigns {
        routes = routes.push(
            Matcher::ScenePattern(campaign.scene.clone()),
            CampaignReply(campaign.content.clone()),
        );
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

/// A campaign's reply: its text or news card with `{scene}` and `{openid}` filled in for each
/// scan. It resolves on its first poll, so it is answered inline as configured replies are;
/// the reply differs per user, so the de-dup record keeps each push's reply.
#[derive(Clone, Debug)]
struct CampaignReply(ReplyContent);

impl Handler for CampaignReply {
    fn call(&self, incoming: Incoming) -> BoxFuture<Option<Reply>> {
        let scene = incoming
            .event()
            .and_then(wxgate_proto::event::Event::qr_scene)
            .unwrap_or_default();
        let reply = campaign_reply(&self.0, scene, incoming.from_user_name.as_str());
        Box::pin(std::future::ready(Some(reply)))
    }
}

/// Characters left as they are when a value is filled into a URL: RFC 3986's unreserved ones.
const URL_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `content` with `{scene}` and `{openid}` filled in: as they are in the text, title and
/// description, percent-encoded in the card's `url` and `pic_url` (a scene may hold `&` or
/// spaces).
fn campaign_reply(content: &ReplyContent, scene: &str, openid: &str) -> Reply {
    let fill = |template: &str| {
        template
            .replace("{scene}", scene)
            .replace("{openid}", openid)
    };
    let fill_url = |template: &str| {
        template
            .replace(
                "{scene}",
                &utf8_percent_encode(scene, URL_VALUE).to_string(),
            )
            .replace(
                "{openid}",
                &utf8_percent_encode(openid, URL_VALUE).to_string(),
            )
    };
    match content {
        ReplyContent::Text(text) => Reply::text(fill(text)),
        ReplyContent::News(card) => Reply::news(NewsCard {
            title: fill(&card.title),
            description: fill(&card.description),
            pic_url: fill_url(&card.pic_url),
            url: fill_url(&card.url),
        }),
    }
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
    use crate::config::{Campaign, Secret};
    use wxgate_proto::message::Inbound;
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

    fn scan(event: &str, key: &str) -> Incoming {
        let xml = format!(
            "<xml><ToUserName>gh</ToUserName><FromUserName>o_user-1</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>{event}</Event><EventKey><![CDATA[{key}]]></EventKey></xml>"
        );
        Incoming::new("main", Inbound::parse(&xml).unwrap())
    }

    fn answer(account: &Account, incoming: &Incoming) -> Option<Reply> {
        let handler = account.handler_for(&crate::MessageRouter::new(), incoming)?;
        futures::FutureExt::now_or_never(handler.call(incoming.clone()))
            .expect("configured replies answer on their first poll")
    }

    fn campaign_account() -> Account {
        let mut config = AccountConfig::new("main", "wx1", Secret::new("tok"));
        config.replies = vec![ReplyRule::new(
            Trigger::Scene("table-vip".into()),
            ReplyContent::Text("vip table".into()),
        )];
        config.campaigns = vec![
            Campaign::new(
                "table-*",
                ReplyContent::News(NewsCard {
                    title: "Table {scene}".into(),
                    description: "for {openid}".into(),
                    pic_url: "https://example.com/p/{scene}.png".into(),
                    url: "https://example.com/menu?table={scene}&u={openid}".into(),
                }),
            ),
            Campaign::new(
                "42",
                ReplyContent::Text("poster {scene} for {openid}".into()),
            ),
            Campaign::new(
                "table-7",
                ReplyContent::Text("never: the pattern before wins".into()),
            ),
        ];
        config.subscribe_reply = Some(ReplyContent::Text("welcome".into()));
        Account::new(&config, None).unwrap()
    }

    #[test]
    fn campaigns_answer_scans_and_follows_with_the_scene_filled_in() {
        let account = campaign_account();
        let card = |scene: &str| {
            Reply::news(NewsCard {
                title: format!("Table {scene}"),
                description: "for o_user-1".into(),
                pic_url: format!("https://example.com/p/{scene}.png"),
                url: format!("https://example.com/menu?table={scene}&u=o_user-1"),
            })
        };
        // A new follower through the code, and an existing one scanning it.
        assert_eq!(
            answer(&account, &scan("subscribe", "qrscene_table-7")),
            Some(card("table-7"))
        );
        assert_eq!(
            answer(&account, &scan("SCAN", "table-12")),
            Some(card("table-12"))
        );
        // In URLs the scene is percent-encoded; elsewhere it is as scanned.
        let Some(Reply::News { articles }) = answer(&account, &scan("SCAN", "table-a&b c")) else {
            panic!("a news card");
        };
        assert_eq!(articles[0].title, "Table table-a&b c");
        assert_eq!(
            articles[0].url,
            "https://example.com/menu?table=table-a%26b%20c&u=o_user-1"
        );
        assert_eq!(
            answer(&account, &scan("SCAN", "42")),
            Some(Reply::text("poster 42 for o_user-1"))
        );
    }

    #[test]
    fn scene_replies_come_before_campaigns_and_campaigns_before_the_greeting() {
        let account = campaign_account();
        assert_eq!(
            answer(&account, &scan("subscribe", "qrscene_table-vip")),
            Some(Reply::text("vip table"))
        );
        // A follow through a code no campaign matches, and a plain follow: the greeting.
        assert_eq!(
            answer(&account, &scan("subscribe", "qrscene_421")),
            Some(Reply::text("welcome"))
        );
        assert_eq!(
            answer(&account, &scan("subscribe", "")),
            Some(Reply::text("welcome"))
        );
        // A scan no campaign matches gets nothing; a click is no scan.
        assert_eq!(answer(&account, &scan("SCAN", "tabl")), None);
        assert_eq!(answer(&account, &scan("CLICK", "table-1")), None);
        // Per user, so not a fixed reply the de-dup may write again for a retry.
        let handler = account
            .handler_for(&crate::MessageRouter::new(), &scan("SCAN", "42"))
            .unwrap();
        assert!(handler.fixed_reply().is_none());
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
