//! Webhooks to business services (`[[accounts.webhooks]]`): each matching push is POSTed as
//! signed JSON.
//!
//! The body is `{"id", "account", "openid", "msg_type", "event", "create_time", "scene",
//! "message", "follower"}`: `message` holds every field of the push under WeChat's XML element
//! names (nested elements as objects, repeated ones as arrays), `scene` the QR scene of a
//! `subscribe` through a parametric code or a `SCAN`, `follower` the registry's record of the
//! user (read when the request is made) or `null`. `id` is derived from the push's identity
//! (WeChat's de-dup key), so it is the same for WeChat's retries, on every instance and on every
//! attempt; it is sent as `X-Wxgate-Delivery` too. `X-Wxgate-Timestamp` is the unix time of the
//! attempt and `X-Wxgate-Signature` is `sha256=` + hex HMAC-SHA256 of `timestamp + "." + body`
//! with the webhook's secret.
//!
//! A `sync` webhook is asked while WeChat waits (`webhook::sync`); an `async` one gets a job on the
//! account's durable queue `webhooks:{account}`, delivered by a worker pool (`webhook::worker`) with
//! back-off and dead letters, listed and re-driven through `webhook::api`.
//!
//! A third-party platform's webhooks (`[[components.webhooks]]`) serve all its authorizers: the
//! pushes of each (`account` is the authorizer's AppID, and `component` the platform's id is
//! added) and the platform's authorization notices (`event` is `authorized`,
//! `updateauthorized` or `unauthorized`, `message` the notice's fields, `openid` empty). The
//! platform has one queue, `webhooks:component:{component}`, and one worker pool, however many
//! accounts authorized it; an authorizer's dead letters are those of its AppID in that queue.

pub(crate) mod api;
pub(crate) mod sync;
pub(crate) mod worker;

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, KeyInit as _, Mac as _};
use serde::ser::{SerializeMap as _, SerializeSeq as _};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use sha2::{Digest as _, Sha256};
use wxgate_api::Clock;
use wxgate_proto::event::Event;
use wxgate_proto::xml::Element;
use wxgate_store::Store;
use wxgate_store::registry::{Follower, Registry};

use crate::config::{AccountConfig, ComponentConfig, WebhookConfig, WebhookMode};
use crate::deferred::{Held, push_or_hold};
use crate::handler::Incoming;
use crate::metrics::{GatewayMetrics, WebhookMetrics};

pub use api::{
    DeadLetter, Redriven, authorizer_dead_letters, dead_letters, redrive, redrive_authorizer,
};

/// `X-Wxgate-Timestamp`: unix seconds of the attempt.
pub const TIMESTAMP_HEADER: &str = "x-wxgate-timestamp";
/// `X-Wxgate-Delivery`: the delivery id, the same on every attempt and WeChat retry.
pub const DELIVERY_HEADER: &str = "x-wxgate-delivery";
/// `X-Wxgate-Signature`: `sha256=` + hex HMAC-SHA256(secret, timestamp + "." + body).
pub const SIGNATURE_HEADER: &str = "x-wxgate-signature";

/// The durable queue of an account's async webhook deliveries.
#[must_use]
pub fn queue(account: &str) -> String {
    format!("webhooks:{account}")
}

/// The durable queue of a component's async webhook deliveries (all its authorizers'; ids have
/// no `:`, so it cannot be an account's).
#[must_use]
pub fn component_queue(component: &str) -> String {
    format!("webhooks:component:{component}")
}

/// One account's (or one component's, for all its authorizers) webhooks at run time.
#[derive(Debug)]
pub(crate) struct Webhooks {
    /// The account's id, or the component's (the pushes' own account is their `Incoming`'s).
    pub(crate) account: Arc<str>,
    /// The component's id, for a component's webhooks.
    pub(crate) component: Option<Arc<str>>,
    /// The account's webhooks, in configuration order.
    pub(crate) hooks: Vec<WebhookConfig>,
    pub(crate) queue: String,
    pub(crate) metrics: WebhookMetrics,
    /// Wakes the account's idle workers when a job is queued by this process.
    pub(crate) queued: tokio::sync::Notify,
    context: Option<Context>,
}

