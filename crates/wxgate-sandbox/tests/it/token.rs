//! `cgi-bin/token`, `cgi-bin/stable_token`, quotas and token checking on the virtual clock.

use serde_json::json;
use wxgate_sandbox::SandboxConfig;

use crate::common::{APP, SECRET, errcode, start, start_with};

#[tokio::test]
async fn every_call_issues_a_new_token_and_the_previous_lives_five_minutes() {
    let env = start().await;
    let first = env.token().await;
    let second = env.token().await;
    assert_ne!(first, second);
    assert_eq!(env.probe(&first).await, 0);
    env.advance(299).await;
    assert_eq!(
        env.probe(&first).await,
        0,
        "still inside the 5-minute overlap"
    );
    env.advance(1).await;
    assert_eq!(env.probe(&first).await, 40001, "superseded for 5 minutes");
    assert_eq!(env.probe(&second).await, 0);
}

#[tokio::test]
async fn tokens_expire_with_42001() {
    let env = start().await;
    let v = env
        .get(&format!(
            "/cgi-bin/token?grant_type=client_credential&appid={APP}&secret={SECRET}"
        ))
        .await;
    assert_eq!(v["expires_in"], 7200);
    let token = v["access_token"].as_str().expect("token").to_owned();
    assert!(token.len() > 100);
    env.advance(7199).await;
    assert_eq!(env.probe(&token).await, 0);
    env.advance(1).await;
    assert_eq!(env.probe(&token).await, 42001);
}

#[tokio::test]
async fn token_request_errors() {
    let env = start().await;
    let call = |q: &'static str| env.get(q);
    assert_eq!(
        errcode(
            &call("/cgi-bin/token?grant_type=bogus&appid=wx0123456789abcdef&secret=s3cret").await
        ),
        40002
    );
    assert_eq!(
        errcode(&call("/cgi-bin/token?grant_type=client_credential&secret=s3cret").await),
        41002
    );
    assert_eq!(
        errcode(
            &call("/cgi-bin/token?grant_type=client_credential&appid=wxnope&secret=s3cret").await
        ),
        40013
    );
    assert_eq!(
        errcode(
            &call("/cgi-bin/token?grant_type=client_credential&appid=wx0123456789abcdef").await
        ),
        41004
    );
    let wrong =
        call("/cgi-bin/token?grant_type=client_credential&appid=wx0123456789abcdef&secret=nope")
            .await;
    assert_eq!(errcode(&wrong), 40125);
    let msg = wrong["errmsg"].as_str().expect("errmsg");
    let rid = msg.rsplit(" rid: ").next().expect("rid");
    assert!(
        rid.len() == 26 && rid.split('-').all(|g| g.len() == 8),
        "{msg}"
    );
}

#[tokio::test]
async fn access_token_checks() {
    let env = start().await;
    assert_eq!(errcode(&env.get("/cgi-bin/tags/get").await), 41001);
    assert_eq!(
        errcode(&env.get("/cgi-bin/tags/get?access_token=").await),
        41001
    );
    assert_eq!(env.probe("not%20a%20token!").await, 40014);
    assert_eq!(env.probe("wellformedbutunknown_0123456789").await, 40001);
}

#[tokio::test]
async fn daily_quota_then_reset_at_beijing_midnight() {
    let env = start().await;
    env.add_app(json!({"app_id": "wxq", "app_secret": "s", "token": "t", "callback_url": "", "daily_token_quota": 3})).await;
    for _ in 0..3 {
        env.token_for("wxq", "s").await;
    }
    let q = "/cgi-bin/token?grant_type=client_credential&appid=wxq&secret=s";
    assert_eq!(errcode(&env.get(q).await), 45009);
    // START = 2023-11-14T22:13:20Z = 06:13:20 Beijing; the next Beijing midnight is 17h46m40s later.
    env.advance(17 * 3600 + 46 * 60 + 39).await;
    assert_eq!(errcode(&env.get(q).await), 45009);
    env.advance(1).await;
    assert!(env.get(q).await["access_token"].is_string());
}

