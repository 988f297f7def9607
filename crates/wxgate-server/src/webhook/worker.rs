//! Async webhook deliveries: a pool of workers per account claims jobs from the account's
//! durable queue `webhooks:{account}`, POSTs each (the follower read now), completes it on a
//! 2xx answer, retries it with exponential back-off otherwise, and buries it with the reason
//! (the status or the error, never the secret) after the webhook's `max_attempts`.
//!
//! Jobs are in the store, so a restart (or `kill -9`) loses none: a claim that is not completed
//! runs out and the job is claimed again. Delivery is therefore **at-least-once**; the
//! receiver de-duplicates on `X-Wxgate-Delivery`, which is the same on every attempt. Claims
//! are renewed while a request is in flight (as for deferred replies), so a slow receiver does
//! not get the same delivery from two workers at once.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use wxgate_proto::backoff::Backoff;
use wxgate_store::Store;

use super::{Job, Webhooks, body, post};
use crate::app::Shared;
use crate::delivery::Claim;
use crate::metrics::WebhookResult;

/// Concurrent deliveries per account.
pub(crate) const WORKERS: usize = 32;
/// Wait between polls of an empty queue (a job queued by this process wakes the workers
/// earlier).
const IDLE: Duration = Duration::from_millis(500);
/// Waits between attempts: up to 1 s after the first failure, doubling up to 10 minutes, with
/// full jitter.
const BACKOFF: Backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(600));

/// Starts the worker pools of every account and component that has async webhooks (one pool
/// per component, shared by all its authorizers).
pub(crate) fn spawn(shared: &Arc<Shared>) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    let accounts = shared.accounts.values().map(|account| &account.webhooks);
    let components = shared.components.values().map(|c| &c.webhooks);
    for webhooks in accounts.chain(components) {
        if !webhooks.has_async() {
            continue;
        }
        for _ in 0..WORKERS {
            let shared = Arc::clone(shared);
            let webhooks = Arc::clone(webhooks);
            tasks.push(tokio::spawn(async move { run(shared, webhooks).await }));
        }
    }
    tasks
}

/// One worker's loop.
async fn run(shared: Arc<Shared>, webhooks: Arc<Webhooks>) {
    let lease = Duration::from_millis(shared.config.server.deferred_claim_ms);
    let store: &dyn Store = shared.store.as_ref();
    loop {
        let asked = Instant::now();
        match store.claim_job(&webhooks.queue, lease).await {
            Ok(Some(job)) => {
                let claim = Claim::new(store, &webhooks.queue, job, lease, asked);
                deliver(&webhooks, &claim).await;
            }
            Ok(None) => {
                let wake = webhooks.queued.notified();
                let _ = tokio::time::timeout(IDLE, wake).await;
            }
            Err(e) => {
                tracing::warn!(account = %webhooks.account, error = %e, "cannot read the webhook queue");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

async fn deliver(webhooks: &Webhooks, claim: &Claim<'_>) {
    let store = claim.store();
    let queued = &claim.job;
    let Ok(job) = serde_json::from_slice::<Job>(&queued.payload) else {
        bury(webhooks, claim, "payload is not a webhook delivery").await;
        return;
    };
    let Some(hook) = webhooks.async_hook(&job.url) else {
        bury(webhooks, claim, "webhook no longer configured").await;
        return;
    };
    let Some(context) = webhooks.context() else {
        return;
    };
    let attempt = claim
        .hold_while(async {
            // A component's job names its authorizer; a notice has no user.
            let account = job.account.as_deref().unwrap_or(&webhooks.account);
            let follower = if job.openid.is_empty() {
                None
            } else {
                match context.registry.follower(account, &job.openid).await {
                    Ok(follower) => follower,
                    Err(error) => {
                        tracing::warn!(%account, %error, "cannot read the follower for a webhook; sending null");
                        None
                    }
                }
            };
            let body = body(job.push.get(), follower.as_ref());
            post(context, hook, &job.delivery, body).await
        })
        .await;
    match attempt {
        Ok(_) => {
            webhooks.metrics.count(WebhookResult::Delivered);
            if let Err(e) = store.complete_job(&webhooks.queue, &queued.id).await {
                tracing::warn!(account = %webhooks.account, delivery = %job.delivery, error = %e, "could not complete a delivered webhook job; it may be delivered again");
            }
        }
        Err(error) if claim.is_lost() => {
            tracing::warn!(account = %webhooks.account, delivery = %job.delivery, %error, "a webhook delivery failed after its claim was lost; left to the worker that holds it");
        }
        Err(error) if queued.attempts >= hook.max_attempts => {
            bury(
                webhooks,
                claim,
                &format!("{error} (attempt {})", queued.attempts),
            )
            .await;
        }
        Err(error) => {
            webhooks.metrics.count(WebhookResult::Retried);
            let delay = BACKOFF.delay(queued.attempts, &mut rand::rng());
            tracing::info!(account = %webhooks.account, delivery = %job.delivery, attempts = queued.attempts, ?delay, %error, "webhook delivery failed; will retry");
            if let Err(e) = store.retry_job(&webhooks.queue, &queued.id, delay).await {
                tracing::warn!(account = %webhooks.account, error = %e, "could not reschedule a webhook delivery");
            }
        }
    }
}

async fn bury(webhooks: &Webhooks, claim: &Claim<'_>, reason: &str) {
    webhooks.metrics.count(WebhookResult::Dead);
    tracing::error!(account = %webhooks.account, job = %claim.job.id, attempts = claim.job.attempts, reason, "webhook delivery given up: dead letter");
    if let Err(e) = claim
        .store()
        .bury_job(&webhooks.queue, &claim.job.id, reason)
        .await
    {
        tracing::warn!(account = %webhooks.account, error = %e, "could not bury a webhook delivery");
    }
}
