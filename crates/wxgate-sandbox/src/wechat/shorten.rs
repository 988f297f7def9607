//! Short keys (短key托管): `POST /cgi-bin/shorten/gen`, `POST /cgi-bin/shorten/fetch`.
//!
//! `long_data` is 1–4096 bytes and `expire_seconds` defaults to, and is clamped at, 2 592 000;
//! keys are 15 characters. Empty or oversized `long_data`, and unknown or expired keys, answer
//! 47003 (sandbox choice: the platform's codes are undocumented). The legacy `shorturl` API is
//! discontinued and answers like any unknown API (48001). Bodies are typed (47001 for malformed
//! JSON or a field of the wrong type, 44002 empty).
//!
//! See [WeChat Docs/短key托管](https://developers.weixin.qq.com/doc/offiaccount/Account_Management/KEY_Shortener.html).

pub(super) mod fetch;
pub(super) mod r#gen;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::api::{Api, Routes};
use super::{params, reply, typed_body};
use crate::Sandbox;
use crate::error::WxError;
use crate::state::ALNUM;

/// This group's APIs.
pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .api(r#gen::API, r#gen::handler)
        .api(fetch::API, fetch::handler)
}

const MAX_EXPIRE: u64 = 2_592_000;
const MAX_DATA: usize = 4096;
