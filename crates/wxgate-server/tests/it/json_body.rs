//! `/v1` request bodies: JSON whatever the Content-Type (as `curl -d` sends it), unknown and
//! malformed fields refused with a 400 that names them, an oversized body refused with a 413.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;
use wxgate_server::MessageRouter;

use crate::common::gateway;
use crate::world::{self, World};

const API_KEY: &str = "test-key-123456";
/// What `curl -d` sends when no `-H "Content-Type: …"` is given.
const CURL_FORM: &str = "application/x-www-form-urlencoded";

/// POSTs `body` with `content_type` (none if `None`) and the test API key; status and JSON.
async fn post_body(
    router: &axum::Router,
    uri: &str,
    content_type: Option<&str>,
    body: impl Into<Body>,
) -> (StatusCode, Value) {
    let mut request = Request::post(uri).header(header::AUTHORIZATION, format!("Bearer {API_KEY}"));
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    let response = router
        .clone()
        .oneshot(request.body(body.into()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes))),
    )
}

const REFRESH: &str = "/v1/accounts/plain/access-token/refresh";
const JSSDK: &str = "/v1/accounts/plain/jssdk-config";

/// Asserts a 400 `bad_request` whose message contains every one of `words`.
fn assert_bad_request((status, body): (StatusCode, Value), words: &[&str]) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "bad_request", "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    for word in words {
        assert!(message.contains(word), "{word:?} not in {message:?}");
    }
}

#[tokio::test]
async fn unknown_fields_are_refused_and_named() {
    let gw = gateway(MessageRouter::new(), "").await;
    for content_type in [None, Some("application/json"), Some(CURL_FORM)] {
        assert_bad_request(
            post_body(
                &gw.router,
                REFRESH,
                content_type,
                r#"{"stale":"t","force":true}"#,
            )
            .await,
            &["unknown field `force`"],
        );
        assert_bad_request(
            post_body(
                &gw.router,
                JSSDK,
                content_type,
                r#"{"url":"https://h5.example.com/","jsapilist":["scanQRCode"]}"#,
            )
            .await,
            &["unknown field `jsapilist`"],
        );
    }
}

#[tokio::test]
async fn both_spellings_of_the_api_list_at_once_are_refused() {
    let gw = gateway(MessageRouter::new(), "").await;
    assert_bad_request(
        post_body(
            &gw.router,
            JSSDK,
            Some(CURL_FORM),
            r#"{"url":"https://h5.example.com/","jsApiList":["a"],"js_api_list":["b"]}"#,
        )
        .await,
        &["duplicate field `js_api_list`"],
    );
}

