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
    assert!(
        matches!(&account.replies[1].content, ReplyContent::News(news) if news.title == "Your order")
    );
    assert_eq!(
        account.subscribe_reply,
        Some(ReplyContent::Text("Welcome".into()))
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
    account.replies.push(ReplyRule::new(
        Trigger::Keyword("a".into()),
        ReplyContent::News(NewsCard::default()),
    ));
    config.accounts.push(config.accounts[0].clone());
    config.server.listen = "localhost".into();
    config.server.callback_deadline_ms = 6000;
    config.server.dedup_max_entries = 10;
    config.server.dedup_max_bytes = 1000;
    config.server.store_call_budget_ms = 0;
    config.server.deferred_claim_ms = 999;
    config.storage.url = "postgres://x".into();
    let paths: Vec<String> = config.problems().into_iter().map(|p| p.path).collect();
    for expected in [
        "server.listen",
        "server.callback_deadline_ms",
        "server.dedup_max_entries",
        "server.dedup_max_bytes",
        "server.store_call_budget_ms",
        "server.deferred_claim_ms",
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
            "WXGATE_REGISTRY_URL".to_owned(),
            "postgres://wxgate@127.0.0.1/wxgate".to_owned(),
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
        (
            "WXGATE_SERVER_DEFERRED_CLAIM_MS".to_owned(),
            "5000".to_owned(),
        ),
        ("PATH".to_owned(), "/bin".to_owned()),
    ];
    let config = Config::from_toml(GOOD, env).unwrap();
    assert_eq!(config.server.listen, "0.0.0.0:7000");
    assert_eq!(config.storage.url, "redis://127.0.0.1:6379/0");
    assert_eq!(
        config.registry.url.as_deref(),
        Some("postgres://wxgate@127.0.0.1/wxgate")
    );
    assert_eq!(config.accounts[0].app_secret.expose(), "from-env");
    assert_eq!(config.accounts[0].mode, Mode::Compatible);
    assert_eq!(config.server.api_keys.len(), 2);
    assert_eq!(config.server.dedup_max_entries, 250_000);
    assert_eq!(config.server.dedup_max_bytes, 8 << 20);
    assert_eq!(config.server.store_call_budget_ms, 250);
    assert_eq!(config.server.deferred_claim_ms, 5000);
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

/// Line (1-based) of the first line of `text` that starts with `prefix`.
fn line_starting(text: &str, prefix: &str) -> usize {
    text.lines().position(|l| l.starts_with(prefix)).unwrap() + 1
}

#[test]
fn every_unknown_field_is_reported_and_the_rest_still_validated() {
    let bad = GOOD
        .replace(
            "listen = \"127.0.0.1:9000\"",
            "listen = \"127.0.0.1:9000\"\ncolour = \"red\"",
        )
        .replace("[storage]", "[server.extra]\nx = 1\n\n[storage]")
        .replace("mode = \"safe\"", "mode = \"safe\"\nnick.name = \"x\"")
        .replace("text = \"Hi there\"", "text = \"Hi there\"\nemoji = true")
        .replace("title = \"Your order\"", "title = \"Your order\"\ntint = 1")
        .replace("token = \"AAAAA\"", "token = \"x\"")
        .replace("regex = \"^order (\\\\d+)$\"", "regex = \"(unclosed\"");
    let err = Config::from_toml(&bad, no_env()).unwrap_err();
    let text = err.to_string();
    let found = |path: &str, line: usize| {
        assert!(
            err.0.iter().any(|p| p.path == path && p.line == Some(line)),
            "{path} on line {line} missing from:\n{text}"
        );
    };
    found("server.colour", line_starting(&bad, "colour"));
    found("server.extra", line_starting(&bad, "[server.extra]"));
    found("accounts[0].nick", line_starting(&bad, "nick.name"));
    found("accounts[0].replies[0].emoji", line_starting(&bad, "emoji"));
    found(
        "accounts[0].replies[1].news.tint",
        line_starting(&bad, "tint"),
    );
    // Validation still ran on everything else.
    found("accounts[0].token", line_starting(&bad, "token = \"x\""));
    found("accounts[0].replies[1].regex", line_starting(&bad, "regex"));
    assert_eq!(err.0.len(), 7, "{text}");
    assert!(text.contains("unknown field `emoji`"), "{text}");
}

#[test]
fn wrongly_typed_fields_are_all_reported_without_their_values() {
    let bad = GOOD
        .replace("listen = \"127.0.0.1:9000\"", "listen = 9000")
        .replace("mode = \"safe\"", "mode = \"paranoid\"")
        .replace("app_secret = \"s3cr3t-value\"", "app_secret = 987654321")
        .replace(
            "api_keys = [\"a-long-enough-key\"]",
            "api_keys = \"a-long-enough-key\"",
        );
    let err = Config::from_toml(&bad, no_env()).unwrap_err();
    let text = err.to_string();
    let paths: Vec<&str> = err.0.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "server.listen",
            "server.api_keys",
            "accounts[0].app_secret",
            "accounts[0].mode"
        ],
        "{text}"
    );
    assert!(
        text.contains("app_secret: invalid type: integer, expected a string"),
        "{text}"
    );
    assert!(
        text.contains("api_keys: invalid type: string, expected a sequence"),
        "{text}"
    );
    assert!(!text.contains("987654321"), "{text}");
    assert!(!text.contains("a-long-enough-key"), "{text}");
}

