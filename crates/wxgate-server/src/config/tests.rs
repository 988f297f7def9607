use super::*;

const GOOD: &str = r#"
[server]
listen = "127.0.0.1:9000"
api_keys = ["a-long-enough-key"]

[storage]
url = "memory://"

[[accounts]]
id = "main"
app_id = "wx0123456789abcdef"
app_secret = "s3cr3t-value"
token = "AAAAA"
encoding_aes_key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
mode = "safe"

[[accounts.replies]]
keyword = "hello"
text = "Hi there"

[[accounts.replies]]
regex = "^order (\\d+)$"
[accounts.replies.news]
title = "Your order"
url = "https://example.com/o"

[accounts.subscribe_reply]
text = "Welcome"
"#;

fn no_env() -> Vec<(String, String)> {
    Vec::new()
}

#[test]
fn good_config_loads() {
    let config = Config::from_toml(GOOD, no_env()).unwrap();
    assert_eq!(config.server.listen, "127.0.0.1:9000");
    let account = config.account("main").unwrap();
    assert_eq!(account.mode, Mode::Safe);
    assert_eq!(account.replies.len(), 2);
    assert_eq!(
        account.replies[1].content.news.as_ref().unwrap().title,
        "Your order"
    );
    assert_eq!(
        account.subscribe_reply.as_ref().unwrap().text.as_deref(),
        Some("Welcome")
    );
    assert_eq!(account.api_base, "https://api.weixin.qq.com");
}

#[test]
fn problems_name_field_and_line_and_hide_secrets() {
    let bad = GOOD
        .replace(
            "encoding_aes_key = \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"",
            "encoding_aes_key = \"tooShortSecretKey\"",
        )
        .replace("regex = \"^order (\\\\d+)$\"", "regex = \"(unclosed\"");
    let err = Config::from_toml(&bad, no_env()).unwrap_err();
    let text = err.to_string();
    let key_line = bad
        .lines()
        .position(|l| l.starts_with("encoding_aes_key"))
        .unwrap()
        + 1;
    let regex_line = bad.lines().position(|l| l.starts_with("regex")).unwrap() + 1;
    assert!(
        err.0
            .iter()
            .any(|p| p.path == "accounts[0].encoding_aes_key" && p.line == Some(key_line)),
        "{text}"
    );
    assert!(
        err.0
            .iter()
            .any(|p| p.path == "accounts[0].replies[1].regex" && p.line == Some(regex_line)),
        "{text}"
    );
    assert!(!text.contains("tooShortSecretKey"), "{text}");
}

#[test]
fn syntax_and_type_errors_have_lines() {
    let err = Config::from_toml("[server]\nlisten = 8080\n", no_env()).unwrap_err();
    assert_eq!(err.0[0].line, Some(2), "{err}");
    let err = Config::from_toml("[server\n", no_env()).unwrap_err();
    assert_eq!(err.0[0].line, Some(1), "{err}");
    let err = Config::from_toml(
        &GOOD.replace("mode = \"safe\"", "mode = \"paranoid\""),
        no_env(),
    )
    .unwrap_err();
    assert!(err.0[0].line.is_some(), "{err}");
    assert_eq!(err.0[0].path, "accounts[0].mode", "{err}");
    let err =
        Config::from_toml(&GOOD.replace("[storage]", "[storage]\nurl2 = 1"), no_env()).unwrap_err();
    assert!(err.to_string().contains("url2"), "{err}");
}

#[test]
fn every_rule_is_checked() {
    let mut config = Config::from_toml(GOOD, no_env()).unwrap();
    let account = &mut config.accounts[0];
    account.token = Secret::new("x");
    account.mode = Mode::Compatible;
    account.encoding_aes_key = None;
    account.api_base = "ftp://nope".into();
    account.replies.push(ReplyRule {
        keyword: Some("a".into()),
        click: Some("b".into()),
        ..ReplyRule::default()
    });
    config.accounts.push(config.accounts[0].clone());
    config.server.listen = "localhost".into();
    config.server.callback_deadline_ms = 6000;
    config.server.dedup_max_entries = 10;
    config.server.dedup_max_bytes = 1000;
    config.server.store_call_budget_ms = 0;
    config.storage.url = "postgres://x".into();
    let paths: Vec<String> = config.problems().into_iter().map(|p| p.path).collect();
    for expected in [
        "server.listen",
        "server.callback_deadline_ms",
        "server.dedup_max_entries",
        "server.dedup_max_bytes",
        "server.store_call_budget_ms",
        "storage.url",
        "accounts[0].token",
        "accounts[0].encoding_aes_key",
        "accounts[0].api_base",
        "accounts[0].replies[2]",
        "accounts[1].id",
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "{expected} missing from {paths:?}"
        );
    }
}

#[test]
fn environment_overrides() {
    let env = vec![
        ("WXGATE_SERVER_LISTEN".to_owned(), "0.0.0.0:7000".to_owned()),
        (
            "WXGATE_STORAGE_URL".to_owned(),
            "redis://127.0.0.1:6379/0".to_owned(),
        ),
        (
            "WXGATE_ACCOUNT_MAIN_APP_SECRET".to_owned(),
            "from-env".to_owned(),
        ),
        (
            "WXGATE_ACCOUNT_MAIN_MODE".to_owned(),
            "compatible".to_owned(),
        ),
        (
            "WXGATE_SERVER_API_KEYS".to_owned(),
            "key-one-xxxx, key-two-yyyy".to_owned(),
        ),
        (
            "WXGATE_SERVER_DEDUP_MAX_ENTRIES".to_owned(),
            "250000".to_owned(),
        ),
        (
            "WXGATE_SERVER_DEDUP_MAX_BYTES".to_owned(),
            "8388608".to_owned(),
        ),
        (
            "WXGATE_SERVER_STORE_CALL_BUDGET_MS".to_owned(),
            "250".to_owned(),
        ),
        ("PATH".to_owned(), "/bin".to_owned()),
    ];
    let config = Config::from_toml(GOOD, env).unwrap();
    assert_eq!(config.server.listen, "0.0.0.0:7000");
    assert_eq!(config.storage.url, "redis://127.0.0.1:6379/0");
    assert_eq!(config.accounts[0].app_secret.expose(), "from-env");
    assert_eq!(config.accounts[0].mode, Mode::Compatible);
    assert_eq!(config.server.api_keys.len(), 2);
    assert_eq!(config.server.dedup_max_entries, 250_000);
    assert_eq!(config.server.dedup_max_bytes, 8 << 20);
    assert_eq!(config.server.store_call_budget_ms, 250);
    assert_eq!(
        config.store_call_budget(),
        std::time::Duration::from_millis(250)
    );
    let err = Config::from_toml(
        GOOD,
        vec![("WXGATE_ACCOUNT_OTHER_TOKEN".to_owned(), "x".to_owned())],
    )
    .unwrap_err();
    assert_eq!(err.0[0].path, "$WXGATE_ACCOUNT_OTHER_TOKEN");
}

#[test]
fn secrets_are_redacted_in_debug() {
    let config = Config::from_toml(GOOD, no_env()).unwrap();
    let printed = format!("{config:?}");
    assert!(
        !printed.contains("s3cr3t-value")
            && !printed.contains("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    );
}
