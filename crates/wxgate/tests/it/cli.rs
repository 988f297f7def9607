//! `wxgate serve`, `demo`, `sandbox`, `check-config` and `token get`, each as a real process.

use serde_json::{Value, json};
use wxgate_proto::crypto::{AesKey, MessageCrypt};
use wxgate_proto::envelope::RequestEnvelope;
use wxgate_proto::reply::Reply;
use wxgate_proto::signature;

use crate::process::{run, start};

const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn write_config(dir: &std::path::Path, body: &str) -> String {
    let path = dir.join("wxgate.toml");
    std::fs::write(&path, body).unwrap();
    path.display().to_string()
}

async fn post_json(http: &reqwest::Client, url: String, body: Value) -> Value {
    http.post(url)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn serve_answers_a_signed_encrypted_text_message() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            r#"
[server]
listen = "127.0.0.1:0"
[storage]
url = "sqlite://{}/state.db"
[[accounts]]
id = "main"
app_id = "wxe2e0000000000001"
token = "e2etoken"
encoding_aes_key = "{KEY}"
mode = "safe"
[[accounts.replies]]
keyword = "hello"
text = "你好, e2e 🎉"
"#,
            dir.path().display()
        ),
    );
    let gateway = start(&["serve", "--config", &config]);
    let crypt = MessageCrypt::new(
        "e2etoken",
        AesKey::parse(KEY).unwrap(),
        "wxe2e0000000000001",
    );
    let ts = now().to_string();
    let inner = format!(
        "<xml><ToUserName><![CDATA[gh_e2e]]></ToUserName><FromUserName><![CDATA[o_e2e]]></FromUserName><CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>1</MsgId></xml>"
    );
    let encrypt = crypt.encrypt(inner.as_bytes(), *b"e2e-random-bytes");
    let url = format!(
        "{}/wechat/main?signature={}&timestamp={ts}&nonce=42&openid=o_e2e&encrypt_type=aes&msg_signature={}",
        gateway.base,
        signature::sign(&["e2etoken", &ts, "42"]),
        crypt.msg_signature(&ts, "42", &encrypt)
    );
    let response = reqwest::Client::new()
        .post(url)
        .body(RequestEnvelope::safe_body("gh_e2e", &encrypt))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let envelope = response.text().await.unwrap();
    let reply = String::from_utf8(
        crypt
            .open_reply(&envelope)
            .expect("an encrypted, correctly signed reply"),
    )
    .unwrap();
    let parsed = Reply::parse(&reply).unwrap();
    assert_eq!(parsed.reply, Reply::text("你好, e2e 🎉"));
    assert_eq!(
        (parsed.to_user_name.as_str(), parsed.from_user_name.as_str()),
        ("o_e2e", "gh_e2e")
    );
}

