//! Third-party platforms (开放平台第三方平台): `POST /wechat/component/{component}/events`,
//! where WeChat pushes the `component_verify_ticket` every 10 minutes and the authorization
//! notices, always encrypted with the component's key and AppID. See
//! [WeChat Docs/验证票据](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/Before_Develop/component_verify_ticket.html)
//! and [WeChat Docs/授权变更通知推送](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/Before_Develop/authorize_event.html).
//!
//! The ticket is kept durably by [`ComponentCredentials`], so a restarted gateway has a
//! component token at once; `authorized` / `updateauthorized` exchange the authorization code
//! (`api_query_auth`) and store the authorizer; `unauthorized` forgets it. Every notice handled
//! is answered `success`; one that could not be kept for a reason a retry may cure (store or
//! network) is answered 503, so that WeChat pushes it again.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use wxgate_api::{ComponentCredentials, ErrorKind};
use wxgate_proto::callback;
use wxgate_proto::component::{Notice, NoticeKind};
use wxgate_proto::crypto::{AesKey, CryptoError, MessageCrypt};
use wxgate_proto::envelope::RequestEnvelope;
use wxgate_proto::reply::SUCCESS;

pub(crate) mod authorize;
mod release;

use crate::app::{Account, Shared};
use crate::callback::Rejection;
use crate::config::{AccountConfig, ComponentConfig, ConfigError, Problem};
use crate::metrics::{AccountMetrics, ComponentMetrics, TokenMetrics};
use crate::webhook::{Context, NoticePush, Webhooks};

/// The route of a component's authorization events.
pub const COMPONENT_EVENTS_PATH: &str = "/wechat/component/{component}/events";
/// The route of the messages and events of a component's authorizers (WeChat replaces
/// `$APPID$` in the component's message URL with the authorizer's AppID).
pub const COMPONENT_MESSAGE_PATH: &str = "/wechat/component/{component}/message/{appid}";

/// How long this process trusts the store's word that an account authorized a component
/// before reading it again: the longest an `unauthorized` notice handled by another instance
/// goes unseen here (its token API calls answer `unknown_account` after it).
pub const AUTHORIZER_RECHECK: Duration = Duration::from_secs(30);

/// One third-party platform at run time.
pub(crate) struct Component {
    /// The `{component}` in URLs.
    pub(crate) id: Arc<str>,
    /// Its verify ticket, token, pre-auth codes and authorizers.
    pub(crate) credentials: ComponentCredentials,
    /// Its Token, key and AppID: notices and authorizers' messages are sealed with them.
    pub(crate) crypt: MessageCrypt,
    /// Its configuration, the template of its authorizers' accounts.
    pub(crate) config: ComponentConfig,
    /// Its own metrics, and its authorizers' shared latency histograms.
    pub(crate) metrics: Arc<ComponentMetrics>,
    /// `[[components.webhooks]]`: one queue and worker pool for all its authorizers.
    pub(crate) webhooks: Arc<Webhooks>,
    /// The authorizers seen since start, as accounts (built on first use; read-mostly).
    authorizers: RwLock<HashMap<String, Arc<Account>>>,
    /// The token API metrics of the authorizers that had a stale report or a capped wait
    /// (built on the first, so the others cost nothing).
    token_metrics: RwLock<HashMap<String, Arc<TokenMetrics>>>,
    /// When the store last said each authorizer seen since start had authorized the component.
    confirmed: RwLock<HashMap<String, Instant>>,
    /// How long such an answer is trusted ([`AUTHORIZER_RECHECK`] unless the builder set it).
    recheck: Duration,
}

impl std::fmt::Debug for Component {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Component")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Component {
    /// The component of `config`, with its credentials and metrics; `webhooks` is what
    /// delivering webhooks needs (`None`: webhooks are not called).
    pub(crate) fn new(
        config: &ComponentConfig,
        credentials: ComponentCredentials,
        metrics: Arc<ComponentMetrics>,
        webhooks: Option<Context>,
        recheck: Duration,
    ) -> Result<Self, ConfigError> {
        let key = AesKey::parse(config.encoding_aes_key.expose()).map_err(|_| {
            ConfigError(vec![Problem::new(
                format!("components[id={}].encoding_aes_key", config.id),
                "is invalid",
            )])
        })?;
        let component = Self {
            id: Arc::from(config.id.as_str()),
            credentials,
            crypt: MessageCrypt::new(config.token.expose(), key, &config.app_id),
            config: config.clone(),
            metrics,
            webhooks: Arc::new(Webhooks::for_component(config, webhooks)),
            authorizers: RwLock::new(HashMap::new()),
            token_metrics: RwLock::new(HashMap::new()),
            confirmed: RwLock::new(HashMap::new()),
            recheck,
        };
        // Every authorizer's account is built from the same template: refuse a bad one now.
        Account::new(&component.account_config("wxtemplate"), None).map_err(|error| {
            ConfigError(
                error
                    .0
                    .into_iter()
                    .map(|p| {
                        Problem::new(format!("components[id={}].replies", config.id), p.message)
                    })
                    .collect(),
            )
        })?;
        Ok(component)
    }

