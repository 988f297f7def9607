//! Quota management: `POST /cgi-bin/clear_quota`, `POST /cgi-bin/clear_quota/v2`,
//! `POST /cgi-bin/openapi/quota/get`.
//!
//! Clears reset every daily counter of the app; 10 clears per Beijing calendar month (both variants
//! together) then 48006. `openapi/quota/get` knows the paths with a daily limit in WeChat's table
//! of default daily limits (`cgi-bin/token` uses the app's configured quota); other paths answer
//! 76021, paths not starting with `/` 76003, `/sns/…` paths 76022. `openapi/quota/clear` resets one
//! path's counter (same checks; counts against the monthly clears).
//!
//! `POST /cgi-bin/openapi/rid/get` reports a call the app made that was answered with an error
//! (see `rids`): 76002 for an empty or malformed rid, 76003 for another app's rid, 76001 for an
//! unknown rid or one older than 7 days. Bodies are typed (47001 malformed, 44002 empty).
//!
//! See [WeChat Docs/清空api的调用quota](https://developers.weixin.qq.com/doc/offiaccount/openApi/clear_quota.html),
//! [WeChat Docs/查询openAPI调用quota](https://developers.weixin.qq.com/doc/offiaccount/openApi/get_api_quota.html)
//! and [WeChat Docs/接口调用频次限制说明](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/API_Call_Limits.html).

pub(super) mod clear;
pub(super) mod clear_quota;
pub(super) mod clear_quota_v2;
pub(super) mod get;
pub(super) mod rid_get;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::{Api, Routes};
use super::{ok, params, reply, typed_body};
use crate::Sandbox;
use crate::clock;
use crate::error::WxError;

/// This group's APIs.
pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .api(clear_quota::API, clear_quota::handler)
        .api(clear_quota_v2::API, clear_quota_v2::handler)
        .api(get::API, get::handler)
        .api(clear::API, clear::handler)
        .api(rid_get::API, rid_get::handler)
}

const CLEARS_PER_MONTH: usize = 10;

fn clear(sb: &Sandbox, app_id: &str) -> Result<Value, WxError> {
    sb.with_state(|s| {
        let now = s.now();
        let app = s.app_mut(app_id)?;
        let month = clock::beijing_month(now);
        app.quota_clears
            .retain(|t| clock::beijing_month(*t) == month);
        if app.quota_clears.len() >= CLEARS_PER_MONTH {
            return Err(WxError::new(
                48006,
                "forbid to clear quota because of reaching the limit",
            ));
        }
        app.quota_clears.push(now);
        app.quota_used.clear();
        Ok(ok())
    })
}

/// `{"cgi_path":"/cgi-bin/..."}`
#[derive(Deserialize)]
struct CgiPath {
    #[serde(default)]
    cgi_path: String,
}

fn checked_path(cgi_path: &str) -> Result<&str, WxError> {
    let Some(path) = cgi_path.strip_prefix('/') else {
        return Err(WxError::new(76003, "cgi_path format error"));
    };
    if path.starts_with("sns/") {
        return Err(WxError::new(
            76022,
            "could not use this cgi_path,no permission",
        ));
    }
    Ok(path)
}
