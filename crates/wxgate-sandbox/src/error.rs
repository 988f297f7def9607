//! The crate's public error and the WeChat-shaped `{"errcode","errmsg"}` answers.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// What can go wrong when building or configuring a sandbox.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// An app description is not acceptable (the text says which field).
    #[error("invalid app: {0}")]
    InvalidApp(String),
    /// The state file could not be read or written.
    #[error("state file: {0}")]
    StateFile(#[source] std::io::Error),
    /// The state file is not a sandbox state.
    #[error("state file is not valid sandbox state: {0}")]
    StateFormat(#[source] serde_json::Error),
}

/// A WeChat API error: answered with HTTP 200 and `{"errcode":N,"errmsg":"… rid: %08x-%08x-%08x"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WxError {
    pub(crate) code: i64,
    pub(crate) msg: Cow<'static, str>,
}

impl WxError {
    pub(crate) fn new(code: i64, msg: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            msg: msg.into(),
        }
    }

    pub(crate) fn system() -> Self {
        Self::new(-1, "system error")
    }
    pub(crate) fn invalid_credential() -> Self {
        Self::new(
            40001,
            "invalid credential, access_token is invalid or not latest",
        )
    }
    pub(crate) fn invalid_openid() -> Self {
        Self::new(40003, "invalid openid")
    }
    pub(crate) fn invalid_appid() -> Self {
        Self::new(40013, "invalid appid")
    }
    pub(crate) fn invalid_appsecret() -> Self {
        Self::new(40125, "invalid appsecret")
    }
    pub(crate) fn data_format() -> Self {
        Self::new(47001, "data format error")
    }
    pub(crate) fn argument_invalid(what: &str) -> Self {
        Self::new(47003, format!("argument invalid! {what}"))
    }
    pub(crate) fn invalid_args(what: &str) -> Self {
        Self::new(40097, format!("invalid args {what}"))
    }
    pub(crate) fn quota() -> Self {
        Self::new(45009, "reach max api daily quota limit")
    }
    pub(crate) fn unauthorized() -> Self {
        Self::new(48001, "api unauthorized")
    }
}

static RID_COUNTER: AtomicU32 = AtomicU32::new(0);

/// A request id in WeChat's current `%08x-%08x-%08x` form. It never consumes the seeded random
/// generator, so errors do not perturb deterministic mode.
pub(crate) fn rid() -> String {
    let n = RID_COUNTER.fetch_add(1, Ordering::Relaxed);
    let secs = crate::clock::wall_now();
    format!(
        "{:08x}-{:08x}-{:08x}",
        secs as u32,
        n.wrapping_mul(0x9e37_79b9),
        n
    )
}

impl IntoResponse for WxError {
    fn into_response(self) -> Response {
        let body = json!({
            "errcode": self.code,
            "errmsg": format!("{} rid: {}", self.msg, rid()),
        });
        (StatusCode::OK, Json(body)).into_response()
    }
}

/// A control-API error: `{"error": "..."}` with a 4xx status.
#[derive(Debug)]
pub(crate) struct ControlError {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
}

impl ControlError {
    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: what.into(),
        }
    }
    pub(crate) fn bad_request(what: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: what.into(),
        }
    }
    pub(crate) fn conflict(what: impl Into<String>) -> Self {
        Self {
            status: StatusCode::CONFLICT,
            message: what.into(),
        }
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

impl From<SandboxError> for ControlError {
    fn from(error: SandboxError) -> Self {
        Self::bad_request(error.to_string())
    }
}
