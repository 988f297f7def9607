//! The in-process state of one credential: its cache, its single flight and its failures.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use super::backoff::Failure;
use crate::credential::record::StoredCredential;

/// The state of one credential in this process.
pub(super) struct CredentialSlot {
    pub(super) name: &'static str,
    pub(super) key: String,
    pub(super) lease_key: String,
    pub(super) cache: Mutex<Option<Cached>>,
    /// Held by whoever fetches or refreshes: the single flight.
    pub(super) flight: Arc<tokio::sync::Mutex<()>>,
    pub(super) failure: Mutex<Option<Failure>>,
    /// When replacing refreshes started (clock ms), for the rate limit.
    pub(super) replacements: Mutex<VecDeque<i64>>,
}

#[derive(Clone)]
pub(super) struct Cached {
    pub(super) record: StoredCredential,
    /// When the store last confirmed (or provided) this value, in clock ms.
    pub(super) checked_at: i64,
}

impl CredentialSlot {
    pub(super) fn cached(&self) -> Option<Cached> {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(super) fn set_cache(&self, record: StoredCredential, now: i64) {
        *self.cache.lock().unwrap_or_else(PoisonError::into_inner) = Some(Cached {
            record,
            checked_at: now,
        });
    }
}

impl Cached {
    /// Whether this value needs a background flight at `now`: it is no longer fresh (within
    /// `margin_ms` of expiry), or the store has not confirmed it for `cache_ttl_ms`.
    pub(super) fn due(&self, now: i64, margin_ms: i64, cache_ttl_ms: i64) -> bool {
        !self.record.fresh_at(now, margin_ms) || now - self.checked_at >= cache_ttl_ms
    }

    /// Whether a caller's read should start a background flight: when [`Cached::due`], except
    /// that while a failed refresh is `backing_off` only an overdue store check goes ahead.
    pub(super) fn kick_due(
        &self,
        now: i64,
        margin_ms: i64,
        cache_ttl_ms: i64,
        backing_off: bool,
    ) -> bool {
        let checked_recently = now - self.checked_at < cache_ttl_ms;
        self.due(now, margin_ms, cache_ttl_ms) && !(checked_recently && backing_off)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value valid from 0 to 100 s, confirmed by the store at 10 s.
    fn cached() -> Cached {
        Cached {
            record: StoredCredential {
                token: "T".to_owned(),
                expires_at: 100,
                issued_at: Some(0),
            },
            checked_at: 10_000,
        }
    }

    #[test]
    fn a_fresh_recently_checked_value_needs_nothing() {
        assert!(!cached().due(20_000, 30_000, 60_000));
        assert!(!cached().kick_due(20_000, 30_000, 60_000, false));
    }

    #[test]
    fn a_value_near_expiry_or_unchecked_for_long_is_due() {
        // Inside the margin.
        assert!(cached().due(70_000, 30_000, 600_000));
        assert!(cached().kick_due(70_000, 30_000, 600_000, false));
        // Fresh, but the store check is overdue.
        assert!(cached().due(20_000, 30_000, 10_000));
        assert!(cached().kick_due(20_000, 30_000, 10_000, false));
    }

    #[test]
    fn backing_off_holds_refreshes_but_not_overdue_store_checks() {
        assert!(!cached().kick_due(70_000, 30_000, 600_000, true));
        assert!(cached().kick_due(70_000, 30_000, 10_000, true));
    }
}
