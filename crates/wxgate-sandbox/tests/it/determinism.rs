//! Deterministic mode: the same seed gives the same tokens, OpenIDs and ciphertexts.

use serde_json::{Value, json};
use wxgate_sandbox::SandboxConfig;

use crate::common::{Env, start_with};

const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// Run the same script on a fresh sandbox; return what it produced.
async fn script(seed: Option<u64>) -> Vec<Value> {
    let env: Env = start_with(SandboxConfig {
        seed,
        ..SandboxConfig::default()
    })
    .await;
    env.add_app(
        json!({"app_id": "wxdet", "app_secret": "s", "token": "t", "encoding_aes_key": KEY,
                       "mode": "safe", "callback_url": "http://127.0.0.1:9/closed"}),
    )
    .await;
    let token = env.token_for("wxdet", "s").await;
    let user = env.new_user("wxdet").await;
    let follow = env.act("wxdet", &user, json!({"type": "follow"})).await;
    vec![
        json!(token),
        json!(user),
        follow["request"]["body"].clone(),
        follow["request"]["xml"].clone(),
    ]
}

#[tokio::test]
async fn same_seed_same_tokens_and_ciphertext() {
    let a = script(Some(42)).await;
    let b = script(Some(42)).await;
    assert_eq!(a, b);
    assert!(a[2].as_str().expect("body").contains("<Encrypt>"));
    let c = script(Some(43)).await;
    assert_ne!(a[0], c[0]);
    assert_ne!(a[2], c[2]);
    let unseeded = script(None).await;
    assert_ne!(a[0], unseeded[0]);
}
