//! Whether the store is worth asking on the callback path right now.
//!
//! When a store call on the callback path fails or runs out of its budget, the store is left
//! alone for a short pause: pushes in that pause go straight to this process's own tables
//! instead of each spending a budget on a store that is down. The first push after the pause
//! asks again, so a store that is back is used within a second.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// How long the store is left alone after it failed on the callback path.
pub(crate) const PAUSE: Duration = Duration::from_secs(1);

/// The store's recent health, shared by the callback path's users of the store.
#[derive(Debug)]
pub(crate) struct StoreHealth {
    epoch: Instant,
    /// Milliseconds since `epoch` until which the store is not asked.
    down_until: AtomicU64,
}

impl Default for StoreHealth {
    fn default() -> Self {
        Self {
            epoch: Instant::now(),
            down_until: AtomicU64::new(0),
        }
    }
}

impl StoreHealth {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Whether the store failed within the last [`PAUSE`].
    pub(crate) fn is_down(&self) -> bool {
        self.now_ms() < self.down_until.load(Ordering::Relaxed)
    }

    /// The store failed or did not answer in time: leave it alone for a [`PAUSE`].
    pub(crate) fn failed(&self) {
        let until = self
            .now_ms()
            .saturating_add(u64::try_from(PAUSE.as_millis()).unwrap_or(u64::MAX));
        self.down_until.fetch_max(until, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_failure_pauses_the_store_for_a_moment() {
        let health = StoreHealth::default();
        assert!(!health.is_down());
        health.failed();
        assert!(health.is_down());
        tokio::time::sleep(PAUSE - Duration::from_millis(1)).await;
        assert!(health.is_down());
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert!(!health.is_down());
    }
}