/// What delivering needs, given once the gateway's parts exist.
#[derive(Clone, Debug)]
pub(crate) struct Context {
    pub(crate) http: reqwest::Client,
    pub(crate) registry: Arc<dyn Registry>,
    pub(crate) clock: Arc<dyn Clock>,
}

impl Webhooks {
    pub(crate) fn new(config: &AccountConfig, context: Option<Context>) -> Self {
        Self {
            account: Arc::from(config.id.as_str()),
            component: None,
            hooks: config.webhooks.clone(),
            queue: queue(&config.id),
            metrics: WebhookMetrics::new(&config.id),
            queued: tokio::sync::Notify::new(),
            context,
        }
    }

    /// The webhooks of a component, shared by its authorizers.
    pub(crate) fn for_component(config: &ComponentConfig, context: Option<Context>) -> Self {
        Self {
            account: Arc::from(config.id.as_str()),
            component: Some(Arc::from(config.id.as_str())),
            hooks: config.webhooks.clone(),
            queue: component_queue(&config.id),
            metrics: WebhookMetrics::component(&config.id),
            queued: tokio::sync::Notify::new(),
            context,
        }
    }

    pub(crate) fn context(&self) -> Option<&Context> {
        self.context.as_ref()
    }

    /// Whether any webhook of `mode` wants this push.
    pub(crate) fn any(&self, mode: WebhookMode, incoming: &Incoming) -> bool {
        let (msg_type, event) = kind(incoming);
        self.hooks
            .iter()
            .any(|hook| hook.mode == mode && hook.wants(msg_type, event))
    }

    /// Whether the account has async webhooks (and so a queue to work on).
    pub(crate) fn has_async(&self) -> bool {
        self.hooks
            .iter()
            .any(|hook| hook.mode == WebhookMode::Async)
    }

    /// The async webhook configured for `url`.
    pub(crate) fn async_hook(&self, url: &str) -> Option<&WebhookConfig> {
        self.hooks
            .iter()
            .find(|hook| hook.mode == WebhookMode::Async && hook.url == url)
    }
}

/// `MsgType` and the event's name (as WeChat spells it) of a push.
fn kind(incoming: &Incoming) -> (&str, Option<&str>) {
    (
        incoming.msg_type.as_str(),
        incoming.event().map(Event::name),
    )
}

/// The delivery id of a push to `account`: hex of the first 16 bytes of SHA-256 of the
/// account and the push's de-dup key, the same for WeChat's retries and on every instance.
#[must_use]
pub(crate) fn delivery_id(account: &str, incoming: &Incoming) -> String {
    let mut key = String::with_capacity(96);
    key.push_str(account);
    key.push(':');
    incoming.write_dedup_key(&mut key);
    let digest = Sha256::digest(key.as_bytes());
    hex::encode(&digest[..16])
}

/// The push part of the payload: everything but `follower`.
#[derive(Serialize)]
struct Push<'a> {
    id: &'a str,
    account: &'a str,
    /// The component, for an authorizer's push or a component's notice.
    #[serde(skip_serializing_if = "Option::is_none")]
    component: Option<&'a str>,
    openid: &'a str,
    msg_type: &'a str,
    event: Option<&'a str>,
    create_time: u64,
    scene: Option<&'a str>,
    message: Fields<'a>,
}

/// An element's children as a JSON object: a leaf's text as a string, an element with children
/// as an object, a name that repeats as an array of those.
struct Fields<'a>(&'a Element);

impl Serialize for Fields<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let children = &self.0.children;
        let mut map = serializer.serialize_map(None)?;
        for (i, child) in children.iter().enumerate() {
            if children[..i].iter().any(|c| c.name == child.name) {
                continue;
            }
            let repeats = children[i + 1..].iter().any(|c| c.name == child.name);
            if repeats {
                map.serialize_entry(&child.name, &Repeated(children, &child.name))?;
            } else {
                map.serialize_entry(&child.name, &Value(child))?;
            }
        }
        map.end()
    }
}

