//! Injected faults: errors and delays for chosen API paths, and invalidated tokens.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Result, parse, read_app, with_app};
use crate::Sandbox;
use crate::error::ControlError;
use crate::state::Fault;

#[derive(Default, Deserialize)]
struct FaultBody {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    errcode: Option<i64>,
    #[serde(default)]
    errmsg: Option<String>,
    #[serde(default)]
    delay_ms: Option<u64>,
    #[serde(default)]
    times: Option<u32>,
    #[serde(default)]
    invalidate_tokens: bool,
}

impl FaultBody {
    /// The fault to register, `None` when the body only invalidates tokens; a path needs
    /// `errcode` or `delay_ms`, and a body needs a path or `invalidate_tokens`.
    fn to_fault(&self) -> Result<Option<Fault>> {
        let Some(path) = &self.path else {
            if self.invalidate_tokens {
                return Ok(None);
            }
            return Err(ControlError::bad_request(
                "expected path or invalidate_tokens",
            ));
        };
        if self.errcode.is_none() && self.delay_ms.is_none() {
            return Err(ControlError::bad_request(
                "a fault needs errcode or delay_ms",
            ));
        }
        Ok(Some(Fault {
            path: path.trim_start_matches('/').to_owned(),
            errcode: self.errcode,
            errmsg: self.errmsg.clone(),
            delay_ms: self.delay_ms,
            times: self.times.unwrap_or(1).max(1),
        }))
    }
}

pub(super) async fn add_fault(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let fault: FaultBody = parse(&body)?;
    sb.with_state(|s| {
        if s.app(&app_id).is_none() {
            return Err(ControlError::not_found(format!("no app {app_id}")));
        }
        if fault.invalidate_tokens {
            s.invalidate_tokens(&app_id);
        }
        if let Some(fault) = fault.to_fault()? {
            let app = s
                .app_mut(&app_id)
                .map_err(|_| ControlError::not_found(&app_id))?;
            app.faults.push(fault);
        }
        Ok(())
    })?;
    let faults = with_app(&sb, &app_id, |app, _| Ok(json!(app.faults)))?;
    Ok((StatusCode::CREATED, axum::Json(json!({"faults": faults}))).into_response())
}

pub(super) async fn list_faults(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
) -> Result<axum::Json<Value>> {
    read_app(&sb, &app_id, |app, _| Ok(axum::Json(json!(app.faults))))
}

pub(super) async fn clear_faults(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
) -> Result<StatusCode> {
    with_app(&sb, &app_id, |app, _| {
        app.faults.clear();
        Ok(StatusCode::NO_CONTENT)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> FaultBody {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_fault_takes_its_path_without_the_slash_and_at_least_one_use() {
        let fault = body(r#"{"path": "/cgi-bin/menu/get", "errcode": 45009, "times": 0}"#)
            .to_fault()
            .unwrap()
            .unwrap();
        assert_eq!(fault.path, "cgi-bin/menu/get");
        assert_eq!(fault.errcode, Some(45009));
        assert_eq!(fault.times, 1);
        let fault = body(r#"{"path": "cgi-bin/token", "delay_ms": 10, "times": 3}"#)
            .to_fault()
            .unwrap()
            .unwrap();
        assert_eq!((fault.delay_ms, fault.times), (Some(10), 3));
    }

    #[test]
    fn bodies_that_do_nothing_are_refused() {
        let error = body(r#"{"path": "cgi-bin/token"}"#).to_fault().unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        let error = body("{}").to_fault().unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn invalidating_tokens_alone_registers_no_fault() {
        assert!(
            body(r#"{"invalidate_tokens": true}"#)
                .to_fault()
                .unwrap()
                .is_none()
        );
    }
}
