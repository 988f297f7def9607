//! The control API under `/sandbox/` (design.md "Sandbox HTTP", plus the extras listed in the
//! crate README). JSON in and out; errors are `{"error": "..."}` with a 4xx status.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::Sandbox;
use crate::config::AppSpec;
use crate::error::ControlError;
use crate::push::{Action, act};
use crate::state::{App, Fault, User};
use crate::wechat::menu::{effective_menu, menu_json};

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
        .route("/sandbox/apps/{app_id}/verify", post(verify_url))
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
        "users": app.users.len(),
        "followers": app.users.values().filter(|u| u.subscribed).count(),
    })
}

async fn create_app(State(sb): State<Sandbox>, body: Bytes) -> Result<Response> {
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

async fn list_apps(State(sb): State<Sandbox>) -> axum::Json<Value> {
    axum::Json(sb.with_state_ro(|s| s.apps.values().map(app_json).collect()))
}

async fn get_app(
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

async fn create_user(
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

fn user_json(user: &User, now: u64) -> Value {
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

async fn list_users(
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

fn find_user<'a>(app: &'a App, openid: &str) -> Result<&'a User> {
    app.users
        .get(openid)
        .ok_or_else(|| ControlError::not_found(format!("no user {openid}")))
}

async fn get_user(
    State(sb): State<Sandbox>,
    Path((app_id, openid)): Path<(String, String)>,
) -> Result<axum::Json<Value>> {
    read_app(&sb, &app_id, |app, now| {
        Ok(axum::Json(user_json(find_user(app, &openid)?, now)))
    })
}

async fn action(
    State(sb): State<Sandbox>,
    Path((app_id, openid)): Path<(String, String)>,
    body: Bytes,
) -> Result<axum::Json<Value>> {
    let action: Action = serde_json::from_slice(&body)
        .map_err(|e| ControlError::bad_request(format!("invalid action: {e}")))?;
    act(&sb, &app_id, &openid, action).await.map(axum::Json)
}

async fn inbox(
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
async fn conversation(
    State(sb): State<Sandbox>,
    Path((app_id, openid)): Path<(String, String)>,
) -> Result<axum::Json<Value>> {
    read_app(&sb, &app_id, |app, _| {
        Ok(axum::Json(json!(find_user(app, &openid)?.conversation())))
    })
}

async fn user_menu(
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

async fn calls(State(sb): State<Sandbox>, Path(app_id): Path<String>) -> Result<axum::Json<Value>> {
    read_app(&sb, &app_id, |app, _| Ok(axum::Json(json!(app.calls))))
}

#[derive(Default, Deserialize)]
struct FaultBody {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    errcode: Option<i64>,
    #[serde(default)]
    errmsg: Option<String>,
    #[serde(default)]
    delay_ms: Option<u64>,
    #[serde(default)]
    times: Option<u32>,
    #[serde(default)]
    invalidate_tokens: bool,
}

async fn add_fault(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let fault: FaultBody = parse(&body)?;
    sb.with_state(|s| {
        if s.app(&app_id).is_none() {
            return Err(ControlError::not_found(format!("no app {app_id}")));
        }
        if fault.invalidate_tokens {
            s.invalidate_tokens(&app_id);
        }
        if let Some(path) = &fault.path {
            if fault.errcode.is_none() && fault.delay_ms.is_none() {
                return Err(ControlError::bad_request(
                    "a fault needs errcode or delay_ms",
                ));
            }
            let app = s
                .app_mut(&app_id)
                .map_err(|_| ControlError::not_found(&app_id))?;
            app.faults.push(Fault {
                path: path.trim_start_matches('/').to_owned(),
                errcode: fault.errcode,
                errmsg: fault.errmsg.clone(),
                delay_ms: fault.delay_ms,
                times: fault.times.unwrap_or(1).max(1),
            });
        } else if !fault.invalidate_tokens {
            return Err(ControlError::bad_request(
                "expected path or invalidate_tokens",
            ));
        }
        Ok(())
    })?;
    let faults = with_app(&sb, &app_id, |app, _| Ok(json!(app.faults)))?;
    Ok((StatusCode::CREATED, axum::Json(json!({"faults": faults}))).into_response())
}

async fn list_faults(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
) -> Result<axum::Json<Value>> {
    read_app(&sb, &app_id, |app, _| Ok(axum::Json(json!(app.faults))))
}

async fn clear_faults(State(sb): State<Sandbox>, Path(app_id): Path<String>) -> Result<StatusCode> {
    with_app(&sb, &app_id, |app, _| {
        app.faults.clear();
        Ok(StatusCode::NO_CONTENT)
    })
}

async fn deliveries(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
) -> Result<axum::Json<Value>> {
    read_app(&sb, &app_id, |app, _| Ok(axum::Json(json!(app.deliveries))))
}

async fn tickets(
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

async fn qrcodes(
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

/// Checks a `wx.config` the way the WeChat client would: the signature must match a live jsapi
/// ticket of the app (the `wx.config` signature of WeChat's JS-SDK documentation, appendix 1). Body: `{"url", "appId"?, "timestamp", "nonceStr", "signature"}`
/// → `{"ok", "reason"?}`.
async fn verify_jssdk(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
    body: Bytes,
) -> Result<axum::Json<Value>> {
    let config: Value = serde_json::from_slice(&body)
        .map_err(|e| ControlError::bad_request(format!("invalid JSON body: {e}")))?;
    let text = |key: &str| {
        config
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let timestamp = match config.get("timestamp") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    let nonce = [text("nonceStr"), text("noncestr")]
        .into_iter()
        .find(|n| !n.is_empty())
        .unwrap_or_default();
    let url = text("url");
    let signature = text("signature");
    let given_app = text("appId");
    let tickets = with_app(&sb, &app_id, |app, now| {
        Ok(app
            .tickets
            .get("jsapi")
            .into_iter()
            .flatten()
            .filter(|t| t.expires_at > now && t.superseded_until.is_none_or(|u| u > now))
            .map(|t| t.ticket.clone())
            .collect::<Vec<_>>())
    })?;
    let failure = |reason: &str| Ok(axum::Json(json!({"ok": false, "reason": reason})));
    if !given_app.is_empty() && given_app != app_id {
        return failure("appId is not this app");
    }
    let Some(timestamp) = timestamp else {
        return failure("timestamp missing or not a number");
    };
    if url.is_empty() || nonce.is_empty() || signature.is_empty() {
        return failure("url, nonceStr and signature are required");
    }
    if tickets.is_empty() {
        return failure("the app has no live jsapi ticket");
    }
    let matched = tickets.iter().any(|ticket| {
        wxgate_proto::jssdk::config_signature(ticket, &nonce, timestamp, &url)
            == signature.to_ascii_lowercase()
    });
    if matched {
        Ok(axum::Json(json!({"ok": true})))
    } else {
        failure("signature does not match any live jsapi ticket (invalid signature)")
    }
}

/// The URL verification GET WeChat sends when a callback URL is saved, on demand: `{"ok", "status", "body"}`.
async fn verify_url(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
) -> Result<axum::Json<Value>> {
    let (url, token, timestamp, nonce, echostr) = sb.with_state(|s| {
        let now = s.now();
        let nonce = s.random_nonce();
        let echostr = format!("{}{}", s.random_nonce(), s.random_nonce());
        let app = s
            .app(&app_id)
            .ok_or_else(|| ControlError::not_found(format!("no app {app_id}")))?;
        Ok::<_, ControlError>((
            app.spec.callback_url.clone(),
            app.spec.token.clone(),
            now.to_string(),
            nonce,
            echostr,
        ))
    })?;
    let signature = wxgate_proto::signature::sign(&[&token, &timestamp, &nonce]);
    let result = sb
        .http()
        .get(&url)
        .query(&[
            ("signature", signature.as_str()),
            ("echostr", echostr.as_str()),
            ("timestamp", timestamp.as_str()),
            ("nonce", nonce.as_str()),
        ])
        .send()
        .await;
    Ok(axum::Json(match result {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            json!({"ok": status == 200 && body == echostr, "status": status, "body": body, "echostr": echostr})
        }
        Err(error) => {
            json!({"ok": false, "error": if error.is_timeout() { "timeout" } else { "could not reach the callback" }})
        }
    }))
}

/// `POST /sandbox/clock`: `{"advance_secs": N}` moves the clock forward, `{"now": unix}` sets it
/// (forward or back); one of the two.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockBody {
    #[serde(default)]
    advance_secs: Option<u64>,
    #[serde(default)]
    now: Option<u64>,
}

async fn set_clock(State(sb): State<Sandbox>, body: Bytes) -> Result<axum::Json<Value>> {
    let body: ClockBody = parse(&body)?;
    let now = match (body.advance_secs, body.now) {
        (Some(secs), None) => sb.advance_clock(secs),
        (None, Some(unix)) => sb.set_clock(unix),
        (None, None) => sb.advance_clock(0),
        (Some(_), Some(_)) => {
            return Err(ControlError::bad_request(
                "give either \"advance_secs\" or \"now\", not both",
            ));
        }
    };
    Ok(axum::Json(json!({"now": now})))
}

async fn get_clock(State(sb): State<Sandbox>) -> axum::Json<Value> {
    axum::Json(json!({"now": sb.now()}))
}

/// Serves stored media by id (the target of `media/get`'s `video_url`).
async fn media(State(sb): State<Sandbox>, Path(media_id): Path<String>) -> Response {
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
