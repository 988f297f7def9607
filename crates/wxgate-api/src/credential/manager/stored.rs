//! The shared store's side of a flight: reading, reconciling with memory, and the refresh lease.

use std::time::Duration;

use tokio::time::Instant;

use super::{CredentialSlot, Inner, Trigger};
use crate::credential::record::StoredCredential;
use crate::{Error, ErrorKind};

/// How waiting for the refresh lease ended.
pub(super) enum LeaseOutcome {
    Acquired,
    Done(StoredCredential),
}

impl Inner {
    /// Takes the refresh lease, or waits for the instance holding it to store a new value.
    pub(super) async fn acquire_or_wait(
        &self,
        slot: &CredentialSlot,
        trigger: &Trigger,
    ) -> Result<LeaseOutcome, Error> {
        let deadline = Instant::now() + self.options.lease_wait;
        loop {
            let acquired = self
                .store
                .acquire_lease(&slot.lease_key, &self.instance_id, self.options.lease_ttl)
                .await
                .map_err(Error::store)?;
            if acquired {
                return Ok(LeaseOutcome::Acquired);
            }
            tokio::time::sleep(self.options.lease_poll).await;
            let stored = self.read_store(slot).await?;
            let now = self.now_ms();
            if let Some(record) = self.satisfies(stored.as_ref(), now, trigger) {
                return Ok(LeaseOutcome::Done(record));
            }
            if Instant::now() >= deadline {
                return match self.fallback(stored, trigger) {
                    Some(record) => Ok(LeaseOutcome::Done(record)),
                    None => Err(Error::new(ErrorKind::LeaseTimeout)),
                };
            }
        }
    }

    /// The stored value, if readable; an undecodable one counts as absent.
    pub(super) async fn read_store(
        &self,
        slot: &CredentialSlot,
    ) -> Result<Option<StoredCredential>, Error> {
        let bytes = self.store.get(&slot.key).await.map_err(Error::store)?;
        Ok(bytes.and_then(|bytes| {
            let record = StoredCredential::decode(&bytes);
            if record.is_none() {
                tracing::warn!(key = %slot.key, "ignoring an undecodable stored credential");
            }
            record
        }))
    }

    /// Merges the stored value with memory: a valid stored value replaces the cached one;
    /// a valid cached value missing from the store is written back (without overwriting).
    pub(super) async fn reconcile(
        &self,
        slot: &CredentialSlot,
        stored: Option<StoredCredential>,
        now: i64,
        trigger: &Trigger,
    ) -> Result<Option<StoredCredential>, Error> {
        if let Some(record) = &stored
            && record.valid_at(now)
        {
            slot.set_cache(record.clone(), now);
            return Ok(stored);
        }
        let cached = slot.cached().filter(|c| c.record.valid_at(now));
        match (cached, trigger) {
            (Some(cached), Trigger::Cold | Trigger::Ahead) => {
                let ttl_ms = cached.record.expires_at.saturating_mul(1000) - now;
                let ttl = Duration::from_millis(u64::try_from(ttl_ms).unwrap_or(0).max(1000));
                let written = self
                    .store
                    .set_if_absent(&slot.key, &cached.record.encode(), Some(ttl))
                    .await
                    .map_err(Error::store)?;
                if written {
                    slot.set_cache(cached.record.clone(), now);
                    Ok(Some(cached.record))
                } else {
                    Ok(self.read_store(slot).await?.filter(|r| r.valid_at(now)))
                }
            }
            _ => Ok(stored),
        }
    }
}
