//! The WeChat API proxy: `GET|POST /v1/accounts/{account}/wechat/{*path}` forwards a call to
//! the account's `api_base` with the account's current access_token, so business services call
//! any WeChat API without ever holding a token.
//!
//! - The target is always `api_base` + `/` + the path, which must be a WeChat API path (see
//!   [`path::check`]: its first segment one of [`path::API_ROOTS`]); anything else is 400
//!   `bad_path`. Nothing the caller sends can change the host.
//! - The caller's query string is forwarded without any `access_token` or
//!   `component_access_token` of its own, then `access_token=<current token>` is added; the body
//!   goes unchanged with its `Content-Type` (JSON, or `multipart/form-data` for media uploads, up
//!   to [`MAX_BODY_BYTES`]).
//! - WeChat's answer comes back unchanged: status, `Content-Type`, `Content-Disposition` and
//!   body (JSON or binary, as `cgi-bin/media/get` gives).
//! - When WeChat rejects the token (errcode 40001, 40014 or 42001) the token is refreshed if it
//!   is still the stored one, and the call is made once more with the new token; that second
//!   answer is returned whatever it is. Nothing else is retried: a call that did not reach WeChat
//!   may have had its effect anyway, and 45009 (the API's daily quota is used up) comes back
//!   with `X-Wxgate-Quota-Exhausted: <path>` and a warning in the log.
//!
//! Errors are the token API's JSON errors: 401 `unauthorized`, 403 `forbidden` (a scoped key
//! outside its accounts or paths), 400 `bad_path`, 404 `unknown_account`, 503
//! `upstream_unavailable` with `Retry-After` (no token could be had), 502
//! `upstream_unavailable` (WeChat could not be reached or did not answer in time).
//!
//! The token never appears in logs, errors or metrics: transport errors are reported without
//! their URL, and the request span holds the gateway's own path only.

pub(crate) use wxgate_api::api_path as path;
mod upstream;

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::Shared;
use crate::openapi::{AccessErrors, MediaUpload, PROXY_DESCRIPTION, ProxyAnswers, ProxyPath};
use crate::token_api::{ApiFailure, Authorized, bounded, credentials};
pub(crate) use upstream::Upstream;
use upstream::{Answer, Outgoing};

/// The route of the proxy.
pub(crate) const PROXY_PATH: &str = "/v1/accounts/{account}/wechat/{*path}";

/// The largest body the proxy takes: WeChat's largest uploads (10 MB images and videos, 20 MB
/// files on some APIs) with room for the multipart framing.
pub(crate) const MAX_BODY_BYTES: usize = 21 << 20;

/// The header that marks an answer of errcode 45009 (the API's daily quota is used up).
pub(crate) const QUOTA_HEADER: &str = "x-wxgate-quota-exhausted";

/// WeChat's errcodes of a rejected access token, after which the token is refreshed and the
/// call made once more (see
/// [WeChat Docs/全局返回码说明](https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html)).
const TOKEN_REJECTED: [i64; 3] = [40001, 40014, 42001];

/// WeChat's errcode of an exhausted daily quota: never retried.
const QUOTA_EXHAUSTED: i64 = 45009;

