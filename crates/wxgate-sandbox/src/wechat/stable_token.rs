//! `POST /cgi-bin/stable_token`: a stable access token.
//!
//! See [WeChat Docs/获取稳定版接口调用凭据](https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken.html).
//!
//! It is isolated from `cgi-bin/token`: the same token while more than 5 minutes remain; in the
//! last 5 minutes a new one (the old one lives until its own expiry); `force_refresh` revokes the
//! old token at once (WeChat's page only says the old token becomes invalid, not whether at once
//! or after 5 minutes: the sandbox chooses at once), at most 20 per Beijing day (45009), and a
//! force refresh less than 30 s after the previous one returns the current token unchanged.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use serde_json::{Value, json};

use super::api::{Api, Routes};
use super::token::check_app;
use super::{json_body, reply, str_field};
use crate::Sandbox;
use crate::error::WxError;

/// This group's APIs.
pub(super) fn routes(routes: Routes) -> Routes {
    routes.api(API, handler)
}

/// `POST /cgi-bin/stable_token`
const API: Api = Api::post("cgi-bin/stable_token").daily(500_000);

pub(crate) async fn handler(State(sb): State<Sandbox>, body: Bytes) -> Response {
    reply(stable(&sb, &body).await)
}

async fn stable(sb: &Sandbox, body: &[u8]) -> Result<Value, WxError> {
    let body = json_body(body)?;
    let app_id = str_field(&body, "appid").unwrap_or_default().to_owned();
    sb.enter_app(&API, &app_id).await?;
    if str_field(&body, "grant_type") != Some("client_credential") {
        return Err(WxError::new(40002, "invalid grant_type"));
    }
    check_app(sb, &app_id, str_field(&body, "secret"))?;
    let force = match body.get("force_refresh") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(WxError::data_format()),
    };
    sb.with_state(|s| {
        let now = s.now();
        s.app_mut(&app_id)?.consume_quota(API.path, now)?;
        let (token, expires_in) = s.stable_token(&app_id, force)?;
        Ok(json!({"access_token": token, "expires_in": expires_in}))
    })
}