#[tokio::test]
async fn malformed_or_mistyped_bodies_are_400_naming_the_problem() {
    let gw = gateway(MessageRouter::new(), "").await;
    let cases: [(&str, &[&str]); 8] = [
        ("", &["empty"]),
        ("  \n", &["empty"]),
        ("stale=abc", &["not valid JSON"]),
        (r#"{"stale":"abc""#, &["not valid JSON"]),
        (
            r#"{"stale":"abc"} trailing"#,
            &["not valid JSON", "trailing"],
        ),
        (r#"{"stale":42}"#, &["stale", "invalid type"]),
        (r#"["abc"]"#, &["must be a JSON object"]),
        (r#""abc""#, &["must be a JSON object"]),
    ];
    for (body, words) in cases {
        assert_bad_request(
            post_body(&gw.router, REFRESH, Some(CURL_FORM), body).await,
            words,
        );
    }
    assert_bad_request(
        post_body(&gw.router, JSSDK, None, r#"{"jsApiList":[]}"#).await,
        &["missing field `url`"],
    );
    assert_bad_request(
        post_body(
            &gw.router,
            JSSDK,
            None,
            r#"{"url":"https://a.example/","jsApiList":[1]}"#,
        )
        .await,
        &["jsApiList[0]", "invalid type"],
    );
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let gw = gateway(MessageRouter::new(), "").await;
    let huge = format!(r#"{{"stale":"{}"}}"#, "x".repeat(100 * 1024));
    let (status, body) = post_body(&gw.router, REFRESH, Some("application/json"), huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"], "payload_too_large", "{body}");
    // Streamed without a Content-Length, too.
    let chunks = futures::stream::iter(
        (0..100).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b' '; 1024]))),
    );
    let (status, _) = post_body(&gw.router, REFRESH, None, Body::from_stream(chunks)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn the_api_key_is_checked_before_the_body() {
    let gw = gateway(MessageRouter::new(), "").await;
    let response = gw
        .router
        .clone()
        .oneshot(Request::post(REFRESH).body(Body::from("not json")).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// The documented request bodies match what the routes accept.
#[tokio::test]
async fn the_openapi_document_lists_the_accepted_fields() {
    let openapi: Value = serde_json::from_str(wxgate_server::token_api::openapi()).unwrap();
    let schema = |path: &str| {
        openapi["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
            .clone()
    };
    let jssdk = schema("/v1/accounts/{account}/jssdk-config");
    assert_eq!(jssdk["additionalProperties"], false);
    let mut fields: Vec<&str> = jssdk["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["jsApiList", "js_api_list", "url"]);
    let refresh = schema("/v1/accounts/{account}/access-token/refresh");
    assert_eq!(refresh["additionalProperties"], false);
    assert_eq!(refresh["required"], json!(["stale"]));
}

// ---- against the sandbox: the README's commands, as curl sends them ----

const APP_ID: &str = "wx5a1db0c0ffee00b1";
const SECRET: &str = "json-body-app-secret";

async fn world() -> World {
    world::world(APP_ID, SECRET, "jsonbodytoken")
        .api_key(API_KEY)
        .start()
        .await
}

impl World {
    /// `curl -H "Authorization: Bearer $KEY" [-d BODY] URL`: the request curl makes, headers
    /// and all.
    async fn curl(&self, path: &str, data: Option<&str>) -> (u16, Value) {
        let url = format!("{}{path}", self.gateway_url);
        let request = match data {
            Some(data) => self
                .http
                .post(url)
                .header("content-type", CURL_FORM)
                .body(data.to_owned()),
            None => self.http.get(url),
        };
        let response = request
            .header("user-agent", "curl/8.5.0")
            .header("accept", "*/*")
            .bearer_auth(API_KEY)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn the_readme_refresh_command_works_as_written() {
    let w = world().await;
    let (status, current) = w.curl("/v1/accounts/main/access-token", None).await;
    assert_eq!(status, 200, "{current}");
    let stale = current["access_token"].as_str().unwrap();
    // The command is for a token WeChat has rejected: a seconds-old token WeChat still accepts
    // is kept (see faults_tokens), so make the sandbox reject it first.
    w.fault(json!({"invalidate_tokens": true})).await;
    // curl -H "Authorization: Bearer $KEY" -d '{"stale":"THE_TOKEN"}' https://YOUR.HOST/v1/accounts/main/access-token/refresh
    let (status, fresh) = w
        .curl(
            "/v1/accounts/main/access-token/refresh",
            Some(&format!(r#"{{"stale":"{stale}"}}"#)),
        )
        .await;
    assert_eq!(status, 200, "{fresh}");
    assert_ne!(fresh["access_token"].as_str(), Some(stale), "{fresh}");
    assert!(fresh["expires_at"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn jssdk_config_takes_js_api_list_in_either_spelling() {
    let w = world().await;
    let (status, ticket) = w.curl("/v1/accounts/main/jsapi-ticket", None).await;
    assert_eq!(status, 200, "{ticket}");
    let url = "https://h5.example.com/share?id=7";
    for body in [
        // The README's spelling, the one wx.config and the answer use.
        format!(r#"{{"url":"{url}","jsApiList":["updateAppMessageShareData","scanQRCode"]}}"#),
        format!(r#"{{"url":"{url}","js_api_list":["updateAppMessageShareData","scanQRCode"]}}"#),
    ] {
        let (status, config) = w.curl("/v1/accounts/main/jssdk-config", Some(&body)).await;
        assert_eq!(status, 200, "{body}: {config}");
        assert_eq!(
            config["jsApiList"],
            json!(["updateAppMessageShareData", "scanQRCode"]),
            "{body}"
        );
        let expected = wxgate_proto::jssdk::config_signature(
            ticket["ticket"].as_str().unwrap(),
            config["nonceStr"].as_str().unwrap(),
            config["timestamp"].as_u64().unwrap(),
            url,
        );
        assert_eq!(config["signature"].as_str(), Some(expected.as_str()));
    }
}
