//! `GET /cgi-bin/token?grant_type=client_credential&appid=&secret=`: an access token.
//!
//! See [WeChat Docs/获取Access token](https://developers.weixin.qq.com/doc/service/api/base/api_getaccesstoken.html).
//!
//! Every call issues a new token; the previous one stays valid 5 minutes, then answers 40001;
//! expired tokens answer 42001. Errors: 40002 grant_type, 41002/40013 appid, 41004/40125 secret
//! (WeChat's error table for this API also lists 40001 for a wrong secret; the sandbox answers
//! 40125), 45009 daily quota (per app, default 2000, reset at 00:00 Beijing time of the virtual
//! clock).

use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::api::{Api, Routes};
use super::{params, reply};
use crate::Sandbox;
use crate::error::WxError;

/// This group's APIs.
pub(super) fn routes(routes: Routes) -> Routes {
    routes.api(API, handler)
}

/// `GET /cgi-bin/token`
const API: Api = Api::get("cgi-bin/token");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply(issue(&sb, &q).await)
}

async fn issue(sb: &Sandbox, q: &super::Params) -> Result<Value, WxError> {
    let app_id = q.get("appid").cloned().unwrap_or_default();
    sb.enter_app(&API, &app_id).await?;
    if q.get("grant_type").map(String::as_str) != Some("client_credential") {
        return Err(WxError::new(40002, "invalid grant_type"));
    }
    check_app(sb, &app_id, q.get("secret").map(String::as_str))?;
    sb.with_state(|s| {
        let now = s.now();
        s.app_mut(&app_id)?.consume_quota(API.path, now)?;
        let (token, ttl) = s.issue_basic_token(&app_id)?;
        Ok(json!({"access_token": token, "expires_in": ttl}))
    })
}

/// 41002/40013 for the AppID, 41004/40125 for the secret.
pub(crate) fn check_app(sb: &Sandbox, app_id: &str, secret: Option<&str>) -> Result<(), WxError> {
    if app_id.is_empty() {
        return Err(WxError::new(41002, "appid missing"));
    }
    let expected = sb
        .with_state_ro(|s| s.app(app_id).map(|a| a.spec.app_secret.clone()))
        .ok_or_else(WxError::invalid_appid)?;
    match secret {
        None | Some("") => Err(WxError::new(41004, "appsecret missing")),
        Some(secret) if secret == expected.expose() => Ok(()),
        Some(_) => Err(WxError::invalid_appsecret()),
    }
}