struct Value<'a>(&'a Element);

impl Serialize for Value<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.children.is_empty() {
            serializer.serialize_str(&self.0.text)
        } else {
            Fields(self.0).serialize(serializer)
        }
    }
}

struct Repeated<'a>(&'a [Element], &'a str);

impl Serialize for Repeated<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for child in self.0.iter().filter(|c| c.name == self.1) {
            seq.serialize_element(&Value(child))?;
        }
        seq.end()
    }
}

/// The payload without `follower`, as a JSON object; `component` for an authorizer's push.
pub(crate) fn push_json(
    account: &str,
    component: Option<&str>,
    incoming: &Incoming,
    id: &str,
) -> String {
    let (msg_type, event) = kind(incoming);
    let push = Push {
        id,
        account,
        component,
        openid: incoming.from_user_name.as_str(),
        msg_type,
        event,
        create_time: incoming.create_time,
        scene: incoming.event().and_then(Event::qr_scene),
        message: Fields(&incoming.raw),
    };
    // Strings, numbers and maps of strings: serialising cannot fail.
    serde_json::to_string(&push).unwrap_or_else(|_| "{}".to_owned())
}

/// A component's authorization notice as a webhook delivery: its name (`authorized`,
/// `updateauthorized`, `unauthorized`), the authorizer's AppID and the notice's fields.
#[derive(Debug)]
pub(crate) struct NoticePush<'a> {
    /// `InfoType`.
    pub(crate) event: &'a str,
    /// `AuthorizerAppid`.
    pub(crate) authorizer: &'a str,
    /// `CreateTime`.
    pub(crate) create_time: u64,
    /// The decrypted notice.
    pub(crate) notice: &'a Element,
}

impl NoticePush<'_> {
    /// The delivery id: as for pushes, the same for WeChat's retries and on every instance.
    fn delivery_id(&self, component: &str) -> String {
        let key = format!(
            "component:{component}:{}:{}:{}",
            self.event, self.authorizer, self.create_time
        );
        hex::encode(&Sha256::digest(key.as_bytes())[..16])
    }

    /// The payload without `follower`.
    fn json(&self, component: &str, id: &str) -> String {
        let push = Push {
            id,
            account: self.authorizer,
            component: Some(component),
            openid: "",
            msg_type: "event",
            event: Some(self.event),
            create_time: self.create_time,
            scene: None,
            message: Fields(self.notice),
        };
        serde_json::to_string(&push).unwrap_or_else(|_| "{}".to_owned())
    }
}

/// The whole body: `push` (a JSON object) with `"follower"` added.
pub(crate) fn body(push: &str, follower: Option<&Follower>) -> Vec<u8> {
    let follower = follower.map_or(serde_json::Value::Null, follower_json);
    let push = push.trim_end();
    let open = push.strip_suffix('}').unwrap_or(push);
    let mut out = String::with_capacity(push.len() + 256);
    out.push_str(open);
    if open.trim_end().ends_with('{') {
        out.push_str("\"follower\":");
    } else {
        out.push_str(",\"follower\":");
    }
    out.push_str(&follower.to_string());
    out.push('}');
    out.into_bytes()
}

/// The registry's record of a follower as JSON.
pub(crate) fn follower_json(follower: &Follower) -> serde_json::Value {
    serde_json::json!({
        "openid": follower.openid,
        "unionid": follower.unionid,
        "subscribed": follower.subscribed,
        "subscribe_time": follower.subscribe_time,
        "subscribe_scene": follower.subscribe_scene,
        "qr_scene": follower.qr_scene,
        "tags": follower.tags,
        "remark": follower.remark,
        "first_seen_ms": follower.first_seen_ms,
        "updated_at_ms": follower.updated_at_ms,
        "unsubscribed_at_ms": follower.unsubscribed_at_ms,
    })
}

