//! [`Credentials`]: fetch, cache, persist and refresh one account's credentials.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;
use wxgate_store::Store;

use crate::credential::record::{StoredCredential, key};
use crate::credential::{AccountCredentials, CredentialOptions, TokenPolicy};
use crate::endpoint::message::custom::send;
use crate::endpoint::ticket::getticket::{self, TicketType};
use crate::endpoint::{stable_token, token};
use crate::{Client, Error, ErrorKind};
use wxgate_proto::clock::unix_ms;

mod backoff;
mod stale;

use backoff::Failure;
pub use stale::{StaleOutcome, StaleReport};

/// An access token and when it expires.
///
/// Serializes as the gateway's answer, `{"access_token": "...", "expires_at": <unix s>}`.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccessToken {
    /// The token, for `?access_token=`.
    #[serde(rename = "access_token")]
    pub token: String,
    /// When it expires, in Unix seconds.
    pub expires_at: i64,
}

impl AccessToken {
    /// The token.
    pub fn as_str(&self) -> &str {
        &self.token
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A `jsapi_ticket` or card `api_ticket` and when it expires.
///
/// Serializes as `{"ticket": "...", "expires_at": <unix s>}`.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ticket {
    /// The ticket.
    pub ticket: String,
    /// When it expires, in Unix seconds.
    pub expires_at: i64,
}

impl fmt::Debug for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ticket")
            .field("ticket", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The credential manager of one account (see the [module docs](crate::credential)).
///
/// Cheap to clone (an `Arc` inside): build one per account at start-up and share it. Every
/// instance sharing a store must use the same account id and key prefix.
///
/// ```no_run
/// # async fn demo(client: wxgate_api::Client) -> Result<(), wxgate_api::Error> {
/// use std::sync::Arc;
/// use wxgate_api::{AccountCredentials, AppSecret, CredentialOptions, Credentials, TokenPolicy};
///
/// let store = Arc::new(wxgate_store::MemoryStore::new());
/// let account = AccountCredentials::new("main", "wx0123456789abcdef", AppSecret::new("secret"))
///     .policy(TokenPolicy::StableToken);
/// let credentials = Credentials::new(client, store, account, CredentialOptions::default());
/// let token = credentials.access_token().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Credentials {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    store: Arc<dyn Store>,
    account: AccountCredentials,
    options: CredentialOptions,
    instance_id: String,
    access_token: CredentialSlot,
    jsapi_ticket: CredentialSlot,
    wx_card_ticket: CredentialSlot,
    /// The last access token WeChat accepted when a stale report was checked, and when (clock
    /// ms); the lock makes concurrent reports of one token share one check.
    verdict: tokio::sync::Mutex<Option<(String, i64)>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    AccessToken,
    Ticket(TicketType),
}

/// The state of one credential in this process.
struct CredentialSlot {
    name: &'static str,
    key: String,
    lease_key: String,
    cache: Mutex<Option<Cached>>,
    /// Held by whoever fetches or refreshes: the single flight.
    flight: Arc<tokio::sync::Mutex<()>>,
    failure: Mutex<Option<Failure>>,
    /// When replacing refreshes started (clock ms), for the rate limit.
    replacements: Mutex<VecDeque<i64>>,
}

#[derive(Clone)]
struct Cached {
    record: StoredCredential,
    /// When the store last confirmed (or provided) this value, in clock ms.
    checked_at: i64,
}

/// Why a flight runs, and so when a stored value is good enough.
#[derive(Clone, Debug)]
enum Trigger {
    /// A caller found nothing valid in memory: any valid value will do.
    Cold,
    /// Background: the value is near expiry or due for a store check; only a fresh one will do.
    Ahead,
    /// The value `old` failed or must be replaced: any valid other value will do. `force`
    /// asks the stable_token policy for a forced refresh.
    Replace { old: Option<String>, force: bool },
}

enum LeaseOutcome {
    Acquired,
    Done(StoredCredential),
}

impl Credentials {
    /// A manager for `account`, keeping its state in `store`.
    pub fn new(
        client: Client,
        store: Arc<dyn Store>,
        account: AccountCredentials,
        options: CredentialOptions,
    ) -> Self {
        let instance_id = options
            .instance_id
            .clone()
            .unwrap_or_else(|| format!("{:016x}", rand::random::<u64>()));
        let slot = |name: &'static str| CredentialSlot {
            name,
            key: key(&options.key_prefix, &account.id, name),
            lease_key: key(&options.key_prefix, &account.id, &format!("{name}:lease")),
            cache: Mutex::new(None),
            flight: Arc::new(tokio::sync::Mutex::new(())),
            failure: Mutex::new(None),
            replacements: Mutex::new(VecDeque::new()),
        };
        let inner = Inner {
            access_token: slot("access_token"),
            jsapi_ticket: slot("jsapi_ticket"),
            wx_card_ticket: slot("wx_card_ticket"),
            verdict: tokio::sync::Mutex::new(None),
            client,
            store,
            account,
            options,
            instance_id,
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The account managed.
    pub fn account(&self) -> &AccountCredentials {
        &self.inner.account
    }

    /// The client used.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// A valid access token, from memory, the store or (once, for all concurrent callers
    /// and instances) from WeChat.
    ///
    /// ```no_run
    /// # async fn demo(credentials: wxgate_api::Credentials) -> Result<(), wxgate_api::Error> {
    /// let token = credentials.access_token().await?;
    /// let url = format!("/cgi-bin/menu/get?access_token={}", token.as_str());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// Only when no valid token exists and none could be fetched: WeChat's error (or, while a
    /// failed fetch backs off, that same error again), a store error, or
    /// [`ErrorKind::LeaseTimeout`].
    pub async fn access_token(&self) -> Result<AccessToken, Error> {
        let record = self.inner.get(Kind::AccessToken).await?;
        Ok(AccessToken {
            token: record.token,
            expires_at: record.expires_at,
        })
    }

    /// Replaces the access token.
    ///
    /// With `Some(stale)` (the token an API rejected with 40001/40014/42001) this refreshes
    /// only if the stored token is still `stale`; otherwise it returns the newer stored token
    /// without calling WeChat. With `None` it refreshes unconditionally (a forced refresh under
    /// the stable_token policy), still once for all concurrent callers. With
    /// [`CredentialOptions::min_refresh_interval`] set, a token issued less than that ago is
    /// returned rather than replaced, so a misbehaving caller cannot burn the daily quota.
    ///
    /// ```no_run
    /// # async fn demo(credentials: wxgate_api::Credentials) -> Result<(), wxgate_api::Error> {
    /// let token = credentials.access_token().await?;
    /// // ... WeChat answered 40001 to a call made with `token` ...
    /// let fresh = credentials.refresh_access_token(Some(token.as_str())).await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Credentials::access_token`]; a refresh that fails is never answered with `stale`.
    pub async fn refresh_access_token(&self, stale: Option<&str>) -> Result<AccessToken, Error> {
        let record = self.inner.replace(Kind::AccessToken, stale).await?;
        Ok(AccessToken {
            token: record.token,
            expires_at: record.expires_at,
        })
    }

    /// A valid `jsapi_ticket` (for `wx.config` signatures).
    ///
    /// ```no_run
    /// # async fn demo(credentials: wxgate_api::Credentials) -> Result<(), wxgate_api::Error> {
    /// let ticket = credentials.jsapi_ticket().await?;
    /// println!("valid until {}", ticket.expires_at);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Credentials::access_token`].
    pub async fn jsapi_ticket(&self) -> Result<Ticket, Error> {
        self.ticket(TicketType::Jsapi).await
    }

    /// A valid card `api_ticket` (`type=wx_card`).
    ///
    /// ```no_run
    /// # async fn demo(credentials: wxgate_api::Credentials) -> Result<(), wxgate_api::Error> {
    /// let ticket = credentials.wx_card_ticket().await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Credentials::access_token`].
    pub async fn wx_card_ticket(&self) -> Result<Ticket, Error> {
        self.ticket(TicketType::WxCard).await
    }

    /// Runs `call` with a valid access token; if WeChat rejects the token (40001, 40014,
    /// 42001), refreshes it if it is still the stored one and runs `call` once more with the
    /// new token. Never more than two runs.
    ///
    /// ```no_run
    /// # async fn demo(credentials: wxgate_api::Credentials) -> Result<(), wxgate_api::Error> {
    /// use wxgate_api::endpoint::openapi::quota::get;
    /// let client = credentials.client().clone();
    /// let request = get::Request::new("/cgi-bin/message/custom/send");
    /// let quota = credentials
    ///     .call_with_token(|token| {
    ///         let (client, request) = (&client, &request);
    ///         async move { client.call(request).access_token(token.as_str()).await }
    ///     })
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// The error of the last run of `call`, or the token's error.
    pub async fn call_with_token<F, Fut, T>(&self, call: F) -> Result<T, Error>
    where
        F: FnMut(AccessToken) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        self.inner.call_with_token(call).await
    }

