//! `wxgate component authorizers|refresh` against a real `wxgate serve` and `wxgate sandbox`:
//! the gateway receives the sandbox's ticket and authorization notice, and the commands read
//! and refresh the authorizer through the gateway's SQLite store.

use serde_json::{Value, json};

use crate::process::{run, start};

const COMPONENT_APPID: &str = "wxc0mp0nente2e0001";
const AUTHORIZER: &str = "wxe2e0000000000c01";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

#[tokio::test]
async fn authorizers_are_listed_and_refreshed_through_the_store() {
    let sandbox = start(&["sandbox", "--listen", "127.0.0.1:0"]);
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        http.post(format!("{}{path}", sandbox.base))
            .json(&body)
            .send()
    };
    let created = post(
        "/sandbox/apps",
        json!({"app_id": AUTHORIZER, "app_secret": "own-secret", "token": "owntoken",
               "mode": "plaintext", "callback_url": "http://127.0.0.1:9/unused"}),
    )
    .await
    .unwrap();
    assert!(created.status().is_success());
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("wxgate.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\nurl = \"sqlite://{}/state.db\"\n\
             [[components]]\nid = \"open\"\napp_id = \"{COMPONENT_APPID}\"\n\
             app_secret = \"component-secret\"\ntoken = \"componenttoken\"\n\
             encoding_aes_key = \"{KEY}\"\napi_base = \"{}\"\n",
            dir.path().display(),
            sandbox.base
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let gateway = start(&["serve", "--config", &config]);
    let component = post(
        "/sandbox/components",
        json!({"component_appid": COMPONENT_APPID, "component_appsecret": "component-secret",
               "token": "componenttoken", "encoding_aes_key": KEY,
               "events_url": format!("{}/wechat/component/open/events", gateway.base)}),
    )
    .await
    .unwrap();
    assert!(component.status().is_success(), "{}", component.status());
    let ticket: Value = post(
        &format!("/sandbox/components/{COMPONENT_APPID}/push-ticket"),
        json!({}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(ticket["outcome"], "success", "{ticket}");
    let authorized: Value = post(
        &format!("/sandbox/components/{COMPONENT_APPID}/authorize"),
        json!({"app_id": AUTHORIZER}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(authorized["notice"]["outcome"], "success", "{authorized}");

    let listed = run(&["component", "authorizers", "open", "--config", &config]);
    assert!(listed.status.success(), "{listed:?}");
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(
        text.starts_with(AUTHORIZER) && text.trim_end().ends_with("ok"),
        "{text}"
    );
    let json_listed = run(&[
        "component",
        "authorizers",
        "open",
        "--json",
        "--config",
        &config,
    ]);
    let parsed: Value = serde_json::from_slice(&json_listed.stdout).unwrap();
    assert_eq!(parsed[0]["app_id"], AUTHORIZER, "{parsed}");

    let refreshed = run(&[
        "component",
        "refresh",
        "open",
        AUTHORIZER,
        "--config",
        &config,
    ]);
    assert!(refreshed.status.success(), "{refreshed:?}");
    let answer: Value = serde_json::from_slice(&refreshed.stdout).unwrap();
    assert_eq!(answer["app_id"], AUTHORIZER);
    assert!(answer["expires_at"].as_i64().unwrap() > 0, "{answer}");
    // The refresh rotated the refresh token, and the listing shows it.
    let after = run(&[
        "component",
        "authorizers",
        "open",
        "--json",
        "--config",
        &config,
    ]);
    let parsed: Value = serde_json::from_slice(&after.stdout).unwrap();
    assert!(parsed[0]["rotated_at"].as_i64().is_some(), "{parsed}");

    let unknown = run(&[
        "component",
        "refresh",
        "open",
        "wxnotanauthorizer01",
        "--config",
        &config,
    ]);
    assert!(!unknown.status.success());
    let missing = run(&["component", "authorizers", "nope", "--config", &config]);
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("no component \"nope\""),
        "{missing:?}"
    );
}