    /// An authorizer as an account: its id is its AppID; its pushes are verified and sealed
    /// with the component's Token, key and AppID (safe mode); it answers with the component's
    /// `replies` and `subscribe_reply`.
    fn account_config(&self, app_id: &str) -> AccountConfig {
        let mut account = AccountConfig::new(
            app_id,
            self.config.app_id.as_str(),
            self.config.token.clone(),
        );
        account.encoding_aes_key = Some(self.config.encoding_aes_key.clone());
        account.mode = wxgate_proto::callback::Mode::Safe;
        account.api_base.clone_from(&self.config.api_base);
        account.replies.clone_from(&self.config.replies);
        account
            .subscribe_reply
            .clone_from(&self.config.subscribe_reply);
        account
    }

    /// The account of an authorizer, built on first use; `None` when the account has not
    /// authorized the component (or revoked it).
    pub(crate) async fn authorizer_account(
        &self,
        app_id: &str,
    ) -> Result<Option<Arc<Account>>, Rejection> {
        let known = self.knows(app_id).await.map_err(|error| {
            tracing::warn!(component = %self.id, authorizer = %app_id, %error, "authorizer lookup failed");
            Rejection::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the authorizer cannot be looked up now",
            )
        })?;
        if !known {
            return Ok(None);
        }
        if let Some(account) = self.cached_authorizer(app_id) {
            return Ok(Some(account));
        }
        // Checked when the component was built: its replies and key make a valid account.
        let mut account = Account::new(&self.account_config(app_id), None).map_err(|_| {
            Rejection::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "invalid component replies",
            )
        })?;
        if app_id == release::TEST_APP_ID {
            account.builtin = release::routes();
        }
        // Labelled with the component too, latency shared with the other authorizers, and
        // the component's webhooks.
        account.metrics = AccountMetrics::authorizer(app_id, &self.metrics);
        account.webhooks = Arc::clone(&self.webhooks);
        let mut authorizers = self
            .authorizers
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        Ok(Some(Arc::clone(
            authorizers
                .entry(app_id.to_owned())
                .or_insert_with(|| Arc::new(account)),
        )))
    }

    /// Whether `app_id` authorized the component: yes without asking the store when the store
    /// said so less than [`Component::recheck`] ago; otherwise the store is read. So an
    /// `unauthorized` notice handled by another instance is seen here within that time, and
    /// what this process kept of the authorizer (its account) is dropped then.
    ///
    /// # Errors
    ///
    /// The store's error.
    pub(crate) async fn knows(&self, app_id: &str) -> Result<bool, wxgate_api::Error> {
        let fresh = self
            .confirmed
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(app_id)
            .is_some_and(|at| at.elapsed() < self.recheck);
        if fresh {
            return Ok(true);
        }
        let known = self.credentials.authorizer(app_id).await?.is_some();
        let mut confirmed = self
            .confirmed
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if known {
            confirmed.insert(app_id.to_owned(), Instant::now());
        } else if confirmed.remove(app_id).is_some() {
            drop(confirmed);
            self.authorizers
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(app_id);
            tracing::info!(component = %self.id, authorizer = %app_id, "authorizer no longer in the store: revoked (seen by another instance)");
        }
        Ok(known)
    }

    /// Forgets what this process kept of an authorizer that revoked the component.
    fn forget(&self, app_id: &str) {
        self.confirmed
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(app_id);
        self.authorizers
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(app_id);
    }

    /// The authorizers' accounts built since start (for `/metrics`).
    pub(crate) fn cached_authorizers(&self) -> Vec<Arc<Account>> {
        self.authorizers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect()
    }

    /// The token API metrics of every authorizer that has some (for `/metrics`).
    pub(crate) fn authorizers_token_metrics(&self) -> Vec<Arc<TokenMetrics>> {
        self.token_metrics
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect()
    }

    /// The token API metrics of an authorizer, made on first use.
    fn authorizer_token_metrics(&self, app_id: &str) -> Arc<TokenMetrics> {
        if let Some(metrics) = self
            .token_metrics
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(app_id)
        {
            return Arc::clone(metrics);
        }
        let mut all = self
            .token_metrics
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(
            all.entry(app_id.to_owned())
                .or_insert_with(|| Arc::new(TokenMetrics::authorizer(app_id, &self.id))),
        )
    }

    /// The account of an authorizer if it was built since start, without asking the store.
    pub(crate) fn cached_authorizer(&self, app_id: &str) -> Option<Arc<Account>> {
        self.authorizers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(app_id)
            .cloned()
    }

    /// Verifies (`msg_signature`) and decrypts a pushed notice, and parses it.
    pub(crate) fn open_notice(
        &self,
        query: &callback::Query,
        body: &[u8],
    ) -> Result<Notice, Rejection> {
        let body = std::str::from_utf8(body)
            .map_err(|_| Rejection::new(StatusCode::BAD_REQUEST, "body is not UTF-8"))?;
        let (Some(signature), Some(timestamp), Some(nonce)) = (
            query.msg_signature.as_deref(),
            query.timestamp.as_deref(),
            query.nonce.as_deref(),
        ) else {
            return Err(Rejection::new(
                StatusCode::UNAUTHORIZED,
                "msg_signature, timestamp and nonce are required",
            ));
        };
        let envelope = RequestEnvelope::parse(body).map_err(|_| {
            Rejection::new(
                StatusCode::BAD_REQUEST,
                "body is not XML with an Encrypt element",
            )
        })?;
        if !self
            .crypt
            .verify_msg_signature(signature, timestamp, nonce, &envelope.encrypt)
        {
            return Err(Rejection::new(
                StatusCode::UNAUTHORIZED,
                "bad msg_signature",
            ));
        }
        let plain = self
            .crypt
            .decrypt(&envelope.encrypt)
            .map_err(|error| match error {
                CryptoError::ValidateAppId => Rejection::new(
                    StatusCode::UNAUTHORIZED,
                    "the notice was sealed for another AppID",
                ),
                _ => Rejection::new(StatusCode::BAD_REQUEST, "the notice cannot be decrypted"),
            })?;
        let text = std::str::from_utf8(&plain)
            .map_err(|_| Rejection::new(StatusCode::BAD_REQUEST, "the notice is not UTF-8"))?;
        let notice = Notice::parse(text).map_err(|error| {
            Rejection::new(StatusCode::BAD_REQUEST, format!("invalid notice: {error}"))
        })?;
        if notice.app_id != self.crypt.app_id() {
            return Err(Rejection::new(
                StatusCode::BAD_REQUEST,
                "the notice's AppId is not this component's",
            ));
        }
        Ok(notice)
    }

    /// Acts on a notice: keeps the ticket, stores or forgets an authorizer; then queues the
    /// authorization notices for the webhooks that want them.
    async fn handle(&self, shared: &Shared, notice: Notice) -> Result<(), wxgate_api::Error> {
        let credentials = &self.credentials;
        let (event, authorizer) = match &notice.kind {
            NoticeKind::ComponentVerifyTicket { ticket } => {
                credentials.save_verify_ticket(ticket).await?;
                self.metrics.verify_ticket();
                tracing::debug!(component = %self.id, "verify ticket kept");
                return Ok(());
            }
            NoticeKind::Authorized(authorization) | NoticeKind::UpdateAuthorized(authorization) => {
                let event = if matches!(notice.kind, NoticeKind::Authorized(_)) {
                    "authorized"
                } else {
                    "updateauthorized"
                };
                self.metrics.notice(event);
                let authorizer = credentials
                    .query_auth(&authorization.authorization_code)
                    .await?;
                if let Some(code) = authorization.pre_auth_code.as_deref() {
                    credentials.pre_auth_code_used(code).await?;
                }
                tracing::info!(component = %self.id, authorizer = %authorizer.app_id, "account authorized the component");
                (event, authorizer.app_id.to_string())
            }
            NoticeKind::Unauthorized { authorizer_app_id } => {
                self.metrics.notice("unauthorized");
                let known = credentials.forget_authorizer(authorizer_app_id).await?;
                self.forget(authorizer_app_id);
                tracing::info!(component = %self.id, authorizer = %authorizer_app_id, known, "account revoked the component");
                ("unauthorized", authorizer_app_id.clone())
            }
            other => {
                tracing::debug!(component = %self.id, notice = ?other, "component notice ignored");
                return Ok(());
            }
        };
        // The codes were used by now; the business service has no use for them.
        let mut fields = notice.raw.clone();
        fields
            .children
            .retain(|c| !matches!(c.name.as_str(), "AuthorizationCode" | "PreAuthCode"));
        let push = NoticePush {
            event,
            authorizer: &authorizer,
            create_time: notice.create_time,
            notice: &fields,
        };
        crate::webhook::enqueue_notice(
            &shared.store,
            &shared.metrics,
            &self.webhooks,
            &push,
            shared.config.store_call_budget(),
        )
        .await;
        Ok(())
    }
}