/// `sha256=` + hex HMAC-SHA256(`secret`, `timestamp` + "." + `body`).
#[must_use]
pub fn signature(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256>>::new_from_slice(secret).expect("HMAC takes keys of any length");
    let mut prefix = String::with_capacity(24);
    let _ = write!(prefix, "{timestamp}.");
    mac.update(prefix.as_bytes());
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Why one request to a webhook failed. Its text names the status or the error, never the
/// secret nor the URL's query.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PostError {
    #[error("HTTP {0}")]
    Status(u16),
    #[error("no answer within {0} ms")]
    Timeout(u128),
    #[error("request failed: {0}")]
    Transport(String),
}

/// POSTs `body` to `hook`, signed, within the hook's timeout; the answer's body on 2xx.
pub(crate) async fn post(
    context: &Context,
    hook: &WebhookConfig,
    delivery: &str,
    body: Vec<u8>,
) -> Result<(u16, bytes::Bytes), PostError> {
    let timestamp = context.clock.unix_secs();
    let signature = signature(hook.secret.expose().as_bytes(), timestamp, &body);
    let timeout = hook.timeout();
    let request = context
        .http
        .post(&hook.url)
        .timeout(timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(TIMESTAMP_HEADER, timestamp)
        .header(DELIVERY_HEADER, delivery)
        .header(SIGNATURE_HEADER, signature)
        .body(body);
    let failed = |error: reqwest::Error| {
        if error.is_timeout() {
            PostError::Timeout(timeout.as_millis())
        } else {
            PostError::Transport(describe(&error))
        }
    };
    let response = request.send().await.map_err(failed)?;
    let status = response.status();
    if !status.is_success() {
        return Err(PostError::Status(status.as_u16()));
    }
    let answer = response.bytes().await.map_err(failed)?;
    Ok((status.as_u16(), answer))
}

/// A reqwest error's text without its URL, with its causes.
fn describe(error: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
    let _ = write!(
        text,
        "{}",
        if error.is_connect() {
            "cannot connect"
        } else {
            "error"
        }
    );
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    text
}

/// A queued async delivery.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Job {
    /// The webhook's URL (how the worker finds its configuration, secret included).
    pub(crate) url: String,
    /// `X-Wxgate-Delivery`.
    pub(crate) delivery: String,
    /// The event name, or the `MsgType` of a message (for the dead-letter list).
    pub(crate) event: String,
    /// The user's OpenID (to read the follower at delivery time); empty for a notice.
    pub(crate) openid: String,
    /// The account the push came to, when the queue is a component's (an authorizer's AppID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) account: Option<String>,
    /// The payload without `follower`.
    pub(crate) push: Box<RawValue>,
}

/// Queues a job for each async webhook of the account that wants `incoming`, each write within
/// `budget`; a job the store cannot take in time is held in memory and queued with back-off
/// (see [`push_or_hold`]). Call once per push, after winning its de-dup claim.
pub(crate) async fn enqueue(
    store: &Arc<dyn Store>,
    metrics: &Arc<GatewayMetrics>,
    webhooks: &Webhooks,
    incoming: &Incoming,
    budget: Duration,
) {
    let (msg_type, event) = kind(incoming);
    if !webhooks.any(WebhookMode::Async, incoming) {
        return;
    }
    let account = incoming.account();
    let delivery = delivery_id(account, incoming);
    let push = push_json(account, webhooks.component.as_deref(), incoming, &delivery);
    let job = Queued {
        delivery,
        event: event.unwrap_or(msg_type),
        openid: incoming.from_user_name.as_str(),
        account,
        push,
    };
    job.enqueue(
        store,
        metrics,
        webhooks,
        |hook| hook.wants(msg_type, event),
        budget,
    )
    .await;
}

/// Queues a job for each async webhook of a component that wants its notice (`event`), as
/// [`enqueue`] does for pushes. Call once the notice was acted on.
pub(crate) async fn enqueue_notice(
    store: &Arc<dyn Store>,
    metrics: &Arc<GatewayMetrics>,
    webhooks: &Webhooks,
    notice: &NoticePush<'_>,
    budget: Duration,
) {
    let component = webhooks.account.as_ref();
    let delivery = notice.delivery_id(component);
    let push = notice.json(component, &delivery);
    let job = Queued {
        delivery,
        event: notice.event,
        openid: "",
        account: notice.authorizer,
        push,
    };
    job.enqueue(
        store,
        metrics,
        webhooks,
        |hook| hook.wants("event", Some(notice.event)),
        budget,
    )
    .await;
}

