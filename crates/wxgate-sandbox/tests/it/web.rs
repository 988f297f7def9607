//! The sandbox as WeChat's browser, over plain HTTP: the JS-SDK's config and invoke routes,
//! the device values, share cards, CORS, and the OAuth page's domains, refusal and silent base.

use serde_json::{Value, json};

use crate::common::{APP, Env, SECRET, jssdk_signature, start};

const PAGE: &str = "http://127.0.0.1:8080/shop/index.html?from=share";

async fn config(env: &Env, body: Value, origin: Option<&str>) -> Value {
    let mut request = env.http.post(env.url("/sandbox/jssdk/config")).json(&body);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    let response = request.send().await.expect("send");
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

fn signed(ticket: &str, url: &str, apis: &[&str]) -> Value {
    json!({
        "appId": APP, "url": url, "timestamp": 1_700_000_000u64, "nonceStr": "n0nce",
        "signature": jssdk_signature(ticket, "n0nce", 1_700_000_000, url),
        "jsApiList": apis,
    })
}

async fn invoke(env: &Env, session: &str, api: &str, args: Value) -> Value {
    env.post(
        "/sandbox/jssdk/invoke",
        json!({"appId": APP, "session": session, "api": api, "args": args}),
    )
    .await
}

#[tokio::test]
async fn config_checks_the_signature_then_apis_answer_the_device_values() {
    let env = start().await;
    let ticket = env.jsapi_ticket(APP, SECRET).await;
    let ok = config(
        &env,
        signed(&ticket, PAGE, &["getLocation", "updateAppMessageShareData"]),
        Some("http://127.0.0.1:8080"),
    )
    .await;
    assert_eq!(ok["errMsg"], "config:ok", "{ok}");
    let session = ok["session"].as_str().expect("session").to_owned();

    let mut wrong = signed(&ticket, PAGE, &[]);
    wrong["nonceStr"] = json!("other");
    assert_eq!(
        config(&env, wrong, None).await["errMsg"],
        "config:invalid signature"
    );
    let other_ticket = signed("not-the-ticket", PAGE, &[]);
    assert_eq!(
        config(&env, other_ticket, None).await["errMsg"],
        "config:invalid signature"
    );
    let mut unknown_app = signed(&ticket, PAGE, &[]);
    unknown_app["appId"] = json!("wxunknown");
    assert_eq!(
        config(&env, unknown_app, None).await["errMsg"],
        "config:invalid signature"
    );
    // A page cannot claim another origin's URL.
    let claimed = config(
        &env,
        signed(&ticket, PAGE, &[]),
        Some("http://127.0.0.1:9999"),
    )
    .await;
    assert_eq!(claimed["errMsg"], "config:invalid url domain");

    let set = env
        .post(
            &format!("/sandbox/apps/{APP}/device"),
            json!({"latitude": 31.2304, "longitude": 121.4737, "accuracy": 12.5}),
        )
        .await;
    assert_eq!(set["latitude"], 31.2304);
    let location = invoke(&env, &session, "getLocation", json!({"type": "gcj02"})).await;
    assert_eq!(location["errMsg"], "getLocation:ok");
    assert_eq!(location["latitude"], 31.2304);
    assert_eq!(location["longitude"], 121.4737);
    assert_eq!(location["accuracy"], 12.5);
    let denied = invoke(&env, &session, "scanQRCode", json!({"needResult": 1})).await;
    assert_eq!(denied, json!({"errMsg": "scanQRCode:permission denied"}));
    let no_session = invoke(&env, "forged", "getLocation", json!({})).await;
    assert_eq!(no_session["errMsg"], "getLocation:permission denied");

    let shared = invoke(&env, &session, "updateAppMessageShareData", json!({
        "title": "<b>Sale</b>", "desc": "50% off", "link": "http://127.0.0.1:8080/shop", "imgUrl": "http://127.0.0.1:8080/a.png"
    })).await;
    assert_eq!(shared["errMsg"], "updateAppMessageShareData:ok");
    let shares = env.get(&format!("/sandbox/apps/{APP}/shares")).await;
    assert_eq!(shares.as_array().expect("shares").len(), 1);
    assert_eq!(shares[0]["title"], "<b>Sale</b>");
    assert_eq!(shares[0]["api"], "updateAppMessageShareData");
    assert_eq!(shares[0]["page"], PAGE);
}

#[tokio::test]
async fn a_superseded_ticket_stops_signing_after_its_overlap() {
    let env = start().await;
    let old = env.jsapi_ticket(APP, SECRET).await;
    let _current = env.jsapi_ticket(APP, SECRET).await;
    assert_eq!(
        config(&env, signed(&old, PAGE, &[]), None).await["errMsg"],
        "config:ok"
    );
    env.advance(300).await;
    assert_eq!(
        config(&env, signed(&old, PAGE, &[]), None).await["errMsg"],
        "config:invalid signature"
    );
}

#[tokio::test]
async fn js_domains_limit_the_pages_an_entry_without_port_matches_any_port() {
    let env = start().await;
    let app = json!({
        "app_id": APP, "app_secret": SECRET, "token": "tok", "mode": "plaintext",
        "js_domains": ["127.0.0.1", "shop.example:8443"],
    });
    assert_eq!(env.add_app(app).await, 200);
    let ticket = env.jsapi_ticket(APP, SECRET).await;
    for (url, verdict) in [
        ("http://127.0.0.1:1234/a", "config:ok"),
        ("https://shop.example:8443/a", "config:ok"),
        ("https://shop.example/a", "config:invalid url domain"),
        ("http://localhost:1234/a", "config:invalid url domain"),
        (
            "http://www.shop.example:8443/a",
            "config:invalid url domain",
        ),
    ] {
        assert_eq!(
            config(&env, signed(&ticket, url, &[]), None).await["errMsg"],
            verdict,
            "{url}"
        );
    }
    let listed = env.get(&format!("/sandbox/apps/{APP}")).await;
    assert_eq!(
        listed["js_domains"],
        json!(["127.0.0.1", "shop.example:8443"])
    );
    for bad in [
        json!(["https://x.example"]),
        json!(["x.example/path"]),
        json!([""]),
    ] {
        let app = json!({"app_id": APP, "app_secret": SECRET, "token": "tok", "js_domains": bad});
        assert_eq!(env.add_app(app).await, 400, "{bad}");
    }
}

#[tokio::test]
async fn the_config_routes_answer_cors_preflights_for_any_origin() {
    let env = start().await;
    for path in ["/sandbox/jssdk/config", "/sandbox/jssdk/invoke"] {
        let response = env
            .http
            .request(reqwest::Method::OPTIONS, env.url(path))
            .header("origin", "http://page.example:3000")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
            .await
            .expect("send");
        assert!(response.status().is_success(), "{path}");
        assert_eq!(
            response.headers()["access-control-allow-origin"],
            "*",
            "{path}"
        );
    }
    // The control API itself stays same-origin.
    let response = env
        .http
        .get(env.url(&format!("/sandbox/apps/{APP}/shares")))
        .header("origin", "http://page.example:3000")
        .send()
        .await
        .expect("send");
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let script = env
        .http
        .get(env.url("/open/js/jweixin-1.6.0.js"))
        .send()
        .await
        .expect("send");
    assert_eq!(script.status(), 200);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("application/javascript")
    );
    assert!(
        script
            .text()
            .await
            .expect("text")
            .contains("/sandbox/jssdk/config")
    );
}

