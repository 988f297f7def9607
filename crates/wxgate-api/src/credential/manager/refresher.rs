//! The optional background refresher of [`Credentials::spawn_refresher`].

use std::sync::Arc;
use std::time::Duration;

use super::{Inner, Kind, Trigger, duration_ms};
use crate::endpoint::ticket::getticket::TicketType;
use crate::{Credentials, ErrorKind};

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
                inner.warm(true).await;
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
    /// A component refresher's round for this authorizer: refreshes what is near expiry (or
    /// not loaded yet), without the periodic store checks of [`Credentials::spawn_refresher`]:
    /// a platform's refresher visits thousands of authorizers every second, and a value another
    /// instance refreshed is read from the store when this one's copy falls due.
    pub(crate) async fn warm(&self) {
        self.inner.warm(false).await;
    }
}

impl Inner {
    /// One round of the [`Refresher`]: the access token always, tickets once used; values not
    /// due for a refresh are checked against the store every `local_cache_ttl` if
    /// `store_checks`.
    pub(super) async fn warm(self: &Arc<Self>, store_checks: bool) {
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
            let cache_ttl = if store_checks {
                duration_ms(self.options.local_cache_ttl)
            } else {
                i64::MAX
            };
            let due = slot
                .cached()
                .is_none_or(|c| c.due(now, self.margin_ms(), cache_ttl));
            if due && !slot.backing_off(now) {
                let _flight = slot.flight.lock().await;
                match self.load_or_refresh(kind, Trigger::Ahead).await {
                    Ok(_) => {}
                    // Deferred by the platform's refresh rate (logged where it happened).
                    Err(error) if matches!(error.kind(), ErrorKind::RateLimited { .. }) => {}
                    Err(error) => tracing::warn!(
                        account = %self.account.id,
                        credential = slot.name,
                        %error,
                        "scheduled refresh failed"
                    ),
                }
            }
        }
    }
}
