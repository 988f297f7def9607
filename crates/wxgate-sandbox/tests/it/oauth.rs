//! OAuth: consent page, code exchange, refresh, userinfo, auth.

use serde_json::Value;

use crate::common::{APP, Env, SECRET, errcode, start};

/// Authorize as `openid` and return the code from the redirect.
async fn authorize(env: &Env, openid: &str, scope: &str) -> String {
    let response = env
        .http
        .get(env.url("/connect/oauth2/authorize"))
        .query(&[
            ("appid", APP),
            ("redirect_uri", "https://example.com/cb?x=1"),
            ("response_type", "code"),
            ("scope", scope),
            ("state", "STATE123"),
            ("sandbox_openid", openid),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(
        location.starts_with("https://example.com/cb?x=1&code="),
        "{location}"
    );
    assert!(location.ends_with("&state=STATE123"), "{location}");
    let code = location
        .split("code=")
        .nth(1)
        .expect("code")
        .split('&')
        .next()
        .expect("code");
    code.to_owned()
}

async fn exchange(env: &Env, code: &str) -> Value {
    env.get(&format!(
        "/sns/oauth2/access_token?appid={APP}&secret={SECRET}&code={code}&grant_type=authorization_code"
    ))
    .await
}

#[tokio::test]
async fn consent_page_lists_virtual_users() {
    let env = start().await;
    let user = env.follower(APP).await;
    let page = env
        .http
        .get(env.url(&format!("/connect/oauth2/authorize?appid={APP}&redirect_uri=https%3A%2F%2Fexample.com%2F&response_type=code&scope=snsapi_userinfo&state=s")))
        .send()
        .await
        .expect("send");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains(&user));
    assert!(html.contains("name=sandbox_openid"));
    for (query, code) in [
        ("redirect_uri=x&scope=snsapi_base", "10012"),
        ("appid=wx0123456789abcdef&scope=snsapi_base", "10011"),
        ("appid=wx0123456789abcdef&redirect_uri=x", "10010"),
        (
            "appid=wx0123456789abcdef&redirect_uri=x&scope=snsapi_login",
            "10005",
        ),
    ] {
        let response = env
            .http
            .get(env.url(&format!("/connect/oauth2/authorize?{query}")))
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 400);
        assert!(
            response.text().await.expect("text").contains(code),
            "{query}"
        );
    }
}

#[tokio::test]
async fn code_exchange_refresh_userinfo_and_auth() {
    let env = start().await;
    let user = env.follower(APP).await;
    let code = authorize(&env, &user, "snsapi_userinfo").await;
    let token = exchange(&env, &code).await;
    assert_eq!(token["openid"], user.as_str());
    assert_eq!(token["scope"], "snsapi_userinfo");
    assert_eq!(token["expires_in"], 7200);
    assert_eq!(errcode(&exchange(&env, &code).await), 40163, "code reuse");
    assert_eq!(errcode(&exchange(&env, "nope").await), 40029);
    let wrong_secret = env.get(&format!("/sns/oauth2/access_token?appid={APP}&secret=x&code={code}&grant_type=authorization_code")).await;
    assert_eq!(errcode(&wrong_secret), 40125);
    let missing = env
        .get(&format!(
            "/sns/oauth2/access_token?appid={APP}&secret={SECRET}&grant_type=authorization_code"
        ))
        .await;
    assert_eq!(errcode(&missing), 41008);

    let access = token["access_token"].as_str().expect("access");
    let info = env
        .get(&format!(
            "/sns/userinfo?access_token={access}&openid={user}&lang=zh_CN"
        ))
        .await;
    assert_eq!(info["openid"], user.as_str());
    assert_eq!(info["sex"], 0);
    assert!(info["nickname"].is_string());
    assert_eq!(
        errcode(
            &env.get(&format!("/sns/userinfo?access_token={access}&openid=other"))
                .await
        ),
        40003
    );
    assert_eq!(
        errcode(
            &env.get(&format!("/sns/auth?access_token={access}&openid={user}"))
                .await
        ),
        0
    );
    assert_eq!(
        errcode(
            &env.get(&format!("/sns/auth?access_token=bogus&openid={user}"))
                .await
        ),
        40001
    );

    let refresh = token["refresh_token"].as_str().expect("refresh");
    let refreshed = env
        .get(&format!(
            "/sns/oauth2/refresh_token?appid={APP}&grant_type=refresh_token&refresh_token={refresh}"
        ))
        .await;
    assert_ne!(refreshed["access_token"], token["access_token"]);
    assert_eq!(refreshed["openid"], user.as_str());
    let bad = env
        .get(&format!(
            "/sns/oauth2/refresh_token?appid={APP}&grant_type=refresh_token&refresh_token=nope"
        ))
        .await;
    assert_eq!(errcode(&bad), 40030);

    env.advance(7200).await;
    assert_eq!(
        errcode(
            &env.get(&format!("/sns/auth?access_token={access}&openid={user}"))
                .await
        ),
        42001
    );
    env.advance(30 * 86_400).await;
    let expired = env
        .get(&format!(
            "/sns/oauth2/refresh_token?appid={APP}&grant_type=refresh_token&refresh_token={refresh}"
        ))
        .await;
    assert_eq!(errcode(&expired), 42002);
}

#[tokio::test]
async fn codes_expire_after_five_minutes_and_base_scope_cannot_read_userinfo() {
    let env = start().await;
    let user = env.new_user(APP).await;
    let code = authorize(&env, &user, "snsapi_base").await;
    env.advance(300).await;
    assert_eq!(errcode(&exchange(&env, &code).await), 40029);
    let code = authorize(&env, &user, "snsapi_base").await;
    let token = exchange(&env, &code).await;
    let access = token["access_token"].as_str().expect("access");
    assert_eq!(
        errcode(
            &env.get(&format!(
                "/sns/userinfo?access_token={access}&openid={user}"
            ))
            .await
        ),
        48001
    );
    let visitor = authorize(&env, "new", "snsapi_userinfo").await;
    assert!(exchange(&env, &visitor).await["openid"].is_string());
}

#[tokio::test]
async fn snapshot_users_and_unionids_show_in_token_answers() {
    let env = start().await;
    let snapshot = env
        .post(
            &format!("/sandbox/apps/{APP}/users"),
            serde_json::json!({"snapshot": true, "unionid": "uSNAP"}),
        )
        .await["openid"]
        .as_str()
        .expect("openid")
        .to_owned();
    let code = authorize(&env, &snapshot, "snsapi_userinfo").await;
    let token = exchange(&env, &code).await;
    assert_eq!(token["is_snapshotuser"], 1);
    assert_eq!(token["unionid"], "uSNAP");
    let plain = env.new_user(APP).await;
    let code = authorize(&env, &plain, "snsapi_base").await;
    let token = exchange(&env, &code).await;
    assert!(token.get("is_snapshotuser").is_none());
    assert!(token.get("unionid").is_none());
}
