//! WeChat login for H5 pages (see [WeChat Docs/网页授权](https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html)).
//!
//! `GET /oauth/{account}/login?redirect=URL&scope=…` checks `redirect` against the account's
//! `allowed_redirects`, keeps a random single-use `state` (10 minutes) bound to a cookie of
//! this browser, and sends the browser to WeChat's authorize page. WeChat returns to
//! `GET /oauth/{account}/callback?code&state`: the state must be known, unexpired, bound to
//! this browser's cookie and unused; the code is exchanged (and the profile read, for
//! `snsapi_userinfo`); the browser goes back to `redirect` with a one-time `wxgate_ticket`,
//! which the business backend redeems once at `POST /v1/accounts/{account}/oauth/tickets/{ticket}`.
//!
//! WeChat sometimes presents one code twice (a double redirect, the user going back): the
//! second presentation, with the same state from the same browser, is answered from the first
//! exchange (kept 5 minutes) instead of failing with 40163. The web tokens are kept (30 days,
//! the refresh token's life) for `sns/oauth2/refresh_token` and `sns/auth`.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use subtle::ConstantTimeEq as _;
use wxgate_api::endpoint::sns::{oauth2::access_token, userinfo};
use wxgate_proto::oauth::{AUTHORIZE_BASE, Scope, authorize_url};
use wxgate_store::registry::FollowerProfile;

use super::page;
use crate::app::Shared;
use crate::config::{AccountConfig, OAuthConfig};
use crate::openapi::AccountPath;
use crate::token_api::{ApiFailure, Authorized, ErrorBody, ErrorCode};

/// How long a login may take from `login` to `callback`.
const STATE_TTL: Duration = Duration::from_secs(600);
/// How long a code's exchange is kept to answer a second presentation of the code.
const CODE_TTL: Duration = Duration::from_secs(300);
/// How long web tokens are kept: the refresh token's life.
const WEB_TOKEN_TTL: Duration = Duration::from_secs(30 * 86_400);
/// How long a concurrent presentation of the same code waits for the first exchange.
const SAME_CODE_WAIT: Duration = Duration::from_secs(3);
/// The cookie binding a state to the browser that started the login: `wxgate_oauth_<state>`.
const COOKIE_PREFIX: &str = "wxgate_oauth_";
/// WeChat's own API, with which the authorize page is WeChat's too.
const WECHAT_API: &str = "https://api.weixin.qq.com";

/// A login under way, kept under its state.
#[derive(Debug, Serialize, Deserialize)]
struct LoginState {
    redirect: String,
    scope: Scope,
    /// The cookie value that binds the state to the browser.
    binding: String,
    /// The digest of the code the state was used with, once used.
    code: Option<String>,
}

/// What a WeChat login yields: what the business backend gets for the login's ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[non_exhaustive]
pub struct WebLogin {
    /// The user's OpenID for this account.
    pub openid: String,
    /// The UnionID, when the account is bound to an Open Platform account.
    pub unionid: Option<String>,
    /// The scopes WeChat granted (`snsapi_base`, `snsapi_userinfo`).
    pub scope: String,
    /// `sns/userinfo`'s answer (`nickname`, `headimgurl`, …) for `snsapi_userinfo`, else null.
    #[schema(value_type = Option<Object>)]
    pub user: Option<Value>,
}

/// The outcome of redeeming a login's ticket.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Redeemed {
    /// The login, handed out this once.
    Login(WebLogin),
    /// The ticket was redeemed before.
    AlreadyRedeemed,
    /// No such ticket, or it expired.
    Unknown,
}

/// Web tokens kept for refresh and `sns/auth`.
#[derive(Debug, Serialize, Deserialize)]
struct WebTokens {
    access_token: String,
    refresh_token: String,
    scope: String,
    /// Unix seconds.
    expires_at: u64,
}

#[derive(Debug, Deserialize)]
pub(super) struct LoginQuery {
    redirect: Option<String>,
    scope: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
}

