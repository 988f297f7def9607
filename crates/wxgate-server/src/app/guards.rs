//! The callback path's guards against WeChat's retries and replayed requests, sized from
//! `[server]`.

use std::sync::Arc;
use std::time::Duration;

use wxgate_store::Store;

use crate::config::{Config, DedupScope};
use crate::dedup::{Dedup, Limits};
use crate::health::StoreHealth;
use crate::metrics::GatewayMetrics;
use crate::replay::ReplayGuard;

/// The de-dup table and the replay guard, sharing the store (when the scope is shared), the
/// store's health and the gateway's counters.
pub(super) fn guards(
    config: &Config,
    store: &Arc<dyn Store>,
    metrics: &Arc<GatewayMetrics>,
) -> (Arc<Dedup>, ReplayGuard) {
    let server = &config.server;
    let shared = match config.dedup_scope() {
        DedupScope::Local => None,
        DedupScope::Shared => Some(Arc::clone(store)),
    };
    let health = Arc::new(StoreHealth::default());
    let store_budget = config.store_call_budget();
    let dedup_ttl = Duration::from_secs(server.dedup_ttl_secs.max(1));
    let replay = ReplayGuard::new(
        shared.clone(),
        replay_ttl(server.timestamp_window_secs, dedup_ttl),
        server.dedup_max_entries,
        store_budget,
        Arc::clone(&health),
        Arc::clone(metrics),
    );
    let limits = Limits {
        ttl: dedup_ttl,
        entries: server.dedup_max_entries,
        bytes: server.dedup_max_bytes,
        store_budget,
        health,
    };
    let dedup = Arc::new(Dedup::new(shared, limits, Arc::clone(metrics)));
    (dedup, replay)
}

/// How long a signature is remembered. It stays acceptable while |now - timestamp| is within
/// the window, so for twice the window after it is first seen; with no window, as long as
/// pushes are remembered at all.
fn replay_ttl(timestamp_window_secs: u64, dedup_ttl: Duration) -> Duration {
    match timestamp_window_secs {
        0 => dedup_ttl,
        window => Duration::from_secs(window.saturating_mul(2).saturating_add(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_outlive_twice_the_window_or_follow_the_dedup_ttl() {
        let ttl = Duration::from_secs(300);
        assert_eq!(replay_ttl(300, ttl), Duration::from_secs(601));
        assert_eq!(replay_ttl(0, ttl), ttl);
        assert_eq!(replay_ttl(u64::MAX, ttl), Duration::from_secs(u64::MAX));
    }
}
