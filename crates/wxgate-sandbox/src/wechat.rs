//! WeChat's own API paths, grouped like WeChat's documentation tree.
//!
//! Each endpoint file declares its path, method and daily limit (`api::Api`) and each group adds
//! its own routes (`api::Routes`); `apis()` lists them all.
//!
//! Shared machinery: query parsing, JSON bodies (44002 empty, 47001 malformed), the access-token
//! gate every API passes through (41001 missing, 40014 malformed, 40001 unknown/superseded,
//! 42001 expired), call counting (per app, and every request received in `received`), fault injection and daily quotas (45009).
//!
//! Unknown paths under `/cgi-bin/` and `/sns/` answer `{"errcode":48001,"errmsg":"api unauthorized
//! rid: …"}` with HTTP 200, the way WeChat answers an API the caller may not use; wrong methods
//! answer 43001 (require GET) / 43002 (require POST). Other unknown paths are plain 404s (the
//! router sets no fallback so it can be merged).

pub(crate) mod api;
mod component;
mod draft;
mod freepublish;
mod ip;
mod material;
mod media;
pub(crate) mod menu;
mod message;
mod oauth;
mod open;
pub(crate) mod qrcode;
mod quota;
pub(crate) mod received;
mod rids;
mod shorten;
mod stable_token;
mod tags;
mod template;
mod ticket;
mod token;
mod user;

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

use axum::Router;
use axum::extract::RawQuery;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Sandbox;
use crate::error::WxError;
use crate::state::Fault;
use api::{Api, Routes};

pub(crate) type Params = BTreeMap<String, String>;

pub(crate) fn routes(sb: &Sandbox) -> Router<Sandbox> {
    let (router, _) = build();
    router
        .route("/cgi-bin/{*rest}", any(unknown_api))
        .route("/sns/{*rest}", any(unknown_api))
        .layer(axum::middleware::from_fn_with_state(
            sb.clone(),
            rids::record,
        ))
        .layer(axum::middleware::from_fn_with_state(
            sb.clone(),
            received::count,
        ))
}

/// Every group adds its own APIs.
fn build() -> (Router<Sandbox>, Vec<Api>) {
    let routes = Routes::new();
    let routes = token::routes(routes);
    let routes = stable_token::routes(routes);
    let routes = ticket::routes(routes);
    let routes = quota::routes(routes);
    let routes = ip::routes(routes);
    let routes = shorten::routes(routes);
    let routes = qrcode::routes(routes);
    let routes = user::routes(routes);
    let routes = tags::routes(routes);
    let routes = menu::routes(routes);
    let routes = message::routes(routes);
    let routes = template::routes(routes);
    let routes = media::routes(routes);
    let routes = material::routes(routes);
    let routes = draft::routes(routes);
    let routes = freepublish::routes(routes);
    let routes = oauth::routes(routes);
    let routes = component::routes(routes);
    let routes = open::routes(routes);
    routes.into_parts()
}

/// Every WeChat API the sandbox serves.
pub(crate) fn apis() -> &'static [Api] {
    static APIS: OnceLock<Vec<Api>> = OnceLock::new();
    APIS.get_or_init(|| build().1)
}

/// The daily limit of an API path (without its leading `/`), if it has one.
pub(crate) fn daily_limit(path: &str) -> Option<u64> {
    apis()
        .iter()
        .find(|api| api.path == path)
        .and_then(|api| api.daily_limit)
}

async fn unknown_api(uri: axum::http::Uri) -> WxError {
    tracing::warn!(
        path = uri.path(),
        "the sandbox does not model this WeChat API; answering 48001"
    );
    WxError::unauthorized()
}

/// Query parameters; a malformed query string reads as empty.
pub(crate) fn params(query: RawQuery) -> Params {
    query
        .0
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(&q).ok())
        .map(|pairs| pairs.into_iter().collect())
        .unwrap_or_default()
}

/// A JSON object body: 44002 when empty, 47001 when not JSON.
pub(crate) fn json_body(body: &[u8]) -> Result<Value, WxError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(WxError::new(44002, "empty post data"));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value) if value.is_object() => Ok(value),
        _ => Err(WxError::data_format()),
    }
}

/// A JSON body parsed into a typed request: 44002 when empty, 47001 when it is not JSON or a
/// field is missing or of the wrong type.
pub(crate) fn typed_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, WxError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(WxError::new(44002, "empty post data"));
    }
    serde_json::from_slice(body).map_err(|_| WxError::data_format())
}

/// Turn a handler result into a response.
pub(crate) fn reply(result: Result<Value, WxError>) -> Response {
    match result {
        Ok(value) => axum::Json(value).into_response(),
        Err(error) => error.into_response(),
    }
}

/// `{"errcode":0,"errmsg":"ok"}`.
pub(crate) fn ok() -> Value {
    serde_json::json!({"errcode": 0, "errmsg": "ok"})
}

impl Sandbox {
    /// The gate of every API authenticated by `access_token`; returns the caller's app id.
    pub(crate) async fn enter(&self, api: &Api, params: &Params) -> Result<String, WxError> {
        let path = api.path;
        let token = params
            .get("access_token")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| WxError::new(41001, "access_token missing"))?
            .clone();
        let (app_id, fault) = self.with_state(|s| {
            let app_id = s.token_owner(&token)?;
            s.note_authorizer_call(&token, path);
            let app = s.app_mut(&app_id)?;
            app.count_call(path);
            Ok::<_, WxError>((app_id, app.take_fault(path)))
        })?;
        apply_fault(fault).await?;
        self.with_state(|s| {
            s.check_token(&token)?;
            let now = s.now();
            s.app_mut(&app_id)?.consume_quota(path, now)
        })?;
        Ok(app_id)
    }

    /// Counting and faults for APIs authenticated by AppID + secret (no quota yet).
    pub(crate) async fn enter_app(&self, api: &Api, app_id: &str) -> Result<(), WxError> {
        let path = api.path;
        let fault = self.with_state(|s| {
            s.apps.get_mut(app_id).and_then(|app| {
                app.count_call(path);
                app.take_fault(path)
            })
        });
        apply_fault(fault).await
    }
}

async fn apply_fault(fault: Option<Fault>) -> Result<(), WxError> {
    let Some(fault) = fault else { return Ok(()) };
    if let Some(ms) = fault.delay_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    match fault.errcode {
        Some(code) => Err(WxError::new(
            code,
            fault
                .errmsg
                .unwrap_or_else(|| default_errmsg(code).to_owned()),
        )),
        None => Ok(()),
    }
}

/// Typical texts of the codes a fault may inject (see
/// [WeChat Docs/全局返回码说明](https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html)).
fn default_errmsg(code: i64) -> &'static str {
    match code {
        -1 => "system error",
        40001 => "invalid credential, access_token is invalid or not latest",
        40014 => "invalid access_token",
        42001 => "access_token expired",
        45009 => "reach max api daily quota limit",
        45011 => "api minute-quota reach limit, must slower, retry next minute",
        48001 => "api unauthorized",
        _ => "injected fault",
    }
}

/// A string field of a JSON object.
pub(crate) fn str_field<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}
