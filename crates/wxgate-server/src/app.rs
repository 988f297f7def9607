//! Building the gateway from a [`Config`]: accounts, routes, state, and the axum `Router`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::IntoResponse;
use axum::routing::get;
use wxgate_api::{
    AccountCredentials, AppSecret, Client, Clock, CredentialOptions, Credentials, Refresher,
    SystemClock,
};
use wxgate_proto::callback::Endpoint;
use wxgate_proto::crypto::{AesKey, MessageCrypt};
use wxgate_proto::reply::{Article, Reply};
use wxgate_store::{Store, StoreError};

use crate::config::{AccountConfig, Config, ConfigError, DedupScope, ReplyContent};
use crate::dedup::{Dedup, Limits};
use crate::handler::{Fixed, Handler, Incoming};
use crate::health::StoreHealth;
use crate::metrics::{AccountMetrics, GatewayMetrics, TokenMetrics};
use crate::replay::ReplayGuard;
use crate::router::{Matcher, MessageRouter};

/// The route of the WeChat callback.
pub const CALLBACK_PATH: &str = "/wechat/{account}";
/// The health check route.
pub const HEALTH_PATH: &str = "/healthz";
/// The Prometheus metrics route.
pub const METRICS_PATH: &str = "/metrics";

/// How often the background refresher looks at each account's credentials.
const REFRESH_CHECK: Duration = Duration::from_secs(5);

/// How long `/healthz` waits for the store before calling it unavailable.
const HEALTH_STORE_WAIT: Duration = Duration::from_secs(2);

/// The key `/healthz` reads to see that the store answers (it is never written).
const HEALTH_KEY: &str = "wxgate:healthz";

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
    /// The HTTP client for WeChat's API could not be built.
    #[error("cannot build the WeChat API client: {0}")]
    Client(#[from] wxgate_api::Error),
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
    clock: Arc<dyn Clock>,
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
    pub(crate) credentials: HashMap<String, Credentials>,
    pub(crate) deadline: Duration,
    pub(crate) timestamp_window_secs: u64,
    pub(crate) config: Config,
    /// The clock callbacks' timestamps and credential expiries are measured against.
    pub(crate) clock: Arc<dyn Clock>,
}

