//! Failed refreshes: the back-off, its early probes, and the error served meanwhile.

use std::sync::PoisonError;

use super::{CredentialSlot, duration_ms};
use wxgate_proto::backoff::Backoff;

use crate::{CredentialOptions, Error};

/// The last failed refresh of a credential, while its back-off lasts.
pub(super) struct Failure {
    retry_at: i64,
    /// When one probe may go through before `retry_at`.
    probe_at: i64,
    streak: u32,
    error: Error,
}

impl CredentialSlot {
    /// Whether a failed refresh backs off now (and no probe is due).
    pub(super) fn backing_off(&self, now: i64) -> bool {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|f| f.retry_at > now && f.probe_at > now)
    }

    /// While backing off: whether a probe may go now (then the next one waits `probe_ms`).
    pub(super) fn take_probe(&self, now: i64, probe_ms: i64) -> bool {
        if probe_ms <= 0 {
            return false;
        }
        let mut failure = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
        match failure.as_mut() {
            Some(f) if f.probe_at <= now => {
                f.probe_at = now.saturating_add(probe_ms);
                true
            }
            _ => false,
        }
    }

    /// The last refresh error, while the back-off after it lasts.
    pub(super) fn backoff_error(&self, now: i64) -> Option<Error> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .filter(|f| f.retry_at > now)
            .map(|f| f.error.clone_kind())
    }

    /// Records a failed refresh; returns the back-off in ms.
    pub(super) fn record_failure(
        &self,
        error: &Error,
        now: i64,
        options: &CredentialOptions,
    ) -> i64 {
        let mut failure = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
        let streak = failure.as_ref().map_or(1, |f| f.streak.saturating_add(1));
        // The documented curve without jitter: refreshes are already serialised by the store's
        // lease, so instances do not retry in step, and the error served meanwhile lasts a
        // predictable time.
        let curve = Backoff::new(options.failure_backoff, options.failure_backoff_max);
        let wait = duration_ms(curve.ceiling(streak));
        *failure = Some(Failure {
            retry_at: now.saturating_add(wait),
            probe_at: now.saturating_add(duration_ms(options.failure_probe)),
            streak,
            error: error.clone_kind(),
        });
        wait
    }

    pub(super) fn clear_failure(&self) {
        *self.failure.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}
