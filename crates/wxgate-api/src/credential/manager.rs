//! [`Credentials`]: fetch, cache, persist and refresh one account's credentials.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wxgate_store::Store;

use crate::credential::record::{StoredCredential, key};
use crate::credential::{AccountCredentials, CredentialOptions};
use crate::endpoint::Endpoint;
use crate::endpoint::message::custom::send;
use crate::endpoint::ticket::getticket::TicketType;
use crate::{Client, Error};
use wxgate_proto::clock::unix_ms;

mod backoff;
mod budget;
mod fetch;
mod flight;
mod refresh;
mod refresher;
mod slot;
mod source;
mod stale;
mod stored;
mod trigger;
mod value;

pub(crate) use budget::RefreshBudget;
pub use refresher::Refresher;
use slot::{Cached, CredentialSlot};
pub(crate) use source::{FetchFuture, FetchedToken, TokenSource};
pub use stale::{StaleOutcome, StaleReport};
use trigger::Trigger;
pub use value::{AccessToken, Ticket};
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
    /// Where the access token comes from when not from the account's AppSecret (an
    /// authorizer's refresh token, a component's verify ticket).
    source: Option<Arc<dyn TokenSource>>,
    /// Shared with other credentials (a component's authorizers): caps their ahead-of-expiry
    /// refreshes per second.
    ahead_budget: Option<Arc<RefreshBudget>>,
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
impl Credentials {
    /// A manager for `account`, keeping its state in `store`.
    pub fn new(
        client: Client,
        store: Arc<dyn Store>,
        account: AccountCredentials,
        options: CredentialOptions,
    ) -> Self {
        Self::build(client, store, account, options, None, None, "access_token")
    }

    /// A manager whose access token comes from `source`, kept under the store name
    /// `token_name` (`access_token`, `pre_auth_code`); tickets are fetched with it as usual.
    /// With `ahead_budget`, its refreshes ahead of expiry (not those of callers finding no
    /// valid value, nor replacements) wait for a share of that budget.
    pub(crate) fn with_source(
        client: Client,
        store: Arc<dyn Store>,
        account: AccountCredentials,
        options: CredentialOptions,
        source: Arc<dyn TokenSource>,
        ahead_budget: Option<Arc<RefreshBudget>>,
        token_name: &'static str,
    ) -> Self {
        Self::build(
            client,
            store,
            account,
            options,
            Some(source),
            ahead_budget,
            token_name,
        )
    }

    fn build(
        client: Client,
        store: Arc<dyn Store>,
        account: AccountCredentials,
        options: CredentialOptions,
        source: Option<Arc<dyn TokenSource>>,
        ahead_budget: Option<Arc<RefreshBudget>>,
        token_name: &'static str,
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
            access_token: slot(token_name),
            jsapi_ticket: slot("jsapi_ticket"),
            wx_card_ticket: slot("wx_card_ticket"),
            verdict: tokio::sync::Mutex::new(None),
            client,
            store,
            account,
            options,
            instance_id,
            source,
            ahead_budget,
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
    /// [`ErrorKind::LeaseTimeout`](crate::ErrorKind::LeaseTimeout).
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

    /// Calls a WeChat endpoint with the account's access token: the typed client's
    /// [`Client::call`] through [`Credentials::call_with_token`], so a token WeChat rejects
    /// (40001, 40014, 42001) is refreshed once (only if it is still the stored one) and the
    /// call repeated. This is how every endpoint is meant to be called.
    ///
    /// ```no_run
    /// # async fn demo(credentials: wxgate_api::Credentials) -> Result<(), wxgate_api::Error> {
    /// use wxgate_api::endpoint::openapi::quota::get;
    /// let quota = credentials
    ///     .call(&get::Request::new("/cgi-bin/message/custom/send"))
    ///     .await?;
    /// println!("{} calls left today", quota.quota.remain);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// WeChat's answer, the transport's or the token's error. A request with side effects
    /// that may have been carried out says so ([`Error::may_have_been_sent`]).
    pub async fn call<E>(&self, request: &E) -> Result<E::Response, Error>
    where
        E: Endpoint,
    {
        let client = &self.inner.client;
        self.call_with_token(|token| async move {
            client.call(request).access_token(token.as_str()).await
        })
        .await
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
        self.call(request).await.map(drop)
    }
    /// Stores `token` as the access token, replacing any, and forgets failures: a token WeChat
    /// handed over outside a refresh (the first authorizer token of `api_query_auth`).
    pub(crate) async fn seed_access_token(
        &self,
        token: String,
        expires_in: i64,
    ) -> Result<(), Error> {
        let inner = &self.inner;
        let slot = &inner.access_token;
        let now = inner.now_ms();
        let issued_at = now.div_euclid(1000);
        let record = StoredCredential {
            token,
            expires_at: issued_at + expires_in,
            issued_at: Some(issued_at),
        };
        let ttl = Duration::from_secs(u64::try_from(expires_in).unwrap_or(0).max(1));
        inner
            .store
            .set(&slot.key, &record.encode(), Some(ttl))
            .await
            .map_err(Error::store)?;
        slot.set_cache(record, now);
        slot.clear_failure();
        Ok(())
    }

    /// Forgets the back-off of a failed access token refresh, so the next caller tries at once
    /// (what failed was fixed: a verify ticket arrived, the account authorized again).
    pub(crate) fn clear_failure(&self) {
        self.inner.access_token.clear_failure();
    }

    /// Deletes the stored access token and tickets and empties the memory cache.
    pub(crate) async fn forget(&self) -> Result<(), Error> {
        for slot in [
            &self.inner.access_token,
            &self.inner.jsapi_ticket,
            &self.inner.wx_card_ticket,
        ] {
            self.inner
                .store
                .delete(&slot.key)
                .await
                .map_err(Error::store)?;
            *slot
                .cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
            slot.clear_failure();
        }
        Ok(())
    }

    async fn ticket(&self, kind: TicketType) -> Result<Ticket, Error> {
        let record = self.inner.get(Kind::Ticket(kind)).await?;
        Ok(Ticket {
            ticket: record.token,
            expires_at: record.expires_at,
        })
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
}

fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
