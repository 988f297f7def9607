//! The optional background refresher of [`Credentials::spawn_refresher`].

use std::sync::Arc;
use std::time::Duration;

use super::{Inner, Kind, Trigger, duration_ms};
use crate::Credentials;
use crate::endpoint::ticket::getticket::TicketType;

impl Credentials {
    /// Starts a background task that, every `every`, refreshes the access token (and the
    /// tickets already in use) if they are near expiry or due for a store check, so callers
    /// never wait for WeChat. The task stops when the returned [`Refresher`] is dropped.
    ///
    /// Optional: without it, refreshes happen ahead of expiry when callers ask. A gateway
    /// typically runs one per account, with `every` of a few seconds.
    ///
    /// ```no_run
    /// # async fn demo(credentials: wxgate_api::Credentials) {
    /// let refresher = credentials.spawn_refresher(std::time::Duration::from_secs(5));
    /// // ... serve; dropping `refresher` stops it.
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    #[must_use = "the refresher stops when dropped"]
    pub fn spawn_refresher(&self, every: Duration) -> Refresher {
        let inner = Arc::clone(&self.inner);
        let every = every.max(Duration::from_millis(10));
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                inner.warm().await;
            }
        });
        Refresher { task }
    }
}

/// The background task of [`Credentials::spawn_refresher`]; dropping it stops the task.
#[derive(Debug)]
pub struct Refresher {
    task: tokio::task::JoinHandle<()>,
}

impl Refresher {
    /// A refresher of another background task (a component's).
    pub(crate) fn from_task(task: tokio::task::JoinHandle<()>) -> Self {
        Self { task }
    }

    /// Stops the task (as dropping does).
    pub fn stop(self) {}
}

impl Drop for Refresher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Credentials {
    /// One round of the [`Refresher`] for this manager (a component's refresher runs it for
    /// every authorizer).
    pub(crate) async fn warm(&self) {
        self.inner.warm().await;
    }
}

impl Inner {
    /// One round of the [`Refresher`]: the access token always, tickets once used.
    pub(super) async fn warm(self: &Arc<Self>) {
        for kind in [
            Kind::AccessToken,
            Kind::Ticket(TicketType::Jsapi),
            Kind::Ticket(TicketType::WxCard),
        ] {
            let slot = self.slot(kind);
            if kind != Kind::AccessToken && slot.cached().is_none() {
                continue;
            }
            let now = self.now_ms();
            let cache_ttl = duration_ms(self.options.local_cache_ttl);
            let due = slot
                .cached()
                .is_none_or(|c| c.due(now, self.margin_ms(), cache_ttl));
            if due && !slot.backing_off(now) {
                let _flight = slot.flight.lock().await;
                if let Err(error) = self.load_or_refresh(kind, Trigger::Ahead).await {
                    tracing::warn!(
                        account = %self.account.id,
                        credential = slot.name,
                        %error,
                        "scheduled refresh failed"
                    );
                }
            }
        }
    }
}
