//! Dead letters of async webhooks: `GET /v1/accounts/{account}/webhooks/dead` lists them,
//! `POST /v1/accounts/{account}/webhooks/dead/redrive` queues them again (all of them, or
//! `{"ids": [...]}`). `wxgate webhooks dead|redrive` use the same functions on the store.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wxgate_store::{JobId, Store, StoreError};

use super::{Job, queue};
use crate::app::Shared;
use crate::openapi::{AccessErrors, AccountPath, BodyErrors, Error503};
use crate::token_api::{ApiFailure, Authorized, ErrorCode};
use axum::body::Bytes;

const DEAD_PATH: &str = "/v1/accounts/{account}/webhooks/dead";
const REDRIVE_PATH: &str = "/v1/accounts/{account}/webhooks/dead/redrive";

pub(crate) fn routes(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(DEAD_PATH, get(dead))
        .route(REDRIVE_PATH, post(redrive_route))
        .with_state(shared)
}

/// A dead letter: an async delivery that failed `max_attempts` times.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = WebhookDeadLetter)]
pub struct DeadLetter {
    /// The job's id in the queue (what `redrive` takes)
    pub id: String,
    /// `X-Wxgate-Delivery` of the delivery
    pub delivery: String,
    /// The webhook's URL
    pub url: String,
    /// The event name, or the MsgType of a message
    pub event: String,
    /// Attempts made
    pub attempts: u32,
    /// Why the last attempt failed (a status code or an error)
    pub reason: String,
}

/// The dead letters of `account`'s async webhooks, oldest first.
///
/// # Errors
///
/// The store's error.
pub async fn dead_letters(store: &dyn Store, account: &str) -> Result<Vec<DeadLetter>, StoreError> {
    let dead = store.dead_jobs(&queue(account)).await?;
    Ok(dead
        .into_iter()
        .map(|dead| {
            let job = serde_json::from_slice::<Job>(&dead.payload).ok();
            DeadLetter {
                id: dead.id.0,
                delivery: job.as_ref().map(|j| j.delivery.clone()).unwrap_or_default(),
                url: job.as_ref().map(|j| j.url.clone()).unwrap_or_default(),
                event: job.map(|j| j.event).unwrap_or_default(),
                attempts: dead.attempts,
                reason: dead.reason,
            }
        })
        .collect())
}

/// What a re-drive did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = WebhookRedrive)]
pub struct Redriven {
    /// The dead letters queued again, delivered from now on
    pub redriven: Vec<String>,
    /// Ids asked for that are not dead letters (now)
    pub missing: Vec<String>,
}

/// Queues dead letters of `account` again (attempts counted afresh, the same delivery id):
/// those in `ids`, or all of them.
///
/// # Errors
///
/// The store's error; the letters re-driven before it stay re-driven.
pub async fn redrive(
    store: &dyn Store,
    account: &str,
    ids: Option<&[String]>,
) -> Result<Redriven, StoreError> {
    let queue = queue(account);
    let ids: Vec<String> = match ids {
        Some(ids) => ids.to_vec(),
        None => store
            .dead_jobs(&queue)
            .await?
            .into_iter()
            .map(|dead| dead.id.0)
            .collect(),
    };
    let mut out = Redriven::default();
    for id in ids {
        if store
            .revive_job(&queue, &JobId(id.clone()), Duration::ZERO)
            .await?
        {
            out.redriven.push(id);
        } else {
            out.missing.push(id);
        }
    }
    Ok(out)
}

fn known(shared: &Shared, account: &str) -> Result<(), ApiFailure> {
    if shared.accounts.contains_key(account) {
        Ok(())
    } else {
        Err(ApiFailure::new(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownAccount,
            format!("no account {account:?} in the configuration"),
        ))
    }
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/webhooks/dead",
    tag = "webhooks",
    operation_id = "webhook_dead_letters",
    summary = "Async webhook deliveries that failed max_attempts times, oldest first",
    params(AccountPath),
    responses(
        (status = 200, description = "OK", body = Vec<DeadLetter>),
        AccessErrors,
        (status = 503, response = Error503),
    ),
)]
pub(crate) async fn dead(
    _key: Authorized,
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
) -> Result<Json<Vec<DeadLetter>>, ApiFailure> {
    known(&shared, &account)?;
    dead_letters(shared.store.as_ref(), &account)
        .await
        .map(Json)
        .map_err(|e| ApiFailure::store_unavailable(&e))
}

/// Which dead letters to re-drive.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = WebhookRedriveRequest)]
pub(crate) struct RedriveBody {
    /// The dead letters' ids; absent: all of them
    #[serde(default)]
    ids: Option<Vec<String>>,
}

#[utoipa::path(
    post,
    path = "/v1/accounts/{account}/webhooks/dead/redrive",
    tag = "webhooks",
    operation_id = "webhook_redrive",
    summary = "Queue dead letters again (an empty body or {} for all, or {\"ids\": [...]})",
    params(AccountPath),
    request_body(content = RedriveBody, description = crate::token_api::JSON_BODY),
    responses(
        (status = 200, description = "OK", body = Redriven),
        AccessErrors,
        BodyErrors,
        (status = 503, response = Error503),
    ),
)]
pub(crate) async fn redrive_route(
    _key: Authorized,
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    body: Bytes,
) -> Result<Json<Redriven>, ApiFailure> {
    known(&shared, &account)?;
    // An empty body re-drives every dead letter, as `{}` does.
    let body: RedriveBody = if body.iter().all(u8::is_ascii_whitespace) {
        RedriveBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiFailure::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                format!("the body must be {{}} or {{\"ids\": [\"…\"]}}: {e}"),
            )
        })?
    };
    let redriven = redrive(shared.store.as_ref(), &account, body.ids.as_deref())
        .await
        .map_err(|e| ApiFailure::store_unavailable(&e))?;
    if let Some(webhooks) = shared.accounts.get(&account).map(|a| &a.webhooks) {
        webhooks.queued.notify_waiters();
    }
    Ok(Json(redriven))
}
