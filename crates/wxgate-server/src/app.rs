//! Building the gateway from a [`Config`]: the state shared by requests and the axum `Router`.
//! An account's run-time form is in `account`, `/healthz` in `health_route`, serving in
//! `serve`.

mod account;
mod credentials;
mod guards;
mod health_route;
mod serve;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};

use axum::routing::get;
use wxgate_api::{Clock, Credentials, Refresher, SystemClock};
use wxgate_store::registry::{Registry, RegistryError};
use wxgate_store::{Store, StoreError};

pub(crate) use account::Account;
pub use serve::serve;

use crate::config::{Config, ConfigError};
use crate::dedup::Dedup;
use crate::metrics::GatewayMetrics;
use crate::replay::ReplayGuard;
use crate::router::MessageRouter;

/// The route of the WeChat callback.
pub const CALLBACK_PATH: &str = "/wechat/{account}";
/// The health check route.
pub const HEALTH_PATH: &str = "/healthz";
/// The Prometheus metrics route.
pub const METRICS_PATH: &str = "/metrics";

/// How often the background refresher looks at each account's credentials.
const REFRESH_CHECK: Duration = Duration::from_secs(5);
/// How often a component's refresher looks at its authorizers: every second, so that its
/// share of refreshes per second (`CredentialOptions::authorizer_refresh_rate`) is a rate
/// rather than a burst every few seconds. A round reads nothing for authorizers not yet due.
const COMPONENT_REFRESH_CHECK: Duration = Duration::from_secs(1);