/// `POST /wechat/component/{component}/events`: a verify ticket or an authorization notice.
pub(crate) async fn events(
    State(shared): State<Arc<Shared>>,
    Path(component): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let Some(component) = shared.components.get(&component) else {
        return Rejection::new(StatusCode::NOT_FOUND, "unknown component").into_response();
    };
    let query = callback::Query::parse(query.as_deref().unwrap_or_default());
    let notice = shared
        .check_timestamp(&query.as_query_ref(), shared.unix_now())
        .and_then(|()| component.open_notice(&query, &body));
    let notice = match notice {
        Ok(notice) => notice,
        Err(rejection) => {
            tracing::info!(component = %component.id, reason = %rejection.reason(), "component notice refused");
            return rejection.into_response();
        }
    };
    match component.handle(&shared, notice).await {
        Ok(()) => success(),
        Err(error)
            if error.is_transient()
                || matches!(
                    error.kind(),
                    ErrorKind::Store | ErrorKind::LeaseTimeout | ErrorKind::NoVerifyTicket { .. }
                ) =>
        {
            tracing::warn!(component = %component.id, %error, "component notice not kept; WeChat will push it again");
            Rejection::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the notice could not be kept now",
            )
            .into_response()
        }
        Err(error) => {
            // WeChat's refusal (an expired or unknown code): pushing it again cannot help.
            tracing::warn!(component = %component.id, %error, "component notice refused by WeChat");
            success()
        }
    }
}

