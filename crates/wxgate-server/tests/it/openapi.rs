//! The `/v1` OpenAPI document, generated from the handlers: it lists every `/v1` route the
//! server registers, each documented operation is served, and it has its schemas and security.

use std::collections::BTreeSet;
use std::path::Path;

use regex::Regex;
use serde_json::{Value, json};

use crate::world;

const APP_ID: &str = "wx5a1db0c0ffee0a91";
const SECRET: &str = "openapi-app-secret";
const API_KEY: &str = "openapi-api-key";

fn document() -> Value {
    serde_json::from_str(wxgate_server::token_api::openapi()).expect("the document is JSON")
}

/// The routes registered without a WeChat API path: they exist only to answer 400 `bad_path`
/// rather than the router's 404, which the proxy operation documents.
const WITHOUT_WECHAT_PATH: [&str; 2] = [
    "/v1/accounts/{account}/wechat",
    "/v1/accounts/{account}/wechat/",
];

/// Every `/v1` route the server's sources register, in OpenAPI's spelling (`{*path}` is
/// `{path}`): `.route("/v1/…", …)`, or `.route(NAME, …)` with `const NAME: &str = "/v1/…"`.
fn registered_routes() -> BTreeSet<String> {
    let literal = Regex::new(r#"\.route\(\s*"(/v1/[^"]*)""#).unwrap();
    let named = Regex::new(r"\.route\(\s*([A-Z][A-Z0-9_]*)\s*,").unwrap();
    let constant = Regex::new(r#"const ([A-Z][A-Z0-9_]*): &str = "([^"]*)";"#).unwrap();
    let mut sources = String::new();
    read_sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut sources,
    );
    let mut routes: BTreeSet<String> = literal
        .captures_iter(&sources)
        .map(|c| c[1].to_owned())
        .collect();
    let names: BTreeSet<&str> = named
        .captures_iter(&sources)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    for c in constant.captures_iter(&sources) {
        if names.contains(&c[1]) && c[2].starts_with("/v1/") {
            routes.insert(c[2].to_owned());
        }
    }
    routes
        .iter()
        .map(|route| route.replace("{*", "{"))
        .collect()
}

fn read_sources(dir: &Path, into: &mut String) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            read_sources(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push_str(&std::fs::read_to_string(&path).unwrap());
            into.push('\n');
        }
    }
}

fn documented_paths(document: &Value) -> BTreeSet<String> {
    document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[test]
fn every_registered_v1_route_is_documented_and_nothing_else() {
    let registered = registered_routes();
    // The scan itself works: it finds the literal routes and the proxy's `PROXY_PATH`.
    assert!(
        registered.contains("/v1/accounts/{account}/access-token"),
        "{registered:?}"
    );
    assert!(
        registered.contains("/v1/accounts/{account}/wechat/{path}"),
        "{registered:?}"
    );
    let documented = documented_paths(&document());
    let undocumented: Vec<&String> = registered
        .iter()
        .filter(|route| !documented.contains(*route))
        .filter(|route| !WITHOUT_WECHAT_PATH.contains(&route.as_str()))
        .collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the document: {undocumented:?}"
    );
    let unregistered: Vec<&String> = documented.difference(&registered).collect();
    assert!(
        unregistered.is_empty(),
        "documented but not registered: {unregistered:?}"
    );
    for route in WITHOUT_WECHAT_PATH {
        assert!(
            registered.contains(route),
            "{route} is no longer registered"
        );
    }
}

#[test]
fn the_document_has_its_schemas_security_and_error_answers() {
    let document = document();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["info"]["title"], "wxgate central token API");
    let components = &document["components"];
    assert_eq!(
        components["securitySchemes"]["bearer"],
        serde_json::json!({"type": "http", "scheme": "bearer"})
    );
    assert_eq!(document["security"], serde_json::json!([{"bearer": []}]));
    for schema in ["Token", "Ticket", "JsSdkConfig", "Error"] {
        assert_eq!(components["schemas"][schema]["type"], "object", "{schema}");
    }
    let kinds: BTreeSet<&str> = components["schemas"]["Error"]["properties"]["error"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for kind in [
        "unauthorized",
        "forbidden",
        "unknown_account",
        "bad_request",
        "payload_too_large",
        "wechat",
        "upstream_unavailable",
        "store_unavailable",
        "refresh_rate_limited",
        "outside_window",
        "not_follower",
        "message_limit",
        "may_have_been_sent",
        "idempotency_key_in_flight",
        "idempotency_key_reused",
    ] {
        assert!(kinds.contains(kind), "{kind} missing from {kinds:?}");
    }
    for (status, retry_after) in [
        ("Error400", false),
        ("Error401", false),
        ("Error403", false),
        ("Error404", false),
        ("Error409", true),
        ("Error413", false),
        ("Error429", true),
        ("Error502", false),
        ("Error503", true),
    ] {
        let response = &components["responses"][status];
        assert_eq!(
            response["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Error",
            "{status}"
        );
        assert_eq!(
            response["headers"]["Retry-After"].is_object(),
            retry_after,
            "{status}"
        );
    }
    // Every operation but the document itself needs the key and answers 401 without it.
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let open = operation["security"] == serde_json::json!([{}]);
            assert_eq!(open, path == "/v1/openapi.json", "{method} {path}");
            if !open {
                assert_eq!(
                    operation["responses"]["401"]["$ref"], "#/components/responses/Error401",
                    "{method} {path}"
                );
            }
            assert!(operation["summary"].is_string(), "{method} {path}");
        }
    }
    let refresh = &document["paths"]["/v1/accounts/{account}/access-token/refresh"]["post"];
    assert_eq!(
        refresh["responses"]["429"]["$ref"],
        "#/components/responses/Error429"
    );
    let proxy = &document["paths"]["/v1/accounts/{account}/wechat/{path}"];
    assert!(proxy["get"]["requestBody"].is_null());
    assert!(proxy["post"]["requestBody"]["content"]["multipart/form-data"].is_object());
    assert!(
        proxy["get"]["responses"]["default"]["headers"]["X-Wxgate-Quota-Exhausted"].is_object()
    );
}

