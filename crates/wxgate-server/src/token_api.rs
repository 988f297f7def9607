//! The central token API (中控服务器) under `/v1`: every business service gets the account's
//! access_token, tickets and JS-SDK signatures here, and nothing else calls `cgi-bin/token`.
//!
//! All routes need `Authorization: Bearer <key>` with a key from `server.api_keys`. Errors are
//! JSON: `{"error": "<kind>", "message": "…"}`, plus `errcode`/`errmsg` when WeChat refused:
//!
//! | status | `error` | when |
//! |---|---|---|
//! | 403 | `forbidden` | a scoped key (a table in `server.api_keys`) used for an account outside its `accounts` and not an authorizer of its `components` |
//! | 502 | `wechat` | WeChat refused (its `errcode`/`errmsg` are included) |
//! | 503 + `Retry-After` | `upstream_unavailable` | WeChat cannot be reached, or no token arrived within `server.token_wait_ms` (the fetch goes on) |
//! | 503 + `Retry-After` | `store_unavailable` | the store (Redis, SQLite) failed or did not answer |
//! | 429 + `Retry-After` | `refresh_rate_limited` | `…/refresh` past `server.refresh_limit_per_minute` |
//!
//! A stale report (`…/refresh`) of the current token younger than `server.min_stale_age_secs`
//! is checked with WeChat first and answered with that same token if WeChat accepts it (counted
//! as `refused` in `wxgate_stale_reports_total`), so one caller cannot burn the daily quota.
//! Rate-limited reports get 429 rather than the current token: that token is the one reported
//! as failing, and handing it back would only make the caller retry with it at once.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRequestParts, Path, RawPathParams, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use subtle::{Choice, ConditionallySelectable as _, ConstantTimeEq as _};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AdditionalProperties, ArrayBuilder, ObjectBuilder, Schema, Type};
use wxgate_api::{Credentials, ErrorKind, StaleOutcome};
use wxgate_proto::jssdk;

use crate::app::Shared;
use crate::config::ApiKey;
use crate::json_body::JsonBody;
use crate::metrics::StaleReportEnd;
use crate::openapi::{
    AccessErrors, AccountPath, BodyErrors, CredentialErrors, Error429, JsSdkConfigSchema,
};

/// The OpenAPI document of this API as JSON, generated from the handlers' types and
/// annotations, and served at `/v1/openapi.json`.
#[must_use]
pub fn openapi() -> &'static str {
    crate::openapi::json()
}

pub(crate) fn routes(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/accounts/{account}/access-token", get(access_token))
        .route("/v1/accounts/{account}/access-token/refresh", post(refresh))
        .route("/v1/accounts/{account}/jsapi-ticket", get(jsapi_ticket))
        .route("/v1/accounts/{account}/wx-card-ticket", get(wx_card_ticket))
        .route("/v1/accounts/{account}/jssdk-config", post(jssdk_config))
        .route("/v1/openapi.json", get(openapi_json))
        .with_state(shared)
}

#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "token API",
    operation_id = "openapi",
    summary = "This document",
    responses((status = 200, description = "OK", content_type = "application/json")),
    security(()),
)]
async fn openapi_json() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], openapi())
}

/// What the document says of the request bodies under `/v1`.
pub(crate) const JSON_BODY: &str = "A JSON object, read as JSON whatever the Content-Type (curl -d sends application/x-www-form-urlencoded). Unknown fields are refused.";

/// The kind of error: what went wrong, for a program to act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ErrorCode {
    Unauthorized,
    Forbidden,
    BadPath,
    UnknownAccount,
    BadRequest,
    PayloadTooLarge,
    Wechat,
    UpstreamUnavailable,
    StoreUnavailable,
    RegistryUnavailable,
    UnknownFollower,
    RefreshRateLimited,
    UnknownTicket,
    TicketRedeemed,
    UnknownLogin,
    LoginExpired,
    // 45015: the user's customer-service window is closed (no interaction in 48 hours).
    OutsideWindow,
    // 43004: the user does not follow the account.
    NotFollower,
    // 45047: the customer-service messages the user's window allows are used up.
    MessageLimit,
    // The send may have reached WeChat and was not repeated.
    MayHaveBeenSent,
    // Another request with the same `Idempotency-Key` is still being sent.
    IdempotencyKeyInFlight,
    // WeChat refused the authorizer's refresh token: the account must authorize the
    // component again.
    ReauthorizationRequired,
    // The `Idempotency-Key` was used before with another request.
    IdempotencyKeyReused,
    Internal,
}

