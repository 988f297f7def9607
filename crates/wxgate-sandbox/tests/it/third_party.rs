//! A client that knows nothing of wxgate: plain reqwest against WeChat's documented paths.

use serde_json::{Value, json};

#[tokio::test]
async fn plain_http_client_gets_a_token_creates_a_menu_and_a_qr_code() {
    let running = wxgate_sandbox::spawn(wxgate_sandbox::SandboxConfig::default())
        .await
        .expect("spawn");
    let base = running.base_url();
    let http = reqwest::Client::new();
    let created = http
        .post(format!("{base}/sandbox/apps"))
        .json(
            &json!({"app_id": "wxthirdparty00001", "app_secret": "secret", "token": "t",
                      "mode": "plaintext", "callback_url": "http://127.0.0.1:9/"}),
        )
        .send()
        .await
        .expect("create app");
    assert_eq!(created.status(), 201);

    // GET https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential&appid=APPID&secret=APPSECRET
    let token: Value = http
        .get(format!("{base}/cgi-bin/token"))
        .query(&[
            ("grant_type", "client_credential"),
            ("appid", "wxthirdparty00001"),
            ("secret", "secret"),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let access_token = token["access_token"].as_str().expect("access_token");
    assert_eq!(token["expires_in"], 7200);

    // POST /cgi-bin/menu/create with the documented example body.
    let menu = json!({"button":[
        {"type":"click","name":"今日歌曲","key":"V1001_TODAY_MUSIC"},
        {"name":"菜单","sub_button":[
            {"type":"view","name":"搜索","url":"http://www.soso.com/"},
            {"type":"miniprogram","name":"wxa","url":"http://mp.weixin.qq.com","appid":"wx286b93c14bbf93aa","pagepath":"pages/lunar/index"},
            {"type":"click","name":"赞一下我们","key":"V1001_GOOD"}]}]});
    let created: Value = http
        .post(format!(
            "{base}/cgi-bin/menu/create?access_token={access_token}"
        ))
        .json(&menu)
        .send()
        .await
        .expect("menu")
        .json()
        .await
        .expect("json");
    assert_eq!(created, json!({"errcode": 0, "errmsg": "ok"}));
    let got: Value = http
        .get(format!(
            "{base}/cgi-bin/menu/get?access_token={access_token}"
        ))
        .send()
        .await
        .expect("menu get")
        .json()
        .await
        .expect("json");
    assert_eq!(
        got["menu"]["button"][1]["sub_button"][2]["key"],
        "V1001_GOOD"
    );

    // POST /cgi-bin/qrcode/create, then GET /cgi-bin/showqrcode?ticket=URLENCODED.
    let qr: Value = http
        .post(format!("{base}/cgi-bin/qrcode/create?access_token={access_token}"))
        .json(&json!({"expire_seconds": 604800, "action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 123}}}))
        .send()
        .await
        .expect("qr")
        .json()
        .await
        .expect("json");
    let ticket = qr["ticket"].as_str().expect("ticket");
    let image = http
        .get(format!("{base}/cgi-bin/showqrcode"))
        .query(&[("ticket", ticket)])
        .send()
        .await
        .expect("image");
    assert_eq!(image.status(), 200);
    let bytes = image.bytes().await.expect("bytes");
    assert_eq!(
        crate::qrcode::decode_qr(&bytes),
        qr["url"].as_str().expect("url")
    );
}
