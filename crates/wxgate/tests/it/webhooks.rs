//! Webhooks end to end: the standard-library Python service of `examples/python` answers a
//! sync webhook of a real `wxgate serve` with the sandbox as WeChat, and `wxgate webhooks
//! dead|redrive` list and re-queue a dead letter in the gateway's SQLite store.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::process::{Wxgate, run, start};

const APP_ID: &str = "wxe2e00000000000b7";
const HOOK_SECRET: &str = "python-hook-secret";
const PATIENCE: Duration = Duration::from_secs(30);

/// The Python service, killed on drop.
struct Service {
    child: Child,
    url: String,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `examples/python/webhook_service.py`; `None` if python3 is missing (a failure when
/// `WXGATE_REQUIRE_PYTHON=1`).
fn python_service() -> Option<Service> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/python/webhook_service.py"
    );
    let spawned = Command::new("python3")
        .args([script, "--port", "0", "--secret", HOOK_SECRET])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) => {
            let required = std::env::var("WXGATE_REQUIRE_PYTHON").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "WXGATE_REQUIRE_PYTHON=1 but python3 cannot start: {error}"
            );
            eprintln!("skipped: python3 cannot start: {error}");
            return None;
        }
    };
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the service prints its address");
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Some(Service {
        child,
        url: format!("{base}/wechat-events"),
    })
}

fn config(dir: &std::path::Path, sandbox: &str, hooks: &str) -> String {
    let path = dir.join("wxgate.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[server]
listen = "127.0.0.1:0"
[storage]
url = "sqlite://{}"
[[accounts]]
id = "main"
app_id = "{APP_ID}"
app_secret = "webhook-e2e-secret"
token = "webhooktoken"
mode = "plaintext"
api_base = "{sandbox}"
{hooks}
"#,
            dir.join("state.db").display()
        ),
    )
    .unwrap();
    path.display().to_string()
}

async fn control(http: &reqwest::Client, url: String, body: Value) -> Value {
    let response = http.post(url).json(&body).send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

/// Starts the sandbox and the gateway with `hooks`, and adds the app pointing at the gateway.
async fn world(hooks: &str) -> (Wxgate, Wxgate, tempfile::TempDir, String) {
    let sandbox = start(&["sandbox", "--listen", "127.0.0.1:0"]);
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &sandbox.base, hooks);
    let gateway = start(&["serve", "--config", &config]);
    control(
        &reqwest::Client::new(),
        format!("{}/sandbox/apps", sandbox.base),
        json!({"app_id": APP_ID, "app_secret": "webhook-e2e-secret", "token": "webhooktoken",
               "mode": "plaintext", "callback_url": format!("{}/wechat/main", gateway.base)}),
    )
    .await;
    (sandbox, gateway, dir, config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_service_verifies_the_signature_and_answers_a_sync_reply() {
    let Some(service) = python_service() else {
        return;
    };
    let hooks = format!(
        "[[accounts.webhooks]]\nurl = \"{}\"\nsecret = \"{HOOK_SECRET}\"\nevents = [\"text\"]\nmode = \"sync\"\n",
        service.url
    );
    let (sandbox, _gateway, _dir, _config) = world(&hooks).await;
    let http = reqwest::Client::new();
    let users = format!("{}/sandbox/apps/{APP_ID}/users", sandbox.base);
    let user = control(&http, users.clone(), json!({})).await;
    let openid = user["openid"].as_str().unwrap();
    let actions = format!("{users}/{openid}/actions");
    control(&http, actions.clone(), json!({"type": "follow"})).await;
    let outcome = control(
        &http,
        actions,
        json!({"type": "text", "content": "table 7"}),
    )
    .await;
    assert_eq!(outcome["outcome"], "reply", "{outcome}");
    assert_eq!(
        outcome["reply"]["text"]["content"], "The service got: table 7",
        "{outcome}"
    );

    // A request with a wrong signature is refused by the service.
    let refused = http
        .post(&service.url)
        .header("X-Wxgate-Timestamp", crate::process::now().to_string())
        .header("X-Wxgate-Signature", "sha256=00")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_listed_and_redriven_from_the_cli() {
    // Nothing listens on port 9 (discard): every attempt fails at once.
    let hooks = format!(
        "[[accounts.webhooks]]\nurl = \"http://127.0.0.1:9/down\"\nsecret = \"{HOOK_SECRET}\"\nevents = [\"subscribe\"]\nmax_attempts = 1\n"
    );
    let (sandbox, _gateway, _dir, config) = world(&hooks).await;
    let http = reqwest::Client::new();
    let users = format!("{}/sandbox/apps/{APP_ID}/users", sandbox.base);
    let user = control(&http, users.clone(), json!({})).await;
    let openid = user["openid"].as_str().unwrap();
    control(
        &http,
        format!("{users}/{openid}/actions"),
        json!({"type": "follow"}),
    )
    .await;

    let dead = |config: &str| -> Vec<Value> {
        let output = run(&["webhooks", "dead", "main", "--json", "--config", config]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let started = std::time::Instant::now();
    let letters = loop {
        let letters = dead(&config);
        if !letters.is_empty() || started.elapsed() > PATIENCE {
            break letters;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(letters[0]["event"], "subscribe");
    assert_eq!(letters[0]["url"], "http://127.0.0.1:9/down");
    assert!(!letters[0].to_string().contains(HOOK_SECRET));
    let id = letters[0]["id"].as_str().unwrap().to_owned();

    let output = run(&[
        "webhooks", "redrive", "main", "--id", "999999", "--config", &config,
    ]);
    assert!(!output.status.success(), "an unknown id is reported");
    let output = run(&[
        "webhooks", "redrive", "main", "--id", &id, "--config", &config,
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "re-driven: 1"
    );
    // The gateway's worker tries it again (and it dies again: the receiver is still down).
    let started = std::time::Instant::now();
    loop {
        let letters = dead(&config);
        if letters.len() == 1 && letters[0]["id"] == id.as_str() {
            break;
        }
        assert!(started.elapsed() < PATIENCE, "{letters:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let output = run(&["webhooks", "dead", "nope", "--config", &config]);
    assert!(!output.status.success());
}
