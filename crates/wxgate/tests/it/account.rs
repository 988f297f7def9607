//! A `wxgate sandbox` process with one app, and a configuration naming it as an account: what
//! the operator commands' end-to-end tests run against.

use serde_json::{Value, json};

use crate::process::{Wxgate, run, start};

/// The sandbox process, its app and the configuration file (in `dir`).
pub(crate) struct SandboxAccount {
    pub(crate) sandbox: Wxgate,
    pub(crate) http: reqwest::Client,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) config: String,
    app_id: &'static str,
}

impl SandboxAccount {
    /// Starts the sandbox, adds the app `app_id` (plaintext, no callback) and writes a
    /// configuration with the account `account` on a SQLite store.
    pub(crate) async fn start(app_id: &'static str, account: &str) -> Self {
        Self::start_with(app_id, account, &[]).await
    }

    /// As [`SandboxAccount::start`], with more arguments for `wxgate sandbox`.
    pub(crate) async fn start_with(app_id: &'static str, account: &str, args: &[&str]) -> Self {
        let mut all = vec!["sandbox", "--listen", "127.0.0.1:0"];
        all.extend_from_slice(args);
        let sandbox = start(&all);
        let http = reqwest::Client::new();
        let created = http
            .post(format!("{}/sandbox/apps", sandbox.base))
            .json(
                &json!({"app_id": app_id, "app_secret": "e2e-secret", "token": "e2etoken",
                "mode": "plaintext", "callback_url": "http://127.0.0.1:9/unused"}),
            )
            .send()
            .await
            .expect("create app");
        assert!(created.status().is_success(), "{}", created.status());
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("wxgate.toml");
        std::fs::write(
            &config,
            format!(
                "[storage]\nurl = \"sqlite://{}/state.db\"\n[[accounts]]\nid = \"{account}\"\napp_id = \"{app_id}\"\napp_secret = \"e2e-secret\"\ntoken = \"e2etoken\"\napi_base = \"{}\"\n",
                dir.path().display(),
                sandbox.base
            ),
        )
        .expect("config");
        Self {
            sandbox,
            http,
            dir,
            config: config.display().to_string(),
            app_id,
        }
    }

    /// `wxgate ARGS... --config FILE`, whatever its outcome.
    pub(crate) fn run(&self, args: &[&str]) -> std::process::Output {
        let mut all = args.to_vec();
        all.extend(["--config", &self.config]);
        run(&all)
    }

    /// `wxgate ARGS... --config FILE`: stdout on success; panics with stderr otherwise.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "wxgate {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8")
    }

    /// A POST to the app's control API (`/sandbox/apps/{app_id}{path}`), which must succeed.
    pub(crate) async fn control(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!(
                "{}/sandbox/apps/{}{path}",
                self.sandbox.base, self.app_id
            ))
            .json(&body)
            .send()
            .await
            .expect("control");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.expect("control json")
    }

    /// A new user of the app, following when `follow`.
    pub(crate) async fn user(&self, follow: bool) -> String {
        let user = self.control("/users", json!({})).await;
        let openid = user["openid"].as_str().expect("openid").to_owned();
        if follow {
            self.control(
                &format!("/users/{openid}/actions"),
                json!({"type": "follow"}),
            )
            .await;
        }
        openid
    }

    /// An injected fault.
    pub(crate) async fn fault(&self, fault: Value) {
        self.control("/faults", fault).await;
    }

    /// How often the sandbox served each path for the app.
    pub(crate) async fn calls(&self) -> Value {
        self.http
            .get(format!(
                "{}/sandbox/apps/{}/calls",
                self.sandbox.base, self.app_id
            ))
            .send()
            .await
            .expect("calls")
            .json()
            .await
            .expect("calls json")
    }
}
