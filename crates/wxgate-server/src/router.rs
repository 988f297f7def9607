//! Routing messages to handlers: by message type, event (and key, and QR scene), text keyword
//! or regex, with a fallback. The first matching route, in the order added, wins.

mod kind;

use std::fmt;
use std::sync::Arc;

use regex::Regex;
use wxgate_proto::event::Event;
use wxgate_proto::message::Body;

use crate::handler::{Handler, Incoming};

pub use kind::{EventKind, MsgType};

/// The routing table for messages.
///
/// # Examples
///
/// ```
/// use wxgate_proto::reply::{Article, Reply};
/// use wxgate_server::{EventKind, Incoming, MessageRouter, MsgType};
///
/// let router = MessageRouter::new()
///     .keyword("hello", |_m: Incoming| async { "Hi there" })
///     .regex(regex::Regex::new(r"^order (\d+)$").unwrap(), |m: Incoming| async move {
///         format!("looking up {}", &m.text().unwrap_or_default()[6..])
///     })
///     .click("V1001_TODAY_MUSIC", |_m: Incoming| async { "Today's song" })
///     .qr_scene("spring-campaign", |_m: Incoming| async {
///         Reply::news(Article { title: "Welcome".into(), url: "https://example.com".into(), ..Article::default() })
///     })
///     .event(EventKind::Unsubscribe, |_m: Incoming| async {})
///     .msg_type(MsgType::Image, |_m: Incoming| async { "Nice picture" })
///     .fallback(|_m: Incoming| async { "Sorry, I did not understand" });
/// ```
#[derive(Clone, Default)]
pub struct MessageRouter {
    routes: Vec<Route>,
    fallback: Option<Arc<dyn Handler>>,
}

#[derive(Clone)]
struct Route {
    matcher: Matcher,
    handler: Arc<dyn Handler>,
}

/// What a route matches.
#[derive(Clone, Debug)]
pub(crate) enum Matcher {
    MsgType(MsgType),
    Event(EventKind),
    EventKey {
        event: EventKind,
        key: String,
    },
    QrScene(String),
    /// A QR scan whose scene matches a campaign's pattern: exact, or a prefix ending in `*`.
    ScenePattern(String),
    Keyword(String),
    Regex(Regex),
}

impl fmt::Debug for MessageRouter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageRouter")
            .field(
                "routes",
                &self.routes.iter().map(|r| &r.matcher).collect::<Vec<_>>(),
            )
            .field("fallback", &self.fallback.is_some())
            .finish()
    }
}

impl MessageRouter {
    /// An empty router: every message is answered `success`.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Routes messages of a `MsgType` ([`MsgType::Image`], …, or [`MsgType::Other`] with any
    /// other value WeChat sends).
    #[must_use]
    pub fn msg_type(self, msg_type: MsgType, handler: impl Handler) -> Self {
        self.push(Matcher::MsgType(msg_type), handler)
    }

    /// Routes an event by its kind ([`EventKind::Subscribe`], [`EventKind::Scan`], …, or
    /// [`EventKind::Other`] with any other `Event` value, exactly as WeChat spells it).
    #[must_use]
    pub fn event(self, event: EventKind, handler: impl Handler) -> Self {
        self.push(Matcher::Event(event), handler)
    }

    /// Routes an event with a given `EventKey` (as sent: a `subscribe` through a QR code has the
    /// `qrscene_` prefix; see [`MessageRouter::qr_scene`] to ignore it).
    #[must_use]
    pub fn event_key(
        self,
        event: EventKind,
        key: impl Into<String>,
        handler: impl Handler,
    ) -> Self {
        self.push(
            Matcher::EventKey {
                event,
                key: key.into(),
            },
            handler,
        )
    }

    /// Routes a `CLICK` on the menu button with this `key`.
    #[must_use]
    pub fn click(self, key: impl Into<String>, handler: impl Handler) -> Self {
        self.event_key(EventKind::Click, key, handler)
    }

    /// Routes a parametric-QR scan for `scene`: a `subscribe` with `qrscene_<scene>` from a new
    /// follower, or a `SCAN` with `<scene>` from an existing one.
    #[must_use]
    pub fn qr_scene(self, scene: impl Into<String>, handler: impl Handler) -> Self {
        self.push(Matcher::QrScene(scene.into()), handler)
    }

    /// Routes a text message whose content, trimmed, equals `keyword`.
    #[must_use]
    pub fn keyword(self, keyword: impl Into<String>, handler: impl Handler) -> Self {
        self.push(Matcher::Keyword(keyword.into()), handler)
    }

    /// Routes a text message whose content matches `regex`.
    #[must_use]
    pub fn regex(self, regex: Regex, handler: impl Handler) -> Self {
        self.push(Matcher::Regex(regex), handler)
    }

    /// Handles whatever no route matched.
    #[must_use]
    pub fn fallback(mut self, handler: impl Handler) -> Self {
        self.fallback = Some(Arc::new(handler));
        self
    }

    pub(crate) fn push(mut self, matcher: Matcher, handler: impl Handler) -> Self {
        self.routes.push(Route {
            matcher,
            handler: Arc::new(handler),
        });
        self
    }

    /// The handler of the first route that matches, not looking at the fallback.
    pub(crate) fn find(&self, incoming: &Incoming) -> Option<&Arc<dyn Handler>> {
        self.routes
            .iter()
            .find(|r| r.matcher.matches(incoming))
            .map(|r| &r.handler)
    }

