//! [`ComponentCredentials`]: a third-party platform (开放平台第三方平台, "component") and the
//! accounts that authorized it.
//!
//! A component's credentials form a chain: WeChat pushes a `component_verify_ticket` every 10
//! minutes; the ticket and the component AppSecret give the component access token; that token
//! gives pre-auth codes (for the authorization page), exchanges authorization codes
//! (`api_query_auth`), and turns each authorizer's refresh token into its
//! `authorizer_access_token` (`api_authorizer_token`). Every link is persisted, so a restarted
//! gateway has a working component token and authorizer tokens at once.
//!
//! Every token is kept by the credential manager ([`Credentials`]), with its single flight,
//! refresh ahead of expiry, store lease and back-off:
//!
//! - the **component token**: refreshed from the stored ticket; one refresher across instances;
//! - **pre-auth codes**: one code is shared by concurrent callers (single flight) and across
//!   instances until it is used or has less than 2 minutes left. WeChat accepts a pre-auth code
//!   for one authorization: the gateway reports it used
//!   ([`ComponentCredentials::pre_auth_code_used`], from the `authorized` notice's
//!   `PreAuthCode`), and the next caller gets a new one. Two administrators completing an
//!   authorization with one code within moments of each other: the second sees WeChat's error
//!   and reloads the page, which then carries a new code;
//! - **authorizers**: [`ComponentCredentials::authorizer_credentials`] is an ordinary
//!   [`Credentials`] (access token, tickets, `call`, refresh once on 40001/40014/42001) whose
//!   access token comes from `api_authorizer_token`. The refresh token may rotate: the new one
//!   is written over the old (compare-and-set) before the new access token is used, so it
//!   cannot be lost; the access token's store lease makes one instance the refresher of each
//!   authorizer. A refresh token WeChat refuses (61023, or 61003) marks the authorizer: its
//!   calls fail with [`ErrorKind::ReauthorizationRequired`]
//!   without asking WeChat again, until the account authorizes again
//!   ([`ComponentCredentials::query_auth`]);
//! - **spread refreshes**: each authorizer refreshes ahead of expiry by
//!   [`refresh_margin`](crate::CredentialOptions::refresh_margin) plus a share of
//!   [`authorizer_refresh_spread`](crate::CredentialOptions::authorizer_refresh_spread) fixed
//!   by its AppID, so thousands of accounts authorized together do not refresh together; and
//!   no more than [`authorizer_refresh_rate`](crate::CredentialOptions::authorizer_refresh_rate)
//!   of them (5) refresh ahead of expiry in any one second, however their tokens were issued.
//!   The refresher ([`ComponentCredentials::spawn_refresher`], every second in the gateway)
//!   reads each authorizer's store keys only when its token is due, not on every round.
//!
//! # Store keys
//!
//! With the default prefix `wxgate`, component id `open` and authorizer `wxAPPID` (each
//! authorizer's keys share a Redis Cluster hash tag):
//!
//! | key | value |
//! |---|---|
//! | `wxgate:component:{open}:verify_ticket` | `{"ticket":"…","received_at":<unix s>}`, TTL 12 h |
//! | `wxgate:component:{open}:access_token` (and `:lease`) | the component token, as an account's |
//! | `wxgate:component:{open}:pre_auth_code` (and `:lease`) | the current pre-auth code, same shape |
//! | `wxgate:component:{open}:authorizers` | the authorizers' AppIDs, a sorted JSON array |
//! | `wxgate:component:open:{wxAPPID}:authorizer` | `{"refresh_token":"…","func_info":[1,2],"authorized_at":<unix s>,"rotated_at":<unix s>,"reauthorize":{"errcode":61023,"at":<unix s>}}` (the last two when they apply), no TTL |
//! | `wxgate:component:open:{wxAPPID}:access_token` (and `:lease`), `…:jsapi_ticket`, `…:wx_card_ticket` | the authorizer's tokens, as an account's |
//! | `wxgate:component:open:{wxAPPID}:revoked` | `{"at":<unix s>}`: the account revoked its authorization (kept until it authorizes again, so its refusals can say why), no TTL |
//!
//! `{`, `}` and `%` in the component id and AppIDs are percent-encoded in keys.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use wxgate_proto::clock::unix_ms;
use wxgate_store::Store;

