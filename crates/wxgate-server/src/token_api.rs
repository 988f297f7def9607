//! The central token API (中控服务器) under `/v1`: every business service gets the account's
//! access_token, tickets and JS-SDK signatures here, and nothing else calls `cgi-bin/token`.
//!
//! All routes need `Authorization: Bearer <key>` with a key from `server.api_keys`. Errors are
//! JSON: `{"error": "<kind>", "message": "…"}`, plus `errcode`/`errmsg` when WeChat refused.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::Rng as _;
use serde::{Deserialize, Serialize};
use serde_json::json;
use subtle::ConstantTimeEq as _;
use wxgate_api::{Credentials, ErrorKind};
use wxgate_proto::jssdk;

use crate::app::Shared;
use crate::callback::unix_now;
use crate::json_body::JsonBody;

/// The OpenAPI document of this API, served at `/v1/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");

pub(crate) fn routes(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/accounts/{account}/access-token", get(access_token))
        .route("/v1/accounts/{account}/access-token/refresh", post(refresh))
        .route("/v1/accounts/{account}/jsapi-ticket", get(jsapi_ticket))
        .route("/v1/accounts/{account}/wx-card-ticket", get(wx_card_ticket))
        .route("/v1/accounts/{account}/jssdk-config", post(jssdk_config))
        .route(
            "/v1/openapi.json",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], OPENAPI) }),
        )
        .with_state(shared)
}

/// A JSON error answer.
#[derive(Debug)]
pub(crate) struct ApiFailure {
    status: StatusCode,
    body: serde_json::Value,
}

impl ApiFailure {
    fn new(status: StatusCode, error: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: json!({"error": error, "message": message.into()}),
        }
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
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
                body: json!({
                    "error": "wechat",
                    "message": "WeChat refused the request",
                    "errcode": api.code().code(),
                    "errmsg": api.errmsg(),
                }),
            },
            ErrorKind::Transport { .. }
            | ErrorKind::Timeout { .. }
            | ErrorKind::Status { .. }
            | ErrorKind::Decode { .. } => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "upstream_unavailable",
                error.to_string(),
            ),
            _ => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                error.to_string(),
            ),
        }
    }
}

/// Proof that the request carried one of `server.api_keys` as a bearer token.
///
/// An extractor rather than a middleware layer: it runs first in every `/v1` handler that
/// takes it, at the cost of a header lookup and a constant-time compare per key.
#[derive(Debug)]
pub(crate) struct ApiKey;

impl FromRequestParts<Arc<Shared>> for ApiKey {
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
                    "unauthorized",
                    "missing Authorization: Bearer <key>",
                )
            })?;
        let mut ok = false;
        for key in &shared.config.server.api_keys {
            // Check every key, each in constant time, so timing tells nothing.
            ok |= bool::from(key.expose().as_bytes().ct_eq(presented.as_bytes()));
        }
        if ok {
            Ok(Self)
        } else {
            Err(ApiFailure::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "unknown API key",
            ))
        }
    }
}

fn credentials<'a>(shared: &'a Shared, account: &str) -> Result<&'a Credentials, ApiFailure> {
    shared.credentials.get(account).ok_or_else(|| {
        ApiFailure::new(
            StatusCode::NOT_FOUND,
            "unknown_account",
            format!("no account {account:?} in the configuration"),
        )
    })
}

#[derive(Debug, Serialize)]
struct TokenBody {
    access_token: String,
    expires_at: i64,
}

#[derive(Debug, Serialize)]
struct TicketBody {
    ticket: String,
    expires_at: i64,
}

async fn access_token(
    _key: ApiKey,
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
) -> Result<Json<TokenBody>, ApiFailure> {
    let token = credentials(&shared, &account)?.access_token().await?;
    Ok(Json(TokenBody {
        access_token: token.token,
        expires_at: token.expires_at,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshBody {
    stale: Option<String>,
}

async fn refresh(
    _key: ApiKey,
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    JsonBody(body): JsonBody<RefreshBody>,
) -> Result<Json<TokenBody>, ApiFailure> {
    let stale = body.stale.filter(|s| !s.is_empty()).ok_or_else(|| {
        ApiFailure::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "\"stale\" must be the token that failed",
        )
    })?;
    let token = credentials(&shared, &account)?
        .refresh_access_token(Some(&stale))
        .await?;
    Ok(Json(TokenBody {
        access_token: token.token,
        expires_at: token.expires_at,
    }))
}

async fn jsapi_ticket(
    _key: ApiKey,
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
) -> Result<Json<TicketBody>, ApiFailure> {
    let ticket = credentials(&shared, &account)?.jsapi_ticket().await?;
    Ok(Json(TicketBody {
        ticket: ticket.ticket,
        expires_at: ticket.expires_at,
    }))
}

async fn wx_card_ticket(
    _key: ApiKey,
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
) -> Result<Json<TicketBody>, ApiFailure> {
    let ticket = credentials(&shared, &account)?.wx_card_ticket().await?;
    Ok(Json(TicketBody {
        ticket: ticket.ticket,
        expires_at: ticket.expires_at,
    }))
}

/// WeChat's `wx.config` spells the list `jsApiList`, and the answer does too: both spellings are
/// accepted (giving both is a duplicate field).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsSdkRequest {
    url: String,
    #[serde(default, alias = "jsApiList")]
    js_api_list: Vec<String>,
}

async fn jssdk_config(
    _key: ApiKey,
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    JsonBody(body): JsonBody<JsSdkRequest>,
) -> Result<Json<jssdk::Config>, ApiFailure> {
    if !(body.url.starts_with("http://") || body.url.starts_with("https://")) {
        return Err(ApiFailure::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "\"url\" must be the page's full http(s) URL",
        ));
    }
    let credentials = credentials(&shared, &account)?;
    let ticket = credentials.jsapi_ticket().await?;
    let nonce: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(16)
        .map(char::from)
        .collect();
    let app_id = credentials.account().app_id.to_string();
    Ok(Json(jssdk::Config::sign(
        &app_id,
        &ticket.ticket,
        &nonce,
        unix_now(),
        &body.url,
        body.js_api_list,
    )))
}