/// One push or notice to queue for the async webhooks that want it.
struct Queued<'a> {
    delivery: String,
    event: &'a str,
    openid: &'a str,
    account: &'a str,
    push: String,
}

impl Queued<'_> {
    async fn enqueue(
        self,
        store: &Arc<dyn Store>,
        metrics: &Arc<GatewayMetrics>,
        webhooks: &Webhooks,
        wants: impl Fn(&WebhookConfig) -> bool,
        budget: Duration,
    ) {
        let urls: Vec<&str> = webhooks
            .hooks
            .iter()
            .filter(|hook| hook.mode == WebhookMode::Async && wants(hook))
            .map(|hook| hook.url.as_str())
            .collect();
        if urls.is_empty() {
            return;
        }
        let Ok(push) = RawValue::from_string(self.push) else {
            return;
        };
        for url in urls {
            let job = Job {
                url: url.to_owned(),
                delivery: self.delivery.clone(),
                event: self.event.to_owned(),
                openid: self.openid.to_owned(),
                account: webhooks
                    .component
                    .is_some()
                    .then(|| self.account.to_owned()),
                push: push.clone(),
            };
            let payload = serde_json::to_vec(&job).unwrap_or_default();
            let pushed = tokio::time::timeout(
                budget,
                store.push_job(&webhooks.queue, &payload, Duration::ZERO),
            )
            .await;
            if !matches!(pushed, Ok(Ok(_))) {
                // A write given up on may still land: the delivery is then queued twice (the
                // receiver sees the same X-Wxgate-Delivery twice). Delivery is at-least-once.
                tokio::spawn({
                    let (store, metrics) = (Arc::clone(store), Arc::clone(metrics));
                    let queue = webhooks.queue.clone();
                    let account = self.account.to_owned();
                    async move {
                        push_or_hold(store, metrics, Held::Webhook, &queue, &payload, &account)
                            .await;
                    }
                });
            }
        }
        webhooks.queued.notify_waiters();
    }
}