#[test]
fn a_required_field_of_the_wrong_type_is_reported_once() {
    let err =
        Config::from_toml(&GOOD.replace("token = \"AAAAA\"", "token = 5"), no_env()).unwrap_err();
    assert_eq!(err.0.len(), 1, "{err}");
    assert_eq!(err.0[0].path, "accounts[0].token", "{err}");
    assert_eq!(
        err.0[0].line,
        Some(line_starting(GOOD, "token = \"AAAAA\"")),
        "{err}"
    );
}

#[test]
fn a_bad_regex_says_what_is_wrong_and_where() {
    let bad = GOOD.replace(
        "regex = \"^order (\\\\d+)$\"",
        "regex = \"^order (\\\\d+$\"",
    );
    let err = Config::from_toml(&bad, no_env()).unwrap_err();
    let problem = err
        .0
        .iter()
        .find(|p| p.path == "accounts[0].replies[1].regex")
        .unwrap_or_else(|| panic!("no regex problem in:\n{err}"));
    assert_eq!(
        problem.message,
        "is not a valid regular expression: unclosed group (at character 8 of the pattern)"
    );
    let err = Config::from_toml(
        &GOOD.replace("regex = \"^order (\\\\d+)$\"", "regex = \"\\\\p{Klingon}\""),
        no_env(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("Unicode property not found"),
        "{err}"
    );
}

#[test]
fn an_unreadable_file_is_one_problem_that_does_not_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("absent-wxgate.toml");
    let err = Config::load(&missing).unwrap_err();
    assert_eq!(err.0.len(), 1, "{err}");
    assert_eq!(err.0[0].path, "");
    assert!(err.to_string().starts_with("cannot read: "), "{err}");
    assert!(!err.to_string().contains("absent-wxgate"), "{err}");
}

#[test]
fn a_syntax_error_is_about_the_file_not_a_field() {
    let err = Config::from_toml("[server\n", no_env()).unwrap_err();
    assert_eq!(err.to_string(), "line 1: unclosed table, expected `]`");
}