/// Every `$ref` in `value`.
fn references<'a>(value: &'a Value, into: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(target)) => into.push(target),
                    _ => references(value, into),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, into)),
        _ => {}
    }
}

#[test]
fn every_reference_in_the_document_resolves() {
    let document = document();
    let mut targets = Vec::new();
    references(&document, &mut targets);
    assert!(targets.len() > 20, "{targets:?}");
    for target in targets {
        let pointer = target.strip_prefix('#').expect("a local reference");
        assert!(
            document.pointer(pointer).is_some_and(Value::is_object),
            "{target} does not resolve"
        );
    }
}

/// A request body the operation takes, to call it for real (`openid`: a follower who may
/// get messages).
fn example_body(operation_id: &str, openid: &str) -> Option<Value> {
    match operation_id {
        "send_message" => {
            Some(json!({"touser": openid, "msgtype": "text", "text": {"content": "hi"}}))
        }
        "send_template_message" => Some(json!({
            "touser": openid, "template_id": "tpl1", "data": {"first": {"value": "hi"}}
        })),
        "refresh_access_token" => Some(json!({"stale": "not-the-current-token"})),
        "jssdk_config" => {
            Some(json!({"url": "https://example.com/page", "jsApiList": ["scanQRCode"]}))
        }
        "wechat_post" => Some(json!({"button": [{"type": "click", "name": "Hi", "key": "HI"}]})),
        "create_qrcode" => Some(json!({"scene": "openapi-scene"})),
        _ => None,
    }
}

/// Operations that need state made elsewhere (a login's ticket): called without it, they must
/// still be served and answer a documented status.
const NEEDS_STATE: &[&str] = &["redeem_login_ticket", "login_user"];

/// Each documented operation, called with the key on a gateway against the sandbox, is served
/// (not the router's 404) and answers a status its documentation lists.
#[tokio::test]
async fn every_documented_operation_is_served() {
    let w = world::world(APP_ID, SECRET, "openapitoken")
        .api_key(API_KEY)
        .start()
        .await;
    let served = w.get_json("/v1/openapi.json").await;
    assert_eq!(served, document());
    // A follower for `…/followers/{openid}`.
    let (openid, _) = w.new_follower(json!({})).await;
    let mut called = 0;
    for (path, item) in served["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let target = path
                .replace("{account}", "main")
                .replace("{scene}", "openapi-scene")
                .replace("{openid}", &openid)
                .replace(
                    "{path}",
                    if method == "get" {
                        "cgi-bin/getcallbackip"
                    } else {
                        "cgi-bin/menu/create"
                    },
                );
            let mut request = w
                .http
                .request(
                    method.to_uppercase().parse().unwrap(),
                    format!("{}{target}", w.gateway_url),
                )
                .bearer_auth(API_KEY);
            let operation_id = operation["operationId"].as_str().unwrap();
            if let Some(body) = example_body(operation_id, &openid) {
                request = request.json(&body);
            }
            let answer = w.send(request).await;
            // The router's own 404 has no JSON error body; a handler's does.
            assert!(
                answer.status != 404 || answer.body["error"].is_string(),
                "{method} {target} is not served: {}",
                answer.body
            );
            let responses = &operation["responses"];
            assert!(
                responses[answer.status.to_string()].is_object()
                    || responses["default"].is_object(),
                "{method} {target} answered {} {}, not documented",
                answer.status,
                answer.body
            );
            assert!(
                answer.status < 400 || NEEDS_STATE.contains(&operation_id),
                "{method} {target}: {} {}",
                answer.status,
                answer.body
            );
            called += 1;
        }
    }
    assert_eq!(called, 18, "operations called");
    assert_eq!(w.calls("cgi-bin/menu/create").await, 1);
}