/// `POST /wechat/component/{component}/message/{appid}`: an authorizer's user sent a message
/// or an event; it goes through the same pipeline as `/wechat/{account}`'s pushes.
pub(crate) async fn message(
    State(shared): State<Arc<Shared>>,
    Path((component, app_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let Some(component) = shared.components.get(&component) else {
        return Rejection::new(StatusCode::NOT_FOUND, "unknown component").into_response();
    };
    match component.authorizer_account(&app_id).await {
        Ok(Some(account)) => {
            if app_id == release::TEST_APP_ID
                && let Some(answer) =
                    release::api_case(&shared, component, &account, query.as_deref(), &body)
            {
                return answer;
            }
            crate::callback::push_to(&shared, &account, query.as_deref(), body).await
        }
        Ok(None) => Rejection::new(
            StatusCode::NOT_FOUND,
            "this account has not authorized the component",
        )
        .into_response(),
        Err(rejection) => rejection.into_response(),
    }
}

/// The token API metrics of the authorizer `app_id`, of the first component it authorized
/// (the token API just found its credentials: the component's cache answers without the
/// store); `None` when no component knows it.
pub(crate) async fn authorizer_token_metrics(
    shared: &Shared,
    app_id: &str,
) -> Option<Arc<TokenMetrics>> {
    for component in shared.components.values() {
        if component
            .credentials
            .authorizer_credentials(app_id)
            .await
            .is_ok()
        {
            return Some(component.authorizer_token_metrics(app_id));
        }
    }
    None
}

/// The id of the component `app_id` authorized (the first that knows it), if any.
pub(crate) async fn component_of(
    shared: &Shared,
    app_id: &str,
) -> Result<Option<Arc<str>>, wxgate_api::Error> {
    for component in shared.components.values() {
        if component.credentials.authorizer(app_id).await?.is_some() {
            return Ok(Some(Arc::clone(&component.id)));
        }
    }
    Ok(None)
}

/// The credentials of `app_id` if it authorized one of the components (the first that knows
/// it), for the `/v1/accounts/{appid}/…` routes.
pub(crate) async fn authorizer_credentials(
    shared: &Shared,
    app_id: &str,
) -> Result<Option<wxgate_api::Credentials>, wxgate_api::Error> {
    for component in shared.components.values() {
        // The store is asked again once the last answer is older than the recheck time, so a
        // revocation handled by another instance is seen (the credentials kept in memory
        // would otherwise go on serving the revoked account's token).
        if !component.knows(app_id).await? {
            continue;
        }
        match component.credentials.authorizer_credentials(app_id).await {
            Ok(credentials) => return Ok(Some(credentials)),
            Err(error) if matches!(error.kind(), ErrorKind::UnknownAuthorizer { .. }) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(None)
}

/// The component `app_id` revoked its authorization of, and when (Unix seconds), if it did and
/// has not authorized it again: for refusals that say why. A store error reads as "not known to
/// be revoked"; the caller refuses the account all the same.
pub(crate) async fn revocation(shared: &Shared, app_id: &str) -> Option<(Arc<str>, i64)> {
    for component in shared.components.values() {
        match component.credentials.revoked_at(app_id).await {
            Ok(Some(at)) => return Some((Arc::clone(&component.id), at)),
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(component = %component.id, authorizer = %app_id, %error, "revocation lookup failed");
            }
        }
    }
    None
}

fn success() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        SUCCESS,
    )
        .into_response()
}