#[tokio::test]
async fn device_values_are_checked() {
    let env = start().await;
    let path = env.url(&format!("/sandbox/apps/{APP}/device"));
    for bad in [
        json!({"latitude": 91}),
        json!({"longitude": -181}),
        json!({"network_type": "6g"}),
        json!({"local_ids": []}),
        json!({"speed": -1}),
        json!({"openid": "not-a-user"}),
        json!({"colour": "red"}),
    ] {
        let status = env
            .http
            .post(&path)
            .json(&bad)
            .send()
            .await
            .expect("send")
            .status();
        assert_eq!(status, 400, "{bad}");
    }
    let user = env.new_user(APP).await;
    let set = env
        .post(
            &format!("/sandbox/apps/{APP}/device"),
            json!({"openid": user, "network_type": "4g", "scan_result": "EAN_13,123"}),
        )
        .await;
    assert_eq!(set["openid"], user.as_str());
    assert_eq!(set["network_type"], "4g");
    assert_eq!(
        env.get(&format!("/sandbox/apps/{APP}/device")).await["scan_result"],
        "EAN_13,123"
    );
    let missing = env
        .http
        .get(env.url("/sandbox/apps/wxnope/device"))
        .send()
        .await
        .expect("send");
    assert_eq!(missing.status(), 404);
}