#[test]
fn token_api_limits_have_defaults_bounds_and_env_overrides() {
    let config = Config::from_toml(GOOD, no_env()).unwrap();
    assert_eq!(config.server.token_wait_ms, 5000);
    assert_eq!(config.server.min_stale_age_secs, 30);
    assert_eq!(config.server.refresh_limit_per_minute, 6);
    assert_eq!(config.server.authorizer_refresh_rate, 5);

    let env = vec![
        ("WXGATE_SERVER_TOKEN_WAIT_MS".to_owned(), "1500".to_owned()),
        (
            "WXGATE_SERVER_MIN_STALE_AGE_SECS".to_owned(),
            "0".to_owned(),
        ),
        (
            "WXGATE_SERVER_REFRESH_LIMIT_PER_MINUTE".to_owned(),
            "12".to_owned(),
        ),
        (
            "WXGATE_SERVER_AUTHORIZER_REFRESH_RATE".to_owned(),
            "20".to_owned(),
        ),
    ];
    let config = Config::from_toml(GOOD, env).unwrap();
    assert_eq!(config.server.token_wait_ms, 1500);
    assert_eq!(config.server.min_stale_age_secs, 0);
    assert_eq!(config.server.refresh_limit_per_minute, 12);
    assert_eq!(config.server.authorizer_refresh_rate, 20);

    let err = Config::from_toml(
        GOOD,
        vec![(
            "WXGATE_SERVER_REFRESH_LIMIT_PER_MINUTE".to_owned(),
            "many".to_owned(),
        )],
    )
    .unwrap_err();
    assert_eq!(err.0[0].path, "$WXGATE_SERVER_REFRESH_LIMIT_PER_MINUTE");

    let mut config = Config::from_toml(GOOD, no_env()).unwrap();
    config.server.token_wait_ms = 0;
    config.server.min_stale_age_secs = 7201;
    config.server.authorizer_refresh_rate = 0;
    let paths: Vec<String> = config.problems().into_iter().map(|p| p.path).collect();
    assert!(
        paths.contains(&"server.token_wait_ms".to_owned()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"server.min_stale_age_secs".to_owned()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"server.authorizer_refresh_rate".to_owned()),
        "{paths:?}"
    );
}

/// A rule with two triggers cannot be built in code any more; in a file it is reported with
/// the rule's path and line, as the check of the typed rule did before.
#[test]
fn a_rule_needs_exactly_one_trigger_and_one_reply() {
    let two = GOOD.replace("keyword = \"hello\"", "keyword = \"hello\"\nclick = \"b\"");
    let err = Config::from_toml(&two, no_env()).unwrap_err();
    let problem = err
        .0
        .iter()
        .find(|p| p.path == "accounts[0].replies[0]")
        .unwrap_or_else(|| panic!("no rule problem in:\n{err}"));
    assert_eq!(
        problem.message,
        "needs exactly one of keyword, regex, click or scene"
    );
    assert_eq!(
        problem.line,
        Some(line_starting(&two, "[[accounts.replies]]"))
    );

    let none = GOOD.replace("keyword = \"hello\"\n", "");
    let err = Config::from_toml(&none, no_env()).unwrap_err();
    assert!(
        err.to_string().contains(
            "accounts[0].replies[0]: needs exactly one of keyword, regex, click or scene"
        ),
        "{err}"
    );

    let both = GOOD.replace(
        "text = \"Welcome\"",
        "text = \"Welcome\"\n[accounts.subscribe_reply.news]\ntitle = \"t\"",
    );
    let err = Config::from_toml(&both, no_env()).unwrap_err();
    assert!(
        err.0.iter().any(|p| p.path == "accounts[0].subscribe_reply"
            && p.message == "needs exactly one of text or news"
            && p.line == Some(line_starting(&both, "[accounts.subscribe_reply]"))),
        "{err}"
    );
}

#[test]
fn api_keys_mix_plain_strings_and_scoped_tables() {
    let text = GOOD.replace(
        "api_keys = [\"a-long-enough-key\"]",
        r#"api_keys = [
  "a-long-enough-key",
  { key = "menu-service-key", accounts = ["main"], paths = ["cgi-bin/menu/"] },
  { key = "user-service-key", paths = ["cgi-bin/user/", "sns/userinfo"] },
]"#,
    );
    let config = Config::from_toml(&text, no_env()).unwrap();
    let keys = &config.server.api_keys;
    assert_eq!(keys.len(), 3);
    assert_eq!(keys[0], ApiKey::new("a-long-enough-key"));
    assert_eq!(
        keys[1],
        ApiKey::new("menu-service-key")
            .accounts(["main"])
            .paths(["cgi-bin/menu/"])
    );
    assert_eq!(keys[2].accounts, None);
    assert!(keys[2].allows_path("sns/userinfo") && !keys[2].allows_path("cgi-bin/menu/get"));

    // The [[server.api_keys]] form reads the same, and plain strings still come from the env.
    let tables = GOOD.replace("api_keys = [\"a-long-enough-key\"]\n", "")
        + "\n[[server.api_keys]]\nkey = \"menu-service-key\"\naccounts = [\"main\"]\n";
    let config = Config::from_toml(&tables, no_env()).unwrap();
    assert_eq!(
        config.server.api_keys,
        [ApiKey::new("menu-service-key").accounts(["main"])]
    );
    let env = vec![(
        "WXGATE_SERVER_API_KEYS".to_owned(),
        "first-env-key-1, second-env-key".to_owned(),
    )];
    let config = Config::from_toml(&text, env).unwrap();
    assert_eq!(
        config.server.api_keys,
        [
            ApiKey::new("first-env-key-1"),
            ApiKey::new("second-env-key")
        ]
    );
}