/// A refusal shown to the browser, as plain text.
#[derive(Debug)]
pub(super) struct Refusal(StatusCode, String);

impl Refusal {
    fn new(status: StatusCode, text: impl Into<String>) -> Self {
        Self(status, text.into())
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        page(self.0, self.1)
    }
}

fn store_down(error: &wxgate_store::StoreError) -> Refusal {
    tracing::warn!(%error, "WeChat login: the store failed");
    Refusal::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "the login cannot be completed now (storage unavailable); try again",
    )
}

/// The account and its `[accounts.oauth]`.
fn login_config<'a>(
    shared: &'a Shared,
    account: &str,
) -> Result<(&'a AccountConfig, &'a OAuthConfig), Refusal> {
    let config = shared
        .config
        .account(account)
        .ok_or_else(|| Refusal::new(StatusCode::NOT_FOUND, "unknown account"))?;
    let oauth = config.oauth.as_ref().ok_or_else(|| {
        Refusal::new(
            StatusCode::NOT_FOUND,
            "WeChat login is not enabled for this account ([accounts.oauth])",
        )
    })?;
    Ok((config, oauth))
}

/// `GET /oauth/{account}/login?redirect=URL&scope=snsapi_base|snsapi_userinfo`.
pub(super) async fn login(
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Result<Response, Refusal> {
    let (config, oauth) = login_config(&shared, &account)?;
    let redirect = query
        .redirect
        .filter(|r| !r.is_empty())
        .ok_or_else(|| Refusal::new(StatusCode::BAD_REQUEST, "missing redirect"))?;
    if !redirect_allowed(oauth, &redirect) {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "redirect is not on an origin of [accounts.oauth] allowed_redirects",
        ));
    }
    let scope = match query.scope.as_deref().unwrap_or("snsapi_base") {
        "snsapi_base" => Scope::Base,
        "snsapi_userinfo" => Scope::UserInfo,
        _ => {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                "scope must be snsapi_base or snsapi_userinfo",
            ));
        }
    };
    let callback = callback_url(
        oauth,
        &account,
        shared.config.server.public_url.as_deref(),
        &headers,
    )?;
    let (state, binding) = {
        let mut rng = rand::rng();
        (
            wxgate_proto::nonce::alphanumeric(&mut rng, 32),
            wxgate_proto::nonce::alphanumeric(&mut rng, 32),
        )
    };
    let record = LoginState {
        redirect,
        scope,
        binding: binding.clone(),
        code: None,
    };
    let value = serde_json::to_vec(&record).unwrap_or_default();
    shared
        .store
        .set(&state_key(&account, &state), &value, Some(STATE_TTL))
        .await
        .map_err(|e| store_down(&e))?;
    let base = authorize_base(oauth, config);
    let url = authorize_url(&base, &config.app_id, &callback, scope, Some(&state), false)
        .map_err(|e| Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let secure = if callback.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{COOKIE_PREFIX}{state}={binding}; Path=/oauth/{account}/; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
        STATE_TTL.as_secs()
    );
    Ok(redirect_to(&url, Some(&cookie)))
}

