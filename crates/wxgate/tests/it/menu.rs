//! `wxgate menu push|pull|diff|delete` as real processes against a sandbox process.

use serde_json::{Value, json};
use wxgate_api::endpoint::menu::{Button, MenuSet};

use crate::process::{Wxgate, run, start};

const APP_ID: &str = "wxe2e00000000menu";

const MENU_TOML: &str = r#"
[[button]]
type = "click"
name = "今日歌曲"
key = "V1001_TODAY_MUSIC"

[[button]]
name = "菜单"

[[button.sub_button]]
type = "view"
name = "搜索"
url = "http://www.soso.com/"

[[button.sub_button]]
type = "miniprogram"
name = "wxa"
url = "http://mp.weixin.qq.com"
appid = "wx286b93c14bbf93aa"
pagepath = "pages/lunar/index"

[[button.sub_button]]
type = "location_select"
name = "发送位置"
key = "LOCATION"

[[conditional]]
matchrule = { tag_id = "2" }

[[conditional.button]]
type = "click"
name = "VIP"
key = "VIP"

[[conditional]]
matchrule = { client_platform_type = "1" }

[[conditional.button]]
type = "view"
name = "iOS"
url = "https://example.com/ios"
"#;

/// The docs' example, as people copy it.
const MENU_JSON: &str = r#"{"button":[
  {"type":"click","name":"今日歌曲","key":"V1001_TODAY_MUSIC"},
  {"name":"菜单","sub_button":[
     {"type":"view","name":"搜索","url":"http://www.soso.com/"},
     {"type":"miniprogram","name":"wxa","url":"http://mp.weixin.qq.com","appid":"wx286b93c14bbf93aa","pagepath":"pages/lunar/index"},
     {"type":"click","name":"赞一下我们","key":"V1001_GOOD"}]}]}"#;

struct Setup {
    sandbox: Wxgate,
    dir: tempfile::TempDir,
    config: String,
}

