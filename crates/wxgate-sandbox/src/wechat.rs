//! WeChat's own API paths, grouped like WeChat's documentation tree.
//!
//! Shared machinery: query parsing, JSON bodies (44002 empty, 47001 malformed), the access-token
//! gate every API passes through (41001 missing, 40014 malformed, 40001 unknown/superseded,
//! 42001 expired), call counting, fault injection and daily quotas (45009).
//!
//! Unknown paths under `/cgi-bin/` and `/sns/` answer `{"errcode":48001,"errmsg":"api unauthorized
//! rid: …"}` with HTTP 200, the way WeChat answers an API the caller may not use; wrong methods
//! answer 43001 (require GET) / 43002 (require POST). Other unknown paths are plain 404s (the
//! router sets no fallback so it can be merged).

mod ip;
mod material;
mod media;
pub(crate) mod menu;
mod message;
mod oauth;
pub(crate) mod qrcode;
mod quota;
mod shorten;
mod stable_token;
mod tags;
mod ticket;
mod token;
mod user;

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Router;
use axum::extract::RawQuery;
use axum::handler::Handler;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, get, post};
use serde_json::Value;

use crate::Sandbox;
use crate::error::WxError;
use crate::state::Fault;

pub(crate) type Params = BTreeMap<String, String>;

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/cgi-bin/token", get_only(token::handler))
        .route("/cgi-bin/stable_token", post_only(stable_token::handler))
        .route(
            "/cgi-bin/clear_quota",
            post_only(quota::clear_quota::handler),
        )
        .route(
            "/cgi-bin/clear_quota/v2",
            post_only(quota::clear_quota_v2::handler),
        )
        .route("/cgi-bin/openapi/quota/get", post_only(quota::get::handler))
        .route(
            "/cgi-bin/openapi/quota/clear",
            post_only(quota::clear::handler),
        )
        .route("/cgi-bin/shorten/gen", post_only(shorten::r#gen::handler))
        .route("/cgi-bin/shorten/fetch", post_only(shorten::fetch::handler))
        .route(
            "/cgi-bin/getcallbackip",
            get_only(ip::getcallbackip::handler),
        )
        .route(
            "/cgi-bin/get_api_domain_ip",
            get_only(ip::get_api_domain_ip::handler),
        )
        .route("/cgi-bin/ticket/getticket", get_only(ticket::handler))
        .route("/cgi-bin/qrcode/create", post_only(qrcode::create::handler))
        .route("/cgi-bin/showqrcode", get_only(qrcode::showqrcode::handler))
        .route("/cgi-bin/user/get", get_only(user::get::handler))
        .route("/cgi-bin/user/info", get_only(user::info::handler))
        .route(
            "/cgi-bin/user/info/batchget",
            post_only(user::batchget::handler),
        )
        .route(
            "/cgi-bin/user/info/updateremark",
            post_only(user::updateremark::handler),
        )
        .route(
            "/cgi-bin/user/tag/get",
            post_only(tags::user_tag_get::handler),
        )
        .route("/cgi-bin/tags/create", post_only(tags::create::handler))
        .route("/cgi-bin/tags/get", get_only(tags::get::handler))
        .route("/cgi-bin/tags/update", post_only(tags::update::handler))
        .route("/cgi-bin/tags/delete", post_only(tags::delete::handler))
        .route(
            "/cgi-bin/tags/members/batchtagging",
            post_only(tags::batchtagging::handler),
        )
        .route(
            "/cgi-bin/tags/members/batchuntagging",
            post_only(tags::batchuntagging::handler),
        )
        .route(
            "/cgi-bin/tags/getidlist",
            post_only(tags::getidlist::handler),
        )
        .route(
            "/cgi-bin/tags/members/getblacklist",
            post_only(tags::getblacklist::handler),
        )
        .route(
            "/cgi-bin/tags/members/batchblacklist",
            post_only(tags::batchblacklist::handler),
        )
        .route(
            "/cgi-bin/tags/members/batchunblacklist",
            post_only(tags::batchunblacklist::handler),
        )
        .route("/cgi-bin/menu/create", post_only(menu::create::handler))
        .route("/cgi-bin/menu/get", get_only(menu::get::handler))
        .route("/cgi-bin/menu/delete", get_only(menu::delete::handler))
        .route(
            "/cgi-bin/menu/addconditional",
            post_only(menu::addconditional::handler),
        )
        .route(
            "/cgi-bin/menu/delconditional",
            post_only(menu::delconditional::handler),
        )
        .route("/cgi-bin/menu/trymatch", post_only(menu::trymatch::handler))
        .route(
            "/cgi-bin/get_current_selfmenu_info",
            get_only(menu::get_current_selfmenu_info::handler),
        )
        .route(
            "/cgi-bin/message/custom/send",
            post_only(message::custom_send::handler),
        )
        .route(
            "/cgi-bin/message/custom/typing",
            post_only(message::custom_typing::handler),
        )
        .route(
            "/cgi-bin/message/mass/sendall",
            post_only(message::mass_sendall::handler),
        )
        .route(
            "/cgi-bin/message/mass/send",
            post_only(message::mass_send::handler),
        )
        .route(
            "/cgi-bin/message/mass/preview",
            post_only(message::mass_preview::handler),
        )
        .route(
            "/cgi-bin/message/mass/get",
            post_only(message::mass_get::handler),
        )
        .route(
            "/cgi-bin/message/mass/delete",
            post_only(message::mass_delete::handler),
        )
        .route(
            "/cgi-bin/message/template/send",
            post_only(message::template_send::handler),
        )
        .route(
            "/cgi-bin/media/upload",
            post_only(media::upload::handler)
                .layer(axum::extract::DefaultBodyLimit::max(media::MAX_UPLOAD)),
        )
        .route("/cgi-bin/media/get", get_only(media::get::handler))
        .route(
            "/cgi-bin/media/uploadimg",
            post_only(media::uploadimg::handler)
                .layer(axum::extract::DefaultBodyLimit::max(media::MAX_UPLOAD)),
        )
        .route(
            "/cgi-bin/material/add_material",
            post_only(material::add_material::handler)
                .layer(axum::extract::DefaultBodyLimit::max(media::MAX_UPLOAD)),
        )
        .route(
            "/cgi-bin/material/get_material",
            post_only(material::get_material::handler),
        )
        .route(
            "/cgi-bin/material/del_material",
            post_only(material::del_material::handler),
        )
        .route(
            "/cgi-bin/material/get_materialcount",
            get_only(material::get_materialcount::handler),
        )
        .route(
            "/cgi-bin/material/batchget_material",
            post_only(material::batchget_material::handler),
        )
        .route("/connect/oauth2/authorize", get(oauth::authorize::handler))
        .route(
            "/sns/oauth2/access_token",
            get_only(oauth::access_token::handler),
        )
        .route(
            "/sns/oauth2/refresh_token",
            get_only(oauth::refresh_token::handler),
        )
        .route("/sns/userinfo", get_only(oauth::userinfo::handler))
        .route("/sns/auth", get_only(oauth::auth::handler))
        .route("/cgi-bin/{*rest}", any(unknown_api))
        .route("/sns/{*rest}", any(unknown_api))
}

async fn unknown_api(uri: axum::http::Uri) -> WxError {
    tracing::warn!(
        path = uri.path(),
        "the sandbox does not model this WeChat API; answering 48001"
    );
    WxError::unauthorized()
}

fn get_only<H, T>(handler: H) -> MethodRouter<Sandbox>
where
    H: Handler<T, Sandbox>,
    T: 'static,
{
    get(handler).fallback(|| async { WxError::new(43001, "require GET method") })
}

fn post_only<H, T>(handler: H) -> MethodRouter<Sandbox>
where
    H: Handler<T, Sandbox>,
    T: 'static,
{
    post(handler).fallback(|| async { WxError::new(43002, "require POST method") })
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
    pub(crate) async fn enter(
        &self,
        path: &'static str,
        params: &Params,
    ) -> Result<String, WxError> {
        let token = params
            .get("access_token")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| WxError::new(41001, "access_token missing"))?
            .clone();
        let (app_id, fault) = self.with_state(|s| {
            let app_id = s.token_owner(&token)?;
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
    pub(crate) async fn enter_app(&self, path: &'static str, app_id: &str) -> Result<(), WxError> {
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
