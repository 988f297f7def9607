//! The simulated phone of the sandbox's "WeChat browser": the values its JS-SDK device APIs
//! answer with, and the share cards pages set.

use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Result, read_app, with_app};
use crate::Sandbox;
use crate::error::ControlError;
use crate::state::{Device, NETWORK_TYPES};

/// `GET /sandbox/apps/{app_id}/shares`: the share cards pages set, oldest first.
pub(super) async fn shares(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
) -> Result<axum::Json<Value>> {
    read_app(&sb, &app_id, |app, _| Ok(axum::Json(json!(app.shares))))
}

/// `GET /sandbox/apps/{app_id}/device`.
pub(super) async fn get_device(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
) -> Result<axum::Json<Value>> {
    read_app(&sb, &app_id, |app, _| Ok(axum::Json(json!(app.device))))
}

/// A change to the device: every field is optional; `"openid": null` forgets the owner.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceChange {
    #[serde(default, with = "double_option")]
    openid: Option<Option<String>>,
    scan_result: Option<String>,
    local_ids: Option<Vec<String>>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    speed: Option<f64>,
    accuracy: Option<f64>,
    network_type: Option<String>,
}

/// Tells a missing field (`None`) from an explicit `null` (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

/// `POST /sandbox/apps/{app_id}/device`: changes the given fields, answers the whole device.
pub(super) async fn set_device(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
    body: Bytes,
) -> Result<axum::Json<Value>> {
    let change: DeviceChange = super::parse(&body)?;
    with_app(&sb, &app_id, |app, _| {
        let mut device = app.device.clone();
        apply(&mut device, change)?;
        if let Some(openid) = &device.openid
            && !app.users.contains_key(openid)
        {
            return Err(ControlError::bad_request(format!(
                "openid {openid} is not a user of {app_id}"
            )));
        }
        app.device = device;
        Ok(axum::Json(json!(app.device)))
    })
}

fn apply(device: &mut Device, change: DeviceChange) -> Result<()> {
    let bad = |what: &str| Err(ControlError::bad_request(what.to_owned()));
    if let Some(openid) = change.openid {
        device.openid = openid;
    }
    if let Some(scan) = change.scan_result {
        device.scan_result = scan;
    }
    if let Some(ids) = change.local_ids {
        if ids.is_empty() || ids.len() > 9 || ids.iter().any(String::is_empty) {
            return bad("local_ids must be 1 to 9 non-empty strings");
        }
        device.local_ids = ids;
    }
    if let Some(lat) = change.latitude {
        if !(-90.0..=90.0).contains(&lat) {
            return bad("latitude must be within -90..90");
        }
        device.latitude = lat;
    }
    if let Some(lon) = change.longitude {
        if !(-180.0..=180.0).contains(&lon) {
            return bad("longitude must be within -180..180");
        }
        device.longitude = lon;
    }
    for (value, slot, name) in [
        (change.speed, &mut device.speed, "speed"),
        (change.accuracy, &mut device.accuracy, "accuracy"),
    ] {
        if let Some(v) = value {
            if !v.is_finite() || v < 0.0 {
                return bad(&format!("{name} must be a number >= 0"));
            }
            *slot = v;
        }
    }
    if let Some(network) = change.network_type {
        if !NETWORK_TYPES.contains(&network.as_str()) {
            return bad(&format!(
                "network_type must be one of {}",
                NETWORK_TYPES.join(", ")
            ));
        }
        device.network_type = network;
    }
    Ok(())
}