use crate::credential::manager::{RefreshBudget, Refresher};
use crate::credential::{AccountCredentials, CredentialOptions};
use crate::endpoint::Endpoint;
use crate::endpoint::component::api_query_auth;
use crate::{AccessToken, AppId, AppSecret, Client, Credentials, Error, ErrorKind, Secret};

mod sources;
mod stored;

use stored::{
    Keys, StoredAuthorizer, StoredRevocation, StoredTicket, TICKET_TTL, jitter, read_index,
    update_index,
};

/// A pre-auth code served with less life left than this is replaced first: the administrator
/// needs time to scan and confirm.
const PRE_AUTH_MIN_LIFE_SECS: i64 = 120;

/// One third-party platform as the credential manager knows it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ComponentAccount {
    /// The component's id in wxgate's config (the `{component}` in URLs and store keys).
    pub id: String,
    /// The component AppID.
    pub app_id: AppId,
    /// The component AppSecret.
    pub app_secret: Secret,
}

impl ComponentAccount {
    /// A component.
    pub fn new(id: impl Into<String>, app_id: impl Into<AppId>, app_secret: Secret) -> Self {
        Self {
            id: id.into(),
            app_id: app_id.into(),
            app_secret,
        }
    }
}

/// The last `component_verify_ticket` WeChat pushed. `Debug` redacts it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyTicket {
    /// The ticket.
    pub ticket: Secret,
    /// When it was received, Unix seconds (it is valid 12 hours).
    pub received_at: i64,
}

/// A pre-auth code for the authorization page. `Debug` redacts it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PreAuthCode {
    /// The code, for [`AuthorizationUrl`](crate::endpoint::component::AuthorizationUrl).
    pub code: Secret,
    /// When it expires, Unix seconds.
    pub expires_at: i64,
}

/// An account that authorized the component, as stored (no secrets).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Authorizer {
    /// The authorizer's AppID.
    pub app_id: AppId,
    /// The permission sets it granted.
    pub func_scope_ids: Vec<i64>,
    /// When it (last) authorized, Unix seconds.
    pub authorized_at: i64,
    /// When its refresh token last rotated, Unix seconds.
    pub rotated_at: Option<i64>,
    /// Whether WeChat refused its refresh token: it must authorize again.
    pub needs_reauthorization: bool,
}

impl Authorizer {
    fn from_stored(app_id: &str, record: &StoredAuthorizer) -> Self {
        Self {
            app_id: AppId::new(app_id),
            func_scope_ids: record.func_info.clone(),
            authorized_at: record.authorized_at,
            rotated_at: record.rotated_at,
            needs_reauthorization: record.reauthorize.is_some() || record.refresh_token.is_none(),
        }
    }
}

/// A third-party platform's credentials: its verify ticket, component token and pre-auth
/// codes, and the tokens of every account that authorized it (see the
/// [module docs](crate::credential::component)).
///
/// Cheap to clone; build one per component at start-up and share it. Every instance sharing
/// a store must use the same component id and key prefix.
///
/// ```no_run
/// # async fn demo(client: wxgate_api::Client) -> Result<(), wxgate_api::Error> {
/// use std::sync::Arc;
/// use wxgate_api::{ComponentAccount, ComponentCredentials, CredentialOptions, Secret};
///
/// let store = Arc::new(wxgate_store::MemoryStore::new());
/// let component = ComponentAccount::new("open", "wxc0mp0nent000001", Secret::new("secret"));
/// let platform = ComponentCredentials::new(client, store, component, CredentialOptions::default());
/// // From the authorization-event URL:
/// platform.save_verify_ticket("ticket@@@…").await?;
/// // From the authorization page's return:
/// let authorizer = platform.query_auth("queryauthcode@@@…").await?;
/// let credentials = platform.authorizer_credentials(authorizer.app_id.as_str()).await?;
/// let token = credentials.access_token().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ComponentCredentials {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    store: Arc<dyn Store>,
    component: ComponentAccount,
    options: CredentialOptions,
    keys: Keys,
    token: Credentials,
    pre_auth: Credentials,
    authorizers: Mutex<HashMap<String, Credentials>>,
    /// The authorizers' share of ahead-of-expiry refreshes per second.
    refresh_budget: Option<Arc<RefreshBudget>>,
    /// Taken around changes of the authorizers' index: notices arriving together (WeChat
    /// pushes in parallel) would otherwise retry each other's compare-and-set on the whole list.
    index_lock: tokio::sync::Mutex<()>,
}

