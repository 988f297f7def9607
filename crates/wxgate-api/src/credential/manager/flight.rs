//! Flights: serving a value from memory or running the one fetch all callers wait for, and
//! starting background refreshes ahead of expiry.

use std::future::Future;
use std::sync::Arc;

use super::{AccessToken, Cached, Inner, Kind, Trigger, duration_ms};
use crate::credential::record::StoredCredential;
use crate::{Error, ErrorKind};

/// A flight as a task: boxed, which also breaks the cycle get → fetch → get for the compiler.
pub(super) type Flight =
    std::pin::Pin<Box<dyn Future<Output = Result<StoredCredential, Error>> + Send>>;

/// Runs a flight in its own task, so a caller that stops waiting does not cancel it.
async fn detached(flight: Flight) -> Result<StoredCredential, Error> {
    match tokio::spawn(flight).await {
        Ok(result) => result,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        // Only when the runtime shuts down.
        Err(_) => Err(Error::new(ErrorKind::LeaseTimeout)),
    }
}

impl Inner {
    /// The value of `kind` (a boxed future with a named type: flights call it recursively,
    /// tickets needing the access token).
    pub(super) fn get(self: &Arc<Self>, kind: Kind) -> Flight {
        let this = Arc::clone(self);
        Box::pin(async move { this.get_inner(kind).await })
    }

    pub(super) async fn get_inner(self: &Arc<Self>, kind: Kind) -> Result<StoredCredential, Error> {
        let slot = self.slot(kind);
        let now = self.now_ms();
        if let Some(cached) = slot.cached()
            && cached.record.valid_at(now)
        {
            self.maybe_kick(kind, &cached, now);
            return Ok(cached.record);
        }
        let inner = Arc::clone(self);
        let flight: Flight = Box::pin(async move {
            let slot = inner.slot(kind);
            let _flight = slot.flight.lock().await;
            let now = inner.now_ms();
            match slot.cached() {
                Some(cached) if cached.record.valid_at(now) => Ok(cached.record),
                _ => inner.load_or_refresh(kind, Trigger::Cold).await,
            }
        });
        let record = detached(flight).await?;
        let now = self.now_ms();
        if !record.fresh_at(now, self.margin_ms())
            && let Some(cached) = slot.cached()
        {
            self.maybe_kick(kind, &cached, now);
        }
        Ok(record)
    }

    /// Replaces the value of `kind` (boxed, as [`Inner::get`]).
    pub(super) fn replace(self: &Arc<Self>, kind: Kind, stale: Option<&str>) -> Flight {
        let this = Arc::clone(self);
        let stale = stale.map(str::to_owned);
        Box::pin(async move { this.replace_inner(kind, stale.as_deref()).await })
    }

    pub(super) async fn replace_inner(
        self: &Arc<Self>,
        kind: Kind,
        stale: Option<&str>,
    ) -> Result<StoredCredential, Error> {
        let slot = self.slot(kind);
        // A caller reporting a token that is no longer ours gets the current one at once.
        let now = self.now_ms();
        if let (Some(stale), Some(cached)) = (stale, slot.cached())
            && cached.record.valid_at(now)
            && cached.record.token != stale
            && now - cached.checked_at < duration_ms(self.options.local_cache_ttl)
        {
            return Ok(cached.record);
        }
        let trigger = match stale {
            Some(stale) => Trigger::Replace {
                old: Some(stale.to_owned()),
                force: false,
            },
            None => {
                let seen = match slot.cached() {
                    Some(cached) => Some(cached.record.token),
                    None => self.read_store(slot).await?.map(|r| r.token),
                };
                Trigger::Replace {
                    old: seen,
                    force: true,
                }
            }
        };
        let inner = Arc::clone(self);
        let flight: Flight = Box::pin(async move {
            let _flight = inner.slot(kind).flight.lock().await;
            inner.load_or_refresh(kind, trigger).await
        });
        detached(flight).await
    }

    pub(super) async fn call_with_token<F, Fut, T>(
        self: &Arc<Self>,
        mut call: F,
    ) -> Result<T, Error>
    where
        F: FnMut(crate::AccessToken) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let token = self.get(Kind::AccessToken).await?;
        let first = call(AccessToken {
            token: token.token.clone(),
            expires_at: token.expires_at,
        })
        .await;
        match first {
            Err(error) if error.is_token_invalid() => {
                tracing::info!(
                    account = %self.account.id,
                    errcode = ?error.errcode().map(crate::ErrCode::code),
                    "access token rejected, refreshing if still current"
                );
                let fresh = self.replace(Kind::AccessToken, Some(&token.token)).await?;
                if fresh.token == token.token {
                    return Err(error);
                }
                call(AccessToken {
                    token: fresh.token,
                    expires_at: fresh.expires_at,
                })
                .await
            }
            other => other,
        }
    }

    /// Starts a background refresh or store check if one is due and none is running.
    pub(super) fn maybe_kick(self: &Arc<Self>, kind: Kind, cached: &Cached, now: i64) {
        let slot = self.slot(kind);
        let cache_ttl = duration_ms(self.options.local_cache_ttl);
        if !cached.kick_due(now, self.margin_ms(), cache_ttl, slot.backing_off(now)) {
            return;
        }
        let Ok(guard) = slot.flight.clone().try_lock_owned() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let inner = Arc::clone(self);
        let task: std::pin::Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(async move {
            let _flight = guard;
            if let Err(error) = inner.load_or_refresh(kind, Trigger::Ahead).await
                && !matches!(error.kind(), ErrorKind::RateLimited { .. })
            {
                tracing::warn!(
                    account = %inner.account.id,
                    credential = inner.slot(kind).name,
                    %error,
                    "background refresh failed; serving the current value while it is valid"
                );
            }
        });
        runtime.spawn(task);
    }
}