/// The body of every error answer under `/v1`.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = Error)]
pub(crate) struct ErrorBody {
    #[schema(inline)]
    error: ErrorCode,
    message: String,
    /// WeChat's errcode, when WeChat refused
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>, nullable = false)]
    errcode: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, nullable = false)]
    errmsg: Option<String>,
    /// With `reauthorization_required`: the platform's authorization page, where the account's
    /// administrator authorizes the platform again
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, nullable = false)]
    authorize_url: Option<String>,
}

/// Set on a `reauthorization_required` answer for [`authorize_link`], which adds the platform's
/// authorization page to it: the component's AppID and the answer's body.
#[derive(Clone, Debug)]
struct NeedsAuthorization(String, ErrorBody);

/// A JSON error answer.
#[derive(Debug)]
pub(crate) struct ApiFailure {
    status: StatusCode,
    /// Boxed: the failure travels in `Result`s, and the body is only built on error paths.
    body: Box<ErrorBody>,
    /// Seconds for `Retry-After`.
    retry_after: Option<u64>,
    /// For `reauthorization_required`: the AppID of the component to authorize again.
    reauthorize: Option<String>,
}

/// `Retry-After` of a 503: WeChat or the store are usually back, or the fetch done, by then.
const RETRY_AFTER_SECS: u64 = 1;

impl ErrorBody {
    /// An error of this API's own (not WeChat's).
    pub(crate) fn new(error: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error,
            message: message.into(),
            errcode: None,
            errmsg: None,
            authorize_url: None,
        }
    }
}

