//! The sandbox as WeChat's browser, JS-SDK side: a stand-in for `jweixin-1.6.0.js` at
//! `/open/js/jweixin-1.6.0.js` and the two routes it calls, with CORS so that a page of any
//! origin can use it:
//!
//! - `POST /sandbox/jssdk/config` `{"appId","url","timestamp","nonceStr","signature","jsApiList"}`
//!   checks a `wx.config` as the WeChat client does: the page's origin against the app's
//!   `js_domains` (`config:invalid url domain`), then the signature against the app's live
//!   jsapi tickets (`config:invalid signature`; an unknown `appId` has no ticket, so it answers
//!   the same) → `{"errMsg":"config:ok","session"}` or `{"errMsg":"config:…"}`;
//! - `POST /sandbox/jssdk/invoke` `{"appId","session","api","args"}` runs one API of a page whose
//!   config passed → the object WeChat hands to `success` (`{"errMsg":"<api>:ok",…}`), or
//!   `{"errMsg":"<api>:permission denied"}` when the API was not in `jsApiList`.
//!
//! See [WeChat Docs/JS-SDK说明](https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/JS-SDK.html).

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use tower_http::cors::{Any, CorsLayer};

use crate::Sandbox;
use crate::config::domain_allowed;
use crate::control::verify::{jssdk_verdict, live_jsapi_tickets};
use crate::error::ControlError;
use crate::state::{Device, JsSession, SESSIONS_KEPT, SHARES_KEPT, URL_SAFE};

const SCRIPT: &str = include_str!("jweixin.js");

/// The share APIs: each records the card it is given.
pub(crate) const SHARE_APIS: [&str; 4] = [
    "updateAppMessageShareData",
    "updateTimelineShareData",
    "onMenuShareAppMessage",
    "onMenuShareTimeline",
];

pub(crate) fn routes() -> Router<Sandbox> {
    // The script's own calls come from pages of any origin; they carry no credentials (the
    // session id is in the body), so a wildcard origin is enough and safe.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::POST])
        .allow_headers([header::CONTENT_TYPE]);
    Router::new()
        .route("/open/js/jweixin-1.6.0.js", get(script))
        .route(
            "/sandbox/jssdk/config",
            post(config).options(|| async {}).layer(cors.clone()),
        )
        .route(
            "/sandbox/jssdk/invoke",
            post(invoke).options(|| async {}).layer(cors),
        )
}

async fn script() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/javascript; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        SCRIPT,
    )
        .into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfigBody {
    #[serde(default)]
    app_id: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    timestamp: Value,
    #[serde(default)]
    nonce_str: String,
    #[serde(default)]
    signature: String,
    #[serde(default)]
    js_api_list: Vec<String>,
}

async fn config(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<Value>, ControlError> {
    let body: ConfigBody = serde_json::from_slice(&body)
        .map_err(|e| ControlError::bad_request(format!("invalid wx.config: {e}")))?;
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    let page = wxgate_proto::jssdk::page_url(&body.url).to_owned();
    let answer = sb.with_state(|s| {
        let now = s.now();
        let Some(app) = s.app(&body.app_id) else {
            return json!({"errMsg": "config:invalid signature"});
        };
        if !page_domain_allowed(&app.spec.js_domains, &page, origin) {
            return json!({"errMsg": "config:invalid url domain"});
        }
        let tickets = live_jsapi_tickets(app, now);
        let check = json!({
            "appId": body.app_id,
            "url": page,
            "timestamp": body.timestamp,
            "nonceStr": body.nonce_str,
            "signature": body.signature,
        });
        if jssdk_verdict(&check, &body.app_id, &tickets).is_err() {
            return json!({"errMsg": "config:invalid signature"});
        }
        let session = s.random_string(URL_SAFE, 32);
        let Ok(app) = s.app_mut(&body.app_id) else {
            return json!({"errMsg": "config:invalid signature"});
        };
        while app.js_sessions.len() >= SESSIONS_KEPT {
            let oldest = app
                .js_sessions
                .iter()
                .min_by_key(|(_, v)| v.created_at)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(key) => app.js_sessions.remove(&key),
                None => break,
            };
        }
        app.js_sessions.insert(
            session.clone(),
            JsSession {
                url: page.clone(),
                js_api_list: body.js_api_list.clone(),
                created_at: now,
            },
        );
        json!({"errMsg": "config:ok", "session": session})
    });
    Ok(axum::Json(answer))
}

