//! `wxgate serve` as the WeChat API proxy, driven as a real process against `wxgate sandbox`:
//! the calls a service in another language makes (a followers list, a menu, a media upload and
//! its download), a key limited to menus, and a token WeChat stops accepting.

use serde_json::{Value, json};

use crate::process::start;

const APP_ID: &str = "wxe2e0000000000077";
const SECRET: &str = "proxy-e2e-secret";
const FULL_KEY: &str = "proxy-e2e-full-key";
const MENU_KEY: &str = "proxy-e2e-menu-key";

#[tokio::test]
async fn the_proxy_answers_for_services_in_any_language() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = start(&["sandbox", "--listen", "127.0.0.1:0"]);
    let http = reqwest::Client::new();
    let control = |path: &str| format!("{}/sandbox{path}", sandbox.base);
    let created = http
        .post(control("/apps"))
        .json(&json!({
            "app_id": APP_ID, "app_secret": SECRET, "token": "e2etoken",
            "mode": "plaintext", "callback_url": "http://127.0.0.1:9/wechat/main",
        }))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success(), "{}", created.status());
    let mut followers = Vec::new();
    for _ in 0..3 {
        let user: Value = http
            .post(control(&format!("/apps/{APP_ID}/users")))
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let openid = user["openid"].as_str().unwrap().to_owned();
        http.post(control(&format!("/apps/{APP_ID}/users/{openid}/actions")))
            .json(&json!({"type": "follow"}))
            .send()
            .await
            .unwrap();
        followers.push(openid);
    }
    let config = dir.path().join("wxgate.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[server]
listen = "127.0.0.1:0"
api_keys = ["{FULL_KEY}", {{ key = "{MENU_KEY}", accounts = ["main"], paths = ["cgi-bin/menu/"] }}]
[storage]
url = "sqlite://{}/state.db"
[[accounts]]
id = "main"
app_id = "{APP_ID}"
app_secret = "{SECRET}"
token = "e2etoken"
mode = "plaintext"
api_base = "{}"
"#,
            dir.path().display(),
            sandbox.base
        ),
    )
    .unwrap();
    let gateway = start(&["serve", "--config", &config.display().to_string()]);
    let proxy = |path: &str| format!("{}/v1/accounts/main/wechat/{path}", gateway.base);

    // A followers list (GET with a query).
    let list: Value = http
        .get(proxy("cgi-bin/user/get"))
        .bearer_auth(FULL_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 3, "{list}");
    for openid in &followers {
        assert!(list.to_string().contains(openid.as_str()), "{list}");
    }

    // A menu (POST JSON), read back.
    let menu =
        json!({"button": [{"type": "click", "name": "今日歌曲", "key": "V1001_TODAY_MUSIC"}]});
    let created: Value = http
        .post(proxy("cgi-bin/menu/create"))
        .bearer_auth(MENU_KEY)
        .json(&menu)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["errcode"], 0, "{created}");
    let current: Value = http
        .get(proxy("cgi-bin/menu/get"))
        .bearer_auth(MENU_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        current["menu"]["button"][0]["key"], "V1001_TODAY_MUSIC",
        "{current}"
    );

    // The menu key reaches menus only.
    let refused = http
        .get(proxy("cgi-bin/user/get"))
        .bearer_auth(MENU_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);

    // A media upload (multipart) and its download (binary).
    let png: Vec<u8> = b"\x89PNG\r\n\x1a\n-e2e-image-bytes".to_vec();
    let form = reqwest::multipart::Form::new().part(
        "media",
        reqwest::multipart::Part::bytes(png.clone())
            .file_name("e2e.png")
            .mime_str("image/png")
            .unwrap(),
    );
    let uploaded: Value = http
        .post(proxy("cgi-bin/media/upload?type=image"))
        .bearer_auth(FULL_KEY)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let media_id = uploaded["media_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{uploaded}"));
    let download = http
        .get(proxy(&format!("cgi-bin/media/get?media_id={media_id}")))
        .bearer_auth(FULL_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "image/png");
    assert_eq!(download.bytes().await.unwrap().as_ref(), png.as_slice());

    // WeChat stops accepting the token: one refresh, and the call goes through.
    let calls = || async {
        let calls: Value = http
            .get(control(&format!("/apps/{APP_ID}/calls")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        calls["cgi-bin/token"].as_u64().unwrap_or(0)
    };
    let before = calls().await;
    let invalidated = http
        .post(control(&format!("/apps/{APP_ID}/faults")))
        .json(&json!({"invalidate_tokens": true}))
        .send()
        .await
        .unwrap();
    assert!(invalidated.status().is_success());
    let list: Value = http
        .get(proxy("cgi-bin/user/get"))
        .bearer_auth(FULL_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 3, "{list}");
    assert_eq!(calls().await, before + 1, "exactly one refresh");
}
