//! `/demo/h5/`: the example H5 page of `examples/h5/` (WeChat login, then the JS-SDK), served
//! as it is, with the demo process as the page's business backend: `GET /demo/h5/session`
//! redeems the login's one-time ticket (a real backend does it with an API key at
//! `POST /v1/accounts/{account}/oauth/tickets/{ticket}`).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use wxgate_server::{Gateway, Redeemed};

/// The page's path.
pub(super) const PAGE_PATH: &str = "/demo/h5/";

const INDEX: &str = include_str!("../../../../examples/h5/index.html");
const APP_JS: &str = include_str!("../../../../examples/h5/app.js");
const STYLE: &str = include_str!("../../../../examples/h5/style.css");

pub(super) fn routes(gateway: Gateway) -> axum::Router {
    axum::Router::new()
        .route(
            "/demo/h5",
            axum::routing::get(|| async { Redirect::permanent(PAGE_PATH) }),
        )
        .route(
            PAGE_PATH,
            axum::routing::get(|| async { file("text/html; charset=utf-8", INDEX) }),
        )
        .route(
            "/demo/h5/app.js",
            axum::routing::get(|| async { file("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/demo/h5/style.css",
            axum::routing::get(|| async { file("text/css; charset=utf-8", STYLE) }),
        )
        .route("/demo/h5/session", axum::routing::get(session))
        .with_state(gateway)
}

fn file(content_type: &'static str, text: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        text,
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
struct SessionQuery {
    ticket: String,
}

/// `GET /demo/h5/session?ticket=…`: the login behind the ticket, once.
async fn session(State(gateway): State<Gateway>, Query(query): Query<SessionQuery>) -> Response {
    let refused = |status: StatusCode, message: &str| {
        (status, Json(json!({"error": "login", "message": message}))).into_response()
    };
    match gateway
        .redeem_login_ticket(super::ACCOUNT, &query.ticket)
        .await
    {
        Ok(Redeemed::Login(login)) => Json(login).into_response(),
        Ok(Redeemed::AlreadyRedeemed) => refused(StatusCode::GONE, "this login was already used"),
        Ok(_) => refused(StatusCode::NOT_FOUND, "unknown or expired login ticket"),
        Err(error) => refused(StatusCode::SERVICE_UNAVAILABLE, &error.to_string()),
    }
}