impl ApiFailure {
    pub(crate) fn new(status: StatusCode, error: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            body: Box::new(ErrorBody::new(error, message)),
            retry_after: None,
            reauthorize: None,
        }
    }

    /// With WeChat's `errcode` and `errmsg`.
    pub(crate) fn wechat(mut self, errcode: i64, errmsg: &str) -> Self {
        self.body.errcode = Some(errcode);
        self.body.errmsg = Some(errmsg.to_owned());
        self
    }

    /// The HTTP status.
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// The JSON body.
    pub(crate) fn body(&self) -> &ErrorBody {
        &self.body
    }

    /// The seconds of `Retry-After`, if any.
    pub(crate) fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after
    }

    /// 503 `store_unavailable` with `Retry-After`: the store failed (its error names the backend
    /// and what failed, never a URL or a stored value).
    pub(crate) fn store_unavailable(error: &wxgate_store::StoreError) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::StoreUnavailable,
            error.to_string(),
        )
        .retry_after(RETRY_AFTER_SECS)
    }

    /// 403 `forbidden`: a scoped key used outside its accounts or paths.
    pub(crate) fn forbidden(message: &str) -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, message)
    }

    /// 400 `bad_path`: not a WeChat API path.
    pub(crate) fn bad_path(message: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::BadPath, message)
    }

    /// 502 `upstream_unavailable`: the proxied call could not reach WeChat or got no answer.
    pub(crate) fn unreachable(message: String) -> Self {
        Self::new(
            StatusCode::BAD_GATEWAY,
            ErrorCode::UpstreamUnavailable,
            message,
        )
    }

    /// The same failure with another HTTP status.
    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// WeChat's errcode, when WeChat refused.
    pub(crate) fn errcode(&self) -> Option<i64> {
        self.body.errcode
    }

    pub(crate) fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs.max(1));
        self
    }

    /// 503 `upstream_unavailable` for a caller that waited `server.token_wait_ms`.
    fn waited(wait: Duration) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::UpstreamUnavailable,
            format!(
                "no credential from WeChat within {} ms; it is still being fetched",
                wait.as_millis()
            ),
        )
        .retry_after(RETRY_AFTER_SECS)
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let link = self
            .reauthorize
            .map(|component| NeedsAuthorization(component, (*self.body).clone()));
        let mut response = (self.status, Json(*self.body)).into_response();
        if let Some(link) = link {
            response.extensions_mut().insert(link);
        }
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<wxgate_api::Error> for ApiFailure {
    fn from(error: wxgate_api::Error) -> Self {
        match error.kind() {
            ErrorKind::Api(api) => Self {
                status: StatusCode::BAD_GATEWAY,
                body: Box::new(ErrorBody {
                    error: ErrorCode::Wechat,
                    message: "WeChat refused the request".to_owned(),
                    errcode: Some(api.code().code()),
                    errmsg: Some(api.errmsg().to_owned()),
                    authorize_url: None,
                }),
                retry_after: None,
                reauthorize: None,
            },
            ErrorKind::Transport { .. }
            | ErrorKind::Timeout { .. }
            | ErrorKind::Status { .. }
            | ErrorKind::Decode { .. }
            | ErrorKind::LeaseTimeout => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::UpstreamUnavailable,
                error.to_string(),
            )
            .retry_after(RETRY_AFTER_SECS),
            ErrorKind::Store => {
                // The cause names the backend and what failed, never its URL or password.
                let cause = std::error::Error::source(&error)
                    .map(|cause| format!(": {cause}"))
                    .unwrap_or_default();
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorCode::StoreUnavailable,
                    format!("{error}{cause}"),
                )
                .retry_after(RETRY_AFTER_SECS)
            }
            ErrorKind::ReauthorizationRequired {
                component_app_id, ..
            } => {
                let failure = Self::new(
                    StatusCode::CONFLICT,
                    ErrorCode::ReauthorizationRequired,
                    error.to_string(),
                );
                Self {
                    reauthorize: Some(component_app_id.clone()),
                    ..failure
                }
            }
            ErrorKind::UnknownAuthorizer { .. } => Self::new(
                StatusCode::NOT_FOUND,
                ErrorCode::UnknownAccount,
                error.to_string(),
            ),
            ErrorKind::RateLimited { retry_after } => Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RefreshRateLimited,
                error.to_string(),
            )
            .retry_after(retry_after.as_secs_f64().ceil() as u64),
            _ => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                error.to_string(),
            ),
        }
    }
}

/// Proof that the request carried one of `server.api_keys` as a bearer token, and which: a
/// scoped key is refused (403 `forbidden`) here already for an `{account}` outside its list.
///
/// An extractor rather than a middleware layer: it runs first in every `/v1` handler that
/// takes it, at the cost of a header lookup and a constant-time compare per key.
#[derive(Debug)]
pub(crate) struct Authorized {
    /// The index of the key in `server.api_keys`.
    index: usize,
}

impl Authorized {
    /// The key the request carried.
    pub(crate) fn key<'a>(&self, shared: &'a Shared) -> Option<&'a ApiKey> {
        shared.config.server.api_keys.get(self.index)
    }
}

impl FromRequestParts<Arc<Shared>> for Authorized {
    type Rejection = ApiFailure;

    async fn from_request_parts(
        parts: &mut Parts,
        shared: &Arc<Shared>,
    ) -> Result<Self, ApiFailure> {
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                ApiFailure::new(
                    StatusCode::UNAUTHORIZED,
                    ErrorCode::Unauthorized,
                    "missing Authorization: Bearer <key>",
                )
            })?;
        let mut found = Choice::from(0);
        let mut index = 0_u64;
        for (i, key) in shared.config.server.api_keys.iter().enumerate() {
            // Check every key, each in constant time, and pick the match without a branch, so
            // timing tells nothing.
            let matches = key.key.expose().as_bytes().ct_eq(presented.as_bytes());
            index = u64::conditional_select(&index, &(i as u64), matches);
            found |= matches;
        }
        if !bool::from(found) {
            return Err(ApiFailure::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthorized,
                "unknown API key",
            ));
        }
        let authorized = Self {
            index: usize::try_from(index).unwrap_or(usize::MAX),
        };
        let key = authorized.key(shared).ok_or_else(|| {
            ApiFailure::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthorized,
                "unknown API key",
            )
        })?;
        if key.is_account_scoped() {
            let params = RawPathParams::from_request_parts(parts, shared)
                .await
                .map_err(|_| ApiFailure::forbidden("the account in the path cannot be read"))?;
            if let Some((_, account)) = params.iter().find(|(name, _)| *name == "account")
                && !key.allows_account(account)
                && !authorizer_of_granted(shared, key, account).await?
            {
                return Err(ApiFailure::forbidden(
                    "this API key may not use this account",
                ));
            }
        }
        Ok(authorized)
    }
}

