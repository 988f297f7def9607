//! State files: saved after changes, loaded on start.

use std::time::Duration;

use serde_json::json;
use wxgate_sandbox::SandboxConfig;

use crate::common::{APP, start_with};

#[tokio::test]
async fn a_sandbox_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sandbox.json");
    let config = SandboxConfig {
        state_file: Some(path.clone()),
        ..SandboxConfig::default()
    };
    let (token, user) = {
        let env = start_with(config.clone()).await;
        let token = env.token().await;
        let user = env.follower(APP).await;
        let menu = json!({"button": [{"type": "click", "name": "k", "key": "K"}]});
        env.post(&format!("/cgi-bin/menu/create?access_token={token}"), menu)
            .await;
        env.advance(100).await;
        // The writer is debounced; wait until the file reflects the last change.
        let mut saved = false;
        for _ in 0..250 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if std::fs::read_to_string(&path).is_ok_and(|s| s.contains("\"advanced\": 100")) {
                saved = true;
                break;
            }
        }
        assert!(saved, "state file written");
        (token, user)
    };
    assert!(
        !path.with_extension("json.tmp").exists(),
        "temp file renamed away"
    );
    let env = start_with(config).await;
    assert_eq!(
        env.get("/sandbox/clock").await["now"],
        crate::common::START + 100
    );
    assert_eq!(
        env.probe(&token).await,
        0,
        "token still valid after restart"
    );
    let got = env
        .get(&format!("/cgi-bin/menu/get?access_token={token}"))
        .await;
    assert_eq!(got["menu"]["button"][0]["key"], "K");
    let info = env
        .get(&format!(
            "/cgi-bin/user/info?access_token={token}&openid={user}"
        ))
        .await;
    assert_eq!(info["subscribe"], 1);
}

#[tokio::test]
async fn a_corrupt_state_file_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sandbox.json");
    std::fs::write(&path, "not json").expect("write");
    let result = wxgate_sandbox::Sandbox::new(SandboxConfig {
        state_file: Some(path),
        ..SandboxConfig::default()
    });
    assert!(matches!(
        result,
        Err(wxgate_sandbox::SandboxError::StateFormat(_))
    ));
}

#[tokio::test]
async fn a_seeded_sandbox_does_not_replay_values_after_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sandbox.json");
    let config = SandboxConfig {
        seed: Some(9),
        state_file: Some(path.clone()),
        ..SandboxConfig::default()
    };
    let first = {
        let env = start_with(config.clone()).await;
        let user = env.new_user(APP).await;
        env.running.sandbox.save().expect("save");
        user
    };
    let env = start_with(config).await;
    let second = env.new_user(APP).await;
    assert_ne!(first, second);
    let users = env.get(&format!("/sandbox/apps/{APP}/users")).await;
    assert_eq!(users.as_array().expect("users").len(), 2);
}