/// The page's URL must be an `http(s)` URL on one of `js_domains` (any, when there are none),
/// and the browser's `Origin` (when it sent one) must be that URL's origin: a page cannot
/// claim another site's URL.
fn page_domain_allowed(js_domains: &[String], page: &str, origin: Option<&str>) -> bool {
    let Ok(url) = reqwest::Url::parse(page) else {
        return false;
    };
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    if let Some(origin) = origin
        && origin != url.origin().ascii_serialization()
    {
        return false;
    }
    js_domains.is_empty() || domain_allowed(js_domains, &url)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InvokeBody {
    #[serde(default)]
    app_id: String,
    #[serde(default)]
    session: String,
    api: String,
    #[serde(default)]
    args: Value,
}

async fn invoke(State(sb): State<Sandbox>, body: Bytes) -> Result<axum::Json<Value>, ControlError> {
    let body: InvokeBody = serde_json::from_slice(&body)
        .map_err(|e| ControlError::bad_request(format!("invalid call: {e}")))?;
    let api = body.api.as_str();
    let denied = json!({"errMsg": format!("{api}:permission denied")});
    let answer = sb.with_state(|s| {
        let now = s.now();
        let Ok(app) = s.app_mut(&body.app_id) else {
            return denied;
        };
        let Some(session) = app.js_sessions.get(&body.session) else {
            return denied;
        };
        if !session.js_api_list.iter().any(|a| a == api) {
            return denied;
        }
        let page = session.url.clone();
        if SHARE_APIS.contains(&api) {
            let text = |key: &str| {
                body.args
                    .get(key)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            if app.shares.len() >= SHARES_KEPT {
                app.shares.remove(0);
            }
            app.shares.push(json!({
                "api": api,
                "title": text("title"),
                "desc": text("desc"),
                "link": text("link"),
                "imgUrl": text("imgUrl"),
                "page": page,
                "at": now,
            }));
            return json!({"errMsg": format!("{api}:ok")});
        }
        device_answer(api, &body.args, &app.device).unwrap_or_else(
            || json!({"errMsg": format!("{api}:fail, the sandbox does not simulate {api}")}),
        )
    });
    Ok(axum::Json(answer))
}

/// What the phone answers a device API with, from the app's [`Device`] values.
fn device_answer(api: &str, args: &Value, device: &Device) -> Option<Value> {
    Some(match api {
        "scanQRCode" => {
            let need_result = match args.get("needResult") {
                Some(Value::Number(n)) => n.as_u64() == Some(1),
                Some(Value::String(s)) => s == "1",
                Some(Value::Bool(b)) => *b,
                _ => false,
            };
            // Without needResult WeChat handles the result itself and hands the page nothing.
            if need_result {
                json!({"errMsg": "scanQRCode:ok", "resultStr": device.scan_result})
            } else {
                json!({"errMsg": "scanQRCode:ok"})
            }
        }
        "chooseImage" => {
            let count = args
                .get("count")
                .and_then(Value::as_u64)
                .map_or(9, |c| c.clamp(1, 9));
            let ids: Vec<&String> = device.local_ids.iter().take(count as usize).collect();
            json!({"errMsg": "chooseImage:ok", "localIds": ids})
        }
        "getLocation" => json!({
            "errMsg": "getLocation:ok",
            "latitude": device.latitude,
            "longitude": device.longitude,
            "speed": device.speed,
            "accuracy": device.accuracy,
        }),
        "getNetworkType" => {
            json!({"errMsg": "getNetworkType:ok", "networkType": device.network_type})
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_must_be_on_a_js_domain_and_from_its_own_origin() {
        let domains = vec!["127.0.0.1".to_owned()];
        let page = "http://127.0.0.1:8080/a?b=1";
        assert!(page_domain_allowed(&domains, page, None));
        assert!(page_domain_allowed(
            &domains,
            page,
            Some("http://127.0.0.1:8080")
        ));
        assert!(!page_domain_allowed(
            &domains,
            page,
            Some("http://127.0.0.1:9090")
        ));
        assert!(!page_domain_allowed(
            &domains,
            "http://localhost:8080/",
            None
        ));
        assert!(page_domain_allowed(&[], "http://localhost:8080/", None));
        assert!(!page_domain_allowed(&[], "file:///tmp/a.html", None));
        assert!(!page_domain_allowed(&[], "not a url", None));
    }

    #[test]
    fn device_apis_answer_the_devices_values() {
        let device = Device {
            scan_result: "EAN_13,6901234567892".to_owned(),
            local_ids: vec!["a".to_owned(), "b".to_owned()],
            ..Device::default()
        };
        let scan = device_answer("scanQRCode", &json!({"needResult": 1}), &device).unwrap();
        assert_eq!(scan["resultStr"], "EAN_13,6901234567892");
        let silent = device_answer("scanQRCode", &json!({}), &device).unwrap();
        assert!(silent.get("resultStr").is_none());
        let one = device_answer("chooseImage", &json!({"count": 1}), &device).unwrap();
        assert_eq!(one["localIds"], json!(["a"]));
        let net = device_answer("getNetworkType", &json!({}), &device).unwrap();
        assert_eq!(
            net,
            json!({"errMsg": "getNetworkType:ok", "networkType": "wifi"})
        );
        assert!(device_answer("openLocation", &json!({}), &device).is_none());
    }
}
