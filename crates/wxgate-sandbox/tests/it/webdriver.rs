//! Headless Chromium over WebDriver, for the browser tests of the sandbox and of the binary
//! (which includes this file by path): `chromedriver` started on a free port, a session with
//! Debian's `chromium`, and whether the browser is required (`WXGATE_REQUIRE_BROWSER=1`, CI).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};

/// Whether a missing browser fails the test (CI) instead of skipping it.
pub(crate) fn required() -> bool {
    std::env::var("WXGATE_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

/// The first of `names` found on the `PATH`.
pub(crate) fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// `chromedriver`, ended (by its process id) when dropped.
pub(crate) struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) async fn start_driver(chromedriver: &PathBuf) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::new();
    for _ in 0..200 {
        let ready = http
            .get(format!("{}/status", driver.url))
            .send()
            .await
            .ok()
            .map(|r| r.status().is_success());
        if ready == Some(true) {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not answer on port {port} within 10 s");
}

pub(crate) async fn open_browser(driver: &Driver, chromium: &PathBuf) -> Client {
    let capabilities = json!({
        "browserName": "chrome",
        // Leave alerts open: the escaping checks look for them.
        "unhandledPromptBehavior": "ignore",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--window-size=1280,900"],
        },
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!("a JSON object")
    };
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("WebDriver session");
    client
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            Some(Duration::from_secs(10)),
            Some(Duration::from_secs(15)),
            Some(Duration::ZERO),
        ))
        .await
        .expect("timeouts");
    client
}

/// `chromium` and `chromedriver` from the `PATH`; without them `None` (the test is skipped,
/// with a message), or a failure when the browser is required.
pub(crate) fn find_browser() -> Option<(PathBuf, PathBuf)> {
    match (
        on_path(&["chromium", "chromium-browser"]),
        on_path(&["chromedriver"]),
    ) {
        (Some(chromium), Some(chromedriver)) => Some((chromium, chromedriver)),
        _ => {
            assert!(
                !required(),
                "WXGATE_REQUIRE_BROWSER=1 but chromium or chromedriver is not on the PATH"
            );
            eprintln!(
                "skipped: no chromium and chromedriver on the PATH (apt-get install chromium chromium-driver)"
            );
            None
        }
    }
}
