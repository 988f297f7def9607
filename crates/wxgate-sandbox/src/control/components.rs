//! Third-party platforms (components) in the control API: create and read them, authorize and
//! unauthorize accounts as their administrators would, push a verify ticket now, and run the
//! full-network release test.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Result, parse};
use crate::Sandbox;
use crate::error::{ControlError, WxError};
use crate::push::component::{push_notice, push_ticket};
use crate::state::{AUTH_CODE_TTL, Component, ComponentSpec};

pub(super) async fn create_component(State(sb): State<Sandbox>, body: Bytes) -> Result<Response> {
    let spec: ComponentSpec = serde_json::from_slice(&body)
        .map_err(|e| ControlError::bad_request(format!("invalid component: {e}")))?;
    validate(&spec)?;
    let id = spec.component_appid.clone();
    let created = sb.with_state(|s| {
        let now = s.now();
        match s.components.get_mut(&id) {
            Some(existing) => {
                existing.spec = spec;
                false
            }
            None => {
                s.components.insert(id.clone(), Component::new(spec, now));
                true
            }
        }
    });
    sb.start_scheduler();
    let body = sb.with_state_ro(|s| s.component(&id).map(|c| component_json(c, s.now())));
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(body)).into_response())
}

fn validate(spec: &ComponentSpec) -> Result<()> {
    let bad = |what: &str| {
        Err(ControlError::bad_request(format!(
            "invalid component: {what}"
        )))
    };
    if spec.component_appid.is_empty() {
        return bad("component_appid is empty");
    }
    if spec.component_appsecret.expose().is_empty() {
        return bad("component_appsecret is empty");
    }
    if spec.token.expose().is_empty() {
        return bad("token is empty");
    }
    if wxgate_proto::crypto::AesKey::parse(spec.encoding_aes_key.expose()).is_err() {
        return bad("encoding_aes_key must be 43 characters of [A-Za-z0-9]");
    }
    for (field, url) in [
        ("events_url", &spec.events_url),
        ("message_url", &spec.message_url),
    ] {
        let required = field == "events_url";
        if (required || !url.is_empty())
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return bad(&format!("{field} must be an http(s) URL"));
        }
    }
    Ok(())
}

pub(super) async fn list_components(State(sb): State<Sandbox>) -> axum::Json<Value> {
    axum::Json(sb.with_state_ro(|s| {
        let now = s.now();
        s.components
            .values()
            .map(|c| component_json(c, now))
            .collect()
    }))
}

