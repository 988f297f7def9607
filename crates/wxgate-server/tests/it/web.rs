//! The H5 side: WeChat login through the gateway (with the sandbox's authorize page as
//! WeChat's) and its refusals, and JS-SDK configs for pages without a backend.

use std::time::Duration;

use reqwest::Method;
use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use serde_json::{Value, json};

use crate::world::{World, world};

const APP_ID: &str = "wxweb000000000001";
const KEY: &str = "web-test-key-1234";
/// Where pages live; nothing listens there: the tests read the redirects.
const SHOP: &str = "http://127.0.0.1:9";

async fn start(ticket_ttl: u64) -> World {
    world(APP_ID, "web-secret", "webtoken")
        .api_key(KEY)
        .accounts(&format!(
            r#"
[accounts.oauth]
allowed_redirects = ["{SHOP}"]
ticket_ttl_secs = {ticket_ttl}
[accounts.jssdk]
domains = ["127.0.0.1:9", "pages.example.com"]
"#
        ))
        .start()
        .await
}

/// A client that does not follow redirects, as the tests read each hop.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .unwrap_or_else(|| panic!("no Location: {response:?}"))
        .to_str()
        .unwrap()
        .to_owned()
}

/// A started login: the authorize URL (without `#wechat_redirect`), its state and the cookie.
struct Login {
    authorize: String,
    state: String,
    cookie: String,
}