impl Shared {
    /// Unix seconds by the gateway's clock.
    pub(crate) fn unix_now(&self) -> u64 {
        self.clock
            .now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// One account at run time.
#[derive(Debug)]
pub(crate) struct Account {
    pub(crate) id: Arc<str>,
    pub(crate) endpoint: Endpoint,
    /// Routes from the config (`replies`, `subscribe_reply`).
    pub(crate) configured: MessageRouter,
    pub(crate) metrics: AccountMetrics,
    pub(crate) token_metrics: TokenMetrics,
}

impl Account {
    fn new(config: &AccountConfig) -> Result<Self, ConfigError> {
        let crypt = match &config.encoding_aes_key {
            Some(key) => {
                let key =
                    AesKey::parse(key.expose()).map_err(|_| invalid(config, "encoding_aes_key"))?;
                let mut crypt = MessageCrypt::new(config.token.expose(), key, &config.app_id);
                if let Some(previous) = &config.previous_encoding_aes_key {
                    let previous = AesKey::parse(previous.expose())
                        .map_err(|_| invalid(config, "previous_encoding_aes_key"))?;
                    crypt = crypt.with_previous_key(previous);
                }
                Some(crypt)
            }
            None => None,
        };
        let mut configured = MessageRouter::new();
        for rule in &config.replies {
            let reply = Fixed(content_reply(&rule.content));
            let matcher = if let Some(keyword) = &rule.keyword {
                Matcher::Keyword(keyword.clone())
            } else if let Some(pattern) = &rule.regex {
                Matcher::Regex(
                    regex::Regex::new(pattern).map_err(|_| invalid(config, "replies.regex"))?,
                )
            } else if let Some(key) = &rule.click {
                Matcher::EventKey {
                    event: "CLICK".to_owned(),
                    key: key.clone(),
                }
            } else if let Some(scene) = &rule.scene {
                Matcher::QrScene(scene.clone())
            } else {
                continue;
            };
            configured = configured.push(matcher, reply);
        }
        if let Some(greeting) = &config.subscribe_reply {
            configured = configured.push(
                Matcher::Event("subscribe".to_owned()),
                Fixed(content_reply(greeting)),
            );
        }
        Ok(Self {
            id: Arc::from(config.id.as_str()),
            endpoint: Endpoint::new(config.token.expose(), config.mode, crypt),
            configured,
            metrics: AccountMetrics::new(&config.id),
            token_metrics: TokenMetrics::new(&config.id),
        })
    }

    /// Routes added in code first, then the configured replies, then the code's fallback.
    pub(crate) fn handler_for(
        &self,
        code: &MessageRouter,
        incoming: &Incoming,
    ) -> Option<Arc<dyn Handler>> {
        code.find(incoming)
            .or_else(|| self.configured.find(incoming))
            .or_else(|| code.fallback_handler())
            .cloned()
    }
}

fn invalid(config: &AccountConfig, field: &str) -> ConfigError {
    ConfigError(vec![crate::config::Problem {
        path: format!("accounts[id={}].{field}", config.id),
        line: None,
        message: "is invalid".to_owned(),
    }])
}

fn content_reply(content: &ReplyContent) -> Reply {
    match (&content.text, &content.news) {
        (_, Some(news)) => Reply::news(Article {
            title: news.title.clone(),
            description: news.description.clone(),
            pic_url: news.pic_url.clone(),
            url: news.url.clone(),
        }),
        (Some(text), None) => Reply::text(text.clone()),
        (None, None) => Reply::text(String::new()),
    }
}

impl Gateway {
    /// Starts building a gateway from a validated configuration.
    pub fn builder(config: Config) -> GatewayBuilder {
        GatewayBuilder {
            config,
            router: MessageRouter::new(),
            store: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// The axum router with every gateway route; serve it or nest it into your own app.
    pub fn router(&self) -> Router {
        let limit = self.shared.config.server.max_body_bytes;
        Router::new()
            .route(
                CALLBACK_PATH,
                get(crate::callback::verify).post(crate::callback::push),
            )
            .layer(DefaultBodyLimit::max(limit))
            .route(HEALTH_PATH, get(healthz))
            .route(METRICS_PATH, get(metrics))
            .with_state(Arc::clone(&self.shared))
            .merge(crate::token_api::routes(Arc::clone(&self.shared)))
            .layer(crate::metrics::trace_layer())
    }

    /// Starts the background work: delivering deferred replies through the customer-service
    /// API. [`serve`] calls it; call it yourself when you nest [`Gateway::router`] in your app.
    /// The task stops when the returned handle is aborted.
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
            .collect();
        let shared = Arc::clone(&self.shared);
        tokio::spawn(async move {
            let _refreshers = refreshers;
            crate::delivery::run(shared).await;
        })
    }

    /// The credential manager of an account: its access_token, tickets and API calls.
    #[must_use]
    pub fn credentials(&self, account: &str) -> Option<&Credentials> {
        self.shared.credentials.get(account)
    }

    /// The configuration the gateway was built from.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// The store the gateway keeps its state in.
    #[must_use]
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.shared.store
    }
}

impl GatewayBuilder {
    /// Sets the routes for messages (shared by every account; see [`Incoming::account`]).
    pub fn messages(mut self, router: MessageRouter) -> Self {
        self.router = router;
        self
    }

    /// Uses this store instead of opening `storage.url`.
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
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
        let mut accounts = HashMap::new();
        let mut credentials = HashMap::new();
        let mut clients: HashMap<&str, Client> = HashMap::new();
        for account in &self.config.accounts {
            accounts.insert(account.id.clone(), Arc::new(Account::new(account)?));
            let client = match clients.get(account.api_base.as_str()) {
                Some(client) => client.clone(),
                None => {
                    let client = Client::builder()
                        .base_url(account.api_base.clone())
                        .build()?;
                    clients.insert(&account.api_base, client.clone());
                    client
                }
            };
            let policy = match account.token_policy {
                crate::config::TokenPolicy::Token => wxgate_api::TokenPolicy::Token,
                crate::config::TokenPolicy::StableToken => wxgate_api::TokenPolicy::StableToken,
            };
            let owner = AccountCredentials::new(
                &account.id,
                account.app_id.as_str(),
                AppSecret::new(account.app_secret.expose()),
            )
            .policy(policy);
            credentials.insert(
                account.id.clone(),
                Credentials::new(
                    client,
                    Arc::clone(&store),
                    owner,
                    credential_options(&self.config).clock(Arc::clone(&self.clock)),
                ),
            );
        }
        let server = &self.config.server;
        let shared_dedup = match self.config.dedup_scope() {
            DedupScope::Local => None,
            DedupScope::Shared => Some(Arc::clone(&store)),
        };
        let metrics = Arc::new(GatewayMetrics::default());
        let health = Arc::new(StoreHealth::default());
        let store_budget = self.config.store_call_budget();
        let dedup_ttl = Duration::from_secs(server.dedup_ttl_secs.max(1));
        // A signature stays acceptable while |now - timestamp| is within the window, so for
        // twice the window after it is first seen; with no window, as long as pushes are
        // remembered at all.
        let replay_ttl = match server.timestamp_window_secs {
            0 => dedup_ttl,
            window => Duration::from_secs(window.saturating_mul(2).saturating_add(1)),
        };
        let replay = ReplayGuard::new(
            shared_dedup.clone(),
            replay_ttl,
            server.dedup_max_entries,
            store_budget,
            Arc::clone(&health),
            Arc::clone(&metrics),
        );
        let dedup = Arc::new(Dedup::new(
            shared_dedup,
            Limits {
                ttl: dedup_ttl,
                entries: server.dedup_max_entries,
                bytes: server.dedup_max_bytes,
                store_budget,
                health,
            },
            Arc::clone(&metrics),
        ));
        Ok(Gateway {
            shared: Arc::new(Shared {
                accounts,
                router: self.router,
                dedup,
                replay,
                metrics,
                store,
                credentials,
                deadline: Duration::from_millis(server.callback_deadline_ms),
                timestamp_window_secs: server.timestamp_window_secs,
                config: self.config,
                clock: self.clock,
            }),
        })
    }
}

/// The credential manager's tuning from `[server]`.
fn credential_options(config: &Config) -> CredentialOptions {
    let server = &config.server;
    CredentialOptions::default()
        .min_stale_age(Duration::from_secs(server.min_stale_age_secs))
        .refresh_limit_per_minute(server.refresh_limit_per_minute)
}

/// `200 ok` while the store answers; `503` with the reason (never the store's URL) otherwise.
/// Reads one key each time, so it follows the store down and back up.
async fn healthz(State(shared): State<Arc<Shared>>) -> axum::response::Response {
    let reason = match tokio::time::timeout(HEALTH_STORE_WAIT, shared.store.get(HEALTH_KEY)).await {
        Ok(Ok(_)) => return "ok".into_response(),
        Ok(Err(error)) => format!("unhealthy: store unavailable: {error}"),
        Err(_) => format!(
            "unhealthy: store unavailable: no answer within {} s",
            HEALTH_STORE_WAIT.as_secs()
        ),
    };
    (axum::http::StatusCode::SERVICE_UNAVAILABLE, reason).into_response()
}

async fn metrics(State(shared): State<Arc<Shared>>) -> axum::response::Response {
    crate::metrics::exposition(&shared)
}

/// Serves the gateway on `listener` until the process is interrupted.
///
/// # Errors
///
/// The listener's I/O error.
pub async fn serve(gateway: &Gateway, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let workers = gateway.spawn_workers();
    let served = axum::serve(listener, gateway.router())
        .with_graceful_shutdown(shutdown_signal())
        .await;
    workers.abort();
    served
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
