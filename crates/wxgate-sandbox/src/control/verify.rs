//! Checks on demand: a `wx.config` signature, and the callback URL's verification GET.

use axum::body::Bytes;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::{Result, with_app};
use crate::Sandbox;
use crate::error::ControlError;
use crate::state::App;

/// Checks a `wx.config` the way the WeChat client would: the signature must match a live jsapi
/// ticket of the app (the `wx.config` signature of WeChat's JS-SDK documentation, appendix 1). Body: `{"url", "appId"?, "timestamp", "nonceStr", "signature"}`
/// → `{"ok", "reason"?}`.
pub(super) async fn verify_jssdk(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
    body: Bytes,
) -> Result<axum::Json<Value>> {
    let config: Value = serde_json::from_slice(&body)
        .map_err(|e| ControlError::bad_request(format!("invalid JSON body: {e}")))?;
    let tickets = with_app(&sb, &app_id, |app, now| Ok(live_jsapi_tickets(app, now)))?;
    Ok(axum::Json(
        match jssdk_verdict(&config, &app_id, &tickets) {
            Ok(()) => json!({"ok": true}),
            Err(reason) => json!({"ok": false, "reason": reason}),
        },
    ))
}

/// The app's jsapi tickets that a `wx.config` may be signed with at `now`: the current one, and
/// the one it superseded during its 5-minute overlap (as `ticket/getticket` documents).
pub(crate) fn live_jsapi_tickets(app: &App, now: u64) -> Vec<String> {
    app.tickets
        .get("jsapi")
        .into_iter()
        .flatten()
        .filter(|t| t.expires_at > now && t.superseded_until.is_none_or(|u| u > now))
        .map(|t| t.ticket.clone())
        .collect()
}

/// Whether a `wx.config` of `app_id` is signed with one of the live jsapi `tickets`, or why not.
pub(crate) fn jssdk_verdict(
    config: &Value,
    app_id: &str,
    tickets: &[String],
) -> Result<(), &'static str> {
    let text = |key: &str| {
        config
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let timestamp = match config.get("timestamp") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    let nonce = [text("nonceStr"), text("noncestr")]
        .into_iter()
        .find(|n| !n.is_empty())
        .unwrap_or_default();
    let url = text("url");
    let signature = text("signature");
    let given_app = text("appId");
    if !given_app.is_empty() && given_app != app_id {
        return Err("appId is not this app");
    }
    let Some(timestamp) = timestamp else {
        return Err("timestamp missing or not a number");
    };
    if url.is_empty() || nonce.is_empty() || signature.is_empty() {
        return Err("url, nonceStr and signature are required");
    }
    if tickets.is_empty() {
        return Err("the app has no live jsapi ticket");
    }
    let matched = tickets.iter().any(|ticket| {
        wxgate_proto::jssdk::config_signature(ticket, &nonce, timestamp, &url)
            == signature.to_ascii_lowercase()
    });
    if matched {
        Ok(())
    } else {
        Err("signature does not match any live jsapi ticket (invalid signature)")
    }
}

/// The URL verification GET WeChat sends when a callback URL is saved, on demand: `{"ok", "status", "body"}`.
pub(super) async fn verify_url(
    State(sb): State<Sandbox>,
    Path(app_id): Path<String>,
) -> Result<axum::Json<Value>> {
    let (url, token, timestamp, nonce, echostr) = sb.with_state(|s| {
        let now = s.now();
        let nonce = s.random_nonce();
        let echostr = format!("{}{}", s.random_nonce(), s.random_nonce());
        let app = s
            .app(&app_id)
            .ok_or_else(|| ControlError::not_found(format!("no app {app_id}")))?;
        Ok::<_, ControlError>((
            app.spec.callback_url.clone(),
            app.spec.token.clone(),
            now.to_string(),
            nonce,
            echostr,
        ))
    })?;
    let signature = wxgate_proto::signature::sign(&[token.expose(), &timestamp, &nonce]);
    let result = sb
        .http()
        .get(&url)
        .query(&[
            ("signature", signature.as_str()),
            ("echostr", echostr.as_str()),
            ("timestamp", timestamp.as_str()),
            ("nonce", nonce.as_str()),
        ])
        .send()
        .await;
    Ok(axum::Json(match result {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            json!({"ok": status == 200 && body == echostr, "status": status, "body": body, "echostr": echostr})
        }
        Err(error) => {
            json!({"ok": false, "error": if error.is_timeout() { "timeout" } else { "could not reach the callback" }})
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TICKET: &str =
        "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";

    fn config(signature: &str) -> Value {
        json!({
            "url": "http://mp.weixin.qq.com?params=value",
            "timestamp": "1414587457",
            "nonceStr": "Wm3WZYTPz0wzccnW",
            "signature": signature,
        })
    }

    fn signature() -> String {
        wxgate_proto::jssdk::config_signature(
            TICKET,
            "Wm3WZYTPz0wzccnW",
            1_414_587_457,
            "http://mp.weixin.qq.com?params=value",
        )
    }

    #[test]
    fn a_config_signed_with_a_live_ticket_passes() {
        let tickets = vec!["older".to_owned(), TICKET.to_owned()];
        assert_eq!(
            jssdk_verdict(&config(&signature()), "wx1", &tickets),
            Ok(())
        );
        let upper = signature().to_ascii_uppercase();
        assert_eq!(jssdk_verdict(&config(&upper), "wx1", &tickets), Ok(()));
    }

    #[test]
    fn each_failure_says_why() {
        let tickets = vec![TICKET.to_owned()];
        let mut other_app = config(&signature());
        other_app["appId"] = json!("wx2");
        assert_eq!(
            jssdk_verdict(&other_app, "wx1", &tickets),
            Err("appId is not this app")
        );
        let mut no_time = config(&signature());
        no_time["timestamp"] = json!("soon");
        assert_eq!(
            jssdk_verdict(&no_time, "wx1", &tickets),
            Err("timestamp missing or not a number")
        );
        assert_eq!(
            jssdk_verdict(&config(""), "wx1", &tickets),
            Err("url, nonceStr and signature are required")
        );
        assert_eq!(
            jssdk_verdict(&config(&signature()), "wx1", &[]),
            Err("the app has no live jsapi ticket")
        );
        assert!(jssdk_verdict(&config("0000"), "wx1", &tickets).is_err());
    }
}