async fn login(world: &World, redirect: &str, scope: &str) -> Login {
    let response = browser()
        .get(format!("{}/oauth/main/login", world.gateway_url))
        .query(&[("redirect", redirect), ("scope", scope)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302, "{response:?}");
    let cookie = response
        .headers()
        .get(SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let authorize = location(&response);
    assert!(
        authorize.starts_with(&format!(
            "{}/connect/oauth2/authorize?appid={APP_ID}",
            world.sandbox.base_url()
        )),
        "{authorize}"
    );
    let authorize = authorize.trim_end_matches("#wechat_redirect").to_owned();
    let state = reqwest::Url::parse(&authorize)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    Login {
        authorize,
        state,
        cookie,
    }
}

/// The user `openid` consents on the sandbox's page: the callback URL WeChat redirects to.
async fn consent(login: &Login, openid: &str) -> String {
    let response = browser()
        .get(format!("{}&sandbox_openid={openid}", login.authorize))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302, "{response:?}");
    location(&response)
}

/// The browser arrives at the callback (with `cookie`, if any): status and Location or text.
async fn arrive(callback: &str, cookie: Option<&str>) -> (u16, String) {
    let mut request = browser().get(callback);
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    if status == 302 {
        (status, location(&response))
    } else {
        (status, response.text().await.unwrap())
    }
}

fn param(url: &str, name: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

async fn redeem(world: &World, ticket: &str) -> (u16, Value) {
    world
        .api(
            Method::POST,
            &format!("/v1/accounts/main/oauth/tickets/{ticket}"),
            Some(KEY),
            None,
        )
        .await
}

async fn user(world: &World, nickname: &str) -> String {
    let (openid, _) = world.new_follower(json!({"nickname": nickname})).await;
    openid
}

#[tokio::test]
async fn a_userinfo_login_round_trip_hands_the_backend_the_user_once() {
    let world = start(300).await;
    let openid = user(&world, "<img src=x onerror=alert(1)>").await;
    let login = login(
        &world,
        &format!("{SHOP}/after?cart=7#top"),
        "snsapi_userinfo",
    )
    .await;
    let callback = consent(&login, &openid).await;
    assert!(callback.starts_with(&format!("{}/oauth/main/callback?", world.gateway_url)));
    let (status, back) = arrive(&callback, Some(&login.cookie)).await;
    assert_eq!(status, 302, "{back}");
    assert!(
        back.starts_with(&format!("{SHOP}/after?cart=7&wxgate_ticket=")),
        "{back}"
    );
    assert!(back.ends_with("#top"), "{back}");
    let ticket = param(&back, "wxgate_ticket").unwrap();

    let (status, body) = redeem(&world, &ticket).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["openid"], openid.as_str());
    assert_eq!(body["scope"], "snsapi_userinfo");
    assert_eq!(body["user"]["nickname"], "<img src=x onerror=alert(1)>");
    // Once only.
    let (status, body) = redeem(&world, &ticket).await;
    assert_eq!(status, 410, "{body}");
    assert_eq!(body["error"], "ticket_redeemed");
    // Not without a key.
    let (status, _) = world
        .api(
            Method::POST,
            &format!("/v1/accounts/main/oauth/tickets/{ticket}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_code_presented_twice_is_answered_from_the_first_exchange() {
    let world = start(300).await;
    let openid = user(&world, "Bo").await;
    let login = login(&world, &format!("{SHOP}/"), "snsapi_base").await;
    let callback = consent(&login, &openid).await;
    let (first, back1) = arrive(&callback, Some(&login.cookie)).await;
    let (second, back2) = arrive(&callback, Some(&login.cookie)).await;
    assert_eq!((first, second), (302, 302), "{back1} / {back2}");
    let (t1, t2) = (
        param(&back1, "wxgate_ticket").unwrap(),
        param(&back2, "wxgate_ticket").unwrap(),
    );
    assert_ne!(t1, t2);
    assert_eq!(redeem(&world, &t1).await.1["openid"], openid.as_str());
    let (_, body) = redeem(&world, &t2).await;
    assert_eq!(body["openid"], openid.as_str());
    assert_eq!(body["user"], Value::Null);
    assert_eq!(world.calls("sns/oauth2/access_token").await, 1);
}

#[tokio::test]
async fn forged_foreign_and_reused_states_are_refused() {
    let world = start(300).await;
    let openid = user(&world, "Cy").await;
    let login = login(&world, &format!("{SHOP}/"), "snsapi_base").await;
    let callback = consent(&login, &openid).await;

    // A state the gateway never issued.
    let forged = callback.replace(&login.state, "Forged0State0000000000000000000");
    let (status, text) = arrive(&forged, Some(&login.cookie)).await;
    assert_eq!(status, 400, "{text}");
    // The right state from a browser without its cookie (or with another's).
    let (status, text) = arrive(&callback, None).await;
    assert_eq!(status, 403, "{text}");
    let (status, _) = arrive(
        &callback,
        Some(&format!("wxgate_oauth_{}=other", login.state)),
    )
    .await;
    assert_eq!(status, 403);

    // Used once, then presented with another code.
    assert_eq!(arrive(&callback, Some(&login.cookie)).await.0, 302);
    let another = consent(&login, &openid).await;
    let (status, text) = arrive(&another, Some(&login.cookie)).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("already used"), "{text}");
}

#[tokio::test]
async fn an_unknown_code_and_an_outside_redirect_are_refused() {
    let world = start(300).await;
    let login = login(&world, &format!("{SHOP}/"), "snsapi_base").await;
    let unknown = format!(
        "{}/oauth/main/callback?code=NoSuchCode&state={}",
        world.gateway_url, login.state
    );
    let (status, text) = arrive(&unknown, Some(&login.cookie)).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("code"), "{text}");

    for outside in [
        "https://evil.example.com/",
        "http://127.0.0.1:10/",
        "http://127.0.0.1:9@evil.example.com/",
        "javascript:alert(1)",
    ] {
        let response = browser()
            .get(format!("{}/oauth/main/login", world.gateway_url))
            .query(&[("redirect", outside)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{outside}");
        assert!(response.headers().get(LOCATION).is_none());
    }
    let response = browser()
        .get(format!(
            "{}/oauth/main/login?redirect={SHOP}/&scope=snsapi_login",
            world.gateway_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn tickets_expire_and_unknown_ones_are_not_found() {
    let world = start(1).await;
    let openid = user(&world, "Di").await;
    let login = login(&world, &format!("{SHOP}/"), "snsapi_base").await;
    let (_, back) = arrive(&consent(&login, &openid).await, Some(&login.cookie)).await;
    let ticket = param(&back, "wxgate_ticket").unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (status, body) = redeem(&world, &ticket).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"], "unknown_ticket");
    assert_eq!(redeem(&world, "NoSuchTicket").await.0, 404);
}

#[tokio::test]
async fn a_declined_login_returns_to_the_page_with_an_error() {
    let world = start(300).await;
    let login = login(&world, &format!("{SHOP}/"), "snsapi_userinfo").await;
    let declined = format!(
        "{}/oauth/main/callback?state={}",
        world.gateway_url, login.state
    );
    let (status, back) = arrive(&declined, Some(&login.cookie)).await;
    assert_eq!(status, 302);
    assert_eq!(
        param(&back, "wxgate_error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(param(&back, "wxgate_ticket"), None);
}

async fn jssdk(world: &World, url: &str, origin: Option<&str>) -> reqwest::Response {
    let mut request = world
        .http
        .get(format!("{}/jssdk/main/config", world.gateway_url))
        .query(&[
            ("url", url),
            ("jsApiList", "updateAppMessageShareData,scanQRCode"),
        ]);
    if let Some(origin) = origin {
        request = request.header(ORIGIN, origin);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn jssdk_configs_are_signed_for_the_domains_pages_only() {
    let world = start(300).await;
    let page = "http://127.0.0.1:9/shop/item?id=7#reviews";
    let response = jssdk(&world, page, Some("http://127.0.0.1:9")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "http://127.0.0.1:9"
    );
    let config: Value = response.json().await.unwrap();
    assert_eq!(config["appId"], APP_ID);
    assert_eq!(
        config["jsApiList"],
        json!(["updateAppMessageShareData", "scanQRCode"])
    );
    let tickets = world
        .sandbox(
            Method::GET,
            &format!("/sandbox/apps/{APP_ID}/tickets"),
            None,
        )
        .await;
    let ticket = tickets["jsapi"][0]["ticket"].as_str().unwrap();
    let expected = wxgate_proto::jssdk::config_signature(
        ticket,
        config["nonceStr"].as_str().unwrap(),
        config["timestamp"].as_u64().unwrap(),
        "http://127.0.0.1:9/shop/item?id=7",
    );
    assert_eq!(
        config["signature"],
        expected.as_str(),
        "signed without the fragment"
    );

    // Any port of a domain listed without one; not other hosts, ports or origins.
    assert_eq!(
        jssdk(&world, "https://pages.example.com:8443/a", None)
            .await
            .status(),
        200
    );
    for outside in [
        "http://127.0.0.1:10/",
        "https://evil.example.com/",
        "https://sub.pages.example.com/",
    ] {
        assert_eq!(
            jssdk(&world, outside, None).await.status(),
            403,
            "{outside}"
        );
    }
    assert_eq!(jssdk(&world, "not a url", None).await.status(), 400);
    let foreign = jssdk(&world, page, Some("https://evil.example.com")).await;
    assert_eq!(
        foreign.status(),
        200,
        "a page's URL is public; only CORS is withheld"
    );
    assert!(
        foreign
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn accounts_without_the_web_side_refuse_it() {
    let world = world(APP_ID, "web-secret", "webtoken").start().await;
    let response = browser()
        .get(format!(
            "{}/oauth/main/login?redirect={SHOP}/",
            world.gateway_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(
        jssdk(&world, "http://127.0.0.1:9/", None).await.status(),
        404
    );
    let response = browser()
        .get(format!(
            "{}/oauth/nobody/login?redirect={SHOP}/",
            world.gateway_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

async fn login_user(world: &World, openid: &str) -> (u16, Value) {
    world
        .api(
            Method::GET,
            &format!("/v1/accounts/main/oauth/users/{openid}"),
            Some(KEY),
            None,
        )
        .await
}

#[tokio::test]
async fn kept_web_tokens_are_checked_refreshed_and_given_up_when_refused() {
    let world = start(300).await;
    let openid = user(&world, "Eve").await;
    assert_eq!(login_user(&world, &openid).await.0, 404, "no login yet");
    let login = login(&world, &format!("{SHOP}/"), "snsapi_userinfo").await;
    let (status, _) = arrive(&consent(&login, &openid).await, Some(&login.cookie)).await;
    assert_eq!(status, 302);

    let (status, body) = login_user(&world, &openid).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["nickname"], "Eve");
    assert_eq!(world.calls("sns/auth").await, 1);
    assert_eq!(world.calls("sns/oauth2/refresh_token").await, 0);

    // Three hours on, WeChat refuses the web access token: it is refreshed once.
    world
        .sandbox(
            Method::POST,
            "/sandbox/clock",
            Some(json!({"advance_secs": 3 * 3600})),
        )
        .await;
    let (status, body) = login_user(&world, &openid).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["nickname"], "Eve");
    assert_eq!(world.calls("sns/oauth2/refresh_token").await, 1);
    let (status, _) = login_user(&world, &openid).await;
    assert_eq!(status, 200);
    assert_eq!(
        world.calls("sns/oauth2/refresh_token").await,
        1,
        "the refreshed token is kept"
    );

    // A month on, the refresh token is refused too: the user must log in again.
    world
        .sandbox(
            Method::POST,
            "/sandbox/clock",
            Some(json!({"advance_secs": 31 * 86_400})),
        )
        .await;
    let (status, body) = login_user(&world, &openid).await;
    assert_eq!(status, 410, "{body}");
    assert_eq!(body["error"], "login_expired");
    assert_eq!(login_user(&world, &openid).await.0, 404, "given up");
}