/// `GET /oauth/{account}/callback?code&state`.
pub(super) async fn callback(
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, Refusal> {
    let (config, oauth) = login_config(&shared, &account)?;
    let state = query
        .state
        .filter(|s| !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_alphanumeric()))
        .ok_or_else(|| Refusal::new(StatusCode::BAD_REQUEST, "missing or malformed state"))?;
    let key = state_key(&account, &state);
    let cookie = cookie(&headers, &format!("{COOKIE_PREFIX}{state}"));
    let code = query.code.filter(|c| is_code(c));
    // Claim the state for this code: a state is good for one code (presented once, or again
    // by the same browser).
    let record = loop {
        let raw = shared
            .store
            .get(&key)
            .await
            .map_err(|e| store_down(&e))?
            .ok_or_else(|| {
                Refusal::new(
                    StatusCode::BAD_REQUEST,
                    "unknown or expired login state: start the login again",
                )
            })?;
        let mut record: LoginState = serde_json::from_slice(&raw)
            .map_err(|_| Refusal::new(StatusCode::BAD_REQUEST, "unknown login state"))?;
        let bound =
            cookie.is_some_and(|c| bool::from(c.as_bytes().ct_eq(record.binding.as_bytes())));
        if !bound {
            return Err(Refusal::new(
                StatusCode::FORBIDDEN,
                "this login was not started in this browser (its state is not bound to this browser's cookie)",
            ));
        }
        let Some(code) = code.as_deref() else {
            // No code: the user declined, or WeChat sent a malformed one. The state is spent.
            let _ = shared.store.compare_and_delete(&key, &raw).await;
            return Ok(redirect_to(
                &with_param(&record.redirect, "wxgate_error", "access_denied"),
                None,
            ));
        };
        let digest = digest(code);
        match &record.code {
            Some(used) if *used == digest => break record,
            Some(_) => {
                return Err(Refusal::new(
                    StatusCode::BAD_REQUEST,
                    "this login state was already used: start the login again",
                ));
            }
            None => {
                record.code = Some(digest);
                let value = serde_json::to_vec(&record).unwrap_or_default();
                if shared
                    .store
                    .compare_and_set(&key, Some(&raw), &value, Some(STATE_TTL))
                    .await
                    .map_err(|e| store_down(&e))?
                {
                    break record;
                }
            }
        }
    };
    let code = code.unwrap_or_default();
    let result = exchange(&shared, config, &account, &code).await?;
    let ticket = wxgate_proto::nonce::alphanumeric(&mut rand::rng(), 32);
    let value = serde_json::to_vec(&result).unwrap_or_default();
    shared
        .store
        .set(
            &ticket_key(&account, &ticket),
            &value,
            Some(Duration::from_secs(oauth.ticket_ttl_secs)),
        )
        .await
        .map_err(|e| store_down(&e))?;
    Ok(redirect_to(
        &with_param(&record.redirect, "wxgate_ticket", &ticket),
        None,
    ))
}