#[test]
fn scoped_keys_are_checked_against_accounts_and_wechat_paths() {
    let text = GOOD.replace(
        "api_keys = [\"a-long-enough-key\"]",
        r#"api_keys = [
  "short",
  { key = "tiny", accounts = ["main"] },
  { key = "menu-service-key", accounts = ["main", "nope"], paths = ["cgi-bin/menu/", "/cgi-bin/user/", "admin/", "cgi-bin/%2e%2e/"] },
  { key = "empty-lists-key", accounts = [], paths = [] },
]"#,
    );
    let err = Config::from_toml(&text, no_env()).unwrap_err();
    let text = err.to_string();
    let paths: Vec<&str> = err.0.iter().map(|p| p.path.as_str()).collect();
    for expected in [
        "server.api_keys[0]",
        "server.api_keys[1].key",
        "server.api_keys[2].accounts[1]",
        "server.api_keys[2].paths[1]",
        "server.api_keys[2].paths[2]",
        "server.api_keys[2].paths[3]",
        "server.api_keys[3].accounts",
        "server.api_keys[3].paths",
    ] {
        assert!(paths.contains(&expected), "{expected} not in {text}");
    }
    assert!(!paths.contains(&"server.api_keys[2].paths[0]"), "{text}");
    assert!(
        text.contains("names no configured account (\"nope\")"),
        "{text}"
    );
    assert!(text.contains("must be a WeChat API path prefix"), "{text}");
    for secret in ["short", "tiny", "menu-service-key"] {
        assert!(
            !text.contains(&format!("\"{secret}\"")),
            "{secret} in {text}"
        );
    }
    let unknown = GOOD.replace(
        "api_keys = [\"a-long-enough-key\"]",
        r#"api_keys = [{ key = "unknown-field-key", colour = "red" }]"#,
    );
    let err = Config::from_toml(&unknown, no_env())
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `colour`"), "{err}");
    assert!(!err.contains("unknown-field-key"), "{err}");
}

const MENU: &str = r#"
[storage]
url = "memory://"

[[accounts]]
id = "main"
app_id = "wx0123456789abcdef"
token = "AAAAA"

[[accounts.menu.button]]
type = "click"
name = "今日歌曲"
key = "V1001_TODAY_MUSIC"

[[accounts.menu.button]]
name = "菜单"

[[accounts.menu.button.sub_button]]
type = "view"
name = "搜索"
url = "http://www.soso.com/"

[[accounts.menu.button.sub_button]]
type = "miniprogram"
name = "wxa"
url = "http://mp.weixin.qq.com"
appid = "wx286b93c14bbf93aa"
pagepath = "pages/lunar/index"

[[accounts.menu.conditional]]
matchrule = { tag_id = 2, client_platform_type = "ios" }

[[accounts.menu.conditional.button]]
type = "click"
name = "VIP"
key = "VIP"
"#;

#[test]
fn menus_parse_into_the_client_model() {
    use wxgate_api::endpoint::menu::{Button, MatchRule, Platform};
    let config = Config::from_toml(MENU, no_env()).unwrap();
    let menu = config.accounts[0].menu.as_ref().unwrap();
    assert_eq!(
        menu.button[0],
        Button::click("今日歌曲", "V1001_TODAY_MUSIC")
    );
    assert_eq!(menu.button[1].sub_buttons().len(), 2);
    assert_eq!(
        menu.conditional[0].matchrule,
        MatchRule::tag(2).and_platform(Platform::Ios)
    );
    assert_eq!(
        menu.conditional[0].button,
        vec![Button::click("VIP", "VIP")]
    );
}