/// Whether `account` is an authorizer (an AppID kept in the store, as last read within the
/// recheck period) of one of the components `key` grants.
async fn authorizer_of_granted(
    shared: &Shared,
    key: &ApiKey,
    account: &str,
) -> Result<bool, ApiFailure> {
    for id in key.granted_components() {
        let Some(component) = shared.components.get(id) else {
            continue;
        };
        // Read from the store at most every recheck period per authorizer, as its routes do.
        if component.knows(account).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Waits for `fetch` at most `server.token_wait_ms`. The flights inside the credential manager
/// run in their own tasks, so giving up here leaves them running for later callers.
pub(crate) async fn bounded<T>(
    shared: &Shared,
    account: &str,
    fetch: impl Future<Output = Result<T, wxgate_api::Error>>,
) -> Result<T, ApiFailure> {
    let wait = Duration::from_millis(shared.config.server.token_wait_ms);
    match tokio::time::timeout(wait, fetch).await {
        Ok(result) => Ok(result?),
        Err(_) => {
            if let Some(account) = shared.accounts.get(account) {
                account.token_metrics.wait_capped();
            } else if let Some(metrics) =
                crate::component::authorizer_token_metrics(shared, account).await
            {
                metrics.wait_capped();
            }
            Err(ApiFailure::waited(wait))
        }
    }
}

/// The credentials of `account`: a configured account by id, or an account that authorized
/// one of the `[[components]]`, by its AppID. Otherwise 404 `unknown_account`, whose message
/// says so when the account revoked its authorization of a component.
pub(crate) async fn credentials(shared: &Shared, account: &str) -> Result<Credentials, ApiFailure> {
    if let Some(credentials) = shared.credentials.get(account) {
        return Ok(credentials.clone());
    }
    if let Some(credentials) = crate::component::authorizer_credentials(shared, account).await? {
        return Ok(credentials);
    }
    if let Some((component, at)) = crate::component::revocation(shared, account).await {
        return Err(ApiFailure::new(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownAccount,
            format!(
                "account {account:?} revoked its authorization of component {component:?} \
                 (at {at}, Unix seconds); it is served again once its administrator authorizes \
                 the component again at /component/{component}/authorize"
            ),
        ));
    }
    Err(ApiFailure::new(
        StatusCode::NOT_FOUND,
        ErrorCode::UnknownAccount,
        format!("no account {account:?} in the configuration, nor an authorizer of a component"),
    ))
}

/// An access_token and when it expires.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Token)]
pub(crate) struct TokenBody {
    access_token: String,
    /// Unix seconds
    expires_at: i64,
}

/// A ticket and when it expires.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Ticket)]
pub(crate) struct TicketBody {
    ticket: String,
    /// Unix seconds
    expires_at: i64,
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/access-token",
    tag = "token API",
    operation_id = "access_token",
    summary = "The current access_token (fetched, cached, refreshed ahead of expiry)",
    params(AccountPath),
    responses(
        (status = 200, description = "OK", body = TokenBody),
        AccessErrors,
        CredentialErrors,
    ),
)]
pub(crate) async fn access_token(
    _key: Authorized,
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
) -> Result<Json<TokenBody>, ApiFailure> {
    let credentials = credentials(&shared, &account).await?;
    let token = bounded(&shared, &account, credentials.access_token()).await?;
    Ok(Json(TokenBody {
        access_token: token.token,
        expires_at: token.expires_at,
    }))
}

/// A stale report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RefreshBody {
    /// The token WeChat rejected (40001/40014/42001)
    // Optional for serde, so that a missing one gets this API's own message; required in the
    // document.
    #[schema(value_type = String, required = true)]
    stale: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1/accounts/{account}/access-token/refresh",
    tag = "token API",
    operation_id = "refresh_access_token",
    summary = "Refresh only if the stored token is still the one that failed; returns the current token either way",
    description = "A report of the current token younger than server.min_stale_age_secs is first checked with WeChat (getcallbackip): if WeChat still accepts it, it is answered unchanged without a refresh. Refreshes from stale reports are limited per account (server.refresh_limit_per_minute): past the limit the answer is 429.",
    params(AccountPath),
    request_body(content = inline(RefreshBody), description = JSON_BODY),
    responses(
        (status = 200, description = "OK", body = TokenBody),
        BodyErrors,
        AccessErrors,
        CredentialErrors,
        (status = 429, response = Error429),
    ),
)]
pub(crate) async fn refresh(
    _key: Authorized,
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    JsonBody(body): JsonBody<RefreshBody>,
) -> Result<Json<TokenBody>, ApiFailure> {
    let stale = body.stale.filter(|s| !s.is_empty()).ok_or_else(|| {
        ApiFailure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "\"stale\" must be the token that failed",
        )
    })?;
    let credentials = credentials(&shared, &account).await?;
    let authorizer_metrics = if shared.accounts.contains_key(&account) {
        None
    } else {
        crate::component::authorizer_token_metrics(&shared, &account).await
    };
    let metrics = shared
        .accounts
        .get(&account)
        .map(|a| &a.token_metrics)
        .or(authorizer_metrics.as_deref());
    let report = match bounded(&shared, &account, credentials.report_stale(&stale)).await {
        Ok(report) => report,
        Err(failure) => {
            if failure.status == StatusCode::TOO_MANY_REQUESTS
                && let Some(metrics) = metrics
            {
                metrics.stale_report(StaleReportEnd::RateLimited);
            }
            return Err(failure);
        }
    };
    if let Some(metrics) = metrics {
        metrics.stale_report(match report.outcome {
            StaleOutcome::Refused => StaleReportEnd::Refused,
            _ => StaleReportEnd::Replaced,
        });
    }
    if report.outcome == StaleOutcome::Refused {
        tracing::info!(
            account,
            "stale report refused: the token is younger than server.min_stale_age_secs and WeChat accepts it"
        );
    }
    Ok(Json(TokenBody {
        access_token: report.token.token,
        expires_at: report.token.expires_at,
    }))
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/jsapi-ticket",
    tag = "token API",
    operation_id = "jsapi_ticket",
    summary = "The current jsapi_ticket",
    params(AccountPath),
    responses(
        (status = 200, description = "OK", body = TicketBody),
        AccessErrors,
        CredentialErrors,
    ),
)]
pub(crate) async fn jsapi_ticket(
    _key: Authorized,
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
) -> Result<Json<TicketBody>, ApiFailure> {
    let credentials = credentials(&shared, &account).await?;
    let ticket = bounded(&shared, &account, credentials.jsapi_ticket()).await?;
    Ok(Json(TicketBody {
        ticket: ticket.ticket,
        expires_at: ticket.expires_at,
    }))
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/wx-card-ticket",
    tag = "token API",
    operation_id = "wx_card_ticket",
    summary = "The current wx_card api_ticket",
    params(AccountPath),
    responses(
        (status = 200, description = "OK", body = TicketBody),
        AccessErrors,
        CredentialErrors,
    ),
)]
pub(crate) async fn wx_card_ticket(
    _key: Authorized,
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
) -> Result<Json<TicketBody>, ApiFailure> {
    let credentials = credentials(&shared, &account).await?;
    let ticket = bounded(&shared, &account, credentials.wx_card_ticket()).await?;
    Ok(Json(TicketBody {
        ticket: ticket.ticket,
        expires_at: ticket.expires_at,
    }))
}

