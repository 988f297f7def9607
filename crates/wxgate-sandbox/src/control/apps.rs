//! Apps as the control API shows them: the apps, their calls, deliveries, tickets and QR codes,
//! and the media they store.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};

use super::{Result, read_app};
use crate::Sandbox;
use crate::config::AppSpec;
use crate::error::ControlError;
use crate::state::App;
use crate::wechat::menu::menu_json;

/// `POST /sandbox/apps`: one app (`{…}`, answered with the app), or many at once (`[{…}, …]`,
/// answered `{"created": N, "updated": N}`; all are checked before any is kept).
pub(super) async fn create_app(State(sb): State<Sandbox>, body: Bytes) -> Result<Response> {
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return create_apps(&sb, &body);
    }
    let spec: AppSpec = serde_json::from_slice(&body)
        .map_err(|e| ControlError::bad_request(format!("invalid app: {e}")))?;
    let app_id = spec.app_id.clone();
    let created = sb.upsert_app(spec)?;
    let body = sb.with_state_ro(|s| s.app(&app_id).map(app_json));
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(body)).into_response())
}

/// Many apps in one request (seeding thousands of accounts).
fn create_apps(sb: &Sandbox, body: &[u8]) -> Result<Response> {
    let specs: Vec<AppSpec> = serde_json::from_slice(body)
        .map_err(|e| ControlError::bad_request(format!("invalid apps: {e}")))?;
    for (i, spec) in specs.iter().enumerate() {
        crate::validate_app(spec)
            .map_err(|e| ControlError::bad_request(format!("apps[{i}]: {e}")))?;
    }
    let mut created = 0_usize;
    for spec in specs.iter().cloned() {
        if sb.upsert_app(spec)? {
            created += 1;
        }
    }
    let updated = specs.len() - created;
    let status = if created > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        axum::Json(json!({"created": created, "updated": updated})),
    )
        .into_response())
}

pub(super) async fn list_apps(State(sb): State<Sandbox>) -> axum::Json<Value> {
    axum::Json(sb.with_state_ro(|s| s.apps.values().map(app_json).collect()))
}

pub(super) async fn get_app(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
) -> Result<axum::Json<Value>> {
    read_app(&sb, &app_id, |app, _| {
        let mut body = app_json(app);
        body["menu"] = menu_json(app).unwrap_or(Value::Null);
        body["tags"] = app
            .tags
            .iter()
            .map(|(id, t)| json!({"id": id, "name": t.name}))
            .collect();
        Ok(axum::Json(body))
    })
}

pub(super) async fn calls(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
) -> Result<axum::Json<Value>> {
    read_app(&sb, &app_id, |app, _| Ok(axum::Json(json!(app.calls))))
}

pub(super) async fn deliveries(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
) -> Result<axum::Json<Value>> {
    read_app(&sb, &app_id, |app, _| Ok(axum::Json(json!(app.deliveries))))
}

pub(super) async fn tickets(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
) -> Result<axum::Json<Value>> {
    read_app(&sb, &app_id, |app, now| {
        let mut body = json!({});
        for (kind, generations) in &app.tickets {
            body[kind] = generations
                .iter()
                .filter(|t| t.expires_at > now && t.superseded_until.is_none_or(|u| u > now))
                .map(|t| {
                    json!({
                        "ticket": t.ticket,
                        "expires_at": t.expires_at,
                        "valid_until": t.superseded_until.map_or(t.expires_at, |u| u.min(t.expires_at)),
                    })
                })
                .collect();
        }
        Ok(axum::Json(body))
    })
}

pub(super) async fn qrcodes(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
) -> Result<axum::Json<Value>> {
    sb.with_state_ro(|s| {
        if s.app(&app_id).is_none() {
            return Err(ControlError::not_found(format!("no app {app_id}")));
        }
        let now = s.now();
        let list: Vec<Value> = s
            .qrcodes
            .iter()
            .filter(|(_, q)| q.app_id == app_id && q.expires_at.is_none_or(|e| e > now))
            .map(|(ticket, q)| {
                json!({
                    "ticket": ticket,
                    "action_name": q.action_name,
                    "scene_id": q.scene_id,
                    "scene_str": q.scene_str,
                    "url": q.url,
                    "expires_at": q.expires_at,
                })
            })
            .collect();
        Ok(axum::Json(json!(list)))
    })
}

/// Serves stored media by id (the target of `media/get`'s `video_url`).
pub(super) async fn media(State(sb): State<Sandbox>, Path(media_id): Path<String>) -> Response {
    let found = sb.with_state_ro(|s| {
        s.apps.values().find_map(|a| {
            a.media
                .get(&media_id)
                .or_else(|| a.materials.get(&media_id))
                .cloned()
        })
    });
    match found {
        Some(media) => (
            [(header::CONTENT_TYPE, media.content_type)],
            base64::engine::general_purpose::STANDARD
                .decode(media.data)
                .unwrap_or_default(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such media").into_response(),
    }
}

fn app_json(app: &App) -> Value {
    let spec = &app.spec;
    json!({
        "app_id": spec.app_id,
        "app_secret": spec.app_secret,
        "token": spec.token,
        "encoding_aes_key": spec.encoding_aes_key,
        "mode": spec.mode,
        "callback_url": spec.callback_url,
        "token_ttl_secs": spec.ttl(),
        "daily_token_quota": spec.token_quota(),
        "original_id": spec.original_id(),
        "js_domains": spec.js_domains,
        "oauth_domains": spec.oauth_domains,
        "users": app.users.len(),
        "followers": app.users.values().filter(|u| u.subscribed).count(),
    })
}
