//! Control API: apps, calls, faults, clock, unknown paths.

use std::time::Instant;

use serde_json::json;

use crate::common::{APP, errcode, start};

#[tokio::test]
async fn apps_are_listed_with_secrets_and_updated_in_place() {
    let env = start().await;
    let apps = env.get("/sandbox/apps").await;
    assert_eq!(apps[0]["app_id"], APP);
    assert_eq!(apps[0]["app_secret"], "s3cret");
    assert_eq!(apps[0]["mode"], "plaintext");
    assert!(
        apps[0]["original_id"]
            .as_str()
            .expect("gh")
            .starts_with("gh_")
    );
    let status = env
        .add_app(json!({"app_id": APP, "app_secret": "s3cret", "token": "tok", "mode": "plaintext", "callback_url": "http://127.0.0.1:1/x"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        env.get("/sandbox/apps").await[0]["callback_url"],
        "http://127.0.0.1:1/x"
    );
    let bad = env.add_app(json!({"app_id": "wxs", "app_secret": "s", "token": "t", "mode": "safe", "callback_url": ""})).await;
    assert_eq!(bad, 400);
    let key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    let good = env
        .add_app(json!({"app_id": "wxs", "app_secret": "s", "token": "t", "mode": "safe", "encoding_aes_key": key, "callback_url": ""}))
        .await;
    assert_eq!(good, 201);
    let status = env
        .http
        .get(env.url("/sandbox/apps/wxnope/calls"))
        .send()
        .await
        .expect("send")
        .status();
    assert_eq!(status, 404);
}

#[tokio::test]
async fn calls_are_counted_per_path() {
    let env = start().await;
    let token = env.token().await;
    env.token().await;
    env.get(&format!("/cgi-bin/menu/get?access_token={token}"))
        .await;
    let calls = env.get(&format!("/sandbox/apps/{APP}/calls")).await;
    assert_eq!(calls["cgi-bin/token"], 2);
    assert_eq!(calls["cgi-bin/menu/get"], 1);
}

#[tokio::test]
async fn every_request_received_is_counted_by_route_whatever_its_answer() {
    let env = start().await;
    assert_eq!(env.get("/sandbox/calls").await, json!({}));
    let token = env.token().await;
    // Refused calls: an unknown AppID, an unknown token, an API the sandbox does not model, a
    // component API without a component token. None is attributed to an app.
    let unknown_app = env
        .get("/cgi-bin/token?grant_type=client_credential&appid=wxnobody00000000&secret=x")
        .await;
    assert_eq!(errcode(&unknown_app), 40013);
    assert_eq!(
        errcode(&env.get("/cgi-bin/menu/get?access_token=nope").await),
        40001
    );
    assert_eq!(errcode(&env.get("/cgi-bin/not/modelled").await), 48001);
    let component = env
        .post(
            "/cgi-bin/component/api_create_preauthcode",
            json!({"component_appid": "wxc"}),
        )
        .await;
    assert_eq!(errcode(&component), 41001);
    env.get(&format!("/cgi-bin/menu/get?access_token={token}"))
        .await;
    // The control API itself is not counted.
    env.get(&format!("/sandbox/apps/{APP}/calls")).await;

    let received = env.get("/sandbox/calls").await;
    assert_eq!(
        received,
        json!({
            "cgi-bin/token": 2,
            "cgi-bin/menu/get": 2,
            "cgi-bin/{*rest}": 1,
            "cgi-bin/component/api_create_preauthcode": 1,
        })
    );
    let attributed = env.get(&format!("/sandbox/apps/{APP}/calls")).await;
    assert_eq!(
        attributed,
        json!({"cgi-bin/token": 1, "cgi-bin/menu/get": 1})
    );
}

#[tokio::test]
async fn errcode_faults_apply_to_the_next_n_calls() {
    let env = start().await;
    let token = env.token().await;
    let added = env
        .post(
            &format!("/sandbox/apps/{APP}/faults"),
            json!({"path": "cgi-bin/token", "errcode": -1, "times": 2}),
        )
        .await;
    assert_eq!(added["faults"][0]["times"], 2);
    let q = "/cgi-bin/token?grant_type=client_credential&appid=wx0123456789abcdef&secret=s3cret";
    assert_eq!(errcode(&env.get(q).await), -1);
    assert_eq!(errcode(&env.get(q).await), -1);
    assert!(env.get(q).await["access_token"].is_string());
    env.post(
        &format!("/sandbox/apps/{APP}/faults"),
        json!({"path": "/cgi-bin/tags/get", "errcode": 45011}),
    )
    .await;
    assert_eq!(env.probe(&token).await, 45011);
    assert_eq!(
        env.probe(&token).await,
        0,
        "one use only; the token is inside its overlap"
    );
}

#[tokio::test]
async fn delay_faults_and_token_invalidation() {
    let env = start().await;
    let token = env.token().await;
    env.post(
        &format!("/sandbox/apps/{APP}/faults"),
        json!({"path": "cgi-bin/tags/get", "delay_ms": 800}),
    )
    .await;
    let started = Instant::now();
    assert_eq!(env.probe(&token).await, 0);
    assert!(started.elapsed().as_millis() >= 800);
    let started = Instant::now();
    assert_eq!(env.probe(&token).await, 0);
    assert!(started.elapsed().as_millis() < 800);
    env.post(
        &format!("/sandbox/apps/{APP}/faults"),
        json!({"invalidate_tokens": true}),
    )
    .await;
    assert_eq!(env.probe(&token).await, 40001);
    let fresh = env.token().await;
    assert_eq!(env.probe(&fresh).await, 0);
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods() {
    let env = start().await;
    let token = env.token().await;
    assert_eq!(
        errcode(
            &env.get(&format!("/cgi-bin/nope/nothing?access_token={token}"))
                .await
        ),
        48001
    );
    assert_eq!(errcode(&env.post("/sns/whatever", json!({})).await), 48001);
    assert_eq!(errcode(&env.post("/cgi-bin/token", json!({})).await), 43001);
    assert_eq!(
        errcode(
            &env.get(&format!("/cgi-bin/menu/create?access_token={token}"))
                .await
        ),
        43002
    );
    let status = env
        .http
        .get(env.url("/not-wechat"))
        .send()
        .await
        .expect("send")
        .status();
    assert_eq!(status, 404);
}

#[tokio::test]
async fn clock_moves_only_by_advance_when_frozen() {
    let env = start().await;
    assert_eq!(env.get("/sandbox/clock").await["now"], crate::common::START);
    assert_eq!(env.advance(7200).await, crate::common::START + 7200);
    assert_eq!(env.running.sandbox.now(), crate::common::START + 7200);
}

#[tokio::test]
async fn console_is_served() {
    let env = start().await;
    let response = env
        .http
        .get(env.url("/sandbox/console"))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("text");
    assert!(html.contains("<html") || html.contains("<!doctype html"));
    assert!(html.contains("/sandbox/apps"), "drives the control API");
    assert!(
        !html.contains("<script src") && !html.contains("<link"),
        "self-contained"
    );
}

#[tokio::test]
async fn ip_lists_and_clearing_one_quota() {
    let env = start().await;
    let token = env.token().await;
    assert_eq!(
        env.get(&format!("/cgi-bin/getcallbackip?access_token={token}"))
            .await["ip_list"],
        json!(["127.0.0.1"])
    );
    assert_eq!(
        env.get(&format!("/cgi-bin/get_api_domain_ip?access_token={token}"))
            .await["ip_list"],
        json!(["127.0.0.1"])
    );
    let quota = |path: &'static str| {
        env.post_owned(
            format!("/cgi-bin/openapi/quota/{path}?access_token={token}"),
            json!({"cgi_path": "/cgi-bin/token"}),
        )
    };
    assert_eq!(quota("get").await["quota"]["used"], 1);
    assert_eq!(errcode(&quota("clear").await), 0);
    assert_eq!(quota("get").await["quota"]["used"], 0);
}

#[tokio::test]
async fn the_router_merges_with_a_gateway_router() {
    let sandbox =
        wxgate_sandbox::Sandbox::new(wxgate_sandbox::SandboxConfig::default()).expect("sandbox");
    let gateway = axum::Router::new()
        .route(
            "/wechat/{account}",
            axum::routing::get(|| async { "callback" }),
        )
        .route(
            "/v1/accounts/{account}/access-token",
            axum::routing::get(|| async { "token" }),
        )
        .route(
            "/oauth/{account}/authorize",
            axum::routing::get(|| async { "oauth" }),
        )
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .route("/metrics", axum::routing::get(|| async { "" }))
        .fallback(|| async { (axum::http::StatusCode::NOT_FOUND, "gateway fallback") });
    let app = gateway.merge(sandbox.router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(format!("{base}/healthz"))
            .send()
            .await
            .expect("send")
            .text()
            .await
            .expect("text"),
        "ok"
    );
    let clock: serde_json::Value = http
        .get(format!("{base}/sandbox/clock"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert!(clock["now"].is_u64());
    let nothing = http
        .get(format!("{base}/elsewhere"))
        .send()
        .await
        .expect("send");
    assert_eq!(nothing.text().await.expect("text"), "gateway fallback");
}

#[tokio::test]
async fn short_keys() {
    let env = start().await;
    let token = env.token().await;
    let made = env
        .post(
            &format!("/cgi-bin/shorten/gen?access_token={token}"),
            json!({"long_data": "loooong", "expire_seconds": 100}),
        )
        .await;
    let key = made["short_key"].as_str().expect("key").to_owned();
    assert_eq!(key.len(), 15);
    let fetch = |key: String| {
        env.post_owned(
            format!("/cgi-bin/shorten/fetch?access_token={token}"),
            json!({"short_key": key}),
        )
    };
    let got = fetch(key.clone()).await;
    assert_eq!(got["long_data"], "loooong");
    assert_eq!(got["expire_seconds"], 100);
    env.advance(100).await;
    assert_eq!(errcode(&fetch(key).await), 47003);
    let big = env
        .post(
            &format!("/cgi-bin/shorten/gen?access_token={token}"),
            json!({"long_data": "x".repeat(4097)}),
        )
        .await;
    assert_eq!(errcode(&big), 47003);
}