    /// The fallback handler.
    pub(crate) fn fallback_handler(&self) -> Option<&Arc<dyn Handler>> {
        self.fallback.as_ref()
    }

    /// The handler for a message: the first matching route, else the fallback.
    #[must_use]
    pub fn handler_for(&self, incoming: &Incoming) -> Option<&Arc<dyn Handler>> {
        self.find(incoming).or(self.fallback.as_ref())
    }
}

impl Matcher {
    fn matches(&self, incoming: &Incoming) -> bool {
        match self {
            Self::MsgType(msg_type) => msg_type.matches(incoming),
            Self::Event(kind) => incoming.event().is_some_and(|e| kind.matches(e)),
            Self::EventKey { event, key } => incoming
                .event()
                .is_some_and(|e| event.matches(e) && e.event_key() == Some(key)),
            Self::QrScene(scene) => {
                incoming.event().and_then(Event::qr_scene) == Some(scene.as_str())
            }
            Self::ScenePattern(pattern) => incoming
                .event()
                .and_then(Event::qr_scene)
                .is_some_and(|scene| scene_matches(pattern, scene)),
            Self::Keyword(keyword) => text(incoming).is_some_and(|t| t.trim() == keyword),
            Self::Regex(regex) => text(incoming).is_some_and(|t| regex.is_match(t)),
        }
    }
}

/// Whether `scene` matches `pattern`: equal, or starting with the prefix before a final `*`.
pub(crate) fn scene_matches(pattern: &str, scene: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => scene.starts_with(prefix),
        None => scene == pattern,
    }
}

fn text(incoming: &Incoming) -> Option<&str> {
    match &incoming.body {
        Body::Text(text) => Some(&text.content),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use wxgate_proto::message::Inbound;
    use wxgate_proto::reply::Reply;

    use super::*;

    fn incoming(fields: &str) -> Incoming {
        let xml = format!(
            "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>{fields}</xml>"
        );
        Incoming::new("main", Inbound::parse(&xml).unwrap())
    }

    async fn answer(router: &MessageRouter, fields: &str) -> Option<Reply> {
        let msg = incoming(fields);
        match router.handler_for(&msg) {
            Some(handler) => handler.call(msg).await,
            None => None,
        }
    }

    fn router() -> MessageRouter {
        MessageRouter::new()
            .keyword("hello", |_m: Incoming| async { "kw" })
            .regex(
                Regex::new(r"^order (\d+)$").unwrap(),
                |m: Incoming| async move { format!("order {}", &m.text().unwrap()[6..]) },
            )
            .click("K1", |_m: Incoming| async { "click" })
            .qr_scene("promo", |_m: Incoming| async { "scene" })
            .event(EventKind::Subscribe, |_m: Incoming| async { "welcome" })
            .msg_type(MsgType::Image, |_m: Incoming| async { "image" })
            .event(EventKind::Unsubscribe, |_m: Incoming| async {})
            .fallback(|_m: Incoming| async { "fallback" })
    }

    #[tokio::test]
    async fn routes_in_order() {
        let r = router();
        assert_eq!(
            answer(
                &r,
                "<MsgType>text</MsgType><Content> hello </Content><MsgId>1</MsgId>"
            )
            .await,
            Some(Reply::text("kw"))
        );
        assert_eq!(
            answer(
                &r,
                "<MsgType>text</MsgType><Content>order 42</Content><MsgId>1</MsgId>"
            )
            .await,
            Some(Reply::text("order 42"))
        );
        assert_eq!(
            answer(
                &r,
                "<MsgType>event</MsgType><Event>CLICK</Event><EventKey>K1</EventKey>"
            )
            .await,
            Some(Reply::text("click"))
        );
        assert_eq!(
            answer(
                &r,
                "<MsgType>event</MsgType><Event>CLICK</Event><EventKey>K2</EventKey>"
            )
            .await,
            Some(Reply::text("fallback"))
        );
        assert_eq!(
            answer(&r, "<MsgType>event</MsgType><Event>subscribe</Event><EventKey>qrscene_promo</EventKey><Ticket>t</Ticket>").await,
            Some(Reply::text("scene"))
        );
        assert_eq!(
            answer(
                &r,
                "<MsgType>event</MsgType><Event>SCAN</Event><EventKey>promo</EventKey>"
            )
            .await,
            Some(Reply::text("scene"))
        );
        assert_eq!(
            answer(&r, "<MsgType>event</MsgType><Event>subscribe</Event>").await,
            Some(Reply::text("welcome"))
        );
        assert_eq!(
            answer(
                &r,
                "<MsgType>image</MsgType><PicUrl>p</PicUrl><MediaId>m</MediaId>"
            )
            .await,
            Some(Reply::text("image"))
        );
        assert_eq!(
            answer(&r, "<MsgType>event</MsgType><Event>unsubscribe</Event>").await,
            None
        );
        assert_eq!(
            answer(&r, "<MsgType>text</MsgType><Content>other</Content>").await,
            Some(Reply::text("fallback"))
        );
    }

    #[tokio::test]
    async fn empty_router_answers_nothing() {
        assert_eq!(
            answer(
                &MessageRouter::new(),
                "<MsgType>text</MsgType><Content>x</Content>"
            )
            .await,
            None
        );
    }
}