pub(super) async fn get_component(
    State(sb): State<Sandbox>,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>> {
    sb.with_state_ro(|s| {
        s.component(&id)
            .map(|c| axum::Json(component_json(c, s.now())))
            .ok_or_else(|| no_component(&id))
    })
}

pub(super) async fn deliveries(
    State(sb): State<Sandbox>,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>> {
    sb.with_state_ro(|s| {
        s.component(&id)
            .map(|c| axum::Json(json!(c.deliveries)))
            .ok_or_else(|| no_component(&id))
    })
}

/// `{"app_id": "...", "func_scopes": [1, 2]?}`, or `{"app_ids": [...], "func_scopes"?}` for
/// many accounts at once.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthorizeBody {
    #[serde(default)]
    app_id: String,
    #[serde(default)]
    app_ids: Option<Vec<String>>,
    #[serde(default)]
    func_scopes: Option<Vec<u32>>,
}

/// Notices of a bulk authorization pushed at once (WeChat pushes many notices in parallel too).
const BULK_NOTICES_IN_FLIGHT: usize = 8;
/// Failed deliveries listed in a bulk authorization's answer.
const BULK_FAILURES_SHOWN: usize = 10;

pub(super) async fn authorize(
    State(sb): State<Sandbox>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<axum::Json<Value>> {
    let body: AuthorizeBody = parse(&body)?;
    if let Some(app_ids) = body.app_ids {
        if !body.app_id.is_empty() {
            return Err(ControlError::bad_request(
                "give app_id or app_ids, not both",
            ));
        }
        return authorize_many(&sb, &id, app_ids, body.func_scopes)
            .await
            .map(axum::Json);
    }
    let result = authorize_app(&sb, &id, &body.app_id, body.func_scopes, None).await?;
    Ok(axum::Json(result))
}

/// Authorizes every app of `app_ids` (all must exist; checked first) and pushes their notices,
/// [`BULK_NOTICES_IN_FLIGHT`] at a time. Answers how many were authorized and how their notices
/// fared: `{"authorized", "notices": {"success", "failed"}, "failures": [first few deliveries]}`.
async fn authorize_many(
    sb: &Sandbox,
    id: &str,
    app_ids: Vec<String>,
    func_scopes: Option<Vec<u32>>,
) -> Result<Value> {
    if sb.with_state_ro(|s| s.component(id).is_none()) {
        return Err(no_component(id));
    }
    let missing = sb.with_state_ro(|s| {
        app_ids
            .iter()
            .find(|app_id| app_id.is_empty() || s.app(app_id).is_none())
            .cloned()
    });
    if let Some(app_id) = missing {
        return Err(ControlError::not_found(format!("no app {app_id:?}")));
    }
    let mut in_flight = tokio::task::JoinSet::new();
    let mut answers = Vec::with_capacity(app_ids.len());
    for app_id in &app_ids {
        if in_flight.len() >= BULK_NOTICES_IN_FLIGHT
            && let Some(done) = in_flight.join_next().await
        {
            answers.push(done);
        }
        let (sb, id, app_id, scopes) = (
            sb.clone(),
            id.to_owned(),
            app_id.clone(),
            func_scopes.clone(),
        );
        in_flight.spawn(async move { authorize_app(&sb, &id, &app_id, scopes, None).await });
    }
    answers.extend(in_flight.join_all().await.into_iter().map(Ok));
    let (mut success, mut failed, mut failures) = (0_usize, 0_usize, Vec::new());
    for answer in answers {
        let answer = match answer {
            Ok(answer) => answer?,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(_) => return Err(ControlError::conflict("the sandbox is shutting down")),
        };
        match answer["notice"]["outcome"].as_str() {
            Some("success") | None => success += usize::from(!answer["notice"].is_null()),
            Some(_) => {
                failed += 1;
                if failures.len() < BULK_FAILURES_SHOWN {
                    failures.push(json!({"app_id": answer["app_id"], "notice": answer["notice"]}));
                }
            }
        }
    }
    Ok(json!({
        "authorized": app_ids.len(),
        "notices": {"success": success, "failed": failed},
        "failures": failures,
    }))
}

/// `GET /sandbox/components/{id}/calls`: the component's API calls by path, and the calls made
/// with its authorizers' tokens, summed over the authorizers.
pub(super) async fn calls(
    State(sb): State<Sandbox>,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>> {
    sb.with_state_ro(|s| {
        let component = s.component(&id).ok_or_else(|| no_component(&id))?;
        let mut authorizer_calls = std::collections::BTreeMap::<&str, u64>::new();
        for authorizer in component.authorizers.values() {
            for (path, n) in &authorizer.calls {
                *authorizer_calls.entry(path).or_default() += n;
            }
        }
        Ok(axum::Json(json!({
            "calls": component.calls,
            "authorizer_calls": authorizer_calls,
        })))
    })
}

/// `GET /sandbox/components/{id}/calls/{*path}`: the component's calls of one API by virtual
/// second: `{"path", "total", "max_per_second", "max_at", "seconds": {"<unix s>": n}}` (the
/// last day of seconds with a call).
pub(super) async fn call_seconds(
    State(sb): State<Sandbox>,
    Path((id, path)): Path<(String, String)>,
) -> Result<axum::Json<Value>> {
    let path = path.trim_start_matches('/').to_owned();
    sb.with_state_ro(|s| {
        let component = s.component(&id).ok_or_else(|| no_component(&id))?;
        let empty = std::collections::BTreeMap::new();
        let seconds = component.call_seconds.get(&path).unwrap_or(&empty);
        // The earliest second of the largest count.
        let busiest = seconds
            .iter()
            .fold(None::<(u64, u32)>, |best, (&at, &n)| match best {
                Some((_, most)) if most >= n => best,
                _ => Some((at, n)),
            });
        Ok(axum::Json(json!({
            "path": path,
            "total": component.calls.get(&path).copied().unwrap_or(0),
            "max_per_second": busiest.map_or(0, |(_, n)| n),
            "max_at": busiest.map(|(at, _)| at),
            "seconds": seconds,
        })))
    })
}

/// Authorize `app_id` for the component and push the notice; the answer carries the auth code
/// and the notice's delivery.
pub(crate) async fn authorize_app(
    sb: &Sandbox,
    id: &str,
    app_id: &str,
    func_scopes: Option<Vec<u32>>,
    pre_auth_code: Option<&str>,
) -> Result<Value> {
    if sb.with_state_ro(|s| s.component(id).is_none()) {
        return Err(no_component(id));
    }
    if app_id.is_empty() {
        return Err(ControlError::bad_request("app_id is required"));
    }
    if sb.with_state_ro(|s| s.app(app_id).is_none()) {
        return Err(ControlError::not_found(format!("no app {app_id}")));
    }
    let authorized = sb
        .with_state(|s| s.authorize(id, app_id, func_scopes, pre_auth_code))
        .map_err(|e: WxError| ControlError::bad_request(e.msg.into_owned()))?;
    let notice = match authorized.info_type {
        Some(info_type) => {
            let code = authorized.auth_code.clone();
            let pre = authorized.pre_auth_code.clone().unwrap_or_default();
            push_notice(sb, id, info_type, |w| {
                w.text("AuthorizerAppid", app_id)
                    .text("AuthorizationCode", &code)
                    .number("AuthorizationCodeExpiredTime", authorized.expires_at)
                    .text("PreAuthCode", &pre);
            })
            .await
        }
        None => None,
    };
    Ok(json!({
        "app_id": app_id,
        "auth_code": authorized.auth_code,
        "expires_in": AUTH_CODE_TTL,
        "notice": notice,
    }))
}

/// `{"app_id": "..."}`
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppBody {
    #[serde(default)]
    app_id: String,
}

pub(super) async fn unauthorize(
    State(sb): State<Sandbox>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<axum::Json<Value>> {
    let body: AppBody = parse(&body)?;
    let removed = sb
        .with_state(|s| s.unauthorize(&id, &body.app_id))
        .map_err(|_| no_component(&id))?;
    if !removed {
        return Err(ControlError::not_found(format!(
            "{} has not authorized {id}",
            body.app_id
        )));
    }
    let notice = push_notice(&sb, &id, "unauthorized", |w| {
        w.text("AuthorizerAppid", &body.app_id);
    })
    .await;
    Ok(axum::Json(json!({"app_id": body.app_id, "notice": notice})))
}

pub(super) async fn ticket(
    State(sb): State<Sandbox>,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>> {
    push_ticket(&sb, &id)
        .await
        .map(axum::Json)
        .ok_or_else(|| no_component(&id))
}

pub(super) async fn release_test(
    State(sb): State<Sandbox>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<axum::Json<Value>> {
    let body: AppBody = parse(&body)?;
    let app_id = (!body.app_id.is_empty()).then_some(body.app_id);
    super::release::run(&sb, &id, app_id).await.map(axum::Json)
}

pub(crate) fn no_component(id: &str) -> ControlError {
    ControlError::not_found(format!("no component {id}"))
}

fn component_json(c: &Component, now: u64) -> Value {
    let spec = &c.spec;
    let ticket = c.ticket_order.last();
    json!({
        "component_appid": spec.component_appid,
        "component_appsecret": spec.component_appsecret,
        "token": spec.token,
        "encoding_aes_key": spec.encoding_aes_key,
        "events_url": spec.events_url,
        "message_url": spec.message_url,
        "created_at": c.created_at,
        "verify_ticket": ticket,
        "verify_ticket_pushed_at": ticket.and_then(|t| c.tickets.get(t)),
        "next_ticket_at": c.next_ticket_at,
        "component_access_token": c.token,
        "authorizers": c.authorizers.iter().map(|(app_id, a)| json!({
            "app_id": app_id,
            "func_scopes": a.func_scopes,
            "auth_time": a.auth_time,
            "authorizer_refresh_token": a.refresh_token,
            "authorizer_access_token": a.access_token,
            "options": a.options,
            "calls": a.calls,
        })).collect::<Vec<_>>(),
        "calls": c.calls,
        "deliveries": c.deliveries.len(),
        "now": now,
    })
}