/// Exchanges `code`, or answers from its first exchange.
async fn exchange(
    shared: &Shared,
    config: &AccountConfig,
    account: &str,
    code: &str,
) -> Result<WebLogin, Refusal> {
    let code_key = format!("oauth:code:{account}:{}", digest(code));
    if let Some(result) = exchanged(shared, &code_key).await? {
        return Ok(result);
    }
    let credentials = shared
        .credentials
        .get(account)
        .ok_or_else(|| Refusal::new(StatusCode::NOT_FOUND, "unknown account"))?;
    let client = credentials.client();
    let request =
        access_token::Request::new(config.app_id.as_str(), config.app_secret.clone(), code);
    let token = match client.call(&request).await {
        Ok(token) => token,
        Err(error) => {
            let errcode = error.errcode().map(|c| c.code());
            if errcode == Some(40163) {
                // Presented twice at once: the other presentation's exchange answers both.
                let until = tokio::time::Instant::now() + SAME_CODE_WAIT;
                while tokio::time::Instant::now() < until {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    if let Some(result) = exchanged(shared, &code_key).await? {
                        return Ok(result);
                    }
                }
                return Err(Refusal::new(
                    StatusCode::BAD_REQUEST,
                    "this code was already used: start the login again",
                ));
            }
            tracing::info!(account, errcode, "WeChat login: the code exchange failed");
            return Err(match errcode {
                Some(40029) => Refusal::new(
                    StatusCode::BAD_REQUEST,
                    "unknown or expired code: start the login again",
                ),
                Some(code) => Refusal::new(
                    StatusCode::BAD_GATEWAY,
                    format!("WeChat refused the code exchange (errcode {code})"),
                ),
                None => Refusal::new(
                    StatusCode::BAD_GATEWAY,
                    "WeChat could not be reached for the code exchange; try again",
                ),
            });
        }
    };
    let openid = token.openid.as_str().to_owned();
    let mut unionid = token.unionid.clone();
    let user = if token.has_scope(Scope::UserInfo.as_str()) {
        let request =
            userinfo::Request::new(token.access_token.clone(), openid.as_str()).lang("zh_CN");
        match client.call(&request).await {
            Ok(info) => {
                if unionid.is_none() {
                    unionid.clone_from(&info.unionid);
                }
                Some(user_json(&info))
            }
            Err(error) => {
                tracing::warn!(account, errcode = ?error.errcode().map(|c| c.code()), "WeChat login: sns/userinfo failed");
                return Err(Refusal::new(
                    StatusCode::BAD_GATEWAY,
                    "WeChat did not give the user's profile; try again",
                ));
            }
        }
    } else {
        None
    };
    let tokens = WebTokens {
        access_token: token.access_token.expose().to_owned(),
        refresh_token: token.refresh_token.expose().to_owned(),
        scope: token.scope.clone(),
        expires_at: shared.unix_now() + u64::try_from(token.expires_in.max(0)).unwrap_or(0),
    };
    if let Err(error) = shared
        .store
        .set(
            &format!("oauth:token:{account}:{openid}"),
            &serde_json::to_vec(&tokens).unwrap_or_default(),
            Some(WEB_TOKEN_TTL),
        )
        .await
    {
        tracing::warn!(account, %error, "WeChat login: the web tokens could not be kept");
    }
    let result = WebLogin {
        openid,
        unionid,
        scope: token.scope,
        user,
    };
    update_registry(shared, account, &result).await;
    let value = serde_json::to_vec(&result).unwrap_or_default();
    if !shared
        .store
        .set_if_absent(&code_key, &value, Some(CODE_TTL))
        .await
        .map_err(|e| store_down(&e))?
    {
        // Another presentation finished first: answer as it did.
        if let Some(first) = exchanged(shared, &code_key).await? {
            return Ok(first);
        }
    }
    Ok(result)
}

/// `sns/userinfo`'s answer as handed to the backend.
fn user_json(info: &userinfo::Response) -> Value {
    json!({
        "openid": info.openid.as_str(),
        "nickname": info.nickname,
        "sex": info.sex,
        "province": info.province,
        "city": info.city,
        "country": info.country,
        "headimgurl": info.headimgurl,
        "privilege": info.privilege,
        "unionid": info.unionid,
    })
}

async fn exchanged(shared: &Shared, code_key: &str) -> Result<Option<WebLogin>, Refusal> {
    let raw = shared
        .store
        .get(code_key)
        .await
        .map_err(|e| store_down(&e))?;
    Ok(raw.and_then(|raw| serde_json::from_slice(&raw).ok()))
}

