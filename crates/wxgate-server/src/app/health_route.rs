//! `GET /healthz`: whether the store answers.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::IntoResponse;

use super::Shared;

/// How long `/healthz` waits for the store before calling it unavailable.
const HEALTH_STORE_WAIT: Duration = Duration::from_secs(2);

/// The key `/healthz` reads to see that the store answers (it is never written).
const HEALTH_KEY: &str = "wxgate:healthz";

/// `200 ok` while the store answers; `503` with the reason (never the store's URL) otherwise.
/// Reads one key each time, so it follows the store down and back up.
pub(super) async fn healthz(State(shared): State<Arc<Shared>>) -> axum::response::Response {
    let reason = match tokio::time::timeout(HEALTH_STORE_WAIT, shared.store.get(HEALTH_KEY)).await {
        Ok(Ok(_)) => return "ok".into_response(),
        Ok(Err(error)) => format!("unhealthy: store unavailable: {error}"),
        Err(_) => format!(
            "unhealthy: store unavailable: no answer within {} s",
            HEALTH_STORE_WAIT.as_secs()
        ),
    };
    (axum::http::StatusCode::SERVICE_UNAVAILABLE, reason).into_response()
}