impl Inner {
    /// Adds (`present`) or removes an authorizer in the index: one change at a time in this
    /// process, compare-and-set against other instances.
    async fn update_index(&self, app_id: &str, present: bool) -> Result<(), Error> {
        let _one_at_a_time = self.index_lock.lock().await;
        update_index(self.store.as_ref(), &self.keys.index, app_id, present).await
    }
}

impl ComponentCredentials {
    /// The credentials of `component`, kept in `store`. `options` apply to the component token
    /// and to every authorizer (whose refresh margins are spread, see
    /// [`CredentialOptions::authorizer_refresh_spread`]).
    pub fn new(
        client: Client,
        store: Arc<dyn Store>,
        component: ComponentAccount,
        options: CredentialOptions,
    ) -> Self {
        let keys = Keys::new(&options.key_prefix, &component.id);
        let own_options = options.clone().key_prefix(keys.component_prefix.clone());
        let own_account = AccountCredentials::new(
            component.id.clone(),
            component.app_id.clone(),
            AppSecret::default(),
        );
        let token = Credentials::with_source(
            client.clone(),
            Arc::clone(&store),
            own_account.clone(),
            own_options.clone(),
            Arc::new(sources::ComponentToken {
                app_id: component.app_id.clone(),
                app_secret: component.app_secret.clone(),
                store: Arc::clone(&store),
                ticket_key: keys.verify_ticket.clone(),
            }),
            None,
            "access_token",
        );
        // Refreshed ahead while it has 10 minutes left, so the page rarely gets an old code.
        let pre_auth = Credentials::with_source(
            client.clone(),
            Arc::clone(&store),
            own_account,
            // A used code is replaced however young it is: the guards against callers that
            // report good tokens as stale do not apply to it.
            own_options
                .refresh_margin(Duration::from_secs(600))
                .min_refresh_interval(Duration::ZERO)
                .min_stale_age(Duration::ZERO)
                .refresh_limit_per_minute(0),
            Arc::new(sources::PreAuthCode {
                app_id: component.app_id.clone(),
                component: token.clone(),
            }),
            None,
            "pre_auth_code",
        );
        let refresh_budget = (options.authorizer_refresh_rate > 0)
            .then(|| Arc::new(RefreshBudget::new(options.authorizer_refresh_rate)));
        Self {
            inner: Arc::new(Inner {
                client,
                store,
                component,
                options,
                keys,
                token,
                pre_auth,
                authorizers: Mutex::new(HashMap::new()),
                refresh_budget,
                index_lock: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The component managed.
    pub fn component(&self) -> &ComponentAccount {
        &self.inner.component
    }

    /// The client used.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// Keeps a `component_verify_ticket` WeChat pushed (12 hours, in the store), and lets a
    /// component token fetch that failed for want of one run at once.
    ///
    /// # Errors
    ///
    /// A store error.
    pub async fn save_verify_ticket(&self, ticket: &str) -> Result<(), Error> {
        let inner = &self.inner;
        let record = StoredTicket {
            ticket: ticket.to_owned(),
            received_at: self.now_secs(),
        };
        let bytes = serde_json::to_vec(&record).unwrap_or_default();
        inner
            .store
            .set(&inner.keys.verify_ticket, &bytes, Some(TICKET_TTL))
            .await
            .map_err(Error::store)?;
        inner.token.clear_failure();
        tracing::debug!(component = %inner.component.id, "component_verify_ticket saved");
        Ok(())
    }

    /// The last verify ticket, if one arrived less than 12 hours ago.
    ///
    /// # Errors
    ///
    /// A store error.
    pub async fn verify_ticket(&self) -> Result<Option<VerifyTicket>, Error> {
        let bytes = self
            .inner
            .store
            .get(&self.inner.keys.verify_ticket)
            .await
            .map_err(Error::store)?;
        Ok(bytes
            .and_then(|b| serde_json::from_slice::<StoredTicket>(&b).ok())
            .map(|t| VerifyTicket {
                ticket: Secret::new(t.ticket),
                received_at: t.received_at,
            }))
    }

    /// A valid component access token: from memory, the store, or (once for all concurrent
    /// callers and instances) `api_component_token` with the stored verify ticket.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NoVerifyTicket`] before the first ticket arrived (WeChat is asked to push
    /// one), WeChat's error (61005 ticket expired, 61006 invalid, 40125 wrong secret), a store
    /// error or [`ErrorKind::LeaseTimeout`].
    pub async fn component_access_token(&self) -> Result<AccessToken, Error> {
        self.inner.token.access_token().await
    }

    /// Calls a component endpoint with the component access token, refreshing it once if
    /// WeChat rejects it (40001, 40014, 42001).
    ///
    /// ```no_run
    /// # async fn demo(platform: wxgate_api::ComponentCredentials) -> Result<(), wxgate_api::Error> {
    /// use wxgate_api::endpoint::component::api_get_authorizer_list::Request;
    /// let app_id = platform.component().app_id.clone();
    /// let page = platform.call(&Request::new(app_id, 0, 500)).await?;
    /// println!("{} authorizers", page.total_count);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// WeChat's answer, the transport's or the component token's error.
    pub async fn call<E>(&self, request: &E) -> Result<E::Response, Error>
    where
        E: Endpoint,
    {
        let client = &self.inner.client;
        self.inner
            .token
            .call_with_token(|token| async move {
                client
                    .call(request)
                    .component_access_token(token.as_str())
                    .await
            })
            .await
    }

    /// A pre-auth code for the authorization page, with at least 2 minutes left: the current one
    /// (shared until used), or a new one fetched once for all concurrent callers and instances.
    ///
    /// # Errors
    ///
    /// As [`ComponentCredentials::component_access_token`], or WeChat's answer.
    pub async fn pre_auth_code(&self) -> Result<PreAuthCode, Error> {
        let pre_auth = &self.inner.pre_auth;
        let mut code = pre_auth.access_token().await?;
        if code.expires_at - self.now_secs() < PRE_AUTH_MIN_LIFE_SECS {
            code = pre_auth.refresh_access_token(Some(code.as_str())).await?;
        }
        Ok(PreAuthCode {
            code: Secret::new(code.token),
            expires_at: code.expires_at,
        })
    }

    /// Reports that an authorization used `code` (the `PreAuthCode` of an `authorized`
    /// notice): if it is still the current one, a new one replaces it. A code that is no
    /// longer current is ignored.
    ///
    /// # Errors
    ///
    /// As [`ComponentCredentials::pre_auth_code`].
    pub async fn pre_auth_code_used(&self, code: &str) -> Result<(), Error> {
        self.inner
            .pre_auth
            .refresh_access_token(Some(code))
            .await
            .map(drop)
    }

    /// Exchanges an authorization code (`auth_code` of the authorization page's return, or the
    /// `AuthorizationCode` of an `authorized` notice) and keeps the authorizer: its refresh
    /// token and permission sets first, then its first access token. An account that authorizes
    /// again replaces what was kept, which also lifts a refused refresh token.
    ///
    /// # Errors
    ///
    /// WeChat's answer (61009 code invalid, 61010 expired), the component token's error, or a
    /// store error.
    pub async fn query_auth(&self, authorization_code: &str) -> Result<Authorizer, Error> {
        let inner = &self.inner;
        let request = api_query_auth::Request::new(
            inner.component.app_id.clone(),
            Secret::new(authorization_code),
        );
        let info = self.call(&request).await?.authorization_info;
        let app_id = info.authorizer_app_id.to_string();
        let record = StoredAuthorizer {
            refresh_token: info
                .authorizer_refresh_token
                .as_ref()
                .map(|t| t.expose().to_owned()),
            func_info: info.func_scope_ids(),
            authorized_at: self.now_secs(),
            rotated_at: None,
            reauthorize: None,
        };
        inner
            .store
            .set(&inner.keys.authorizer(&app_id), &record.encode(), None)
            .await
            .map_err(Error::store)?;
        inner.update_index(&app_id, true).await?;
        // Authorized again: no longer revoked.
        inner
            .store
            .delete(&inner.keys.revoked(&app_id))
            .await
            .map_err(Error::store)?;
        let credentials = self.credentials_for(&app_id);
        credentials.clear_failure();
        if let (Some(token), Some(expires_in)) = (&info.authorizer_access_token, info.expires_in) {
            credentials
                .seed_access_token(token.expose().to_owned(), expires_in)
                .await?;
        }
        tracing::info!(
            component = %inner.component.id,
            authorizer = %app_id,
            "authorizer stored"
        );
        Ok(Authorizer::from_stored(&app_id, &record))
    }

    /// The credentials of an authorizer: every [`Credentials`] call works for it, with its
    /// `authorizer_access_token`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::UnknownAuthorizer`] when the account never authorized the component (or
    /// was forgotten), or a store error.
    pub async fn authorizer_credentials(&self, app_id: &str) -> Result<Credentials, Error> {
        if let Some(credentials) = self.cached(app_id) {
            return Ok(credentials);
        }
        if self.authorizer(app_id).await?.is_none() {
            return Err(Error::new(ErrorKind::UnknownAuthorizer {
                component_app_id: self.inner.component.app_id.to_string(),
                authorizer_app_id: app_id.to_owned(),
            }));
        }
        Ok(self.credentials_for(app_id))
    }

    /// What is kept of an authorizer, if it authorized the component.
    ///
    /// # Errors
    ///
    /// A store error.
    pub async fn authorizer(&self, app_id: &str) -> Result<Option<Authorizer>, Error> {
        let bytes = self
            .inner
            .store
            .get(&self.inner.keys.authorizer(app_id))
            .await
            .map_err(Error::store)?;
        Ok(bytes
            .and_then(|b| StoredAuthorizer::decode(&b))
            .map(|record| Authorizer::from_stored(app_id, &record)))
    }

    /// When `app_id` revoked its authorization of the component (Unix seconds), if it did and
    /// has not authorized it again since.
    ///
    /// # Errors
    ///
    /// A store error.
    pub async fn revoked_at(&self, app_id: &str) -> Result<Option<i64>, Error> {
        let bytes = self
            .inner
            .store
            .get(&self.inner.keys.revoked(app_id))
            .await
            .map_err(Error::store)?;
        Ok(bytes
            .and_then(|b| serde_json::from_slice::<StoredRevocation>(&b).ok())
            .map(|revocation| revocation.at))
    }

    /// The AppIDs of the accounts that authorized the component, sorted.
    ///
    /// # Errors
    ///
    /// A store error.
    pub async fn authorizers(&self) -> Result<Vec<AppId>, Error> {
        let bytes = self
            .inner
            .store
            .get(&self.inner.keys.index)
            .await
            .map_err(Error::store)?;
        Ok(read_index(bytes.as_deref())
            .into_iter()
            .map(AppId::new)
            .collect())
    }

    /// Refreshes an authorizer's access token now (its refresh token rotates as usual).
    ///
    /// # Errors
    ///
    /// As [`ComponentCredentials::authorizer_credentials`], [`ErrorKind::ReauthorizationRequired`]
    /// when WeChat refuses the refresh token, or WeChat's answer.
    pub async fn refresh_authorizer(&self, app_id: &str) -> Result<AccessToken, Error> {
        let credentials = self.authorizer_credentials(app_id).await?;
        credentials.refresh_access_token(None).await
    }

    /// Forgets an authorizer (it revoked the authorization: the `unauthorized` notice): its
    /// refresh token, tokens and tickets are deleted, and its calls fail with
    /// [`ErrorKind::UnknownAuthorizer`]; when it was known, the revocation is kept
    /// ([`ComponentCredentials::revoked_at`]) until it authorizes again. Returns whether it was
    /// known.
    ///
    /// # Errors
    ///
    /// A store error.
    pub async fn forget_authorizer(&self, app_id: &str) -> Result<bool, Error> {
        let inner = &self.inner;
        // Kept first, so that whoever finds the authorizer gone can also find why.
        if self.authorizer(app_id).await?.is_some() {
            let revocation = StoredRevocation {
                at: self.now_secs(),
            };
            inner
                .store
                .set(
                    &inner.keys.revoked(app_id),
                    &serde_json::to_vec(&revocation).unwrap_or_default(),
                    None,
                )
                .await
                .map_err(Error::store)?;
        }
        let known = inner
            .store
            .delete(&inner.keys.authorizer(app_id))
            .await
            .map_err(Error::store)?;
        inner.update_index(app_id, false).await?;
        let credentials = inner
            .authorizers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(app_id)
            .unwrap_or_else(|| self.build(app_id));
        credentials.forget().await?;
        tracing::info!(component = %inner.component.id, authorizer = %app_id, known, "authorizer forgotten");
        Ok(known)
    }

    /// Starts a background task that, every `every`, refreshes the component token and the
    /// token of every known authorizer that is near (its spread point before) expiry, so
    /// callers never wait for WeChat. It stops when the returned [`Refresher`] is dropped.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    #[must_use = "the refresher stops when dropped"]
    pub fn spawn_refresher(&self, every: Duration) -> Refresher {
        let this = self.clone();
        let every = every.max(Duration::from_millis(10));
        Refresher::from_task(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                this.refresh_due().await;
            }
        }))
    }

    /// One round of the refresher of [`ComponentCredentials::spawn_refresher`]: refreshes the
    /// component token and every authorizer's token that is due. For programs that drive their
    /// own schedule, such as a simulation on a virtual clock that runs one round per virtual
    /// second; errors are logged, as the refresher does.
    pub async fn refresh_due(&self) {
        if self.verify_ticket().await.ok().flatten().is_some() {
            self.inner.token.warm().await;
        }
        match self.authorizers().await {
            Ok(app_ids) => {
                for app_id in app_ids {
                    self.credentials_for(app_id.as_str()).warm().await;
                }
            }
            Err(error) => {
                tracing::warn!(component = %self.inner.component.id, %error, "listing authorizers failed");
            }
        }
    }

    fn cached(&self, app_id: &str) -> Option<Credentials> {
        self.inner
            .authorizers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(app_id)
            .cloned()
    }

    /// The authorizer's manager, built once per process.
    fn credentials_for(&self, app_id: &str) -> Credentials {
        let mut map = self
            .inner
            .authorizers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        map.entry(app_id.to_owned())
            .or_insert_with(|| self.build(app_id))
            .clone()
    }

    fn build(&self, app_id: &str) -> Credentials {
        let inner = &self.inner;
        let margin =
            inner.options.refresh_margin + jitter(app_id, inner.options.authorizer_refresh_spread);
        let options = inner
            .options
            .clone()
            .key_prefix(inner.keys.authorizer_prefix.clone())
            .refresh_margin(margin);
        let account = AccountCredentials::new(app_id, app_id, AppSecret::default());
        Credentials::with_source(
            inner.client.clone(),
            Arc::clone(&inner.store),
            account,
            options,
            Arc::new(sources::AuthorizerToken {
                component_app_id: inner.component.app_id.clone(),
                app_id: AppId::new(app_id),
                component: inner.token.clone(),
                store: Arc::clone(&inner.store),
                record_key: inner.keys.authorizer(app_id),
                clock: Arc::clone(&inner.options.clock),
            }),
            inner.refresh_budget.clone(),
            "access_token",
        )
    }

    fn now_secs(&self) -> i64 {
        unix_ms(self.inner.options.clock.now()).div_euclid(1000)
    }
}

impl fmt::Debug for ComponentCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ComponentCredentials")
            .field("component", &self.inner.component.id)
            .field("app_id", &self.inner.component.app_id)
            .finish_non_exhaustive()
    }
}
