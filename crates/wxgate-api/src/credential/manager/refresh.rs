//! One flight from start to end: the store first, then the guards (back-off, rate limit),
//! then the lease, WeChat and the store again.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::stored::LeaseOutcome;
use super::{CredentialSlot, Inner, Kind, Trigger, duration_ms};
use crate::credential::record::StoredCredential;
use crate::{Error, ErrorKind};

impl Inner {
    /// The flight itself; the caller holds `slot.flight`.
    pub(super) async fn load_or_refresh(
        self: &Arc<Self>,
        kind: Kind,
        trigger: Trigger,
    ) -> Result<StoredCredential, Error> {
        let slot = self.slot(kind);
        let stored = self.read_store(slot).await?;
        let now = self.now_ms();
        let stored = self.reconcile(slot, stored, now, &trigger).await?;
        if let Some(answer) = self.answer_without_refresh(slot, stored.as_ref(), now, &trigger) {
            return answer;
        }
        self.refresh_under_lease(kind, stored, &trigger).await
    }

    /// The answer when this flight must not go to WeChat: the stored value is good enough or too
    /// young to replace, a failed refresh backs off (and no probe is due), or the account's
    /// refresh limit is reached. `None`: go ahead.
    fn answer_without_refresh(
        &self,
        slot: &CredentialSlot,
        stored: Option<&StoredCredential>,
        now: i64,
        trigger: &Trigger,
    ) -> Option<Result<StoredCredential, Error>> {
        if let Some(record) = self.satisfies(stored, now, trigger) {
            return Some(Ok(record));
        }
        if let Some(record) = self.too_young_to_replace(stored, now, trigger) {
            tracing::warn!(
                account = %self.account.id,
                credential = slot.name,
                issued_at = record.issued_at,
                "not replacing a credential issued moments ago; returning it"
            );
            return Some(Ok(record));
        }
        if let Some(error) = slot.backoff_error(now)
            && !slot.take_probe(now, duration_ms(self.options.failure_probe))
        {
            return Some(self.fallback(stored.cloned(), trigger).ok_or(error));
        }
        if matches!(trigger, Trigger::Ahead)
            && let Some(budget) = &self.ahead_budget
            && let Err(wait_ms) = budget.take(now)
        {
            // The value is served while valid; the next round or read tries again.
            tracing::debug!(
                account = %self.account.id,
                credential = slot.name,
                "refresh ahead of expiry deferred: this second's share of refreshes is used"
            );
            let retry_after = Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0));
            return Some(
                self.fallback(stored.cloned(), trigger)
                    .ok_or_else(|| Error::new(ErrorKind::RateLimited { retry_after })),
            );
        }
        if matches!(trigger, Trigger::Replace { .. })
            && let Some(retry_after) =
                slot.take_replacement(now, self.options.refresh_limit_per_minute)
        {
            tracing::warn!(
                account = %self.account.id,
                credential = slot.name,
                retry_after_ms = retry_after,
                "refresh refused: the account's refresh limit is reached"
            );
            return Some(Err(Error::new(ErrorKind::RateLimited {
                retry_after: Duration::from_millis(u64::try_from(retry_after).unwrap_or(0)),
            })));
        }
        None
    }

    /// Takes the lease (or gets the value another instance stored meanwhile), refreshes, and
    /// releases the lease; a failed refresh starts the back-off and serves `stored` if it may.
    async fn refresh_under_lease(
        self: &Arc<Self>,
        kind: Kind,
        stored: Option<StoredCredential>,
        trigger: &Trigger,
    ) -> Result<StoredCredential, Error> {
        let slot = self.slot(kind);
        match self.acquire_or_wait(slot, trigger).await? {
            LeaseOutcome::Done(record) => return Ok(record),
            LeaseOutcome::Acquired => {}
        }
        let result = self.refresh_holding_lease(kind, trigger).await;
        if let Err(error) = self
            .store
            .release_lease(&slot.lease_key, &self.instance_id)
            .await
        {
            tracing::warn!(account = %self.account.id, credential = slot.name, %error, "releasing the refresh lease failed");
        }
        match result {
            Ok(record) => Ok(record),
            Err(error) => {
                let now = self.now_ms();
                let wait = slot.record_failure(&error, now, &self.options);
                tracing::warn!(
                    account = %self.account.id,
                    credential = slot.name,
                    %error,
                    retry_in_ms = wait,
                    "credential refresh failed"
                );
                match self.fallback(stored, trigger) {
                    Some(record) => Ok(record),
                    None => Err(error),
                }
            }
        }
    }

    /// With the lease held: check the store once more, then fetch and store.
    pub(super) async fn refresh_holding_lease(
        self: &Arc<Self>,
        kind: Kind,
        trigger: &Trigger,
    ) -> Result<StoredCredential, Error> {
        let slot = self.slot(kind);
        let stored = self.read_store(slot).await?;
        let now = self.now_ms();
        if let Some(record) = self.satisfies(stored.as_ref(), now, trigger) {
            return Ok(record);
        }
        let record = self.fetch_renewing_lease(kind, slot, trigger).await?;
        let now = self.now_ms();
        let ttl_ms = record.expires_at.saturating_mul(1000) - now;
        let ttl = Duration::from_millis(u64::try_from(ttl_ms).unwrap_or(0).max(1000));
        self.store
            .set(&slot.key, &record.encode(), Some(ttl))
            .await
            .map_err(Error::store)?;
        slot.set_cache(record.clone(), now);
        slot.clear_failure();
        tracing::info!(
            account = %self.account.id,
            credential = slot.name,
            expires_at = record.expires_at,
            "credential refreshed"
        );
        Ok(record)
    }

    /// [`Inner::fetch`], renewing the lease meanwhile so a slow WeChat (retries, timeouts)
    /// does not let another instance start a second refresh.
    pub(super) async fn fetch_renewing_lease(
        self: &Arc<Self>,
        kind: Kind,
        slot: &CredentialSlot,
        trigger: &Trigger,
    ) -> Result<StoredCredential, Error> {
        let fetch = self.fetch(kind, trigger);
        tokio::pin!(fetch);
        let period = (self.options.lease_ttl / 3).max(Duration::from_millis(10));
        let mut renew = tokio::time::interval_at(Instant::now() + period, period);
        loop {
            tokio::select! {
                result = &mut fetch => return result,
                _ = renew.tick() => {
                    let renewed = self
                        .store
                        .acquire_lease(&slot.lease_key, &self.instance_id, self.options.lease_ttl)
                        .await;
                    if !matches!(renewed, Ok(true)) {
                        tracing::warn!(
                            account = %self.account.id,
                            credential = slot.name,
                            "could not renew the refresh lease"
                        );
                    }
                }
            }
        }
    }
}
