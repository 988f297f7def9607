//! The in-process state of one credential: its cache, its single flight and its failures.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use super::backoff::Failure;
use crate::credential::record::Record;

/// The state of one credential in this process.
pub(super) struct Slot {
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
    pub(super) record: Record,
    /// When the store last confirmed (or provided) this value, in clock ms.
    pub(super) checked_at: i64,
}

impl Slot {
    pub(super) fn cached(&self) -> Option<Cached> {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(super) fn set_cache(&self, record: Record, now: i64) {
        *self.cache.lock().unwrap_or_else(PoisonError::into_inner) = Some(Cached {
            record,
            checked_at: now,
        });
    }
}