/// A follower the registry knows gets the UnionID the login revealed.
async fn update_registry(shared: &Shared, account: &str, result: &WebLogin) {
    let Some(unionid) = result.unionid.as_deref() else {
        return;
    };
    let registry = shared.registry.as_ref();
    match registry.follower(account, &result.openid).await {
        Ok(Some(follower)) if follower.unionid.as_deref() != Some(unionid) => {
            let profile = FollowerProfile {
                openid: follower.openid,
                unionid: Some(unionid.to_owned()),
                subscribed: follower.subscribed,
                subscribe_time: follower.subscribe_time,
                subscribe_scene: follower.subscribe_scene,
                qr_scene: follower.qr_scene,
                tags: follower.tags,
                remark: follower.remark,
            };
            if let Err(error) = registry.upsert_follower(account, &profile).await {
                tracing::warn!(account, %error, "WeChat login: the registry was not updated");
            }
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(account, %error, "WeChat login: the registry was not read"),
    }
}

/// `POST /v1/accounts/{account}/oauth/tickets/{ticket}`: redeems a login's ticket, once.
#[utoipa::path(
    post,
    path = "/v1/accounts/{account}/oauth/tickets/{ticket}",
    tag = "WeChat login",
    operation_id = "redeem_login_ticket",
    summary = "Redeem the one-time wxgate_ticket a WeChat login handed to the page",
    params(AccountPath, ("ticket" = String, Path, description = "The wxgate_ticket of the redirect")),
    responses(
        (status = 200, description = "The login: openid, unionid, scope and, for snsapi_userinfo, the user's profile", body = WebLogin),
        (status = 404, description = "Unknown or expired ticket", body = ErrorBody),
        (status = 410, description = "The ticket was already redeemed", body = ErrorBody),
        (status = 401, response = crate::openapi::Error401),
        (status = 403, response = crate::openapi::Error403),
        (status = 503, response = crate::openapi::Error503),
    ),
)]
pub(crate) async fn redeem(
    _key: Authorized,
    State(shared): State<Arc<Shared>>,
    Path((account, ticket)): Path<(String, String)>,
) -> Result<Json<WebLogin>, ApiFailure> {
    crate::token_api::credentials(&shared, &account).await?;
    match take_ticket(&shared, &account, &ticket).await {
        Ok(Redeemed::Login(login)) => Ok(Json(login)),
        Ok(Redeemed::AlreadyRedeemed) => Err(ApiFailure::new(
            StatusCode::GONE,
            ErrorCode::TicketRedeemed,
            "this ticket was already redeemed",
        )),
        Ok(Redeemed::Unknown) => Err(ApiFailure::new(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownTicket,
            "unknown or expired ticket",
        )),
        Err(error) => Err(ApiFailure::store_unavailable(&error)),
    }
}

/// Redeems a login's ticket: the login the first time, then never again.
pub(crate) async fn take_ticket(
    shared: &Shared,
    account: &str,
    ticket: &str,
) -> Result<Redeemed, wxgate_store::StoreError> {
    if ticket.is_empty() || ticket.len() > 64 || !ticket.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Ok(Redeemed::Unknown);
    }
    let key = ticket_key(account, ticket);
    let spent = format!("oauth:redeemed:{account}:{ticket}");
    if let Some(value) = shared.store.get(&key).await?
        && shared.store.compare_and_delete(&key, &value).await?
    {
        let ttl = shared
            .config
            .account(account)
            .and_then(|a| a.oauth.as_ref())
            .map_or(300, |o| o.ticket_ttl_secs);
        if let Err(error) = shared
            .store
            .set(&spent, b"1", Some(Duration::from_secs(ttl.max(60))))
            .await
        {
            tracing::debug!(%error, "a redeemed ticket's marker was not written");
        }
        return Ok(serde_json::from_slice(&value).map_or(Redeemed::Unknown, Redeemed::Login));
    }
    if shared.store.get(&spent).await?.is_some() {
        return Ok(Redeemed::AlreadyRedeemed);
    }
    Ok(Redeemed::Unknown)
}

/// A user who logged in, as the kept web tokens let the backend see them again.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct WebUser {
    openid: String,
    scope: String,
    /// Unix seconds: when the current web access token expires.
    expires_at: u64,
    /// A fresh `sns/userinfo` for `snsapi_userinfo`, else null.
    #[schema(value_type = Option<Object>)]
    user: Option<Value>,
}