    /// Sends a customer-service message with [`Credentials::call_with_token`].
    ///
    /// ```no_run
    /// # async fn demo(credentials: wxgate_api::Credentials) -> Result<(), wxgate_api::Error> {
    /// use wxgate_api::endpoint::message::custom::send::{Message, Request};
    /// credentials
    ///     .send_custom_message(&Request::new("OPENID", Message::text("Your order shipped")))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// WeChat's answer (45015 outside the window, 45047 over its quota, …) or the token's
    /// error.
    pub async fn send_custom_message(&self, request: &send::Request) -> Result<(), Error> {
        let client = &self.inner.client;
        self.call_with_token(|token| async move {
            client.call(request).access_token(token.as_str()).await
        })
        .await
        .map(drop)
    }

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

    async fn ticket(&self, kind: TicketType) -> Result<Ticket, Error> {
        let record = self.inner.get(Kind::Ticket(kind)).await?;
        Ok(Ticket {
            ticket: record.token,
            expires_at: record.expires_at,
        })
    }
}

/// The background task of [`Credentials::spawn_refresher`]; dropping it stops the task.
#[derive(Debug)]
pub struct Refresher {
    task: tokio::task::JoinHandle<()>,
}

impl Refresher {
    /// Stops the task (as dropping does).
    pub fn stop(self) {}
}

impl Drop for Refresher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("account", &self.inner.account.id)
            .field("app_id", &self.inner.account.app_id)
            .field("policy", &self.inner.account.policy)
            .field("instance_id", &self.inner.instance_id)
            .finish_non_exhaustive()
    }
}