#[tokio::test]
async fn demo_follow_and_text_in_safe_mode() {
    let demo = start(&["demo", "--listen", "127.0.0.1:0"]);
    let http = reqwest::Client::new();
    let apps: Value = http
        .get(format!("{}/sandbox/apps", demo.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let app = &apps[0];
    assert_eq!(app["mode"], "safe");
    let app_id = app["app_id"].as_str().unwrap();
    let user = post_json(
        &http,
        format!("{}/sandbox/apps/{app_id}/users", demo.base),
        json!({"nickname": "Alice"}),
    )
    .await;
    let openid = user["openid"].as_str().unwrap();
    let act = |body: Value| {
        post_json(
            &http,
            format!("{}/sandbox/apps/{app_id}/users/{openid}/actions", demo.base),
            body,
        )
    };
    let follow = act(json!({"type": "follow"})).await;
    assert_eq!(follow["outcome"], "reply", "{follow}");
    assert!(
        follow["reply"]["text"]["content"]
            .as_str()
            .unwrap()
            .starts_with("Welcome to the wxgate demo")
    );
    let hello = act(json!({"type": "text", "content": "hello"})).await;
    assert_eq!(hello["outcome"], "reply", "{hello}");
    assert!(
        hello["reply"]["text"]["content"]
            .as_str()
            .unwrap()
            .starts_with("Hi there")
    );
    let order = act(json!({"type": "text", "content": "order 42"})).await;
    assert_eq!(order["reply"]["msgtype"], "news", "{order}");
    let click = act(json!({"type": "click", "key": "TODAY"})).await;
    assert!(
        click["reply"]["text"]["content"]
            .as_str()
            .unwrap()
            .contains("tea"),
        "{click}"
    );
    let inbox: Value = http
        .get(format!(
            "{}/sandbox/apps/{app_id}/users/{openid}/inbox",
            demo.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(inbox.as_array().unwrap().len(), 4, "{inbox}");
    let console = http
        .get(format!("{}/sandbox/console", demo.base))
        .send()
        .await
        .unwrap();
    assert_eq!(console.status().as_u16(), 200);
}

#[tokio::test]
async fn sandbox_and_serve_as_two_processes_in_plaintext() {
    let sandbox = start(&["sandbox", "--listen", "127.0.0.1:0"]);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            r#"
[server]
listen = "127.0.0.1:0"
[storage]
url = "memory://"
[[accounts]]
id = "plain"
app_id = "wxe2e0000000000002"
app_secret = "plain-secret"
token = "plaintoken"
mode = "plaintext"
api_base = "{}"
[[accounts.replies]]
keyword = "hello"
text = "plain hello"
[accounts.subscribe_reply]
text = "plain welcome"
"#,
            sandbox.base
        ),
    );
    let gateway = start(&["serve", "--config", &config]);
    let http = reqwest::Client::new();
    let created = http
        .post(format!("{}/sandbox/apps", sandbox.base))
        .json(&json!({"app_id": "wxe2e0000000000002", "app_secret": "plain-secret", "token": "plaintoken", "mode": "plaintext", "callback_url": format!("{}/wechat/plain", gateway.base)}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let user = post_json(
        &http,
        format!("{}/sandbox/apps/wxe2e0000000000002/users", sandbox.base),
        json!({}),
    )
    .await;
    let openid = user["openid"].as_str().unwrap();
    let act = |body: Value| {
        post_json(
            &http,
            format!(
                "{}/sandbox/apps/wxe2e0000000000002/users/{openid}/actions",
                sandbox.base
            ),
            body,
        )
    };
    let follow = act(json!({"type": "follow"})).await;
    assert_eq!(
        follow["reply"]["text"]["content"], "plain welcome",
        "{follow}"
    );
    let hello = act(json!({"type": "text", "content": "hello"})).await;
    assert_eq!(hello["reply"]["text"]["content"], "plain hello", "{hello}");
    assert!(!hello["raw"].as_str().unwrap().contains("<Encrypt>"));
}

#[test]
fn check_config_reports_field_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/wxgate.toml"
    ))
    .unwrap();
    let path = write_config(dir.path(), &good);
    let ok = run(&["check-config", &path]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let bad = good.replace("token = \"ChangeMeToken2024\"", "token = \"x\"");
    let line = bad
        .lines()
        .position(|l| l.starts_with("token = \"x\""))
        .unwrap()
        + 1;
    let path = write_config(dir.path(), &bad);
    let out = run(&["check-config", &path]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("wxgate.toml:{line}: accounts[0].token:")),
        "{stdout}"
    );
}

#[tokio::test]
async fn token_get_uses_the_shared_store() {
    let sandbox = start(&["sandbox", "--listen", "127.0.0.1:0"]);
    let http = reqwest::Client::new();
    http.post(format!("{}/sandbox/apps", sandbox.base))
        .json(&json!({"app_id": "wxe2e0000000000003", "app_secret": "token-secret", "token": "tok123", "mode": "plaintext", "callback_url": "http://127.0.0.1:9/unused"}))
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "[storage]\nurl = \"sqlite://{}/state.db\"\n[[accounts]]\nid = \"t\"\napp_id = \"wxe2e0000000000003\"\napp_secret = \"token-secret\"\ntoken = \"tok123\"\napi_base = \"{}\"\n",
            dir.path().display(),
            sandbox.base
        ),
    );
    let first = run(&["token", "get", "t", "--config", &config]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = run(&["token", "get", "t", "--config", &config]);
    let a: Value = serde_json::from_slice(&first.stdout).unwrap();
    let b: Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(a["access_token"], b["access_token"]);
    let calls: Value = http
        .get(format!(
            "{}/sandbox/apps/wxe2e0000000000003/calls",
            sandbox.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        calls["cgi-bin/token"], 1,
        "the second process read the stored token: {calls}"
    );
}

#[test]
fn check_config_reports_every_problem_not_just_the_first_unknown_field() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/wxgate.toml"
    ))
    .unwrap();
    let bad = good
        .replacen("[server]", "[server]\ncolour = \"red\"", 1)
        .replace("token = \"ChangeMeToken2024\"", "token = \"x\"")
        .replace(r#"regex = "^order (\\d+)$""#, r#"regex = "^order (\\d+$""#)
        .replace("keyword = \"hello\"", "keyword = \"hello\"\nemoji = true");
    let line = |prefix: &str| {
        bad.lines()
            .position(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line starts with {prefix:?}"))
            + 1
    };
    let path = write_config(dir.path(), &bad);
    let out = run(&["check-config", &path]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for expected in [
        format!(
            "wxgate.toml:{}: server.colour: unknown field `colour`",
            line("colour")
        ),
        format!(
            "wxgate.toml:{}: accounts[0].replies[0].emoji: unknown field `emoji`",
            line("emoji")
        ),
        format!(
            "wxgate.toml:{}: accounts[0].token: must be",
            line("token = \"x\"")
        ),
        format!(
            "wxgate.toml:{}: accounts[0].replies[1].regex: is not a valid regular expression: unclosed group (at character 8 of the pattern)",
            line("regex")
        ),
    ] {
        assert!(
            stdout.contains(&expected),
            "{expected:?} missing from:\n{stdout}"
        );
    }
    assert_eq!(stdout.lines().count(), 4, "{stdout}");
}

#[test]
fn check_config_names_a_missing_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-wxgate.toml").display().to_string();
    let out = run(&["check-config", &missing]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.starts_with(&format!("{missing}: cannot read: ")),
        "{stdout}"
    );
    assert_eq!(stdout.matches("no-such-wxgate.toml").count(), 1, "{stdout}");
}

#[tokio::test]
async fn logs_written_to_a_file_have_no_colour_codes() {
    use std::io::{BufRead as _, BufReader};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\nurl = \"memory://\"\n[[accounts]]\nid = \"main\"\napp_id = \"wxe2e0000000000004\"\ntoken = \"logtoken\"\nmode = \"plaintext\"\napi_base = \"http://127.0.0.1:9\"\n",
    );
    let log_path = dir.path().join("wxgate.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_wxgate"))
        .args(["serve", "--config", &config])
        .env("WXGATE_LOG", "info")
        // tracing-subscriber already honours NO_COLOR: without it, only the terminal check
        // keeps colour out of the file.
        .env_remove("NO_COLOR")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("wxgate starts");
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stdout = child.stdout.take().unwrap();
    let child = Kill(child);
    let mut base = None;
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if let Some(at) = line.find("http://") {
            base = Some(line[at..].trim().to_owned());
            break;
        }
    }
    let base = base.expect("wxgate printed its address");
    // A refused URL verification is logged at info.
    let response = reqwest::get(format!(
        "{base}/wechat/main?signature=wrong&timestamp=1&nonce=2&echostr=3"
    ))
    .await
    .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let deadline = Instant::now() + Duration::from_secs(30);
    let logged = loop {
        let logged = std::fs::read(&log_path).unwrap();
        if String::from_utf8_lossy(&logged).contains("URL verification refused") {
            break logged;
        }
        assert!(
            Instant::now() < deadline,
            "nothing logged: {}",
            String::from_utf8_lossy(&logged)
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(child);
    assert!(
        !logged.contains(&0x1b),
        "ESC in the log file: {:?}",
        String::from_utf8_lossy(&logged)
    );
}

#[test]
fn check_config_warns_about_a_component_without_a_public_url() {
    let dir = tempfile::tempdir().unwrap();
    let component = r#"
[storage]
url = "memory://"

[[components]]
id = "open"
app_id = "wxc0mp0nent000001"
app_secret = "component-secret"
token = "comptoken"
encoding_aes_key = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
"#;
    let path = write_config(dir.path(), component);
    let out = run(&["check-config", &path]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // A warning, not an error: the configuration is usable.
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("warning: components[0].public_url: is not set"),
        "{stdout}"
    );
    let with_url = component.replace(
        "[storage]",
        "[server]\npublic_url = \"https://wx.example.com\"\n\n[storage]",
    );
    let path = write_config(dir.path(), &with_url);
    let out = run(&["check-config", &path]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(!stdout.contains("warning"), "{stdout}");
}
