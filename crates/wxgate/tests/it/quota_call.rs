//! `wxgate quota` and `wxgate call`: the real binary against a sandbox process, with the
//! account's token from the shared store.

use serde_json::{Value, json};

use crate::account::SandboxAccount;

const APP: &str = "wxe2e00000000000q1";

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn used(output: &std::process::Output, path: &str) -> i64 {
    assert!(output.status.success(), "{}", stderr(output));
    let rows: Value = serde_json::from_slice(&output.stdout).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == path)
        .unwrap_or_else(|| panic!("{path} in {rows}"));
    row["used"].as_i64().unwrap()
}

#[tokio::test]
async fn quota_get_counts_calls_and_quota_clear_resets_them() {
    let s = SandboxAccount::start(APP, "q").await;
    let path = "/cgi-bin/callback/check";
    let before = used(&s.run(&["quota", "get", "q", path, "--json"]), path);
    assert_eq!(before, 0);
    let call = s.run(&[
        "call",
        "q",
        path,
        "--data",
        r#"{"action":"dns","check_operator":"UNICOM"}"#,
    ]);
    assert!(call.status.success(), "{}", stderr(&call));
    let after = used(&s.run(&["quota", "get", "q", path, "--json"]), path);
    assert_eq!(after, 1);

    let table = s.run(&["quota", "get", "q"]);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = stdout(&table);
    assert!(text.starts_with("PATH"), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("/cgi-bin/callback/check "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains("1/1440") && line.trim_end().ends_with("1439"),
        "{line}"
    );
    assert!(
        text.contains("/cgi-bin/message/custom/send"),
        "the default list: {text}"
    );

    let one = s.run(&["quota", "clear", "q", "--path", path]);
    assert!(one.status.success(), "{}", stderr(&one));
    assert_eq!(
        used(&s.run(&["quota", "get", "q", path, "--json"]), path),
        0
    );
    let token_used = used(
        &s.run(&["quota", "get", "q", "/cgi-bin/token", "--json"]),
        "/cgi-bin/token",
    );
    assert_eq!(token_used, 1, "one token for all these processes");
    let all = s.run(&["quota", "clear", "q"]);
    assert!(all.status.success(), "{}", stderr(&all));
    assert_eq!(
        used(
            &s.run(&["quota", "get", "q", "/cgi-bin/token", "--json"]),
            "/cgi-bin/token"
        ),
        0
    );

    let unknown = s.run(&["quota", "get", "q", "/cgi-bin/no/such/api"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stdout(&unknown).contains("errcode 76021"),
        "{}",
        stdout(&unknown)
    );
}

#[tokio::test]
async fn call_gets_and_posts_like_curl() {
    let s = SandboxAccount::start(APP, "q").await;
    let generated = s.run(&[
        "call",
        "q",
        "/cgi-bin/shorten/gen",
        "--data",
        r#"{"long_data":"订单=42"}"#,
    ]);
    assert!(generated.status.success(), "{}", stderr(&generated));
    let key: Value = serde_json::from_slice(&generated.stdout).unwrap();
    let key = key["short_key"].as_str().expect("short_key").to_owned();

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fetch.json");
    std::fs::write(&data, json!({"short_key": key}).to_string()).unwrap();
    let fetched = s.run(&[
        "call",
        "q",
        "cgi-bin/shorten/fetch",
        "--data",
        &format!("@{}", data.display()),
    ]);
    assert!(fetched.status.success(), "{}", stderr(&fetched));
    let fetched: Value = serde_json::from_slice(&fetched.stdout).unwrap();
    assert_eq!(fetched["long_data"], "订单=42");

    let ips = s.run(&["call", "q", "/cgi-bin/getcallbackip"]);
    assert!(ips.status.success(), "{}", stderr(&ips));
    assert!(
        stdout(&ips).contains("\n  \"ip_list\""),
        "pretty JSON: {}",
        stdout(&ips)
    );

    let error = s.run(&[
        "call",
        "q",
        "/cgi-bin/shorten/fetch",
        "--data",
        r#"{"short_key":"nope"}"#,
    ]);
    assert_eq!(error.status.code(), Some(1));
    assert!(
        stderr(&error).contains("errcode 47003"),
        "{}",
        stderr(&error)
    );

    for bad in [
        "https://evil.example/cgi-bin/x",
        "/cgi-bin/../sandbox/apps",
        "/sns/userinfo",
    ] {
        let refused = s.run(&["call", "q", bad]);
        assert_eq!(refused.status.code(), Some(1), "{bad}");
        assert!(
            stderr(&refused).contains(bad),
            "{bad}: {}",
            stderr(&refused)
        );
    }
    let calls = s.calls().await;
    assert_eq!(calls["cgi-bin/token"], 1, "{calls}");
}

#[tokio::test]
async fn call_refreshes_a_rejected_token_once() {
    let s = SandboxAccount::start(APP, "q").await;
    let first = s.run(&["call", "q", "/cgi-bin/get_api_domain_ip"]);
    assert!(first.status.success(), "{}", stderr(&first));
    s.fault(json!({"path": "cgi-bin/shorten/gen", "errcode": 40001, "times": 1}))
        .await;
    let call = s.run(&[
        "call",
        "q",
        "/cgi-bin/shorten/gen",
        "--data",
        r#"{"long_data":"x"}"#,
    ]);
    assert!(call.status.success(), "{}", stderr(&call));
    let calls = s.calls().await;
    assert_eq!(calls["cgi-bin/token"], 2, "one refresh: {calls}");
    assert_eq!(calls["cgi-bin/shorten/gen"], 2, "one repeat: {calls}");
}

#[tokio::test]
async fn call_writes_binary_answers_to_a_file() {
    let s = SandboxAccount::start(APP, "q").await;
    let token = s.run(&["token", "get", "q"]);
    assert!(token.status.success(), "{}", stderr(&token));
    let token: Value = serde_json::from_slice(&token.stdout).unwrap();
    let token = token["access_token"].as_str().unwrap();
    let jpeg: Vec<u8> = [
        0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 1,
    ]
    .into_iter()
    .chain(std::iter::repeat_n(7, 64))
    .collect();
    let form = reqwest::multipart::Form::new().part(
        "media",
        reqwest::multipart::Part::bytes(jpeg.clone())
            .file_name("a.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    let uploaded: Value = s
        .http
        .post(format!(
            "{}/cgi-bin/media/upload?access_token={token}&type=image",
            s.sandbox.base
        ))
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

    let query = format!("media_id={media_id}");
    let refused = s.run(&["call", "q", "/cgi-bin/media/get", "--query", &query]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("--output"),
        "{}",
        stderr(&refused)
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.jpg");
    let saved = s.run(&[
        "call",
        "q",
        "/cgi-bin/media/get",
        "--query",
        &query,
        "--output",
        &file.display().to_string(),
    ]);
    assert!(saved.status.success(), "{}", stderr(&saved));
    assert_eq!(std::fs::read(&file).unwrap(), jpeg);
}
