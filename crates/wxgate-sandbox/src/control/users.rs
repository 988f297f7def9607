//! Virtual users: creating them, reading them, and their actions, inbox, conversation and menu.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Result, parse, read_app};
use crate::Sandbox;
use crate::error::ControlError;
use crate::push::{Action, act};
use crate::state::{App, User};
use crate::wechat::menu::effective_menu;

#[derive(Default, Deserialize)]
struct NewUser {
    #[serde(default)]
    nickname: Option<String>,
    #[serde(default)]
    unionid: Option<String>,
    #[serde(default)]
    snapshot: bool,
    #[serde(default)]
    client_platform_type: Option<u8>,
}

pub(super) async fn create_user(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let new: NewUser = parse(&body)?;
    let openid = sb.with_state(|s| {
        let now = s.now();
        let openid = s.random_openid();
        let app = s
            .apps
            .get_mut(&app_id)
            .ok_or_else(|| ControlError::not_found(format!("no app {app_id}")))?;
        let nickname = new
            .nickname
            .unwrap_or_else(|| format!("user {}", app.users.len() + 1));
        let mut user = User::new(openid.clone(), nickname, now);
        user.unionid = new.unionid;
        user.snapshot = new.snapshot;
        if let Some(platform) = new.client_platform_type {
            user.client_platform_type = platform;
        }
        app.users.insert(openid.clone(), user);
        Ok::<_, ControlError>(openid)
    })?;
    Ok((StatusCode::CREATED, axum::Json(json!({"openid": openid}))).into_response())
}

pub(super) fn user_json(user: &User, now: u64) -> Value {
    json!({
        "openid": user.openid,
        "nickname": user.nickname,
        "unionid": user.unionid,
        "snapshot": user.snapshot,
        "subscribed": user.subscribed,
        "subscribe_time": user.subscribe_time,
        "subscribe_scene": user.subscribe_scene,
        "qr_scene": user.qr_scene,
        "qr_scene_str": user.qr_scene_str,
        "remark": user.remark,
        "tags": user.tags,
        "client_platform_type": user.client_platform_type,
        "windows": user.windows.iter().filter(|w| w.expires_at > now).collect::<Vec<_>>(),
        "inbox_len": user.inbox.len(),
    })
}

pub(super) async fn list_users(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
) -> Result<axum::Json<Value>> {
    read_app(&sb, &app_id, |app, now| {
        let mut users: Vec<&User> = app.users.values().collect();
        users.sort_by_key(|u| (u.created_at, u.openid.clone()));
        Ok(axum::Json(
            users.iter().map(|u| user_json(u, now)).collect(),
        ))
    })
}

pub(super) fn find_user<'a>(app: &'a App, openid: &str) -> Result<&'a User> {
    app.users
        .get(openid)
        .ok_or_else(|| ControlError::not_found(format!("no user {openid}")))
}

pub(super) async fn get_user(
    State(sb): State<Sandbox>,
    Path((app_id, openid)): Path<(String, String)>,
) -> Result<axum::Json<Value>> {
    read_app(&sb, &app_id, |app, now| {
        Ok(axum::Json(user_json(find_user(app, &openid)?, now)))
    })
}

pub(super) async fn action(
    State(sb): State<Sandbox>,
    Path((app_id, openid)): Path<(String, String)>,
    body: Bytes,
) -> Result<axum::Json<Value>> {
    let action: Action = serde_json::from_slice(&body)
        .map_err(|e| ControlError::bad_request(format!("invalid action: {e}")))?;
    act(&sb, &app_id, &openid, action).await.map(axum::Json)
}

pub(super) async fn inbox(
    State(sb): State<Sandbox>,
    Path((app_id, openid)): Path<(String, String)>,
) -> Result<axum::Json<Value>> {
    read_app(&sb, &app_id, |app, _| {
        Ok(axum::Json(json!(find_user(app, &openid)?.inbox)))
    })
}

/// The whole chat of one user, as the console shows it: `[{"direction": "sent", "seq", "at",
/// "type", "summary", "outcome", "attempts", "error"} | {"direction": "received", <inbox item>}]`
/// in the order they happened.
pub(super) async fn conversation(
    State(sb): State<Sandbox>,
    Path((app_id, openid)): Path<(String, String)>,
) -> Result<axum::Json<Value>> {
    read_app(&sb, &app_id, |app, _| {
        Ok(axum::Json(json!(find_user(app, &openid)?.conversation())))
    })
}

pub(super) async fn user_menu(
    State(sb): State<Sandbox>,
    Path((app_id, openid)): Path<(String, String)>,
) -> Result<axum::Json<Value>> {
    read_app(&sb, &app_id, |app, _| {
        let user = find_user(app, &openid)?;
        Ok(axum::Json(match effective_menu(app, user) {
            Some(menu) => {
                json!({"menuid": menu.menuid, "button": menu.button, "conditional": menu.matchrule.is_some()})
            }
            None => Value::Null,
        }))
    })
}
