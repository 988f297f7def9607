//! `GET /jssdk/{account}/config?url=…[&jsApiList=a,b]`: a signed `wx.config` for a page with
//! no backend of its own (see [WeChat Docs/JS-SDK说明](https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/JS-SDK.html)).
//!
//! No API key: only page URLs on the account's `[accounts.jssdk] domains` are signed, as
//! WeChat's JS safe domains allow, and CORS is granted to those origins only. The fragment is
//! dropped before signing, as WeChat does.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use wxgate_proto::jssdk;

use crate::app::Shared;
use crate::config::JsSdkPages;
use crate::token_api::{ApiFailure, ErrorCode, bounded, credentials};

#[derive(Debug, Deserialize)]
pub(super) struct ConfigQuery {
    url: Option<String>,
    #[serde(rename = "jsApiList")]
    js_api_list: Option<String>,
}

/// `GET /jssdk/{account}/config`.
pub(super) async fn config(
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    headers: HeaderMap,
    Query(query): Query<ConfigQuery>,
) -> Response {
    let pages = shared
        .config
        .account(&account)
        .and_then(|a| a.jssdk.as_ref());
    let cors = pages.and_then(|pages| allowed_origin(pages, &headers));
    let mut response = match sign(&shared, &account, pages, query).await {
        Ok(config) => Json(config).into_response(),
        Err(failure) => failure.into_response(),
    };
    let out = response.headers_mut();
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    out.insert(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = cors {
        out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    response
}

async fn sign(
    shared: &Shared,
    account: &str,
    pages: Option<&JsSdkPages>,
    query: ConfigQuery,
) -> Result<jssdk::Config, ApiFailure> {
    let credentials = credentials(shared, account).await?;
    let pages = pages.ok_or_else(|| {
        ApiFailure::new(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownAccount,
            "JS-SDK pages are not enabled for this account ([accounts.jssdk])",
        )
    })?;
    let bad =
        |message: &str| ApiFailure::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message);
    let url = query
        .url
        .filter(|u| !u.is_empty())
        .ok_or_else(|| bad("missing url: the page's full URL"))?;
    let page = jssdk::page_url(&url);
    let parsed = reqwest::Url::parse(page).map_err(|_| bad("url is not a URL"))?;
    let (Some(host), Some(port)) = (parsed.host_str(), parsed.port_or_known_default()) else {
        return Err(bad("url must be an http(s) URL with a host"));
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("url must be an http(s) URL with a host"));
    }
    if !pages.covers(host, port) {
        return Err(ApiFailure::forbidden(
            "url is not on one of the account's JS-SDK domains ([accounts.jssdk] domains)",
        ));
    }
    let js_api_list: Vec<String> = query
        .js_api_list
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|api| !api.is_empty())
        .map(str::to_owned)
        .collect();
    if js_api_list.len() > 100 || js_api_list.iter().any(|api| api.len() > 64) {
        return Err(bad("jsApiList is too long"));
    }
    let ticket = bounded(shared, account, credentials.jsapi_ticket()).await?;
    let nonce = wxgate_proto::nonce::alphanumeric(&mut rand::rng(), 16);
    let app_id = credentials.account().app_id.to_string();
    Ok(jssdk::Config::sign(
        &app_id,
        &ticket.ticket,
        &nonce,
        shared.unix_now(),
        page,
        js_api_list,
    ))
}

/// The request's `Origin`, if it is on one of the domains.
fn allowed_origin(pages: &JsSdkPages, headers: &HeaderMap) -> Option<HeaderValue> {
    let origin = headers.get(header::ORIGIN)?;
    let url = reqwest::Url::parse(origin.to_str().ok()?).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let covered = pages.covers(url.host_str()?, url.port_or_known_default()?);
    covered.then(|| origin.clone())
}