impl Setup {
    async fn start(config_menu: &str) -> Self {
        let sandbox = start(&["sandbox", "--listen", "127.0.0.1:0"]);
        let created = reqwest::Client::new()
            .post(format!("{}/sandbox/apps", sandbox.base))
            .json(&json!({"app_id": APP_ID, "app_secret": "menu-secret", "token": "menutok", "mode": "plaintext", "callback_url": "http://127.0.0.1:9/unused"}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status().as_u16(), 201);
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("wxgate.toml");
        std::fs::write(
            &config,
            format!(
                "[storage]\nurl = \"sqlite://{}/state.db\"\n[[accounts]]\nid = \"m\"\napp_id = \"{APP_ID}\"\napp_secret = \"menu-secret\"\ntoken = \"menutok\"\napi_base = \"{}\"\n{config_menu}",
                dir.path().display(),
                sandbox.base
            ),
        )
        .unwrap();
        Self {
            sandbox,
            config: config.display().to_string(),
            dir,
        }
    }

    fn file(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    /// `wxgate menu ARGS… m --config CONFIG`; asserts the exit code, returns stdout.
    fn menu(&self, args: &[&str], code: i32) -> String {
        let mut all = vec!["menu", args[0], "m", "--config", &self.config];
        all.extend(&args[1..]);
        let out = run(&all);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(
            out.status.code(),
            Some(code),
            "wxgate {all:?}\nstdout: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    fn pull(&self) -> MenuSet {
        toml::from_str(&self.menu(&["pull"], 0)).expect("pull prints TOML push reads")
    }

    async fn calls(&self, path: &str) -> u64 {
        let calls: Value =
            reqwest::get(format!("{}/sandbox/apps/{APP_ID}/calls", self.sandbox.base))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        calls.get(path).and_then(Value::as_u64).unwrap_or(0)
    }
}

#[tokio::test]
async fn toml_push_then_pull_round_trips_with_conditional_menus() {
    let setup = Setup::start("").await;
    assert_eq!(setup.pull(), MenuSet::default(), "no menu yet");
    let file = setup.file("menu.toml", MENU_TOML);
    let pushed = setup.menu(&["push", "--file", &file], 0);
    assert!(pushed.contains("2 conditional menu(s)"), "{pushed}");
    let wanted: MenuSet = toml::from_str(MENU_TOML).unwrap();
    assert_eq!(setup.pull(), wanted);

    // A second push replaces rather than adds.
    setup.menu(&["push", "--file", &file], 0);
    assert_eq!(setup.pull(), wanted);
    assert_eq!(setup.calls("cgi-bin/menu/delconditional").await, 2);

    // The pulled TOML pushes back unchanged.
    let pulled = setup.file("pulled.toml", &setup.menu(&["pull"], 0));
    setup.menu(&["diff", "--file", &pulled], 0);

    setup.menu(&["delete"], 0);
    assert_eq!(setup.pull(), MenuSet::default());
}

#[tokio::test]
async fn wechat_json_push_then_pull_round_trips() {
    let setup = Setup::start("").await;
    // Detected by content even without the .json extension.
    let file = setup.file("menu.txt", MENU_JSON);
    setup.menu(&["push", "--file", &file], 0);
    let wanted = MenuSet::from_wechat_json(MENU_JSON).unwrap();
    assert_eq!(setup.pull(), wanted);
    let json = setup.menu(&["pull", "--format", "json"], 0);
    assert_eq!(MenuSet::from_wechat_json(&json).unwrap(), wanted);
    // The JSON pull pushes back too.
    let pulled = setup.file("pulled.json", &json);
    setup.menu(&["diff", "--file", &pulled], 0);
}

#[tokio::test]
async fn diff_reports_changes_until_pushed() {
    let setup = Setup::start("").await;
    let first = setup.file("first.toml", MENU_TOML);
    setup.menu(&["push", "--file", &first], 0);
    let changed = MENU_TOML
        .replace("http://www.soso.com/", "https://www.sogou.com/")
        .replace(
            "matchrule = { tag_id = \"2\" }",
            "matchrule = { tag_id = \"3\" }",
        );
    let second = setup.file("second.toml", &changed);
    let out = setup.menu(&["diff", "--file", &second], 1);
    assert!(
        out.contains(
            r#"~ button[1].sub_button[0]: "搜索" (view, url=http://www.soso.com/) -> "搜索" (view, url=https://www.sogou.com/)"#
        ),
        "{out}"
    );
    assert!(
        out.contains("~ conditional[0].matchrule: tag_id=2 -> tag_id=3"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 2, "{out}");
    setup.menu(&["push", "--file", &second], 0);
    let out = setup.menu(&["diff", "--file", &second], 0);
    assert!(out.contains("no changes"), "{out}");
}

#[tokio::test]
async fn push_without_file_sends_the_configured_menu() {
    let setup = Setup::start(
        "[[accounts.menu.button]]\ntype = \"click\"\nname = \"配置\"\nkey = \"FROM_CONFIG\"\n",
    )
    .await;
    let out = setup.menu(&["diff"], 1);
    assert!(
        out.contains(r#"+ button[0]: "配置" (click, key=FROM_CONFIG)"#),
        "{out}"
    );
    setup.menu(&["push"], 0);
    assert_eq!(
        setup.pull(),
        MenuSet::new(vec![Button::click("配置", "FROM_CONFIG")], vec![])
    );
    setup.menu(&["diff"], 0);
}

#[tokio::test]
async fn invalid_menus_are_refused_before_sending() {
    let setup = Setup::start("").await;
    let long = setup.file(
        "long.toml",
        "[[button]]\ntype = \"click\"\nname = \"这是一个很长的名字\"\nkey = \"K\"\n",
    );
    let out = run(&[
        "menu",
        "push",
        "m",
        "--config",
        &setup.config,
        "--file",
        &long,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("button[0].name"), "{stderr}");
    assert!(stderr.contains("40018"), "{stderr}");
    let unknown = setup.file(
        "unknown.json",
        r#"{"button":[{"type":"bogus","name":"a"}]}"#,
    );
    let out = run(&[
        "menu",
        "push",
        "m",
        "--config",
        &setup.config,
        "--file",
        &unknown,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown type `bogus`"), "{stderr}");
    assert_eq!(setup.calls("cgi-bin/menu/create").await, 0);
    // No [accounts.menu] and no --file: a clear error.
    let out = run(&["menu", "push", "m", "--config", &setup.config]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("has no [accounts.menu]"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn check_config_names_menu_fields_and_lines() {
    let setup = Setup::start(
        "[[accounts.menu.button]]\ntype = \"click\"\nname = \"这是一个很长的名字\"\nkey = \"K\"\n",
    )
    .await;
    let text = std::fs::read_to_string(&setup.config).unwrap();
    let line = text.lines().position(|l| l.starts_with("name = ")).unwrap() + 1;
    let out = run(&["check-config", &setup.config]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "wxgate.toml:{line}: accounts[0].menu.button[0].name: a name has 1 to 16 bytes"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("40018"), "{stdout}");
}
