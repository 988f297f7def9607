//! The web console at `GET /sandbox/console`: one self-contained HTML page (inline CSS and
//! JavaScript, no CDN, no build step) that drives the control API like a phone chat.

use axum::Router;
use axum::response::Html;
use axum::routing::get;

use crate::Sandbox;

const PAGE: &str = include_str!("console.html");

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new().route("/sandbox/console", get(|| async { Html(PAGE) }))
}
