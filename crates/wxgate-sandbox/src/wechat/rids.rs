//! What `openapi/rid/get` reports: every error answer to a call with an access token is
//! remembered under its rid, for the app that owns the token (7 days, at most 500 per app), with
//! its time, duration, query (the token masked the way WeChat shows it), body, answer and the
//! caller's address.
//!
//! See [WeChat Docs/查询rid信息](https://developers.weixin.qq.com/doc/service/api/apimanage/api_getridinfo.html).

use std::net::SocketAddr;
use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::Sandbox;
use crate::state::RidRecord;

/// The most request body kept (and buffered); axum's default body limit, which non-upload
/// APIs have anyway.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Records error answers under their rid.
pub(crate) async fn record(State(sb): State<Sandbox>, request: Request, next: Next) -> Response {
    let query = request.uri().query().unwrap_or_default().to_owned();
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&query).unwrap_or_default();
    let Some(token) = pairs
        .iter()
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.clone())
        .filter(|t| !t.is_empty())
    else {
        return next.run(request).await;
    };
    let client_ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "127.0.0.1".to_owned(), |c| c.0.ip().to_string());
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/"));
    let (request, request_body) = if multipart || request.method() == Method::GET {
        (request, String::new())
    } else {
        let (parts, body) = request.into_parts();
        let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
            return StatusCode::PAYLOAD_TOO_LARGE.into_response();
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        (Request::from_parts(parts, Body::from(bytes)), text)
    };
    let invoke_time = sb.with_state_ro(crate::state::State::now);
    let started = Instant::now();
    let response = next.run(request).await;
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Some(rid) = error_rid(&bytes) {
        let record = RidRecord {
            invoke_time,
            cost_in_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            request_url: masked_query(&pairs),
            request_body,
            response_body: String::from_utf8_lossy(&bytes).into_owned(),
            client_ip,
        };
        sb.with_state(|s| {
            let Ok(app_id) = s.token_owner(&token) else {
                return;
            };
            if let Ok(app) = s.app_mut(&app_id) {
                app.record_rid(rid, record);
            }
        });
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The rid of an error answer (`{"errcode": N≠0, "errmsg": "… rid: X"}`).
fn error_rid(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let code = value.get("errcode").and_then(Value::as_i64)?;
    if code == 0 {
        return None;
    }
    let errmsg = value.get("errmsg").and_then(Value::as_str)?;
    let (_, rid) = errmsg.rsplit_once("rid: ")?;
    Some(rid.trim().to_owned())
}

/// The query as WeChat shows it: the access token cut to its first 6 characters and `xxxx`.
fn masked_query(pairs: &[(String, String)]) -> String {
    let masked: Vec<(&str, String)> = pairs
        .iter()
        .map(|(k, v)| {
            if k == "access_token" {
                let head: String = v.chars().take(6).collect();
                (k.as_str(), format!("{head}xxxx"))
            } else {
                (k.as_str(), v.clone())
            }
        })
        .collect();
    serde_urlencoded::to_string(masked).unwrap_or_default()
}

/// Whether `rid` has WeChat's current form, three groups of 8 hex digits.
pub(crate) fn well_formed(rid: &str) -> bool {
    let groups: Vec<&str> = rid.split('-').collect();
    groups.len() == 3
        && groups
            .iter()
            .all(|g| g.len() == 8 && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rids_of_error_answers_only() {
        assert_eq!(
            error_rid(br#"{"errcode":45009,"errmsg":"reach max api daily quota limit rid: 617682e0-09059ac5-34a8e2ea"}"#)
                .as_deref(),
            Some("617682e0-09059ac5-34a8e2ea")
        );
        assert_eq!(error_rid(br#"{"errcode":0,"errmsg":"ok"}"#), None);
        assert_eq!(error_rid(br#"{"ip_list":[]}"#), None);
        assert!(well_formed("617682e0-09059ac5-34a8e2ea"));
        assert!(!well_formed("617682e0-09059ac5"));
        assert!(!well_formed("zz7682e0-09059ac5-34a8e2ea"));
    }

    #[test]
    fn the_token_is_masked() {
        let pairs = vec![
            ("access_token".to_owned(), "50_Im7abcdefghijk".to_owned()),
            ("type".to_owned(), "image".to_owned()),
        ];
        assert_eq!(masked_query(&pairs), "access_token=50_Im7xxxx&type=image");
    }
}