/// The OpenID a redirect's code stands for.
async fn openid_of(env: &Env, location: String) -> String {
    let code = location
        .split("code=")
        .nth(1)
        .expect("code")
        .split('&')
        .next()
        .expect("code");
    env.get(&format!("/sns/oauth2/access_token?appid={APP}&secret={SECRET}&code={code}&grant_type=authorization_code"))
        .await["openid"]
        .as_str()
        .expect("openid")
        .to_owned()
}

async fn authorize(env: &Env, query: &str) -> reqwest::Response {
    env.http
        .get(env.url(&format!(
            "/connect/oauth2/authorize?appid={APP}&response_type=code&state=S1&{query}"
        )))
        .send()
        .await
        .expect("send")
}

fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 302);
    response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned()
}

#[tokio::test]
async fn oauth_domains_limit_redirect_uris_with_10003() {
    let env = start().await;
    let app = json!({
        "app_id": APP, "app_secret": SECRET, "token": "tok", "mode": "plaintext",
        "oauth_domains": ["shop.example", "127.0.0.1:8080"],
    });
    assert_eq!(env.add_app(app).await, 200);
    for (uri, allowed) in [
        ("https%3A%2F%2Fshop.example%2Fcb", true),
        ("http%3A%2F%2Fshop.example%3A3000%2Fcb", true),
        ("http%3A%2F%2F127.0.0.1%3A8080%2Fcb", true),
        ("http%3A%2F%2F127.0.0.1%3A8081%2Fcb", false),
        ("https%3A%2F%2Fevil.example%2Fcb", false),
        ("https%3A%2F%2Fm.shop.example%2Fcb", false),
        ("javascript%3Aalert(1)", false),
    ] {
        let response = authorize(
            &env,
            &format!("redirect_uri={uri}&scope=snsapi_base&sandbox_openid=new"),
        )
        .await;
        if allowed {
            assert_eq!(response.status(), 302, "{uri}");
        } else {
            assert_eq!(response.status(), 400, "{uri}");
            let page = response.text().await.expect("text");
            assert!(
                page.contains("10003") && page.contains("redirect_uri域名与后台配置不一致"),
                "{uri}"
            );
        }
    }
}

#[tokio::test]
async fn refusing_redirects_without_a_code_and_base_is_silent() {
    let env = start().await;
    let refused = authorize(&env, "redirect_uri=https%3A%2F%2Fshop.example%2Fcb%3Fx%3D1&scope=snsapi_userinfo&sandbox_decision=refuse").await;
    assert_eq!(location(&refused), "https://shop.example/cb?x=1&state=S1");

    // No user yet: a new visitor signs in silently.
    let first = authorize(
        &env,
        "redirect_uri=https%3A%2F%2Fshop.example%2Fcb&scope=snsapi_base",
    )
    .await;
    assert!(location(&first).starts_with("https://shop.example/cb?code="));
    let users = env.get(&format!("/sandbox/apps/{APP}/users")).await;
    assert_eq!(users.as_array().expect("users").len(), 1);
    let oldest = users[0]["openid"].as_str().expect("openid").to_owned();

    // Then the oldest user, until the device has an owner.
    env.advance(1).await;
    let owner = env.new_user(APP).await;
    let silent = authorize(
        &env,
        "redirect_uri=https%3A%2F%2Fshop.example%2Fcb&scope=snsapi_base",
    )
    .await;
    assert_eq!(openid_of(&env, location(&silent)).await, oldest);
    env.post(
        &format!("/sandbox/apps/{APP}/device"),
        json!({"openid": owner}),
    )
    .await;
    let silent = authorize(
        &env,
        "redirect_uri=https%3A%2F%2Fshop.example%2Fcb&scope=snsapi_base",
    )
    .await;
    assert_eq!(openid_of(&env, location(&silent)).await, owner);

    // A new user named on the consent form.
    let named = authorize(&env, "redirect_uri=https%3A%2F%2Fshop.example%2Fcb&scope=snsapi_userinfo&sandbox_openid=new&sandbox_nickname=Zoe&sandbox_decision=agree").await;
    let zoe = openid_of(&env, location(&named)).await;
    assert_eq!(
        env.get(&format!("/sandbox/apps/{APP}/users/{zoe}")).await["nickname"],
        "Zoe"
    );
}

