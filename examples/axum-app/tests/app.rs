//! The shop's app against the sandbox: a customer asks for an order over WeChat, the staff set
//! it over HTTP, and the gateway's own routes answer on the same port.

use serde_json::{Value, json};
use wxgate_example_axum::{Orders, app};
use wxgate_sandbox::{AppSpec, Mode, SandboxConfig};
use wxgate_server::Config;

const APP_ID: &str = "wx5a1db0c0ffee0042";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

#[tokio::test]
async fn a_customer_asks_for_an_order_the_shop_set() {
    let sandbox = wxgate_sandbox::spawn(SandboxConfig::default())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    sandbox
        .sandbox
        .add_app(AppSpec {
            app_id: APP_ID.to_owned(),
            app_secret: "shop-secret".into(),
            token: "shoptoken".into(),
            encoding_aes_key: Some(KEY.into()),
            mode: Mode::Safe,
            callback_url: format!("{base}/wechat/shop"),
            ..AppSpec::default()
        })
        .unwrap();
    let config = Config::from_toml(
        &format!(
            r#"
[server]
api_keys = ["shop-api-key-0001"]
[storage]
url = "memory://"
[[accounts]]
id = "shop"
app_id = "{APP_ID}"
app_secret = "shop-secret"
token = "shoptoken"
encoding_aes_key = "{KEY}"
mode = "safe"
api_base = "{}"
"#,
            sandbox.base_url()
        ),
        Vec::new(),
    )
    .unwrap();
    let (router, gateway) = app(config, Orders::default()).await.unwrap();
    let _workers = gateway.spawn_workers();
    tokio::spawn(async move { axum::serve(listener, router).await });

    let http = reqwest::Client::new();
    let status = http
        .put(format!("{base}/orders/42"))
        .json(&json!({"status": "shipped"}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);

    let user: Value = http
        .post(format!(
            "{}/sandbox/apps/{APP_ID}/users",
            sandbox.base_url()
        ))
        .json(&json!({"nickname": "customer"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let openid = user["openid"].as_str().unwrap();
    let act = |action: Value| {
        let http = http.clone();
        let url = format!(
            "{}/sandbox/apps/{APP_ID}/users/{openid}/actions",
            sandbox.base_url()
        );
        async move {
            let outcome: Value = http
                .post(url)
                .json(&action)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            outcome
        }
    };
    let outcome = act(json!({"type": "follow"})).await;
    assert_eq!(outcome["outcome"], "success", "{outcome}");
    let outcome = act(json!({"type": "text", "content": "order 42"})).await;
    assert_eq!(outcome["outcome"], "reply", "{outcome}");
    assert_eq!(
        outcome["reply"]["text"]["content"], "Order 42: shipped",
        "{outcome}"
    );
    let outcome = act(json!({"type": "text", "content": "order 7"})).await;
    assert_eq!(
        outcome["reply"]["text"]["content"], "No order 7",
        "{outcome}"
    );

    // The gateway's own routes, on the same port.
    let token: Value = http
        .get(format!("{base}/v1/accounts/shop/access-token"))
        .bearer_auth("shop-api-key-0001")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(token["access_token"].as_str().is_some(), "{token}");
    let shop = http.get(&base).send().await.unwrap().text().await.unwrap();
    assert_eq!(shop, "the shop");
}
