//! The H5 side: WeChat login for pages (`/oauth/{account}/…`, with the one-time tickets a
//! business backend redeems under `/v1`) and JS-SDK configs for pages without a backend
//! (`/jssdk/{account}/config`).

mod jssdk;
pub(crate) mod oauth;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::app::Shared;

/// The routes of the H5 side.
pub(crate) fn routes(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/oauth/{account}/login", get(oauth::login))
        .route("/oauth/{account}/callback", get(oauth::callback))
        .route(
            "/v1/accounts/{account}/oauth/tickets/{ticket}",
            post(oauth::redeem),
        )
        .route(
            "/v1/accounts/{account}/oauth/users/{openid}",
            get(oauth::login_user),
        )
        .route("/jssdk/{account}/config", get(jssdk::config))
        .with_state(shared)
}

/// A plain-text answer for a browser: the text is never read as markup.
fn page(status: axum::http::StatusCode, text: impl Into<String>) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    (
        status,
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/plain; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        text.into(),
    )
        .into_response()
}
