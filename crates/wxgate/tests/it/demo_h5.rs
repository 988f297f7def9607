//! The demo serves the example H5 page of `examples/h5/`, and its login round trip works: the
//! gateway's login, the sandbox's consent, back to the page with a ticket that the demo's
//! backend route redeems once; the page's JS-SDK config is signed.

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

use crate::demo_clock::Demo;

const APP_ID: &str = "wxd3e0000000000001";

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()[LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_h5_page_logs_in_through_the_gateway_and_gets_a_signed_config() {
    let demo = Demo::start();
    let page = demo.http.get(demo.url("/demo/h5/")).send().await.unwrap();
    assert!(page.status().is_success());
    let html = page.text().await.unwrap();
    assert!(html.contains("/open/js/jweixin-1.6.0.js"), "{html}");
    let script = demo
        .http
        .get(demo.url("/demo/h5/app.js"))
        .send()
        .await
        .unwrap();
    assert!(script.text().await.unwrap().contains("wx.config"));

    let user = demo
        .post(
            &format!("/sandbox/apps/{APP_ID}/users"),
            json!({"nickname": "<b>Mei</b>"}),
        )
        .await;
    let openid = user["openid"].as_str().unwrap();
    let browser = no_redirects();
    let back_to = demo.url("/demo/h5/");
    let login = browser
        .get(demo.url("/oauth/demo/login"))
        .query(&[("redirect", back_to.as_str()), ("scope", "snsapi_userinfo")])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 302);
    let cookie = login.headers()[SET_COOKIE].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let authorize = location(&login);
    let authorize = authorize.trim_end_matches("#wechat_redirect");
    let consented = browser
        .get(format!("{authorize}&sandbox_openid={openid}"))
        .send()
        .await
        .unwrap();
    assert_eq!(consented.status(), 302);
    let callback = browser
        .get(location(&consented))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(callback.status(), 302, "{:?}", callback.text().await);
    let back = location(&callback);
    assert!(
        back.starts_with(&format!("{back_to}?wxgate_ticket=")),
        "{back}"
    );
    let ticket = back.split("wxgate_ticket=").nth(1).unwrap();

    let session = |ticket: String| {
        let http = demo.http.clone();
        let url = demo.url(&format!("/demo/h5/session?ticket={ticket}"));
        async move {
            let response = http.get(url).send().await.unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    };
    let (status, login) = session(ticket.to_owned()).await;
    assert_eq!(status, 200, "{login}");
    assert_eq!(login["openid"], openid);
    assert_eq!(login["user"]["nickname"], "<b>Mei</b>");
    assert_eq!(session(ticket.to_owned()).await.0, 410);

    let config = demo
        .get(&format!(
            "/jssdk/demo/config?url={}&jsApiList=scanQRCode",
            urlencode(&back_to)
        ))
        .await;
    assert_eq!(config["appId"], APP_ID);
    assert_eq!(config["signature"].as_str().unwrap().len(), 40);
}

fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