/// Reads the length of every account's and component's webhook queue into its gauge, each read within the
/// store-call budget (a scrape is not held up by a slow store; the gauge keeps its last value).
pub(crate) async fn read_queue_lengths(shared: &crate::app::Shared) {
    let budget = shared.config.store_call_budget();
    let accounts = shared.accounts.values().map(|account| &account.webhooks);
    let components = shared.components.values().map(|c| &c.webhooks);
    for webhooks in accounts.chain(components) {
        if !webhooks.has_async() {
            continue;
        }
        if let Ok(Ok(length)) =
            tokio::time::timeout(budget, shared.store.queue_len(&webhooks.queue)).await
        {
            webhooks.metrics.set_queue_length(length);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxgate_proto::message::Inbound;

    fn incoming(xml: &str) -> Incoming {
        let element = wxgate_proto::xml::parse(xml).unwrap();
        Incoming::new("main", Inbound::from_element(element).unwrap())
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // echo -n '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
        // python3: hmac.new(b"secret", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
        assert_eq!(
            signature(b"secret", 1_700_000_000, br#"{"a":1}"#),
            "sha256=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"
        );
    }

    #[test]
    fn every_field_is_in_the_payload_and_the_scene_is_read() {
        let push = incoming(
            "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>\
             <CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType>\
             <Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_table-7]]></EventKey>\
             <Ticket><![CDATA[T]]></Ticket></xml>",
        );
        let id = delivery_id("main", &push);
        assert_eq!(id.len(), 32);
        assert_eq!(id, delivery_id("main", &push.clone()), "stable");
        assert_ne!(id, delivery_id("other", &push));
        let json: serde_json::Value =
            serde_json::from_slice(&body(&push_json("main", None, &push, &id), None)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "id": id, "account": "main", "openid": "o1", "msg_type": "event",
                "event": "subscribe", "create_time": 1_700_000_000_u64, "scene": "table-7",
                "message": {
                    "ToUserName": "gh_1", "FromUserName": "o1", "CreateTime": "1700000000",
                    "MsgType": "event", "Event": "subscribe", "EventKey": "qrscene_table-7",
                    "Ticket": "T"
                },
                "follower": null
            })
        );
    }

    #[test]
    fn nested_and_repeated_elements_keep_their_shape() {
        let push = incoming(
            "<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName>\
             <CreateTime>1</CreateTime><MsgType>event</MsgType><Event>pic_weixin</Event>\
             <EventKey>k</EventKey><SendPicsInfo><Count>2</Count><PicList>\
             <item><PicMd5Sum>a</PicMd5Sum></item><item><PicMd5Sum>b</PicMd5Sum></item>\
             </PicList></SendPicsInfo></xml>",
        );
        let json: serde_json::Value =
            serde_json::from_str(&push_json("main", None, &push, "x")).unwrap();
        assert_eq!(json["scene"], serde_json::Value::Null);
        assert_eq!(
            json["message"]["SendPicsInfo"],
            serde_json::json!({"Count": "2", "PicList": {"item": [{"PicMd5Sum": "a"}, {"PicMd5Sum": "b"}]}})
        );
    }

    #[test]
    fn an_authorizers_push_and_a_notice_name_the_component() {
        let push = incoming(
            "<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName>\
             <CreateTime>1</CreateTime><MsgType>text</MsgType><Content>hi</Content>\
             <MsgId>7</MsgId></xml>",
        );
        let json: serde_json::Value =
            serde_json::from_str(&push_json("wxauthorizer", Some("open"), &push, "x")).unwrap();
        assert_eq!(json["account"], "wxauthorizer");
        assert_eq!(json["component"], "open");

        let xml = wxgate_proto::xml::parse(
            "<xml><AppId>wxc1</AppId><CreateTime>1700000000</CreateTime>\
             <InfoType>authorized</InfoType><AuthorizerAppid>wxa1</AuthorizerAppid>\
             <AuthorizationCode>code</AuthorizationCode></xml>",
        )
        .unwrap();
        let notice = NoticePush {
            event: "authorized",
            authorizer: "wxa1",
            create_time: 1_700_000_000,
            notice: &xml,
        };
        let id = notice.delivery_id("open");
        assert_eq!(
            id,
            notice.delivery_id("open"),
            "stable for WeChat's retries"
        );
        assert_ne!(id, notice.delivery_id("other"));
        let json: serde_json::Value = serde_json::from_str(&notice.json("open", &id)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "id": id, "account": "wxa1", "component": "open", "openid": "",
                "msg_type": "event", "event": "authorized", "create_time": 1_700_000_000_u64,
                "scene": null,
                "message": {
                    "AppId": "wxc1", "CreateTime": "1700000000", "InfoType": "authorized",
                    "AuthorizerAppid": "wxa1", "AuthorizationCode": "code"
                }
            })
        );
    }

    #[test]
    fn the_follower_is_added_to_the_push() {
        let follower = Follower {
            openid: "o1".into(),
            unionid: None,
            subscribed: true,
            subscribe_time: Some(5),
            subscribe_scene: None,
            qr_scene: Some("s".into()),
            tags: vec![2],
            remark: String::new(),
            first_seen_ms: 1,
            updated_at_ms: 2,
            unsubscribed_at_ms: None,
        };
        let json: serde_json::Value =
            serde_json::from_slice(&body(r#"{"id":"x"}"#, Some(&follower))).unwrap();
        assert_eq!(json["id"], "x");
        assert_eq!(json["follower"]["qr_scene"], "s");
        assert_eq!(json["follower"]["tags"], serde_json::json!([2]));
        let empty: serde_json::Value = serde_json::from_slice(&body("{}", None)).unwrap();
        assert_eq!(empty, serde_json::json!({"follower": null}));
    }
}
