//! The virtual clock: read it, move it forward, or set it.

use axum::body::Bytes;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Result, parse};
use crate::Sandbox;
use crate::error::ControlError;

/// `POST /sandbox/clock`: `{"advance_secs": N}` moves the clock forward, `{"now": unix}` sets it
/// (forward or back); one of the two.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockBody {
    #[serde(default)]
    advance_secs: Option<u64>,
    #[serde(default)]
    now: Option<u64>,
}

pub(super) async fn set_clock(State(sb): State<Sandbox>, body: Bytes) -> Result<axum::Json<Value>> {
    let body: ClockBody = parse(&body)?;
    let now = match (body.advance_secs, body.now) {
        (Some(secs), None) => sb.advance_clock(secs),
        (None, Some(unix)) => sb.set_clock(unix),
        (None, None) => sb.advance_clock(0),
        (Some(_), Some(_)) => {
            return Err(ControlError::bad_request(
                "give either \"advance_secs\" or \"now\", not both",
            ));
        }
    };
    Ok(axum::Json(json!({"now": now})))
}

pub(super) async fn get_clock(State(sb): State<Sandbox>) -> axum::Json<Value> {
    axum::Json(json!({"now": sb.now()}))
}
