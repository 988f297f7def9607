//! Replies that missed the callback deadline, queued durably for the customer-service API.
//!
//! A reply is never dropped because the store is failing: if the queue cannot take it, it is
//! held in this process and queued as soon as the store answers again (the gauge
//! `wxgate_deferred_held` counts such replies). WeChat was already answered `success` by then, so a passive reply is
//! no longer possible; the customer-service API is the only way left to the user.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use wxgate_proto::reply::Reply;
use wxgate_store::{JobId, Store, StoreError};

use crate::metrics::GatewayMetrics;

/// The queue deferred replies wait in.
pub const QUEUE: &str = "deferred-replies";

/// A reply to deliver later through `message/custom/send`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeferredReply {
    /// The account id (from the config).
    pub account: String,
    /// The user's OpenID.
    pub to_user: String,
    /// What the handler answered.
    pub reply: Reply,
    /// When the push arrived, Unix seconds.
    pub received_at: u64,
}

impl DeferredReply {
    /// Queues the reply durably.
    ///
    /// # Errors
    ///
    /// The store's error when it could not be written.
    pub async fn enqueue(&self, store: &dyn Store) -> Result<JobId, StoreError> {
        let payload = serde_json::to_vec(self).unwrap_or_default();
        store.push_job(QUEUE, &payload, Duration::ZERO).await
    }
}

/// Most replies held in memory at once, waiting for the queue to take them.
const MAX_HELD: u64 = 100_000;
/// How long one attempt to queue a held reply may take. Generous: a write given up on might
/// still land, and then the reply would be queued twice.
const HOLD_CALL: Duration = Duration::from_secs(30);
/// The longest wait between attempts to queue a held reply.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Queues a reply that missed the callback deadline. When the store cannot take it (down,
/// locked, full), the reply is not dropped: it is held in memory and queued with back-off as
/// soon as the store answers (`wxgate_deferred_held` counts them). Held replies do not survive
/// a restart of the process.
pub(crate) async fn enqueue_or_hold(
    store: Arc<dyn Store>,
    metrics: Arc<GatewayMetrics>,
    deferred: DeferredReply,
) {
    let payload = serde_json::to_vec(&deferred).unwrap_or_default();
    push_or_hold(
        store,
        metrics,
        Held::DeferredReply,
        QUEUE,
        &payload,
        &deferred.account,
    )
    .await;
}

/// What a job held in memory is, for its counters and log lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Held {
    /// A reply for the customer-service API (`wxgate_deferred_held`).
    DeferredReply,
    /// An async webhook delivery (`wxgate_webhook_held`).
    Webhook,
}

impl Held {
    fn what(self) -> &'static str {
        match self {
            Self::DeferredReply => "deferred reply",
            Self::Webhook => "webhook delivery",
        }
    }

    fn counters(self, metrics: &GatewayMetrics) -> (&AtomicU64, &AtomicU64) {
        match self {
            Self::DeferredReply => (&metrics.deferred_held, &metrics.deferred_requeued),
            Self::Webhook => (&metrics.webhook_held, &metrics.webhook_requeued),
        }
    }
}

/// Pushes `payload` on `queue`; when the store cannot take it, holds it in memory and tries
/// again with back-off until it does (at most [`MAX_HELD`] of a kind at once; past that the job
/// is logged as lost). Held jobs do not survive a restart of the process.
pub(crate) async fn push_or_hold(
    store: Arc<dyn Store>,
    metrics: Arc<GatewayMetrics>,
    kind: Held,
    queue: &str,
    payload: &[u8],
    account: &str,
) {
    let (held_gauge, requeued) = kind.counters(&metrics);
    let what = kind.what();
    let mut backoff = Duration::from_millis(250);
    let mut held = false;
    loop {
        let error =
            match tokio::time::timeout(HOLD_CALL, store.push_job(queue, payload, Duration::ZERO))
                .await
            {
                Ok(Ok(_)) => break,
                Ok(Err(e)) => e.to_string(),
                Err(_) => format!("no answer within {} s", HOLD_CALL.as_secs()),
            };
        if !held {
            if held_gauge.fetch_add(1, Ordering::Relaxed) >= MAX_HELD {
                held_gauge.fetch_sub(1, Ordering::Relaxed);
                tracing::error!(%account, %error, held = MAX_HELD, "could not queue a {what} and too many are held already; it is lost");
                return;
            }
            held = true;
            tracing::warn!(%account, %error, "could not queue a {what}; holding it until the store answers");
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
    if held {
        held_gauge.fetch_sub(1, Ordering::Relaxed);
        requeued.fetch_add(1, Ordering::Relaxed);
        tracing::info!(%account, "a held {what} is queued");
    }
}
