//! Web authorization: code exchange, refresh, userinfo and auth against the sandbox.

use wxgate_api::endpoint::sns::oauth2::{WebToken, access_token, refresh_token};
use wxgate_api::endpoint::sns::{auth, userinfo};
use wxgate_api::{AppSecret, ErrCode, Secret};

use crate::common::{APP_ID, APP_SECRET, Env};

/// Authorizes as `openid` in the sandbox (its test shortcut consents at once) and returns the
/// code WeChat appends to the redirect.
async fn authorize(env: &Env, openid: &str, scope: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = http
        .get(format!("{}/connect/oauth2/authorize", env.base_url()))
        .query(&[
            ("appid", APP_ID),
            ("redirect_uri", "https://example.com/cb"),
            ("response_type", "code"),
            ("scope", scope),
            ("state", "S"),
            ("sandbox_openid", openid),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let query = location.split_once('?').unwrap().1;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    pairs
        .into_iter()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v)
        .expect("a code in the redirect")
}

async fn exchange(env: &Env, code: &str) -> Result<WebToken, wxgate_api::Error> {
    env.client()
        .call(&access_token::Request::new(
            APP_ID,
            AppSecret::new(APP_SECRET),
            code,
        ))
        .await
}

#[tokio::test]
async fn a_code_becomes_a_web_token_that_reads_the_profile() {
    let env = Env::start().await;
    let openid = env.follower().await;
    let code = authorize(&env, &openid, "snsapi_userinfo").await;
    let token = exchange(&env, &code).await.unwrap();
    assert_eq!(token.openid.as_str(), openid);
    assert!(token.has_scope("snsapi_userinfo"));
    assert!(!token.is_snapshot_user());
    assert_eq!(token.expires_in, 7200);
    let debug = format!("{token:?}");
    assert!(!debug.contains(token.access_token.expose()), "{debug}");

    let client = env.client();
    let profile = client
        .call(&userinfo::Request::new(token.access_token.clone(), openid.as_str()).lang("en"))
        .await
        .unwrap();
    assert_eq!(profile.openid.as_str(), openid);
    assert_eq!(profile.nickname, "tester");
    assert_eq!(profile.sex, 0);

    client
        .call(&auth::Request::new(
            token.access_token.clone(),
            openid.as_str(),
        ))
        .await
        .unwrap();
    let error = client
        .call(&auth::Request::new(
            token.access_token.clone(),
            "o-someone-else",
        ))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::InvalidOpenId), "{error}");

    let renewed = client
        .call(&refresh_token::Request::new(
            APP_ID,
            token.refresh_token.clone(),
        ))
        .await
        .unwrap();
    assert_eq!(renewed.openid.as_str(), openid);
    assert_ne!(renewed.access_token, token.access_token);
    client
        .call(&auth::Request::new(renewed.access_token, openid.as_str()))
        .await
        .unwrap();
}

#[tokio::test]
async fn codes_work_once_and_scopes_are_enforced() {
    let env = Env::start().await;
    let openid = env.follower().await;
    let code = authorize(&env, &openid, "snsapi_base").await;
    let token = exchange(&env, &code).await.unwrap();
    assert!(token.has_scope("snsapi_base"));

    let again = exchange(&env, &code).await.unwrap_err();
    assert_eq!(again.errcode(), Some(ErrCode::CodeBeenUsed), "{again}");
    assert_eq!(again.path(), Some("/sns/oauth2/access_token"));
    let unknown = exchange(&env, "not-a-code").await.unwrap_err();
    assert_eq!(unknown.errcode(), Some(ErrCode::InvalidCode), "{unknown}");

    // A base-scope token cannot read the profile.
    let error = env
        .client()
        .call(&userinfo::Request::new(token.access_token, openid.as_str()))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::ApiUnauthorized), "{error}");

    let error = env
        .client()
        .call(&refresh_token::Request::new(
            APP_ID,
            Secret::new("not-a-refresh-token"),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        error.errcode(),
        Some(ErrCode::InvalidRefreshToken),
        "{error}"
    );
    // The secret of a failed exchange is nowhere in the error.
    let error = env
        .client()
        .call(&access_token::Request::new(
            APP_ID,
            AppSecret::new("wrong-secret-value"),
            "code",
        ))
        .await
        .unwrap_err();
    assert!(!format!("{error} {error:?}").contains("wrong-secret-value"));
}
