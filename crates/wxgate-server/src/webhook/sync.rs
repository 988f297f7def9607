//! Sync webhooks: asked while WeChat waits; the answer may be the passive reply.
//!
//! The service answers `{"reply": {"type": "text", "content": "…"}}` or any passive reply type
//! (`image`, `voice`, `video`, `music`, `news`, `transfer_customer_service`, as
//! [`wxgate_proto::reply::Reply`] spells them), or no reply (204, an empty body, `{}` or
//! `{"reply": null}`): then the push gets the reply it would have had without the webhook
//! (configured replies, the code's fallback). A failure (error, timeout, non-2xx, an answer that
//! is not one of these) falls through the same way, and is logged and counted. An answer that
//! misses the callback deadline is sent through the customer-service API by the callback's
//! supervisor, as any slow handler's reply is.

use std::sync::Arc;

use serde::Deserialize;
use wxgate_proto::reply::Reply;

use super::{Webhooks, body, delivery_id, post, push_json};
use crate::config::WebhookMode;
use crate::handler::{BoxFuture, Handler, Incoming};
use crate::metrics::WebhookResult;

/// The handler that asks the account's sync webhooks, then falls through to `next`.
pub(crate) struct SyncWebhook {
    pub(crate) webhooks: Arc<Webhooks>,
    pub(crate) next: Option<Arc<dyn Handler>>,
}

/// What a sync webhook may answer.
#[derive(Debug, Default, Deserialize)]
struct Answer {
    #[serde(default)]
    reply: Option<Reply>,
}

/// A sync webhook's answer: `Ok(None)` for no reply.
fn parse(answer: &[u8]) -> Result<Option<Reply>, serde_json::Error> {
    if answer.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice::<Answer>(answer).map(|answer| answer.reply)
}

impl Handler for SyncWebhook {
    fn call(&self, incoming: Incoming) -> BoxFuture<Option<Reply>> {
        let webhooks = Arc::clone(&self.webhooks);
        let next = self.next.clone();
        Box::pin(async move {
            if let Some(reply) = ask(&webhooks, &incoming).await {
                return Some(reply);
            }
            match next {
                Some(next) => next.call(incoming).await,
                None => None,
            }
        })
    }
}

/// Asks each sync webhook that wants the push, in order, until one answers a reply.
async fn ask(webhooks: &Webhooks, incoming: &Incoming) -> Option<Reply> {
    let context = webhooks.context()?;
    let (msg_type, event) = super::kind(incoming);
    let account = incoming.account();
    let delivery = delivery_id(account, incoming);
    let push = push_json(account, webhooks.component.as_deref(), incoming, &delivery);
    let follower = match context
        .registry
        .follower(account, incoming.from_user_name.as_str())
        .await
    {
        Ok(follower) => follower,
        Err(error) => {
            tracing::warn!(account = %webhooks.account, %error, "cannot read the follower for a webhook; sending null");
            None
        }
    };
    let body = body(&push, follower.as_ref());
    for hook in webhooks
        .hooks
        .iter()
        .filter(|hook| hook.mode == WebhookMode::Sync && hook.wants(msg_type, event))
    {
        let answer = post(context, hook, &delivery, body.clone()).await;
        let parsed = answer
            .map_err(|e| e.to_string())
            .and_then(|(status, answer)| {
                if status == 204 {
                    Ok(None)
                } else {
                    parse(&answer).map_err(|e| format!("answer is not {{\"reply\": …}}: {e}"))
                }
            });
        match parsed {
            Ok(Some(reply)) => {
                webhooks.metrics.count(WebhookResult::SyncReply);
                return Some(reply);
            }
            Ok(None) => webhooks.metrics.count(WebhookResult::SyncNoReply),
            Err(reason) => {
                webhooks.metrics.count(WebhookResult::SyncFailed);
                tracing::warn!(account = %webhooks.account, %delivery, %reason, "sync webhook failed; using the configured reply");
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_parse_to_replies_or_none() {
        assert_eq!(
            parse(br#"{"reply": {"type": "text", "content": "hi"}}"#).unwrap(),
            Some(Reply::text("hi"))
        );
        assert!(matches!(
            parse(
                br#"{"reply": {"type": "news", "articles": [{"title": "t", "url": "https://x"}]}}"#
            )
            .unwrap(),
            Some(Reply::News { .. })
        ));
        assert_eq!(parse(b"").unwrap(), None);
        assert_eq!(parse(b"{}").unwrap(), None);
        assert_eq!(parse(br#"{"reply": null}"#).unwrap(), None);
        assert!(parse(br#"{"reply": {"type": "nonsense"}}"#).is_err());
        assert!(parse(b"not json").is_err());
    }
}