#[test]
fn menu_problems_name_field_and_line() {
    let bad = MENU
        .replace("name = \"搜索\"", "name = \"\"")
        .replace("key = \"VIP\"", "key = \"\"");
    let error = Config::from_toml(&bad, no_env()).unwrap_err();
    let rendered = error.to_string();
    assert_eq!(error.0.len(), 2, "{rendered}");
    assert_eq!(
        error.0[0].path,
        "accounts[0].menu.button[1].sub_button[0].name"
    );
    assert_eq!(
        error.0[0].line,
        Some(MENU.lines().position(|l| l == "name = \"搜索\"").unwrap() + 1)
    );
    assert!(error.0[0].message.contains("40025"), "{rendered}");
    assert_eq!(
        error.0[1].path,
        "accounts[0].menu.conditional[0].button[0].key"
    );
    assert!(error.0[1].line.is_some(), "{rendered}");

    let unknown = MENU.replace("type = \"view\"", "type = \"bogus\"");
    let error = Config::from_toml(&unknown, no_env()).unwrap_err();
    assert!(
        error.to_string().contains("unknown type `bogus`"),
        "{error}"
    );
    assert!(error.0[0].line.is_some(), "{error}");
}

const COMPONENT_ONLY: &str = r#"
[storage]
url = "memory://"

[[components]]
id = "open"
app_id = "wxc0mp0nent000001"
app_secret = "component-secret"
token = "comptoken"
encoding_aes_key = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
api_base = "http://127.0.0.1:9999"

[[components.replies]]
keyword = "hello"
text = "Hi from the platform"
"#;

#[test]
fn a_gateway_may_serve_components_and_no_accounts() {
    let config = Config::from_toml(COMPONENT_ONLY, no_env()).unwrap();
    let component = config.component("open").unwrap();
    assert_eq!(component.app_id, "wxc0mp0nent000001");
    assert_eq!(component.replies.len(), 1);
    assert!(config.accounts.is_empty());
    // Neither accounts nor components: the one problem names both.
    let err = Config::from_toml("[storage]\nurl = \"memory://\"\n", no_env()).unwrap_err();
    assert!(
        err.0
            .iter()
            .any(|p| p.path == "accounts" && p.message.contains("[[components]]")),
        "{err}"
    );
}

#[test]
fn component_problems_name_the_field_and_hide_secrets() {
    let bad = format!(
        "{}\n{}",
        COMPONENT_ONLY
            .replace(
                "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
                "shortSecretKey"
            )
            .replace("\"comptoken\"", "\"t!\"")
            .replace("\"component-secret\"", "\"\""),
        "[[components]]\nid = \"open\"\napp_id = \"wx-bad\"\napp_secret = \"x\"\ntoken = \"abc\"\n\
         encoding_aes_key = \"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\"\napi_base = \"ftp://x\"\n"
    );
    let err = Config::from_toml(&bad, no_env()).unwrap_err();
    let paths: Vec<&str> = err.0.iter().map(|p| p.path.as_str()).collect();
    for expected in [
        "components[0].encoding_aes_key",
        "components[0].token",
        "components[0].app_secret",
        "components[1].id",
        "components[1].app_id",
        "components[1].api_base",
    ] {
        assert!(paths.contains(&expected), "{expected} missing in {paths:?}");
    }
    let key_line = bad
        .lines()
        .position(|l| l.contains("shortSecretKey"))
        .unwrap()
        + 1;
    assert!(
        err.0
            .iter()
            .any(|p| p.path == "components[0].encoding_aes_key" && p.line == Some(key_line))
    );
    assert!(!err.to_string().contains("shortSecretKey"), "{err}");
}

