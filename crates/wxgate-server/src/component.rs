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

/// The route of a component's authorization events.
pub const COMPONENT_EVENTS_PATH: &str = "/wechat/component/{component}/events";
/// The route of the messages and events of a component's authorizers (WeChat replaces
/// `$APPID$` in the component's message URL with the authorizer's AppID).
pub const COMPONENT_MESSAGE_PATH: &str = "/wechat/component/{component}/message/{appid}";

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
    /// The authorizers seen since start, as accounts (built on first use; read-mostly).
    authorizers: RwLock<HashMap<String, Arc<Account>>>,
}

impl std::fmt::Debug for Component {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Component")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Component {
    /// The component of `config`, with its credentials.
    pub(crate) fn new(
        config: &ComponentConfig,
        credentials: ComponentCredentials,
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
            authorizers: RwLock::new(HashMap::new()),
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
        if let Some(account) = self
            .authorizers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(app_id)
        {
            return Ok(Some(Arc::clone(account)));
        }
        let known = self.credentials.authorizer(app_id).await.map_err(|error| {
            tracing::warn!(component = %self.id, authorizer = %app_id, %error, "authorizer lookup failed");
            Rejection::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the authorizer cannot be looked up now",
            )
        })?;
        if known.is_none() {
            return Ok(None);
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

    /// Acts on a notice: keeps the ticket, stores or forgets an authorizer.
    async fn handle(&self, notice: Notice) -> Result<(), wxgate_api::Error> {
        let credentials = &self.credentials;
        match notice.kind {
            NoticeKind::ComponentVerifyTicket { ticket } => {
                credentials.save_verify_ticket(&ticket).await?;
                tracing::debug!(component = %self.id, "verify ticket kept");
            }
            NoticeKind::Authorized(authorization) | NoticeKind::UpdateAuthorized(authorization) => {
                let authorizer = credentials
                    .query_auth(&authorization.authorization_code)
                    .await?;
                if let Some(code) = authorization.pre_auth_code.as_deref() {
                    credentials.pre_auth_code_used(code).await?;
                }
                tracing::info!(component = %self.id, authorizer = %authorizer.app_id, "account authorized the component");
            }
            NoticeKind::Unauthorized { authorizer_app_id } => {
                let known = credentials.forget_authorizer(&authorizer_app_id).await?;
                self.authorizers
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&authorizer_app_id);
                tracing::info!(component = %self.id, authorizer = %authorizer_app_id, known, "account revoked the component");
            }
            other => {
                tracing::debug!(component = %self.id, notice = ?other, "component notice ignored");
            }
        }
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
        .check_timestamp(&query, shared.unix_now())
        .and_then(|()| component.open_notice(&query, &body));
    let notice = match notice {
        Ok(notice) => notice,
        Err(rejection) => {
            tracing::info!(component = %component.id, reason = %rejection.reason(), "component notice refused");
            return rejection.into_response();
        }
    };
    match component.handle(notice).await {
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

/// The credentials of `app_id` if it authorized one of the components (the first that knows
/// it), for the `/v1/accounts/{appid}/…` routes.
pub(crate) async fn authorizer_credentials(
    shared: &Shared,
    app_id: &str,
) -> Result<Option<wxgate_api::Credentials>, wxgate_api::Error> {
    for component in shared.components.values() {
        match component.credentials.authorizer_credentials(app_id).await {
            Ok(credentials) => return Ok(Some(credentials)),
            Err(error) if matches!(error.kind(), ErrorKind::UnknownAuthorizer { .. }) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(None)
}

fn success() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        SUCCESS,
    )
        .into_response()
}
