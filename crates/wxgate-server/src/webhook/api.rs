//! Dead letters of async webhooks: `GET /v1/accounts/{account}/webhooks/dead` lists them,
//! `POST /v1/accounts/{account}/webhooks/dead/redrive` queues them again (all of them, or
//! `{"ids": [...]}`). `wxgate webhooks dead|redrive` use the same functions on the store. For an
//! authorizer (`{account}` its AppID) these are its dead letters in its component's queue.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wxgate_store::{JobId, Store, StoreError};

use super::{Job, component_queue, queue};
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
    letters(store, &queue(account), None).await
}

/// The dead letters of an authorizer of `component` (its pushes' and its notices'), oldest
/// first.
///
/// # Errors
///
/// The store's error.
pub async fn authorizer_dead_letters(
    store: &dyn Store,
    component: &str,
    authorizer: &str,
) -> Result<Vec<DeadLetter>, StoreError> {
    letters(store, &component_queue(component), Some(authorizer)).await
}

/// The dead letters of `queue`, those of the account `only` when given.
async fn letters(
    store: &dyn Store,
    queue: &str,
    only: Option<&str>,
) -> Result<Vec<DeadLetter>, StoreError> {
    let dead = store.dead_jobs(queue).await?;
    Ok(dead
        .into_iter()
        .filter_map(|dead| {
            let job = serde_json::from_slice::<Job>(&dead.payload).ok();
            if let Some(only) = only
                && job.as_ref().and_then(|j| j.account.as_deref()) != Some(only)
            {
                return None;
            }
            Some(DeadLetter {
                id: dead.id.0,
                delivery: job.as_ref().map(|j| j.delivery.clone()).unwrap_or_default(),
                url: job.as_ref().map(|j| j.url.clone()).unwrap_or_default(),
                event: job.map(|j| j.event).unwrap_or_default(),
                attempts: dead.attempts,
                reason: dead.reason,
            })
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
    revive(store, &queue, ids).await
}

/// Queues dead letters of an authorizer of `component` again: those in `ids` that are its, or
/// all of its.
///
/// # Errors
///
/// The store's error; the letters re-driven before it stay re-driven.
pub async fn redrive_authorizer(
    store: &dyn Store,
    component: &str,
    authorizer: &str,
    ids: Option<&[String]>,
) -> Result<Redriven, StoreError> {
    let queue = component_queue(component);
    let own: Vec<String> = letters(store, &queue, Some(authorizer))
        .await?
        .into_iter()
        .map(|letter| letter.id)
        .collect();
    let Some(ids) = ids else {
        return revive(store, &queue, own).await;
    };
    // Another authorizer's letters are not this one's to re-drive: reported missing.
    let (mine, others): (Vec<String>, Vec<String>) =
        ids.iter().cloned().partition(|id| own.contains(id));
    let mut out = revive(store, &queue, mine).await?;
    out.missing.extend(others);
    Ok(out)
}

/// Queues the dead letters `ids` of `queue` again.
async fn revive(store: &dyn Store, queue: &str, ids: Vec<String>) -> Result<Redriven, StoreError> {
    let mut out = Redriven::default();
    for id in ids {
        if store
            .revive_job(queue, &JobId(id.clone()), Duration::ZERO)
            .await?
        {
            out.redriven.push(id);
        } else {
            out.missing.push(id);
        }
    }
    Ok(out)
}

/// Whose dead letters `{account}` names.
enum Owner {
    /// A configured account: its own queue.
    Account,
    /// An authorizer: its letters in its component's queue.
    Authorizer(Arc<str>),
}

async fn owner(shared: &Shared, account: &str) -> Result<Owner, ApiFailure> {
    if shared.accounts.contains_key(account) {
        return Ok(Owner::Account);
    }
    if let Some(component) = crate::component::component_of(shared, account).await? {
        return Ok(Owner::Authorizer(component));
    }
    Err(ApiFailure::new(
        StatusCode::NOT_FOUND,
        ErrorCode::UnknownAccount,
        format!("no account {account:?} in the configuration, nor an authorizer of a component"),
    ))
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
    let store = shared.store.as_ref();
    match owner(&shared, &account).await? {
        Owner::Account => dead_letters(store, &account).await,
        Owner::Authorizer(component) => authorizer_dead_letters(store, &component, &account).await,
    }
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
    let owner = owner(&shared, &account).await?;
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
    let store = shared.store.as_ref();
    let ids = body.ids.as_deref();
    let (redriven, webhooks) = match &owner {
        Owner::Account => (
            redrive(store, &account, ids).await,
            shared.accounts.get(&account).map(|a| &a.webhooks),
        ),
        Owner::Authorizer(component) => (
            redrive_authorizer(store, component, &account, ids).await,
            shared
                .components
                .get(component.as_ref())
                .map(|c| &c.webhooks),
        ),
    };
    let redriven = redriven.map_err(|e| ApiFailure::store_unavailable(&e))?;
    if let Some(webhooks) = webhooks {
        webhooks.queued.notify_waiters();
    }
    Ok(Json(redriven))
}