#[tokio::test]
async fn quota_get_and_clear() {
    let env = start().await;
    env.add_app(json!({"app_id": "wxq", "app_secret": "s", "token": "t", "callback_url": "", "daily_token_quota": 2})).await;
    env.token_for("wxq", "s").await;
    let token = env.token_for("wxq", "s").await;
    let q = "/cgi-bin/token?grant_type=client_credential&appid=wxq&secret=s";
    assert_eq!(errcode(&env.get(q).await), 45009);
    let quota = env
        .post(
            &format!("/cgi-bin/openapi/quota/get?access_token={token}"),
            json!({"cgi_path": "/cgi-bin/token"}),
        )
        .await;
    assert_eq!(
        quota["quota"],
        json!({"daily_limit": 2, "used": 2, "remain": 0})
    );
    let bad = |path: &'static str| {
        env.post_owned(
            format!("/cgi-bin/openapi/quota/get?access_token={token}"),
            json!({"cgi_path": path}),
        )
    };
    assert_eq!(errcode(&bad("cgi-bin/token").await), 76003);
    assert_eq!(errcode(&bad("/cgi-bin/nothing").await), 76021);
    assert_eq!(errcode(&bad("/sns/userinfo").await), 76022);
    // clear_quota (token) and clear_quota/v2 (secret) reset counters; 10 per month, then 48006.
    let cleared = env
        .post(
            &format!("/cgi-bin/clear_quota?access_token={token}"),
            json!({"appid": "wxq"}),
        )
        .await;
    assert_eq!(errcode(&cleared), 0);
    assert!(env.get(q).await["access_token"].is_string());
    assert_eq!(
        errcode(
            &env.post(
                &format!("/cgi-bin/clear_quota?access_token={token}"),
                json!({"appid": APP})
            )
            .await
        ),
        40013
    );
    assert_eq!(
        errcode(
            &env.post(
                "/cgi-bin/clear_quota/v2",
                json!({"appid": "wxq", "appsecret": "bad"})
            )
            .await
        ),
        40125
    );
    for _ in 1..10 {
        assert_eq!(
            errcode(
                &env.post(
                    "/cgi-bin/clear_quota/v2",
                    json!({"appid": "wxq", "appsecret": "s"})
                )
                .await
            ),
            0
        );
    }
    assert_eq!(
        errcode(
            &env.post(
                "/cgi-bin/clear_quota/v2",
                json!({"appid": "wxq", "appsecret": "s"})
            )
            .await
        ),
        48006
    );
}

#[tokio::test]
async fn stable_token_is_isolated_and_renews_in_the_last_five_minutes() {
    let env = start().await;
    let body = json!({"grant_type": "client_credential", "appid": APP, "secret": SECRET});
    let a = env.post("/cgi-bin/stable_token", body.clone()).await;
    let stable = a["access_token"].as_str().expect("token").to_owned();
    assert_eq!(a["expires_in"], 7200);
    env.advance(100).await;
    let b = env.post("/cgi-bin/stable_token", body.clone()).await;
    assert_eq!(b["access_token"], stable.as_str());
    assert_eq!(b["expires_in"], 7100);
    // cgi-bin/token does not touch the stable token, and vice versa.
    let basic = env.token().await;
    env.token().await;
    env.advance(300).await;
    assert_eq!(env.probe(&stable).await, 0);
    env.post("/cgi-bin/stable_token", body.clone()).await;
    assert_eq!(
        env.probe(&basic).await,
        40001,
        "superseded by the second cgi-bin/token call only"
    );
    // In the last 5 minutes a new token; the old one lives until its own expiry.
    env.advance(7200 - 400 - 300).await; // 300 s left
    let c = env.post("/cgi-bin/stable_token", body.clone()).await;
    let renewed = c["access_token"].as_str().expect("token").to_owned();
    assert_ne!(renewed, stable);
    assert_eq!(c["expires_in"], 7200);
    assert_eq!(env.probe(&stable).await, 0);
    env.advance(300).await;
    assert_eq!(env.probe(&stable).await, 42001);
    assert_eq!(env.probe(&renewed).await, 0);
}

#[tokio::test]
async fn stable_token_force_refresh_rules() {
    let env = start().await;
    let body = json!({"grant_type": "client_credential", "appid": APP, "secret": SECRET, "force_refresh": true});
    let first = env.post("/cgi-bin/stable_token", body.clone()).await["access_token"].clone();
    env.advance(31).await;
    let second = env.post("/cgi-bin/stable_token", body.clone()).await["access_token"].clone();
    assert_ne!(first, second);
    assert_eq!(
        env.probe(first.as_str().expect("s")).await,
        40001,
        "force refresh revokes at once"
    );
    env.advance(10).await;
    let third = env.post("/cgi-bin/stable_token", body.clone()).await["access_token"].clone();
    assert_eq!(
        second, third,
        "less than 30 s after the last force refresh: no refresh"
    );
    for _ in 2..20 {
        env.advance(31).await;
        assert!(env.post("/cgi-bin/stable_token", body.clone()).await["access_token"].is_string());
    }
    env.advance(31).await;
    assert_eq!(
        errcode(&env.post("/cgi-bin/stable_token", body.clone()).await),
        45009
    );
    let bad = json!({"grant_type": "client_credential", "appid": APP, "secret": "x"});
    assert_eq!(
        errcode(&env.post("/cgi-bin/stable_token", bad).await),
        40125
    );
    let text = env
        .http
        .post(env.url("/cgi-bin/stable_token"))
        .body("{")
        .send()
        .await
        .expect("send");
    assert_eq!(errcode(&text.json().await.expect("json")), 47001);
}

#[tokio::test]
async fn shorter_token_ttl_from_the_app_spec() {
    let env = start_with(SandboxConfig::default()).await;
    env.add_app(json!({"app_id": "wxt", "app_secret": "s", "token": "t", "callback_url": "", "token_ttl_secs": 60})).await;
    let v = env
        .get("/cgi-bin/token?grant_type=client_credential&appid=wxt&secret=s")
        .await;
    assert_eq!(v["expires_in"], 60);
    let token = v["access_token"].as_str().expect("token").to_owned();
    env.advance(60).await;
    assert_eq!(env.probe(&token).await, 42001);
}
