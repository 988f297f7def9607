//! Open Platform account management with an account's (authorizer) access token:
//! `POST /cgi-bin/open/create`, `bind`, `unbind`, `get`.
//!
//! The body's `appid` must be the token's account (40013 otherwise). 89000 the account is already
//! bound to an open account, 89002 no such open account (or the account has none), 89001 the
//! account is not bound to that open account (`unbind`), 89004 an open account holds at most 100
//! accounts. Subjects are not modelled: any account may join any open account, and UnionIDs are
//! not shared through them.
//!
//! See [WeChat Docs/开放平台帐号管理](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/account/create.html).

pub(super) mod bind;
pub(super) mod create;
pub(super) mod get;
pub(super) mod unbind;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::api::{Api, Routes};
use super::{ok, params, reply, typed_body};
use crate::Sandbox;
use crate::error::WxError;
use crate::state::{OpenAccount, State as SbState};

/// An open account holds at most this many accounts.
const MAX_BOUND: usize = 100;

/// This group's APIs.
pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .api(create::API, create::handler)
        .api(bind::API, bind::handler)
        .api(unbind::API, unbind::handler)
        .api(get::API, get::handler)
}

/// `{"appid": "...", "open_appid": "..."}` (either may be absent).
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    appid: Option<String>,
    #[serde(default)]
    open_appid: String,
}

/// 40013 when the body names another account than the token's.
fn same_app(body: &Body, app_id: &str) -> Result<(), WxError> {
    match &body.appid {
        Some(a) if a != app_id => Err(WxError::invalid_appid()),
        _ => Ok(()),
    }
}

/// The open account `app_id` is bound to.
fn bound_to(s: &SbState, app_id: &str) -> Option<String> {
    s.open_accounts
        .iter()
        .find(|(_, o)| o.apps.iter().any(|a| a == app_id))
        .map(|(id, _)| id.clone())
}