pub(crate) fn routes(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(PROXY_PATH, get(forward).post(forward))
        // Without a path: answered 400 `bad_path` rather than left to the router's 404.
        .route("/v1/accounts/{account}/wechat", get(forward).post(forward))
        .route("/v1/accounts/{account}/wechat/", get(forward).post(forward))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(shared)
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/wechat/{path}",
    tag = "WeChat API proxy",
    operation_id = "wechat_get",
    summary = "Calls a WeChat GET API with the account's current access_token",
    description = PROXY_DESCRIPTION,
    params(ProxyPath),
    responses(AccessErrors, ProxyAnswers),
)]
pub(crate) async fn forward(
    caller: Authorized,
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiFailure> {
    // The raw path: `Path` would percent-decode it, and an encoded `/` or `.` must be refused,
    // not decoded into the target.
    let (account, wechat_path) = split(uri.path());
    path::check(wechat_path).map_err(|bad| ApiFailure::bad_path(bad.message()))?;
    if !caller
        .key(&shared)
        .is_some_and(|key| key.allows_path(wechat_path))
    {
        return Err(ApiFailure::forbidden(
            "this API key may not call this WeChat API path",
        ));
    }
    let credentials = credentials(&shared, account).await?;
    let token = bounded(&shared, account, credentials.access_token()).await?;
    let outgoing = Outgoing {
        account,
        // An authorizer is not in the configuration: its component's API base, which its
        // credentials' client uses.
        base: credentials.client().base_url(),
        path: wechat_path,
        method,
        query: uri.query(),
        content_type: headers.get(header::CONTENT_TYPE),
        body,
    };
    let upstream = &shared.upstream;
    let mut answer = call(&shared, upstream, &outgoing, token.as_str()).await?;
    if let Some(errcode) = answer.errcode.filter(|code| TOKEN_REJECTED.contains(code)) {
        let fresh = bounded(
            &shared,
            account,
            credentials.refresh_access_token(Some(token.as_str())),
        )
        .await?;
        tracing::info!(
            account,
            path = wechat_path,
            errcode,
            "WeChat rejected the access token; calling once more with the current one"
        );
        answer = call(&shared, upstream, &outgoing, fresh.as_str()).await?;
    }
    let quota_exhausted = answer.errcode == Some(QUOTA_EXHAUSTED);
    let mut response = answer.into_response();
    if quota_exhausted {
        tracing::warn!(
            account,
            path = wechat_path,
            "WeChat's daily quota of this API is used up (45009); the call is not retried"
        );
        if let Ok(value) = HeaderValue::from_str(wechat_path) {
            response.headers_mut().insert(QUOTA_HEADER, value);
        }
    }
    Ok(response)
}

/// The POST side of [`forward`], which serves both methods: documented on its own because its
/// request has a body.
#[utoipa::path(
    post,
    path = "/v1/accounts/{account}/wechat/{path}",
    tag = "WeChat API proxy",
    operation_id = "wechat_post",
    summary = "Calls a WeChat POST API with the account's current access_token",
    description = PROXY_DESCRIPTION,
    params(ProxyPath),
    request_body(
        description = "Forwarded unchanged with its Content-Type: JSON, or multipart/form-data for media uploads; at most 21 MiB (413 beyond)",
        content((Object = "application/json"), (MediaUpload = "multipart/form-data")),
    ),
    responses(AccessErrors, ProxyAnswers),
)]
#[allow(dead_code, reason = "documentation only: POST is served by `forward`")]
pub(crate) fn forward_post() {}

/// One call to WeChat, counted in `wxgate_wechat_calls_total`; 502 when WeChat cannot be
/// reached.
async fn call(
    shared: &Shared,
    upstream: &Upstream,
    outgoing: &Outgoing<'_>,
    token: &str,
) -> Result<Answer, ApiFailure> {
    let calls = &shared.metrics.wechat_calls;
    match upstream.send(outgoing, token).await {
        Ok(answer) => {
            calls.count(
                outgoing.account,
                outgoing.path,
                Some(answer.errcode.unwrap_or(0)),
            );
            Ok(answer)
        }
        Err(failure) => {
            calls.count(outgoing.account, outgoing.path, None);
            tracing::warn!(
                account = outgoing.account,
                path = outgoing.path,
                error = %failure,
                "WeChat could not be reached; the call is not retried"
            );
            Err(ApiFailure::unreachable(failure.to_string()))
        }
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        if let Some(value) = self.content_type {
            headers.insert(header::CONTENT_TYPE, value);
        }
        if let Some(value) = self.content_disposition {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        response
    }
}

/// `/v1/accounts/{account}/wechat/{path}` → (`account`, `path`), both as sent (not decoded);
/// the path is empty when there is none.
fn split(raw: &str) -> (&str, &str) {
    let rest = raw.strip_prefix("/v1/accounts/").unwrap_or_default();
    let (account, rest) = rest.split_once('/').unwrap_or((rest, ""));
    let path = rest.strip_prefix("wechat").unwrap_or_default();
    (account, path.strip_prefix('/').unwrap_or(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn the_raw_path_splits_into_account_and_wechat_path() {
        assert_eq!(
            split("/v1/accounts/main/wechat/cgi-bin/user/get"),
            ("main", "cgi-bin/user/get")
        );
        assert_eq!(
            split("/v1/accounts/main/wechat/cgi-bin%2F..%2Fx"),
            ("main", "cgi-bin%2F..%2Fx")
        );
        assert_eq!(
            split("/v1/accounts/main/wechat//evil/x"),
            ("main", "/evil/x")
        );
        assert_eq!(split("/v1/accounts/main/wechat/"), ("main", ""));
        assert_eq!(split("/v1/accounts/main/wechat"), ("main", ""));
    }

    #[test]
    fn answers_keep_status_type_disposition_and_body() {
        let answer = Answer {
            status: StatusCode::CREATED,
            content_type: Some(HeaderValue::from_static("image/png")),
            content_disposition: Some(HeaderValue::from_static("attachment; filename=\"a.png\"")),
            body: Bytes::from_static(b"\x89PNG"),
            errcode: None,
        };
        let response = answer.into_response();
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).unwrap(),
            "image/png"
        );
        assert_eq!(
            response.headers().get(header::CONTENT_DISPOSITION).unwrap(),
            "attachment; filename=\"a.png\""
        );
    }
}
