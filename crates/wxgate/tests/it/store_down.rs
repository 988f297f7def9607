//! `wxgate serve` while its Redis is down: it starts, listens, reports the store on `/healthz`,
//! and becomes healthy once Redis answers; a store that cannot be opened is reported once.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::{run, start};

/// A `redis-server` child on `port`, killed on drop.
struct PrivateRedis(Child);

impl PrivateRedis {
    fn start(port: u16, password: &str) -> Self {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--requirepass", password])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        Self(child)
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn write_config(dir: &std::path::Path, storage_url: &str) -> String {
    let path = dir.join("wxgate.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[server]
listen = "127.0.0.1:0"
[storage]
url = "{storage_url}"
# A Redis store needs a registry named; one gateway here, so a SQLite file does.
[registry]
url = "sqlite://{registry}"
[[accounts]]
id = "main"
app_id = "wxe2e0000000000013"
token = "e2etoken"
mode = "plaintext"
"#,
            registry = dir.join("registry.db").display(),
        ),
    )
    .unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn serve_starts_while_redis_is_down_and_heals_when_it_comes_up() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let password = "s3cret-pw";
    let config = write_config(
        dir.path(),
        &format!("redis://:{password}@127.0.0.1:{port}/"),
    );
    // Nothing listens on `port` yet.
    let gateway = start(&["serve", "--config", &config]);
    let http = reqwest::Client::new();
    let healthz = || async {
        let response = http
            .get(format!("{}/healthz", gateway.base))
            .send()
            .await
            .unwrap();
        (
            response.status().as_u16(),
            response.text().await.unwrap_or_default(),
        )
    };
    let (status, reason) = healthz().await;
    assert_eq!(status, 503, "{reason}");
    assert!(reason.contains("store"), "{reason}");
    assert!(!reason.contains(password), "{reason}");

    // Redis comes up, after the gateway.
    let _redis = PrivateRedis::start(port, password);
    let started = Instant::now();
    let mut last = (0, String::new());
    while started.elapsed() < Duration::from_secs(30) {
        last = healthz().await;
        if last.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last, (200, "ok".to_owned()));
}

#[test]
fn a_store_that_cannot_be_opened_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    // A regular file where the database's directory should be.
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, b"").unwrap();
    let config = write_config(
        dir.path(),
        &format!("sqlite://{}/state.db", blocker.display()),
    );
    let output = run(&["serve", "--config", &config]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|line| line.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line in {stderr}"));
    assert!(line.contains("cannot open the store: "), "{line}");
    // The store's own message (it names the file) is printed once, not once more as the cause.
    let path = blocker.join("state.db").display().to_string();
    assert_eq!(stderr.matches(&path).count(), 1, "{stderr}");
    assert_eq!(stderr.matches("sqlite store failed").count(), 1, "{stderr}");
}