/// `GET /v1/accounts/{account}/oauth/users/{openid}`: the user again, through the web tokens
/// kept at login: checked with `sns/auth`, refreshed with `sns/oauth2/refresh_token` when
/// expired or refused, and the profile read anew for `snsapi_userinfo`.
#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/oauth/users/{openid}",
    tag = "WeChat login",
    operation_id = "login_user",
    summary = "A user who logged in, with a fresh profile, through the kept (and refreshed) web tokens",
    params(AccountPath, ("openid" = String, Path, description = "The user's OpenID")),
    responses(
        (status = 200, description = "The user", body = WebUser),
        (status = 404, description = "No login of this user is kept", body = ErrorBody),
        (status = 410, description = "The login expired (the refresh token is refused): the user must log in again", body = ErrorBody),
        (status = 401, response = crate::openapi::Error401),
        (status = 403, response = crate::openapi::Error403),
        (status = 502, response = crate::openapi::Error502),
        (status = 503, response = crate::openapi::Error503),
    ),
)]
pub(crate) async fn login_user(
    _key: Authorized,
    State(shared): State<Arc<Shared>>,
    Path((account, openid)): Path<(String, String)>,
) -> Result<Json<WebUser>, ApiFailure> {
    let credentials = crate::token_api::credentials(&shared, &account).await?;
    let key = format!("oauth:token:{account}:{openid}");
    let unknown = || {
        ApiFailure::new(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownLogin,
            "no login of this user is kept",
        )
    };
    let raw = shared
        .store
        .get(&key)
        .await
        .map_err(|e| ApiFailure::store_unavailable(&e))?
        .ok_or_else(unknown)?;
    let mut tokens: WebTokens = serde_json::from_slice(&raw).map_err(|_| unknown())?;
    let client = credentials.client();
    let now = shared.unix_now();
    let valid = tokens.expires_at > now + 60
        && client
            .call(&wxgate_api::endpoint::sns::auth::Request::new(
                tokens.access_token.as_str().into(),
                openid.as_str(),
            ))
            .await
            .is_ok();
    if !valid {
        let app_id = credentials.account().app_id.clone();
        let request = wxgate_api::endpoint::sns::oauth2::refresh_token::Request::new(
            app_id,
            tokens.refresh_token.as_str().into(),
        );
        match client.call(&request).await {
            Ok(fresh) => {
                tokens = WebTokens {
                    access_token: fresh.access_token.expose().to_owned(),
                    refresh_token: fresh.refresh_token.expose().to_owned(),
                    scope: fresh.scope.clone(),
                    expires_at: now + u64::try_from(fresh.expires_in.max(0)).unwrap_or(0),
                };
                let value = serde_json::to_vec(&tokens).unwrap_or_default();
                // Only over the tokens read: a concurrent refresh's newer ones are kept.
                let _ = shared
                    .store
                    .compare_and_set(&key, Some(&raw), &value, Some(WEB_TOKEN_TTL))
                    .await;
            }
            Err(error) if matches!(error.errcode().map(|c| c.code()), Some(42002 | 40030)) => {
                let _ = shared.store.compare_and_delete(&key, &raw).await;
                return Err(ApiFailure::new(
                    StatusCode::GONE,
                    ErrorCode::LoginExpired,
                    "the login expired (WeChat refused its refresh token): the user must log in again",
                ));
            }
            Err(error) => return Err(error.into()),
        }
    }
    let user = if tokens
        .scope
        .split(',')
        .any(|s| s.trim() == Scope::UserInfo.as_str())
    {
        let request = userinfo::Request::new(tokens.access_token.as_str().into(), openid.as_str())
            .lang("zh_CN");
        Some(user_json(&client.call(&request).await?))
    } else {
        None
    };
    Ok(Json(WebUser {
        openid,
        scope: tokens.scope,
        expires_at: tokens.expires_at,
        user,
    }))
}

fn state_key(account: &str, state: &str) -> String {
    format!("oauth:state:{account}:{state}")
}

fn ticket_key(account: &str, ticket: &str) -> String {
    format!("oauth:ticket:{account}:{ticket}")
}

/// A digest of a code for keys: codes themselves are not kept.
fn digest(code: &str) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(code.as_bytes()))
}

/// WeChat's codes are short printable tokens.
fn is_code(code: &str) -> bool {
    !code.is_empty() && code.len() <= 512 && code.bytes().all(|b| b.is_ascii_graphic())
}

/// Whether `redirect` is an http(s) URL on one of the allowed origins.
fn redirect_allowed(oauth: &OAuthConfig, redirect: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(redirect) else {
        return false;
    };
    if !matches!(url.scheme(), "http" | "https")
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return false;
    }
    let origin = url.origin();
    oauth
        .allowed_redirects
        .iter()
        .filter_map(|allowed| reqwest::Url::parse(allowed).ok())
        .any(|allowed| allowed.origin() == origin)
}

