//! `GET /sandbox/calls`: every request received on WeChat's paths since the sandbox started, by
//! route (`{"cgi-bin/token": 2, "cgi-bin/{*rest}": 1, …}`), whatever the answer was.

use axum::extract::State;
use serde_json::{Value, json};

use crate::Sandbox;

pub(super) async fn received_calls(State(sb): State<Sandbox>) -> axum::Json<Value> {
    axum::Json(json!(sb.received().snapshot()))
}
