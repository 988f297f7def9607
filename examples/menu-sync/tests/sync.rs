//! The example's logic against the sandbox: push when different, nothing when equal.

use std::sync::Arc;

use menu_sync::{Outcome, read_menu, sync};
use serde_json::{Value, json};
use wxgate_api::{AccountCredentials, AppSecret, Client, CredentialOptions, Credentials};

const APP_ID: &str = "wx00000000menusync";
const APP_SECRET: &str = "menu-sync-secret";

async fn credentials() -> (wxgate_sandbox::RunningSandbox, Credentials) {
    let sandbox = wxgate_sandbox::spawn(wxgate_sandbox::SandboxConfig::default())
        .await
        .unwrap();
    let created = reqwest::Client::new()
        .post(format!("{}/sandbox/apps", sandbox.base_url()))
        .json(&json!({"app_id": APP_ID, "app_secret": APP_SECRET, "token": "synctoken", "mode": "plaintext", "callback_url": "http://127.0.0.1:9/unused"}))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success());
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    let credentials = Credentials::new(
        client,
        Arc::new(wxgate_store::MemoryStore::new()),
        AccountCredentials::new("main", APP_ID, AppSecret::new(APP_SECRET)),
        CredentialOptions::default(),
    );
    (sandbox, credentials)
}

async fn calls(sandbox: &wxgate_sandbox::RunningSandbox, path: &str) -> u64 {
    let calls: Value = reqwest::get(format!(
        "{}/sandbox/apps/{APP_ID}/calls",
        sandbox.base_url()
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    calls.get(path).and_then(Value::as_u64).unwrap_or(0)
}

#[tokio::test]
async fn pushes_only_when_the_menu_differs() {
    let (sandbox, credentials) = credentials().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("menu.toml");
    std::fs::write(
        &file,
        "[[button]]\ntype = \"click\"\nname = \"今日歌曲\"\nkey = \"V1001\"\n\n\
         [[conditional]]\nmatchrule = { tag_id = \"2\" }\n[[conditional.button]]\ntype = \"view\"\nname = \"VIP\"\nurl = \"https://example.com/vip\"\n",
    )
    .unwrap();
    let wanted = read_menu(&file).unwrap();

    let first = sync(&credentials, &wanted).await.unwrap();
    assert!(
        matches!(&first, Outcome::Pushed { conditional_menu_ids } if conditional_menu_ids.len() == 1),
        "{first:?}"
    );
    assert_eq!(calls(&sandbox, "cgi-bin/menu/create").await, 1);

    assert_eq!(
        sync(&credentials, &wanted).await.unwrap(),
        Outcome::Unchanged
    );
    assert_eq!(
        calls(&sandbox, "cgi-bin/menu/create").await,
        1,
        "nothing sent when equal"
    );

    // The same menu as WeChat JSON is the same menu.
    let json_file = dir.path().join("menu.json");
    std::fs::write(
        &json_file,
        r#"{"menu":{"button":[{"type":"click","name":"今日歌曲","key":"V1001"}]},
            "conditionalmenu":[{"button":[{"type":"view","name":"VIP","url":"https://example.com/vip"}],"matchrule":{"tag_id":"2"}}]}"#,
    )
    .unwrap();
    assert_eq!(read_menu(&json_file).unwrap(), wanted);

    std::fs::write(
        &json_file,
        r#"{"button":[{"type":"click","name":"新歌","key":"V2"}]}"#,
    )
    .unwrap();
    let changed = read_menu(&json_file).unwrap();
    assert!(matches!(
        sync(&credentials, &changed).await.unwrap(),
        Outcome::Pushed { .. }
    ));
    assert_eq!(calls(&sandbox, "cgi-bin/menu/create").await, 2);
    assert_eq!(calls(&sandbox, "cgi-bin/menu/delconditional").await, 1);
}

#[test]
fn invalid_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(
        &file,
        "[[button]]\ntype = \"view\"\nname = \"a\"\nurl = \"\"\n",
    )
    .unwrap();
    let error = read_menu(&file).unwrap_err().to_string();
    assert!(error.contains("button[0].url"), "{error}");
}

#[test]
fn the_sample_menu_is_valid() {
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("menu.toml");
    let set = read_menu(&sample).unwrap();
    assert_eq!(set.button.len(), 2);
    assert_eq!(set.conditional.len(), 1);
}