/// The URL WeChat returns the browser to.
fn callback_url(
    oauth: &OAuthConfig,
    account: &str,
    public_url: Option<&str>,
    headers: &HeaderMap,
) -> Result<String, Refusal> {
    if let Some(url) = &oauth.callback_url {
        return Ok(url.clone());
    }
    let origin = crate::origin::origin(public_url, headers).ok_or_else(|| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "no usable Host header: set server.public_url or [accounts.oauth] callback_url",
        )
    })?;
    Ok(format!("{origin}/oauth/{account}/callback"))
}

/// Where WeChat's authorize page is for this account.
fn authorize_base(oauth: &OAuthConfig, config: &AccountConfig) -> String {
    match &oauth.authorize_base {
        Some(base) => base.clone(),
        None if config.api_base.trim_end_matches('/') == WECHAT_API => AUTHORIZE_BASE.to_owned(),
        None => config.api_base.clone(),
    }
}

/// A cookie's value from the request's `Cookie` headers.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// `url` with `name=value` added to its query (before any fragment).
fn with_param(url: &str, name: &str, value: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            parsed.query_pairs_mut().append_pair(name, value);
            parsed.into()
        }
        Err(_) => url.to_owned(),
    }
}

fn redirect_to(location: &str, cookie: Option<&str>) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(header::LOCATION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(cookie) = cookie
        && let Ok(value) = HeaderValue::from_str(cookie)
    {
        headers.insert(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_only_to_allowed_origins() {
        let oauth = OAuthConfig::new(vec![
            "https://shop.example.com".into(),
            "http://127.0.0.1:8080".into(),
        ]);
        assert!(redirect_allowed(
            &oauth,
            "https://shop.example.com/after?x=1#top"
        ));
        assert!(redirect_allowed(&oauth, "https://shop.example.com:443/"));
        assert!(redirect_allowed(&oauth, "http://127.0.0.1:8080/page"));
        assert!(!redirect_allowed(&oauth, "http://127.0.0.1:8081/page"));
        assert!(!redirect_allowed(&oauth, "http://shop.example.com/"));
        assert!(!redirect_allowed(
            &oauth,
            "https://shop.example.com.evil.com/"
        ));
        assert!(!redirect_allowed(
            &oauth,
            "https://evil.com@shop.example.com/"
        ));
        assert!(!redirect_allowed(&oauth, "//evil.com/"));
        assert!(!redirect_allowed(&oauth, "javascript:alert(1)"));
    }

    #[test]
    fn the_callback_comes_from_its_own_setting_then_the_public_url_then_host() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("evil.example"));
        let mut oauth = OAuthConfig::new(vec!["https://shop.example.com".into()]);
        assert_eq!(
            callback_url(&oauth, "main", Some("https://wx.example.com"), &headers).unwrap(),
            "https://wx.example.com/oauth/main/callback"
        );
        assert_eq!(
            callback_url(&oauth, "main", None, &headers).unwrap(),
            "http://evil.example/oauth/main/callback"
        );
        assert!(callback_url(&oauth, "main", None, &HeaderMap::new()).is_err());
        oauth.callback_url = Some("https://login.example.com/cb".into());
        assert_eq!(
            callback_url(&oauth, "main", Some("https://wx.example.com"), &headers).unwrap(),
            "https://login.example.com/cb"
        );
    }

    #[test]
    fn params_go_before_the_fragment() {
        assert_eq!(
            with_param("https://a.example/p?x=1#frag", "wxgate_ticket", "T"),
            "https://a.example/p?x=1&wxgate_ticket=T#frag"
        );
    }

    #[test]
    fn cookies_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; wxgate_oauth_S=xyz"),
        );
        assert_eq!(cookie(&headers, "wxgate_oauth_S"), Some("xyz"));
        assert_eq!(cookie(&headers, "b"), None);
    }
}