/// WeChat's `wx.config` spells the list `jsApiList`, and the answer does too: both spellings are
/// accepted (giving both is a duplicate field).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct JsSdkRequest {
    url: String,
    #[serde(default, alias = "jsApiList")]
    js_api_list: Vec<String>,
}

/// Written out rather than derived: the derive knows nothing of serde's `alias`, and both
/// spellings of the list are accepted.
impl utoipa::PartialSchema for JsSdkRequest {
    fn schema() -> RefOr<Schema> {
        let list = |description: &str| {
            ArrayBuilder::new()
                .items(ObjectBuilder::new().schema_type(Type::String))
                .description(Some(description))
        };
        ObjectBuilder::new()
            .property(
                "url",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some(
                        "The page's full http(s) URL; anything after # is ignored",
                    )),
            )
            .required("url")
            .property(
                "jsApiList",
                list(
                    "The JS-SDK APIs the page calls, spelled as in wx.config and echoed in the answer; default []",
                ),
            )
            .property(
                "js_api_list",
                list("Another spelling of jsApiList; give one of the two, not both"),
            )
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .into()
    }
}

impl ToSchema for JsSdkRequest {}

#[utoipa::path(
    post,
    path = "/v1/accounts/{account}/jssdk-config",
    tag = "token API",
    operation_id = "jssdk_config",
    summary = "A signed wx.config for a page URL",
    params(AccountPath),
    request_body(content = inline(JsSdkRequest), description = JSON_BODY),
    responses(
        (status = 200, description = "OK", body = JsSdkConfigSchema),
        BodyErrors,
        AccessErrors,
        CredentialErrors,
    ),
)]
pub(crate) async fn jssdk_config(
    _key: Authorized,
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    JsonBody(body): JsonBody<JsSdkRequest>,
) -> Result<Json<jssdk::Config>, ApiFailure> {
    if !(body.url.starts_with("http://") || body.url.starts_with("https://")) {
        return Err(ApiFailure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "\"url\" must be the page's full http(s) URL",
        ));
    }
    let credentials = credentials(&shared, &account).await?;
    let ticket = bounded(&shared, &account, credentials.jsapi_ticket()).await?;
    let nonce = wxgate_proto::nonce::alphanumeric(&mut rand::rng(), 16);
    let app_id = credentials.account().app_id.to_string();
    Ok(Json(jssdk::Config::sign(
        &app_id,
        &ticket.ticket,
        &nonce,
        shared.unix_now(),
        &body.url,
        body.js_api_list,
    )))
}

