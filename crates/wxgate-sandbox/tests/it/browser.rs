//! Browser tests: Debian's headless `chromium`, driven over WebDriver (`chromedriver`, started
//! here on a free port) with `fantoccini`, against a sandbox and a test page served on another
//! loopback origin.
//!
//! WebDriver rather than the DevTools protocol: `chromium-driver` is built from the same source
//! as `chromium` (their versions always match), the protocol is a W3C standard, and it reports
//! an `alert()` left open by the page, which is how the escaping checks see a script that ran.
//!
//! One browser session runs every scenario in turn (starting Chromium costs more than all of
//! them); each scenario's time is printed. Without `chromium` and `chromedriver` on the `PATH`
//! the test prints `skipped: …` and passes, unless `WXGATE_REQUIRE_BROWSER=1` (CI): then it
//! fails.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use futures::FutureExt as _;
use serde_json::{Value, json};

use crate::common::{APP, Env, SECRET, jssdk_signature, start};
use crate::webdriver::{find_browser, open_browser, start_driver};

const XSS: &str = "<img src=x onerror=alert(1)>";
const NONCE: &str = "Wm3WZYTPz0wzccnW";
const TIMESTAMP: u64 = 1_700_000_000;

/// The test page's server: `/page` loads the sandbox's `jweixin-1.6.0.js`; `/cb` is an OAuth
/// redirect target.
async fn serve_pages(sandbox: &str) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>H5 test page</title>\
         <script src=\"{sandbox}/open/js/jweixin-1.6.0.js\"></script><p id=loaded>loaded</p>"
    );
    let router = axum::Router::new()
        .route(
            "/page",
            axum::routing::get(move || {
                let page = page.clone();
                async move { axum::response::Html(page) }
            }),
        )
        .route(
            "/cb",
            axum::routing::get(|| async {
                axum::response::Html("<!doctype html><title>callback</title><p id=cb>back</p>")
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (addr, task)
}

/// `wx.config` for `url`, signed with `ticket` (or with a wrong signature).
fn config(url: &str, ticket: &str, apis: &[&str]) -> Value {
    json!({
        "debug": false, "appId": APP, "timestamp": TIMESTAMP, "nonceStr": NONCE,
        "signature": jssdk_signature(ticket, NONCE, TIMESTAMP, url),
        "jsApiList": apis,
    })
}

/// Runs `wx.config(arguments[0])` in the page; answers `{"ready": true}` or `{"error": errMsg}`.
const CONFIG_ONLY: &str = "var done = arguments[arguments.length - 1];
    wx.config(arguments[0]);
    wx.ready(function () { done({ ready: true }); });
    wx.error(function (res) { done({ error: res.errMsg }); });";

/// An API called before the config resolves, then the config, then a share card, the location
/// and an API missing from `jsApiList`.
const FULL_RUN: &str = "var cfg = arguments[0], card = arguments[1], done = arguments[arguments.length - 1];
    var out = {};
    wx.getNetworkType({ fail: function (res) { out.early = res.errMsg; } });
    wx.config(cfg);
    wx.error(function (res) { out.error = res.errMsg; done(out); });
    wx.ready(function () {
      out.ready = true;
      card.success = function (res) {
        out.share = res.errMsg;
        wx.getLocation({ type: 'wgs84', success: function (res) {
          out.location = res;
          wx.chooseImage({ count: 1, complete: function (res) { out.image = res.errMsg; done(out); } });
        }, fail: function (res) { out.location = res; done(out); } });
      };
      card.fail = function (res) { out.share = res.errMsg; done(out); };
      wx.updateAppMessageShareData(card);
    });";

async fn no_alert(client: &Client, what: &str) {
    if let Ok(text) = client.get_alert_text().await {
        panic!("{what}: an alert opened ({text:?}): user text ran as markup");
    }
}

struct Fixture {
    env: Env,
    pages: SocketAddr,
    ticket: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_in_headless_chromium() {
    let Some((chromium, chromedriver)) = find_browser() else {
        return;
    };
    let started = Instant::now();
    let driver = start_driver(&chromedriver).await;
    let client = open_browser(&driver, &chromium).await;
    eprintln!("browser session: {:?}", started.elapsed());

    let env = start().await;
    let app = json!({
        "app_id": APP, "app_secret": SECRET, "token": "tok", "mode": "plaintext",
        "js_domains": ["127.0.0.1"], "oauth_domains": ["127.0.0.1"],
    });
    assert_eq!(env.add_app(app).await, 200);
    let (pages, page_task) = serve_pages(&env.running.base_url()).await;
    let ticket = env.jsapi_ticket(APP, SECRET).await;
    let fixture = Fixture { env, pages, ticket };

    let outcome = std::panic::AssertUnwindSafe(async {
        for (name, scenario) in [
            (
                "jssdk ready, share card, device values, permission denied",
                0,
            ),
            ("jssdk invalid signature", 1),
            ("jssdk invalid url domain", 2),
            (
                "consent page: escaped nickname, pick a user, agree, refuse",
                3,
            ),
            ("console shows the share card as text", 4),
        ] {
            let at = Instant::now();
            match scenario {
                0 => ready_and_share(&client, &fixture).await,
                1 => invalid_signature(&client, &fixture).await,
                2 => invalid_domain(&client, &fixture).await,
                3 => consent(&client, &fixture).await,
                _ => console(&client, &fixture).await,
            }
            eprintln!("{name}: {:?}", at.elapsed());
        }
    })
    .catch_unwind()
    .await;
    // Close the session (and with it Chromium) before reporting a failure.
    let _ = client.close().await;
    page_task.abort();
    drop(driver);
    eprintln!("browser tests in all: {:?}", started.elapsed());
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

async fn ready_and_share(client: &Client, f: &Fixture) {
    f.env
        .post(
            &format!("/sandbox/apps/{APP}/device"),
            json!({"latitude": 39.9042, "longitude": 116.4074, "accuracy": 15.0}),
        )
        .await;
    let url = format!("http://{}/page?case=share&x=1", f.pages);
    // The fragment is not part of the signed URL.
    client.goto(&format!("{url}#top")).await.expect("goto");
    let card = json!({
        "title": XSS, "desc": "a <b>bold</b> offer",
        "link": format!("http://{}/page?from=share", f.pages),
        "imgUrl": format!("http://{}/cover.png", f.pages),
    });
    let cfg = config(
        &url,
        &f.ticket,
        &["updateAppMessageShareData", "getLocation", "getNetworkType"],
    );
    let out = client
        .execute_async(FULL_RUN, vec![cfg, card])
        .await
        .expect("script");
    assert_eq!(out["early"], "getNetworkType:permission denied", "{out}");
    assert_eq!(out["ready"], true, "{out}");
    assert_eq!(out["share"], "updateAppMessageShareData:ok", "{out}");
    assert_eq!(out["location"]["errMsg"], "getLocation:ok", "{out}");
    assert_eq!(out["location"]["latitude"], 39.9042, "{out}");
    assert_eq!(out["location"]["longitude"], 116.4074, "{out}");
    assert_eq!(out["image"], "chooseImage:permission denied", "{out}");
    let shares = f.env.get(&format!("/sandbox/apps/{APP}/shares")).await;
    let last = shares
        .as_array()
        .and_then(|s| s.last())
        .expect("a share card");
    assert_eq!(last["title"], XSS);
    assert_eq!(last["desc"], "a <b>bold</b> offer");
    assert_eq!(last["api"], "updateAppMessageShareData");
    assert_eq!(last["page"], url.as_str());
}

async fn invalid_signature(client: &Client, f: &Fixture) {
    let url = format!("http://{}/page?case=bad-signature", f.pages);
    client.goto(&url).await.expect("goto");
    let mut cfg = config(&url, &f.ticket, &["getLocation"]);
    cfg["signature"] = json!(jssdk_signature(
        &f.ticket,
        NONCE,
        TIMESTAMP,
        "http://elsewhere.example/"
    ));
    let out = client
        .execute_async(CONFIG_ONLY, vec![cfg])
        .await
        .expect("script");
    assert_eq!(out, json!({"error": "config:invalid signature"}));
}

async fn invalid_domain(client: &Client, f: &Fixture) {
    // The same page server under another host name: not in js_domains (["127.0.0.1"]).
    let url = format!("http://localhost:{}/page?case=domain", f.pages.port());
    client.goto(&url).await.expect("goto");
    let cfg = config(&url, &f.ticket, &["getLocation"]);
    let out = client
        .execute_async(CONFIG_ONLY, vec![cfg])
        .await
        .expect("script");
    assert_eq!(out, json!({"error": "config:invalid url domain"}));
}

async fn consent(client: &Client, f: &Fixture) {
    let users = format!("/sandbox/apps/{APP}/users");
    let evil = f.env.post(&users, json!({"nickname": XSS})).await["openid"]
        .as_str()
        .expect("openid")
        .to_owned();
    let alice = f.env.post(&users, json!({"nickname": "Alice"})).await["openid"]
        .as_str()
        .expect("openid")
        .to_owned();
    let authorize = format!(
        "{}/connect/oauth2/authorize?appid={APP}&redirect_uri={}&response_type=code&scope=snsapi_userinfo&state=st8#wechat_redirect",
        f.env.running.base_url(),
        percent_encode(&format!("http://{}/cb?from=login", f.pages)),
    );
    client.goto(&authorize).await.expect("goto");
    no_alert(client, "consent page").await;
    let nicknames = client
        .execute(
            "return Array.prototype.map.call(document.querySelectorAll('.nick'), function (e) { return e.textContent; });",
            vec![],
        )
        .await
        .expect("script");
    assert!(
        nicknames.as_array().expect("list").contains(&json!(XSS)),
        "the nickname shows as text: {nicknames}"
    );
    let mut shown = false;
    for nick in client
        .find_all(Locator::Css(".nick"))
        .await
        .expect("nicknames")
    {
        if nick.text().await.expect("text") == XSS {
            shown = nick.is_displayed().await.expect("displayed");
        }
    }
    assert!(shown, "the nickname is visible as text");
    let images = client
        .execute("return document.images.length;", vec![])
        .await
        .expect("script");
    assert_eq!(images, 0, "the nickname made an <img>");
    assert!(
        client
            .find(Locator::Css(&format!("input[value='{evil}']")))
            .await
            .is_ok()
    );

    client
        .find(Locator::Css(&format!("input[value='{alice}']")))
        .await
        .expect("Alice")
        .click()
        .await
        .expect("pick Alice");
    client
        .find(Locator::Id("agree"))
        .await
        .expect("agree")
        .click()
        .await
        .expect("agree");
    let back = wait_for_path(client, "/cb").await;
    let query: Vec<(String, String)> = back
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |key: &str| query.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    assert_eq!(get("from").as_deref(), Some("login"));
    assert_eq!(get("state").as_deref(), Some("st8"));
    let code = get("code").expect("a code");
    let token = f
        .env
        .get(&format!(
            "/sns/oauth2/access_token?appid={APP}&secret={SECRET}&code={code}&grant_type=authorization_code"
        ))
        .await;
    assert_eq!(token["openid"], alice.as_str(), "{token}");
    assert_eq!(token["scope"], "snsapi_userinfo");

    client.goto(&authorize).await.expect("goto");
    client
        .find(Locator::Id("refuse"))
        .await
        .expect("refuse")
        .click()
        .await
        .expect("refuse");
    let back = wait_for_path(client, "/cb").await;
    assert_eq!(
        back.query(),
        Some("from=login&state=st8"),
        "no code: {back}"
    );
}

async fn console(client: &Client, f: &Fixture) {
    client
        .goto(&format!(
            "{}/sandbox/console?app={APP}",
            f.env.running.base_url()
        ))
        .await
        .expect("goto");
    let title = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#shares .share .t"))
        .await
        .expect("a share card in the console");
    assert_eq!(title.text().await.expect("text"), XSS);
    no_alert(client, "console").await;
    let images = client
        .execute(
            "return Array.prototype.map.call(document.querySelectorAll('#shares img'), function (i) { return i.getAttribute('src'); });",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(
        images,
        json!([format!("http://{}/cover.png", f.pages)]),
        "only the card's own image"
    );
    let desc = client
        .find(Locator::Css("#shares .share .d"))
        .await
        .expect("desc")
        .text()
        .await
        .expect("text");
    assert_eq!(desc, "a <b>bold</b> offer");

    // The phone's answers, set from the console.
    client
        .find(Locator::Css("#device summary"))
        .await
        .expect("device panel")
        .click()
        .await
        .expect("open");
    client
        .wait()
        .at_most(Duration::from_secs(5))
        .for_element(Locator::Css("#dvNet option[value='2g']"))
        .await
        .expect("network options")
        .click()
        .await
        .expect("pick 2g");
    let scan = client
        .find(Locator::Id("dvScan"))
        .await
        .expect("scan input");
    scan.clear().await.expect("clear");
    scan.send_keys("EAN_13,6901234567892").await.expect("type");
    client
        .find(Locator::Id("dvSave"))
        .await
        .expect("save")
        .click()
        .await
        .expect("save");
    let mut device = Value::Null;
    for _ in 0..100 {
        device = f.env.get(&format!("/sandbox/apps/{APP}/device")).await;
        if device["network_type"] == "2g" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(device["network_type"], "2g", "{device}");
    assert_eq!(device["scan_result"], "EAN_13,6901234567892", "{device}");
    assert_eq!(
        device["latitude"], 39.9042,
        "the other values are kept: {device}"
    );
}

async fn wait_for_path(client: &Client, path: &str) -> reqwest::Url {
    for _ in 0..100 {
        if let Ok(url) = client.current_url().await
            && url.path() == path
        {
            return url;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the browser did not reach {path}: at {:?}",
        client.current_url().await
    );
}

fn percent_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}