/// Why a gateway could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// The configuration is invalid.
    #[error("invalid configuration:\n{0}")]
    Config(#[from] ConfigError),
    /// The store could not be opened.
    #[error("cannot open the store: {0}")]
    Store(#[from] StoreError),
    /// The registry could not be opened (or, with a Redis store, none was configured).
    #[error("cannot open the registry: {0}")]
    Registry(#[from] RegistryError),
    /// The HTTP client for WeChat's API could not be built.
    #[error("cannot build the WeChat API client: {0}")]
    Client(#[from] wxgate_api::Error),
    /// The HTTP client of the webhooks could not be built.
    #[error("cannot build the webhooks' HTTP client: {0}")]
    WebhookClient(String),
    /// The HTTP client of the WeChat API proxy could not be built.
    #[error("cannot build the WeChat API proxy's client: {0}")]
    ProxyClient(String),
}

/// The wxgate gateway: build it once, then serve [`Gateway::router`] or nest it in your app.
#[derive(Clone, Debug)]
pub struct Gateway {
    shared: Arc<Shared>,
}

/// Builds a [`Gateway`].
#[derive(Debug)]
#[must_use = "call .build() to get a Gateway"]
pub struct GatewayBuilder {
    config: Config,
    router: MessageRouter,
    store: Option<Arc<dyn Store>>,
    registry: Option<Arc<dyn Registry>>,
    clock: Arc<dyn Clock>,
    authorizer_recheck: Duration,
}

/// State shared by every request.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) accounts: HashMap<String, Arc<Account>>,
    pub(crate) router: MessageRouter,
    pub(crate) dedup: Arc<Dedup>,
    /// Signatures seen with their bodies' digests (unencrypted pushes).
    pub(crate) replay: ReplayGuard,
    /// Gateway-wide counters of the callback path's fault handling.
    pub(crate) metrics: Arc<GatewayMetrics>,
    pub(crate) store: Arc<dyn Store>,
    /// Followers, scene figures and idempotency keys.
    pub(crate) registry: Arc<dyn Registry>,
    pub(crate) credentials: HashMap<String, Credentials>,
    /// `[[components]]`, by id.
    pub(crate) components: HashMap<String, Arc<crate::component::Component>>,
    /// The WeChat API proxy's client.
    pub(crate) upstream: crate::proxy::Upstream,
    pub(crate) deadline: Duration,
    pub(crate) timestamp_window_secs: u64,
    pub(crate) config: Config,
    /// The clock callbacks' timestamps and credential expiries are measured against.
    pub(crate) clock: Arc<dyn Clock>,
}

impl Shared {
    /// Unix seconds by the gateway's clock.
    pub(crate) fn unix_now(&self) -> u64 {
        self.clock.unix_secs()
    }
}

impl Gateway {
    /// Starts building a gateway from a validated configuration.
    pub fn builder(config: Config) -> GatewayBuilder {
        GatewayBuilder {
            config,
            router: MessageRouter::new(),
            store: None,
            registry: None,
            clock: Arc::new(SystemClock),
            authorizer_recheck: crate::component::AUTHORIZER_RECHECK,
        }
    }

    /// The axum router with every gateway route; serve it or nest it into your own app.
    pub fn router(&self) -> Router {
        let limit = self.shared.config.server.max_body_bytes;
        Router::new()
            .route(
                crate::component::COMPONENT_EVENTS_PATH,
                axum::routing::post(crate::component::events),
            )
            .route(
                crate::component::authorize::COMPONENT_AUTHORIZE_PATH,
                get(crate::component::authorize::page),
            )
            .route(
                crate::component::authorize::COMPONENT_AUTHORIZED_PATH,
                get(crate::component::authorize::authorized),
            )
            .route(
                crate::component::COMPONENT_MESSAGE_PATH,
                axum::routing::post(crate::component::message),
            )
            .layer(DefaultBodyLimit::max(limit))
            .route(HEALTH_PATH, get(health_route::healthz))
            .route(METRICS_PATH, get(metrics))
            .with_state(Arc::clone(&self.shared))
            .merge(self.v1_routes())
            .layer(crate::metrics::trace_layer())
            // After both layers, the route every push takes:
            // - it reads its body up to the same limit itself;
            // - it has no request span. Its log lines name the account themselves (the path's
            //   only part), and at `info`, `wxgate serve`'s default level, the span's fields were
            //   formatted for every push: 4,600 instructions of the 44,100 a push cost (10%),
            //   plus the trace layer's own route level at any level.
            .route(
                CALLBACK_PATH,
                get(crate::callback::verify)
                    .post(crate::callback::push)
                    .with_state(Arc::clone(&self.shared)),
            )
    }

    /// The `/v1` routes and the web pages' (WeChat login, JS-SDK configs). With components,
    /// their answers pass [`crate::token_api::authorize_link`], which links a refused refresh
    /// token's 409 to the platform's authorization page; without, no request pays for it.
    fn v1_routes(&self) -> Router {
        let shared = &self.shared;
        let routes = crate::token_api::routes(Arc::clone(shared))
            .merge(crate::proxy::routes(Arc::clone(shared)))
            .merge(crate::outbound::routes(Arc::clone(shared)))
            .merge(crate::funnel_api::routes(Arc::clone(shared)))
            .merge(crate::webhook::api::routes(Arc::clone(shared)))
            .merge(crate::web::routes(Arc::clone(shared)));
        if shared.components.is_empty() {
            return routes;
        }
        routes.layer(axum::middleware::from_fn_with_state(
            Arc::clone(shared),
            crate::token_api::authorize_link,
        ))
    }

    /// Starts the background work: delivering deferred replies through the customer-service
    /// API, async webhook deliveries, and the follower registry's work left over from callbacks
    /// (store queue `registry`). [`serve`] calls it; call it yourself when you nest [`Gateway::router`] in
    /// your app. The task stops when the returned handle is aborted.
    pub fn spawn_workers(&self) -> tokio::task::JoinHandle<()> {
        // Keep every account's token and tickets fresh ahead of expiry, so requests never wait
        // on WeChat. Accounts without an AppSecret cannot fetch tokens and are left alone.
        let refreshers: Vec<Refresher> = self
            .shared
            .config
            .accounts
            .iter()
            .filter(|account| !account.app_secret.expose().is_empty())
            .filter_map(|account| self.shared.credentials.get(&account.id))
            .map(|credentials| credentials.spawn_refresher(REFRESH_CHECK))
            .chain(
                // The component token and every authorizer's, each ahead of its expiry.
                self.shared.components.values().map(|component| {
                    component
                        .credentials
                        .spawn_refresher(COMPONENT_REFRESH_CHECK)
                }),
            )
            .collect();
        let shared = Arc::clone(&self.shared);
        // Async webhook deliveries, several per account at once; aborted with the handle.
        let webhook_workers = AbortOnDrop(crate::webhook::worker::spawn(&self.shared));
        tokio::spawn(async move {
            let _refreshers = refreshers;
            let _webhook_workers = webhook_workers;
            tokio::join!(
                crate::delivery::run(Arc::clone(&shared)),
                crate::funnel::run(shared)
            );
        })
    }

    /// The credential manager of an account: its access_token, tickets and API calls.
    #[must_use]
    pub fn credentials(&self, account: &str) -> Option<&Credentials> {
        self.shared.credentials.get(account)
    }

    /// The credentials of a third-party platform (`[[components]]`): its verify ticket,
    /// component token, pre-auth codes and authorizers.
    #[must_use]
    pub fn component(&self, component: &str) -> Option<&wxgate_api::ComponentCredentials> {
        self.shared
            .components
            .get(component)
            .map(|component| &component.credentials)
    }

    /// The configuration the gateway was built from.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// The registry of followers, scene figures and idempotency keys.
    #[must_use]
    pub fn registry(&self) -> &Arc<dyn Registry> {
        &self.shared.registry
    }

    /// Redeems the one-time `wxgate_ticket` a WeChat login handed to a page (what
    /// `POST /v1/accounts/{account}/oauth/tickets/{ticket}` does), for an app that embeds the
    /// gateway and is its own business backend.
    ///
    /// # Errors
    ///
    /// The store's error when it cannot be read.
    pub async fn redeem_login_ticket(
        &self,
        account: &str,
        ticket: &str,
    ) -> Result<crate::web::oauth::Redeemed, StoreError> {
        crate::web::oauth::take_ticket(&self.shared, account, ticket).await
    }

    /// The store the gateway keeps its state in.
    #[must_use]
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.shared.store
    }
}

impl GatewayBuilder {
    /// Sets the routes for messages (shared by every account; see [`crate::Incoming::account`]).
    pub fn messages(mut self, router: MessageRouter) -> Self {
        self.router = router;
        self
    }

    /// Uses this store instead of opening `storage.url`.
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// Uses this registry instead of opening the configuration's [`Config::registry_url`].
    pub fn registry(mut self, registry: Arc<dyn Registry>) -> Self {
        self.registry = Some(registry);
        self
    }

    /// Measures time with `clock` instead of the system clock: the timestamp window of
    /// callbacks, the `CreateTime` of replies and the expiry of credentials.
    ///
    /// Meant for simulations whose platform runs on a virtual clock (the demo shares the
    /// sandbox's); a real gateway keeps the system clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How long the store's word that an account authorized a component is trusted before it
    /// is read again (default [`AUTHORIZER_RECHECK`](crate::AUTHORIZER_RECHECK), 30 s): the
    /// longest an `unauthorized` notice handled by another instance goes unseen by this one.
    pub fn authorizer_recheck(mut self, recheck: Duration) -> Self {
        self.authorizer_recheck = recheck;
        self
    }

    /// Validates the configuration, opens the store and builds the gateway.
    ///
    /// # Errors
    ///
    /// [`GatewayError`] for an invalid configuration or a store that cannot be opened.
    pub async fn build(self) -> Result<Gateway, GatewayError> {
        let problems = self.config.problems();
        if !problems.is_empty() {
            return Err(ConfigError(problems).into());
        }
        let store = match self.store {
            Some(store) => store,
            None => wxgate_store::open(&self.config.storage.url).await?,
        };
        let registry = match self.registry {
            Some(registry) => registry,
            None => {
                let url = self.config.registry_url().ok_or_else(|| {
                    RegistryError::InvalidUrl(
                        "registry.url is required with a Redis store".to_owned(),
                    )
                })?;
                wxgate_store::registry::open(&url).await?
            }
        };
        let context = crate::webhook::Context {
            http: reqwest::Client::builder()
                .user_agent(concat!("wxgate/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|error| GatewayError::WebhookClient(error.to_string()))?,
            registry: Arc::clone(&registry),
            clock: Arc::clone(&self.clock),
        };
        let mut accounts = HashMap::new();
        for account in &self.config.accounts {
            accounts.insert(
                account.id.clone(),
                Arc::new(Account::new(account, Some(context.clone()))?),
            );
        }
        let metrics = Arc::new(GatewayMetrics::default());
        let credentials = credentials::credentials(&self.config, &store, &self.clock, &metrics)?;
        let mut components = HashMap::new();
        let mut component_credentials =
            credentials::components(&self.config, &store, &self.clock, &metrics)?;
        for config in &self.config.components {
            if let Some((credentials, own_metrics)) = component_credentials.remove(&config.id) {
                let component = crate::component::Component::new(
                    config,
                    credentials,
                    own_metrics,
                    Some(context.clone()),
                    self.authorizer_recheck,
                )?;
                components.insert(config.id.clone(), Arc::new(component));
            }
        }
        let upstream = crate::proxy::Upstream::new(&self.config)
            .map_err(|error| GatewayError::ProxyClient(error.to_string()))?;
        let (dedup, replay) = guards::guards(&self.config, &store, &metrics);
        let server = &self.config.server;
        Ok(Gateway {
            shared: Arc::new(Shared {
                accounts,
                router: self.router,
                dedup,
                replay,
                metrics,
                store,
                registry,
                credentials,
                components,
                upstream,
                deadline: Duration::from_millis(server.callback_deadline_ms),
                timestamp_window_secs: server.timestamp_window_secs,
                config: self.config,
                clock: self.clock,
            }),
        })
    }
}

async fn metrics(State(shared): State<Arc<Shared>>) -> axum::response::Response {
    crate::webhook::read_queue_lengths(&shared).await;
    crate::metrics::exposition(&shared)
}

/// Aborts its tasks when dropped.
struct AbortOnDrop(Vec<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}