#[tokio::test]
async fn the_consent_page_escapes_nicknames_and_preselects_the_owner() {
    let env = start().await;
    let evil = env
        .post(
            &format!("/sandbox/apps/{APP}/users"),
            json!({"nickname": "<img src=x onerror=alert(1)>\"'"}),
        )
        .await["openid"]
        .as_str()
        .expect("openid")
        .to_owned();
    env.post(
        &format!("/sandbox/apps/{APP}/device"),
        json!({"openid": evil}),
    )
    .await;
    let page = authorize(
        &env,
        "redirect_uri=https%3A%2F%2Fshop.example%2Fcb&scope=snsapi_userinfo&x=%22%3E%3Cscript%3E",
    )
    .await
    .text()
    .await
    .expect("page");
    assert!(!page.contains("<img src=x"), "{page}");
    assert!(!page.contains("<script>"), "{page}");
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;"),
        "{page}"
    );
    assert!(
        page.contains(&format!("value=\"{evil}\" checked")),
        "{page}"
    );
    assert!(page.contains("name=sandbox_decision value=refuse"));
}

#[tokio::test]
async fn domains_device_and_share_cards_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sandbox.json");
    let config = wxgate_sandbox::SandboxConfig {
        state_file: Some(path.clone()),
        ..Default::default()
    };
    {
        let env = crate::common::start_with(config.clone()).await;
        let app = json!({
            "app_id": APP, "app_secret": SECRET, "token": "tok", "mode": "plaintext",
            "js_domains": ["127.0.0.1:8080"], "oauth_domains": ["shop.example"],
        });
        assert_eq!(env.add_app(app).await, 200);
        env.post(
            &format!("/sandbox/apps/{APP}/device"),
            json!({"network_type": "3g"}),
        )
        .await;
        let ticket = env.jsapi_ticket(APP, SECRET).await;
        let ok = config_of(&env, signed(&ticket, PAGE, &["onMenuShareTimeline"])).await;
        let session = ok["session"].as_str().expect("session").to_owned();
        let shared = invoke(
            &env,
            &session,
            "onMenuShareTimeline",
            json!({"title": "T", "link": PAGE}),
        )
        .await;
        assert_eq!(shared["errMsg"], "onMenuShareTimeline:ok");
        let mut saved = false;
        for _ in 0..250 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            if std::fs::read_to_string(&path).is_ok_and(|s| s.contains("onMenuShareTimeline")) {
                saved = true;
                break;
            }
        }
        assert!(saved, "state file written");
    }
    // Restart without re-adding the app (the common helper would overwrite its spec).
    let running = wxgate_sandbox::spawn(config).await.expect("spawn");
    let http = reqwest::Client::new();
    let get = |path: String| {
        let http = http.clone();
        let url = format!("{}{path}", running.base_url());
        async move {
            http.get(url)
                .send()
                .await
                .expect("send")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    let app = get(format!("/sandbox/apps/{APP}")).await;
    assert_eq!(app["js_domains"], json!(["127.0.0.1:8080"]));
    assert_eq!(app["oauth_domains"], json!(["shop.example"]));
    assert_eq!(
        get(format!("/sandbox/apps/{APP}/device")).await["network_type"],
        "3g"
    );
    assert_eq!(
        get(format!("/sandbox/apps/{APP}/shares")).await[0]["title"],
        "T"
    );
}

async fn config_of(env: &Env, body: Value) -> Value {
    config(env, body, None).await
}