impl Inner {
    fn slot(&self, kind: Kind) -> &CredentialSlot {
        match kind {
            Kind::AccessToken => &self.access_token,
            Kind::Ticket(TicketType::WxCard) => &self.wx_card_ticket,
            Kind::Ticket(_) => &self.jsapi_ticket,
        }
    }

    fn now_ms(&self) -> i64 {
        unix_ms(self.options.clock.now())
    }

    fn margin_ms(&self) -> i64 {
        duration_ms(self.options.refresh_margin)
    }

    /// The value of `kind` (a boxed future with a named type: flights call it recursively,
    /// tickets needing the access token).
    fn get(self: &Arc<Self>, kind: Kind) -> Flight {
        let this = Arc::clone(self);
        Box::pin(async move { this.get_inner(kind).await })
    }

    async fn get_inner(self: &Arc<Self>, kind: Kind) -> Result<StoredCredential, Error> {
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
    fn replace(self: &Arc<Self>, kind: Kind, stale: Option<&str>) -> Flight {
        let this = Arc::clone(self);
        let stale = stale.map(str::to_owned);
        Box::pin(async move { this.replace_inner(kind, stale.as_deref()).await })
    }

    async fn replace_inner(
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

    async fn call_with_token<F, Fut, T>(self: &Arc<Self>, mut call: F) -> Result<T, Error>
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

    /// One round of the [`Refresher`]: the access token always, tickets once used.
    async fn warm(self: &Arc<Self>) {
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
            let due = slot.cached().is_none_or(|c| {
                !c.record.fresh_at(now, self.margin_ms())
                    || now - c.checked_at >= duration_ms(self.options.local_cache_ttl)
            });
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

    /// Starts a background refresh or store check if one is due and none is running.
    fn maybe_kick(self: &Arc<Self>, kind: Kind, cached: &Cached, now: i64) {
        let slot = self.slot(kind);
        let checked_recently = now - cached.checked_at < duration_ms(self.options.local_cache_ttl);
        let fresh = cached.record.fresh_at(now, self.margin_ms());
        if fresh && checked_recently {
            return;
        }
        if !fresh && checked_recently && slot.backing_off(now) {
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
            if let Err(error) = inner.load_or_refresh(kind, Trigger::Ahead).await {
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

    /// The flight itself; the caller holds `slot.flight`.
    async fn load_or_refresh(
        self: &Arc<Self>,
        kind: Kind,
        trigger: Trigger,
    ) -> Result<StoredCredential, Error> {
        let slot = self.slot(kind);
        let stored = self.read_store(slot).await?;
        let now = self.now_ms();
        let stored = self.reconcile(slot, stored, now, &trigger).await?;
        if let Some(record) = self.satisfies(stored.as_ref(), now, &trigger) {
            return Ok(record);
        }
        if let Some(record) = self.too_young_to_replace(stored.as_ref(), now, &trigger) {
            tracing::warn!(
                account = %self.account.id,
                credential = slot.name,
                issued_at = record.issued_at,
                "not replacing a credential issued moments ago; returning it"
            );
            return Ok(record);
        }
        if let Some(error) = slot.backoff_error(now)
            && !slot.take_probe(now, duration_ms(self.options.failure_probe))
        {
            return self.fallback(stored, &trigger).ok_or(error);
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
            return Err(Error::new(ErrorKind::RateLimited {
                retry_after: Duration::from_millis(u64::try_from(retry_after).unwrap_or(0)),
            }));
        }
        match self.acquire_or_wait(slot, &trigger).await? {
            LeaseOutcome::Done(record) => return Ok(record),
            LeaseOutcome::Acquired => {}
        }
        let result = self.refresh_holding_lease(kind, &trigger).await;
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
                match self.fallback(stored, &trigger) {
                    Some(record) => Ok(record),
                    None => Err(error),
                }
            }
        }
    }

    /// With the lease held: check the store once more, then fetch and store.
    async fn refresh_holding_lease(
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
    async fn fetch_renewing_lease(
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

    /// Calls WeChat.
    async fn fetch(
        self: &Arc<Self>,
        kind: Kind,
        trigger: &Trigger,
    ) -> Result<StoredCredential, Error> {
        let client = &self.client;
        let (token, expires_in) = match kind {
            Kind::AccessToken => match self.account.policy {
                TokenPolicy::Token => {
                    let request = token::Request::new(
                        self.account.app_id.clone(),
                        self.account.app_secret.clone(),
                    );
                    let response = client.call(&request).await?;
                    (response.access_token, response.expires_in)
                }
                TokenPolicy::StableToken => {
                    let (old, force) = match trigger {
                        Trigger::Replace { old, force } => (old.as_deref(), *force),
                        _ => (None, false),
                    };
                    let request = stable_token::Request::new(
                        self.account.app_id.clone(),
                        self.account.app_secret.clone(),
                    )
                    .force_refresh(force);
                    let mut response = client.call(&request).await?;
                    if !force && old == Some(response.access_token.as_str()) {
                        tracing::info!(
                            account = %self.account.id,
                            "stable_token returned the rejected token; forcing a refresh"
                        );
                        response = client.call(&request.force_refresh(true)).await?;
                    }
                    (response.access_token, response.expires_in)
                }
            },
            Kind::Ticket(ticket_type) => {
                let request = getticket::Request::new(ticket_type);
                let response = Box::pin(self.call_with_token(|token| {
                    let request = &request;
                    async move { client.call(request).access_token(token.as_str()).await }
                }))
                .await?;
                (response.ticket, response.expires_in)
            }
        };
        let now = self.now_ms();
        let issued_at = now.div_euclid(1000);
        Ok(StoredCredential {
            token,
            expires_at: issued_at + expires_in,
            issued_at: Some(issued_at),
        })
    }

    /// Takes the refresh lease, or waits for the instance holding it to store a new value.
    async fn acquire_or_wait(
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
    async fn read_store(&self, slot: &CredentialSlot) -> Result<Option<StoredCredential>, Error> {
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
    async fn reconcile(
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

    /// The value good enough for `trigger`, if `stored` is one.
    fn satisfies(
        &self,
        stored: Option<&StoredCredential>,
        now: i64,
        trigger: &Trigger,
    ) -> Option<StoredCredential> {
        let record = stored?;
        let good = match trigger {
            Trigger::Cold => record.valid_at(now),
            Trigger::Ahead => record.fresh_at(now, self.margin_ms()),
            Trigger::Replace { old, .. } => {
                record.valid_at(now) && old.as_deref() != Some(record.token.as_str())
            }
        };
        good.then(|| record.clone())
    }

    /// The stored value, when `trigger` would replace it but it is younger than
    /// [`CredentialOptions::min_refresh_interval`].
    fn too_young_to_replace(
        &self,
        stored: Option<&StoredCredential>,
        now: i64,
        trigger: &Trigger,
    ) -> Option<StoredCredential> {
        if !matches!(trigger, Trigger::Replace { .. }) {
            return None;
        }
        let record = stored.filter(|r| r.valid_at(now))?;
        let issued_ms = record.issued_at?.saturating_mul(1000);
        (now - issued_ms < duration_ms(self.options.min_refresh_interval)).then(|| record.clone())
    }

    /// What to serve when no refresh can happen now: a valid value that is not the one to
    /// replace.
    fn fallback(
        &self,
        stored: Option<StoredCredential>,
        trigger: &Trigger,
    ) -> Option<StoredCredential> {
        let now = self.now_ms();
        let record = stored.filter(|r| r.valid_at(now))?;
        match trigger {
            Trigger::Replace { old, .. } if old.as_deref() == Some(record.token.as_str()) => None,
            _ => Some(record),
        }
    }
}

impl CredentialSlot {
    fn cached(&self) -> Option<Cached> {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set_cache(&self, record: StoredCredential, now: i64) {
        *self.cache.lock().unwrap_or_else(PoisonError::into_inner) = Some(Cached {
            record,
            checked_at: now,
        });
    }
}

/// A flight as a task: boxed, which also breaks the cycle get → fetch → get for the compiler.
type Flight = std::pin::Pin<Box<dyn Future<Output = Result<StoredCredential, Error>> + Send>>;

/// Runs a flight in its own task, so a caller that stops waiting does not cancel it.
async fn detached(flight: Flight) -> Result<StoredCredential, Error> {
    match tokio::spawn(flight).await {
        Ok(result) => result,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        // Only when the runtime shuts down.
        Err(_) => Err(Error::new(ErrorKind::LeaseTimeout)),
    }
}

fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