/// Middleware of the `/v1` routes: adds `authorize_url` — the platform's authorization page,
/// from its `public_url` (else `server.public_url`, else the request's `Host`) — to a
/// `reauthorization_required` answer, which is made where the component's id is not known.
pub(crate) async fn authorize_link(
    State(shared): State<Arc<Shared>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    // Only the two headers an origin may be built from, kept before the request moves on.
    let mut origin_headers = axum::http::HeaderMap::new();
    for name in [header::HOST.as_str(), "x-forwarded-proto"] {
        if let Some(value) = request.headers().get(name) {
            origin_headers.insert(axum::http::HeaderName::from_static(name), value.clone());
        }
    }
    let mut response = next.run(request).await;
    let Some(NeedsAuthorization(component_app_id, mut body)) =
        response.extensions_mut().remove::<NeedsAuthorization>()
    else {
        return response;
    };
    let Some(component) = shared
        .components
        .values()
        .find(|c| c.config.app_id == component_app_id)
    else {
        return response;
    };
    let configured = component.config.public_url.as_deref().or(shared
        .config
        .server
        .public_url
        .as_deref());
    let Some(origin) = crate::origin::origin(configured, &origin_headers) else {
        return response;
    };
    body.authorize_url = Some(format!("{origin}/component/{}/authorize", component.id));
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let (_, fresh_body) = Json(body).into_response().into_parts();
    Response::from_parts(parts, fresh_body)
}
