//! The demo in headless Chromium: the sandbox's console (a new user, follow, a text and its
//! reply bubble, the menu, a QR scan) and the example H5 page (WeChat login through the gateway
//! and the sandbox's consent page, `wx.ready`, a share card recorded in the sandbox, and the
//! `config:invalid signature` path). A nickname that is HTML shows as text in both, never as
//! markup. Screenshots of both go to `$CARGO_TARGET_TMPDIR/screenshots/`.
//!
//! Skipped without `chromium` and `chromedriver`, unless `WXGATE_REQUIRE_BROWSER=1` (CI).

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use crate::demo_clock::Demo;
use crate::webdriver::{find_browser, open_browser, start_driver};

const APP_ID: &str = "wxd3e0000000000001";
const XSS: &str = "<img src=x onerror=alert(1)>";

async fn no_alert(client: &Client, what: &str) {
    if let Ok(text) = client.get_alert_text().await {
        panic!("{what}: an alert opened ({text:?}): user text ran as markup");
    }
}

/// Waits until the page's text contains `needle`.
async fn page_shows(client: &Client, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let body = client
            .find(Locator::Css("body"))
            .await
            .expect("body")
            .text()
            .await
            .unwrap_or_default();
        if body.contains(needle) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the page never showed {needle:?}; it shows:\n{body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn screenshot(client: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(name), png).expect("write screenshot");
    eprintln!("screenshot: {}", dir.join(name).display());
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_and_the_h5_page_in_headless_chromium() {
    let Some((chromium, chromedriver)) = find_browser() else {
        return;
    };
    let demo = Demo::start();
    let driver = start_driver(&chromedriver).await;
    let client = open_browser(&driver, &chromium).await;
    let outcome = std::panic::AssertUnwindSafe(run(&demo, &client));
    let outcome = futures::FutureExt::catch_unwind(outcome).await;
    let _ = client.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

async fn run(demo: &Demo, client: &Client) {
    // The console: a new user (named with HTML), who follows and chats.
    let started = Instant::now();
    client
        .goto(&demo.url("/sandbox/console"))
        .await
        .expect("console");
    page_shows(client, "Follow").await;
    click(client, "#newUser").await;
    client.send_alert_text(XSS).await.expect("nickname prompt");
    client.accept_alert().await.expect("accept prompt");
    tokio::time::sleep(Duration::from_millis(300)).await;
    no_alert(client, "the console after a new user").await;
    page_shows(client, XSS).await;
    click(client, "#follow").await;
    page_shows(client, "Welcome to the wxgate demo").await;
    client
        .find(Locator::Css("#text"))
        .await
        .expect("text box")
        .send_keys("hello")
        .await
        .expect("type");
    click(client, "#send").await;
    page_shows(client, "Hi there").await;
    let today = client
        .find(Locator::XPath(
            "//div[@id='menu']//button[normalize-space()='Today']",
        ))
        .await
        .expect("the menu's Today button");
    today.click().await.expect("click Today");
    page_shows(client, "Today's pick").await;
    let table = client
        .find(Locator::XPath(
            "//select[@id='qr']/option[contains(., 'table-1')]",
        ))
        .await
        .expect("the table-1 code");
    table.click().await.expect("choose table-1");
    click(client, "#scan").await;
    page_shows(client, "Welcome to table-1").await;
    no_alert(client, "the console").await;
    // The gateway's funnel, in the console beside the chat, shows the scan's follow.
    client
        .find(Locator::Css("#extras iframe[src='/demo/funnel']"))
        .await
        .expect("the funnel panel");
    screenshot(client, "console.png").await;
    client
        .execute("document.getElementById('extras').scrollIntoView()", vec![])
        .await
        .expect("scroll");
    tokio::time::sleep(Duration::from_millis(2500)).await; // the funnel page refreshes every 2 s
    screenshot(client, "console-funnel.png").await;
    eprintln!("console: {:?}", started.elapsed());

    // The H5 page: the JS-SDK is ready, the login goes through the consent page and back.
    let started = Instant::now();
    client.goto(&demo.url("/demo/h5/")).await.expect("h5 page");
    page_shows(client, "ready").await;
    click(client, "#login-button").await;
    page_shows(client, "Agree").await;
    no_alert(client, "the consent page").await;
    let me = client
        .find(Locator::XPath(&format!(
            "//label[.//span[@class='nick' and text()={}]]//input",
            xpath_literal(XSS)
        )))
        .await
        .expect("the user on the consent page");
    me.click().await.expect("pick the user");
    click(client, "#agree").await;
    page_shows(client, "openid ").await;
    let nickname = client
        .find(Locator::Css("#nickname"))
        .await
        .expect("nickname")
        .text()
        .await
        .expect("nickname text");
    assert_eq!(nickname, XSS, "the nickname shows as text");
    no_alert(client, "the H5 page after login").await;
    let url = client.current_url().await.expect("url");
    assert!(
        !url.as_str().contains("wxgate_ticket"),
        "the ticket leaves the URL: {url}"
    );
    page_shows(client, "ready").await;
    click(client, "#share").await;
    page_shows(client, "share card set").await;
    screenshot(client, "h5.png").await;
    let shares: Value = demo.get(&format!("/sandbox/apps/{APP_ID}/shares")).await;
    let titles: Vec<&str> = shares
        .as_array()
        .expect("shares")
        .iter()
        .filter_map(|s| s["title"].as_str())
        .collect();
    assert!(titles.contains(&"wxgate H5 example"), "{shares}");

    // A page whose signature is wrong gets WeChat's own message.
    let answer = client
        .execute_async(
            "var done = arguments[arguments.length - 1];
             var cfg = arguments[0];
             wx.config(cfg);
             wx.ready(function () { done({ready: true}); });
             wx.error(function (res) { done({error: res.errMsg}); });",
            vec![json!({
                "debug": false, "appId": APP_ID, "timestamp": 1_700_000_000u64,
                "nonceStr": "Wm3WZYTPz0wzccnW", "signature": "0".repeat(40),
                "jsApiList": ["scanQRCode"],
            })],
        )
        .await
        .expect("wx.config");
    assert_eq!(answer["error"], "config:invalid signature", "{answer}");
    eprintln!("h5: {:?}", started.elapsed());
}

/// `text` as an XPath string literal (it has no double quote).
fn xpath_literal(text: &str) -> String {
    assert!(!text.contains('"'));
    format!("\"{text}\"")
}
