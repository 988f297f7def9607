//! The control API under `/sandbox/` (listed in the crate README, "Control API"): the route
//! table and the helpers its handlers share. JSON in and out; errors are `{"error": "..."}`
//! with a 4xx status.

mod apps;
mod browser;
mod clock;
mod components;
mod faults;
mod received;
mod release;
mod users;
pub(crate) mod verify;

use axum::Router;
use axum::routing::{get, post};
use serde::de::DeserializeOwned;

use crate::Sandbox;
use crate::error::ControlError;
use crate::state::App;

use apps::{calls, create_app, deliveries, get_app, list_apps, media, qrcodes, tickets};
use browser::{get_device, set_device, shares};
use clock::{get_clock, set_clock};
pub(crate) use components::authorize_app;
use faults::{add_fault, clear_faults, list_faults};
use users::{action, conversation, create_user, get_user, inbox, list_users, user_menu};
use verify::{verify_jssdk, verify_url};

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/sandbox/apps", post(create_app).get(list_apps))
        .route("/sandbox/apps/{app_id}", get(get_app))
        .route(
            "/sandbox/apps/{app_id}/users",
            post(create_user).get(list_users),
        )
        .route("/sandbox/apps/{app_id}/users/{openid}", get(get_user))
        .route(
            "/sandbox/apps/{app_id}/users/{openid}/actions",
            post(action),
        )
        .route("/sandbox/apps/{app_id}/users/{openid}/inbox", get(inbox))
        .route(
            "/sandbox/apps/{app_id}/users/{openid}/conversation",
            get(conversation),
        )
        .route("/sandbox/apps/{app_id}/users/{openid}/menu", get(user_menu))
        .route("/sandbox/apps/{app_id}/calls", get(calls))
        .route(
            "/sandbox/apps/{app_id}/faults",
            post(add_fault).get(list_faults).delete(clear_faults),
        )
        .route("/sandbox/apps/{app_id}/deliveries", get(deliveries))
        .route("/sandbox/apps/{app_id}/tickets", get(tickets))
        .route("/sandbox/apps/{app_id}/qrcodes", get(qrcodes))
        .route("/sandbox/apps/{app_id}/jssdk/verify", post(verify_jssdk))
        .route("/sandbox/apps/{app_id}/shares", get(shares))
        .route(
            "/sandbox/apps/{app_id}/device",
            get(get_device).post(set_device),
        )
        .route("/sandbox/apps/{app_id}/verify", post(verify_url))
        .route(
            "/sandbox/components",
            post(components::create_component).get(components::list_components),
        )
        .route("/sandbox/components/{id}", get(components::get_component))
        .route(
            "/sandbox/components/{id}/deliveries",
            get(components::deliveries),
        )
        .route("/sandbox/components/{id}/calls", get(components::calls))
        .route(
            "/sandbox/components/{id}/calls/{*path}",
            get(components::call_seconds),
        )
        .route(
            "/sandbox/components/{id}/authorize",
            post(components::authorize),
        )
        .route(
            "/sandbox/components/{id}/unauthorize",
            post(components::unauthorize),
        )
        .route(
            "/sandbox/components/{id}/push-ticket",
            post(components::ticket),
        )
        .route(
            "/sandbox/components/{id}/release-test",
            post(components::release_test),
        )
        .route("/sandbox/calls", get(received::received_calls))
        .route("/sandbox/clock", post(set_clock).get(get_clock))
        .route("/sandbox/media/{media_id}", get(media))
}

type Result<T, E = ControlError> = std::result::Result<T, E>;

fn parse<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| ControlError::bad_request(format!("invalid JSON body: {e}")))
}

fn with_app<R>(
    sb: &Sandbox,
    app_id: &str,
    f: impl FnOnce(&mut App, u64) -> Result<R>,
) -> Result<R> {
    sb.with_state(|s| {
        let now = s.now();
        let app = s
            .apps
            .get_mut(app_id)
            .ok_or_else(|| ControlError::not_found(format!("no app {app_id}")))?;
        f(app, now)
    })
}

/// [`with_app`] for reads: schedules no save of the state file (the console polls these).
fn read_app<R>(sb: &Sandbox, app_id: &str, f: impl FnOnce(&App, u64) -> Result<R>) -> Result<R> {
    sb.with_state_ro(|s| {
        let now = s.now();
        let app = s
            .apps
            .get(app_id)
            .ok_or_else(|| ControlError::not_found(format!("no app {app_id}")))?;
        f(app, now)
    })
}