#[test]
fn scoped_keys_may_name_authorizer_appids_and_grant_components() {
    let keys = r#"[server]
api_keys = [
  { key = "by-appid-key-1", accounts = ["wx5a1db0c0ffee0a01"] },
  { key = "platform-key-1", components = ["open"] },
  { key = "bad-names-key-1", accounts = ["not an appid"], components = ["nope"] },
  { key = "empty-grant-key", components = [] },
]
"#;
    let err = Config::from_toml(&format!("{keys}{COMPONENT_ONLY}"), no_env()).unwrap_err();
    let paths: Vec<&str> = err.0.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "server.api_keys[3].components",
            "server.api_keys[2].accounts[0]",
            "server.api_keys[2].components[0]",
        ],
        "{err}"
    );
    assert!(err.to_string().contains("nor an authorizer AppID"), "{err}");
    assert!(
        err.to_string()
            .contains("names no configured component (\"nope\")"),
        "{err}"
    );
    let good = keys.replace(
        r#"  { key = "bad-names-key-1", accounts = ["not an appid"], components = ["nope"] },
  { key = "empty-grant-key", components = [] },
"#,
        "",
    );
    let config = Config::from_toml(&format!("{good}{COMPONENT_ONLY}"), no_env()).unwrap();
    assert_eq!(
        config.server.api_keys[1].granted_components(),
        ["open".to_owned()]
    );
    // Without components an AppID is no account: it must be a configured one.
    let err = Config::from_toml(
        &GOOD.replace(
            "api_keys = [\"a-long-enough-key\"]",
            r#"api_keys = [{ key = "by-appid-key-1", accounts = ["wx5a1db0c0ffee0a01"] }]"#,
        ),
        no_env(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("names no configured account"),
        "{err}"
    );
}

#[test]
fn public_urls_are_bare_origins_and_a_component_without_one_is_warned_about() {
    let config = Config::from_toml(COMPONENT_ONLY, no_env()).unwrap();
    let warnings = config.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].path, "components[0].public_url");
    assert!(warnings[0].message.contains("Host"), "{warnings:?}");
    let with_server_url =
        format!("[server]\npublic_url = \"https://wx.example.com\"\n{COMPONENT_ONLY}");
    let config = Config::from_toml(&with_server_url, no_env()).unwrap();
    assert!(config.warnings().is_empty());
    let with_own_url = COMPONENT_ONLY.replace(
        "api_base = \"http://127.0.0.1:9999\"",
        "api_base = \"http://127.0.0.1:9999\"\npublic_url = \"https://platform.example.com\"",
    );
    let config = Config::from_toml(&with_own_url, no_env()).unwrap();
    assert!(config.warnings().is_empty());

    let bad = format!(
        "[server]\npublic_url = \"https://wx.example.com/gateway\"\n{}",
        COMPONENT_ONLY.replace(
            "api_base = \"http://127.0.0.1:9999\"",
            "api_base = \"http://127.0.0.1:9999\"\npublic_url = \"platform.example.com\"",
        )
    );
    let err = Config::from_toml(&bad, no_env()).unwrap_err();
    let paths: Vec<&str> = err.0.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        ["server.public_url", "components[0].public_url"],
        "{err}"
    );
    assert!(err.0.iter().all(|p| p.line.is_some()), "{err}");
}

#[test]
fn component_webhooks_are_checked_as_accounts_are() {
    let hooks = format!(
        "{COMPONENT_ONLY}\n[[components.webhooks]]\nurl = \"ftp://x\"\nsecret = \"short-hook-key\"\n\
         events = []\nmax_attempts = 0\n"
    );
    let err = Config::from_toml(&hooks, no_env()).unwrap_err();
    let paths: Vec<&str> = err.0.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "components[0].webhooks[0].url",
            "components[0].webhooks[0].secret",
            "components[0].webhooks[0].events",
            "components[0].webhooks[0].max_attempts",
        ],
        "{err}"
    );
    assert!(!err.to_string().contains("short-hook-key"), "{err}");

    let sync_notices = format!(
        "[server]\npublic_url = \"https://wx.example.com\"\n{COMPONENT_ONLY}\n\
         [[components.webhooks]]\nurl = \"https://svc.example.com/hook\"\n\
         secret = \"a-long-enough-hook-secret\"\nevents = [\"text\", \"authorized\"]\nmode = \"sync\"\n"
    );
    let config = Config::from_toml(&sync_notices, no_env()).unwrap();
    let paths: Vec<String> = config.warnings().into_iter().map(|w| w.path).collect();
    assert_eq!(paths, ["components[0].webhooks[0].events"]);
    let as_async = sync_notices.replace("mode = \"sync\"", "mode = \"async\"");
    let config = Config::from_toml(&as_async, no_env()).unwrap();
    assert!(config.warnings().is_empty());
}
