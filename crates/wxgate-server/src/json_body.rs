//! The body of a `/v1` request: JSON, whatever the `Content-Type` says.
//!
//! `curl -d '{"stale":"…"}'` sends `application/x-www-form-urlencoded`, and many HTTP clients
//! send no type at all; every `/v1` route takes only JSON, so the body is read as JSON in every
//! case rather than refused for its header. Malformed JSON, a missing or mistyped field and an
//! unknown field (the request structs deny them) are a 400 that names the field; a body over
//! [`MAX_BYTES`] is a 413.

use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::body::{BodyError, read_limited};
use crate::token_api::{ErrorBody, ErrorCode};

/// The largest accepted `/v1` body. The biggest real one, a jssdk-config request with a long
/// page URL and every JS-SDK API listed, is a few KiB.
pub(crate) const MAX_BYTES: usize = 64 * 1024;

/// A `/v1` request body, deserialized from JSON.
#[derive(Debug)]
pub(crate) struct JsonBody<T>(pub(crate) T);

/// Why a body was refused: `{"error": "bad_request" | "payload_too_large", "message": "…"}`.
#[derive(Debug)]
pub(crate) struct BodyRejection {
    status: StatusCode,
    message: String,
}

impl BodyRejection {
    fn bad_request(message: String) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message,
        }
    }
}

impl IntoResponse for BodyRejection {
    fn into_response(self) -> Response {
        let error = if self.status == StatusCode::PAYLOAD_TOO_LARGE {
            ErrorCode::PayloadTooLarge
        } else {
            ErrorCode::BadRequest
        };
        (self.status, Json(ErrorBody::new(error, self.message))).into_response()
    }
}

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = BodyRejection;

    async fn from_request(request: Request, _state: &S) -> Result<Self, BodyRejection> {
        let bytes = match read_limited(request.into_body(), MAX_BYTES).await {
            Ok(bytes) => bytes,
            Err(BodyError::TooLarge) => {
                return Err(BodyRejection {
                    status: StatusCode::PAYLOAD_TOO_LARGE,
                    message: format!("the body is over {MAX_BYTES} bytes"),
                });
            }
            Err(BodyError::Unreadable(e)) => {
                return Err(BodyRejection::bad_request(format!(
                    "cannot read the body: {e}"
                )));
            }
        };
        // serde also reads a struct from an array (`["t"]` as `{"stale":"t"}`): only an
        // object is a body.
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            None => {
                return Err(BodyRejection::bad_request(
                    "the body must be a JSON object; it is empty".to_owned(),
                ));
            }
            Some(b'{') => {}
            Some(_) if serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_ok() => {
                return Err(BodyRejection::bad_request(
                    "the body must be a JSON object".to_owned(),
                ));
            }
            // Not JSON at all: the parser below says where.
            Some(_) => {}
        }
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let message = if inner.is_syntax() || inner.is_eof() {
                format!("the body is not valid JSON: {inner}")
            } else if path == "." {
                // serde already names the field: "unknown field `x`", "missing field `y`".
                format!("invalid body: {inner}")
            } else {
                format!("invalid body: {path}: {inner}")
            };
            BodyRejection::bad_request(message)
        })?;
        // Nothing but whitespace may follow the object.
        deserializer
            .end()
            .map_err(|e| BodyRejection::bad_request(format!("the body is not valid JSON: {e}")))?;
        Ok(Self(value))
    }
}
