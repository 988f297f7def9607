//! A sandbox with one app, and helpers to drive its control API.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use wxgate_api::{
    AccountCredentials, AppSecret, Client, CredentialOptions, Credentials, ManualClock,
    RetryPolicy, TokenPolicy,
};
use wxgate_sandbox::{RunningSandbox, SandboxConfig};
use wxgate_store::Store;

pub(crate) const APP_ID: &str = "wx0123456789abcdef";
pub(crate) const APP_SECRET: &str = "sandbox-app-secret-0001";

pub(crate) struct Env {
    pub(crate) sandbox: RunningSandbox,
    pub(crate) http: reqwest::Client,
    pub(crate) clock: Arc<ManualClock>,
}

impl Env {
    pub(crate) async fn start() -> Self {
        Self::start_with(SandboxConfig::default()).await
    }

    /// A sandbox with `config` (page sizes, limits) and the app.
    pub(crate) async fn start_with(config: SandboxConfig) -> Self {
        let sandbox = wxgate_sandbox::spawn(config).await.expect("sandbox starts");
        let env = Self {
            sandbox,
            http: reqwest::Client::new(),
            clock: Arc::new(ManualClock::starting_now()),
        };
        let response = env
            .http
            .post(format!("{}/sandbox/apps", env.base_url()))
            .json(&json!({
                "app_id": APP_ID,
                "app_secret": APP_SECRET,
                "token": "callbacktoken",
                "mode": "plaintext",
                "callback_url": "http://127.0.0.1:9/wechat/main",
            }))
            .send()
            .await
            .expect("create app");
        assert!(response.status().is_success(), "{}", response.status());
        env
    }

    pub(crate) fn base_url(&self) -> String {
        self.sandbox.base_url()
    }

    /// A client with quick retries (3 attempts, 10 ms apart).
    pub(crate) fn client(&self) -> Client {
        Client::builder()
            .base_url(self.base_url())
            .timeout(Duration::from_secs(5))
            .retry(RetryPolicy::new(
                3,
                Duration::from_millis(10),
                Duration::from_millis(20),
            ))
            .build()
            .expect("client")
    }

    pub(crate) fn account(&self, id: &str) -> AccountCredentials {
        AccountCredentials::new(id, APP_ID, AppSecret::new(APP_SECRET))
    }

    /// Options on the test's manual clock, with a 1 s failure back-off and no early probes
    /// (so the back-off alone decides when WeChat is called again; probes have their own test).
    pub(crate) fn options(&self) -> CredentialOptions {
        CredentialOptions::default()
            .clock(self.clock.clone())
            .failure_backoff(Duration::from_secs(1), Duration::from_secs(8))
            .failure_probe(Duration::ZERO)
    }

    pub(crate) fn credentials(&self, store: Arc<dyn Store>, id: &str) -> Credentials {
        Credentials::new(self.client(), store, self.account(id), self.options())
    }

    pub(crate) fn stable_credentials(&self, store: Arc<dyn Store>, id: &str) -> Credentials {
        Credentials::new(
            self.client(),
            store,
            self.account(id).policy(TokenPolicy::StableToken),
            self.options(),
        )
    }

    /// How many times the sandbox served `path` (e.g. `cgi-bin/token`) for the app.
    pub(crate) async fn calls(&self, path: &str) -> u64 {
        let calls: Value = self
            .http
            .get(format!("{}/sandbox/apps/{APP_ID}/calls", self.base_url()))
            .send()
            .await
            .expect("calls")
            .json()
            .await
            .expect("calls json");
        calls.get(path).and_then(Value::as_u64).unwrap_or(0)
    }

    pub(crate) async fn fault(&self, fault: Value) {
        let response = self
            .http
            .post(format!("{}/sandbox/apps/{APP_ID}/faults", self.base_url()))
            .json(&fault)
            .send()
            .await
            .expect("fault");
        assert!(response.status().is_success(), "{}", response.status());
    }

    pub(crate) async fn clear_faults(&self) {
        let response = self
            .http
            .delete(format!("{}/sandbox/apps/{APP_ID}/faults", self.base_url()))
            .send()
            .await
            .expect("clear faults");
        assert!(response.status().is_success(), "{}", response.status());
    }

    /// Moves both the sandbox's clock and the managers' clock.
    pub(crate) async fn advance(&self, secs: u64) {
        let response = self
            .http
            .post(format!("{}/sandbox/clock", self.base_url()))
            .json(&json!({ "advance_secs": secs }))
            .send()
            .await
            .expect("clock");
        assert!(response.status().is_success(), "{}", response.status());
        self.clock.advance(Duration::from_secs(secs));
    }

    /// Moves only the managers' clock (WeChat still considers its tokens valid).
    pub(crate) fn advance_local(&self, secs: u64) {
        self.clock.advance(Duration::from_secs(secs));
    }

    /// A following user with an open customer-service window.
    pub(crate) async fn follower(&self) -> String {
        let user: Value = self
            .http
            .post(format!("{}/sandbox/apps/{APP_ID}/users", self.base_url()))
            .json(&json!({"nickname": "tester"}))
            .send()
            .await
            .expect("user")
            .json()
            .await
            .expect("user json");
        let openid = user["openid"].as_str().expect("openid").to_owned();
        let url = format!(
            "{}/sandbox/apps/{APP_ID}/users/{openid}/actions",
            self.base_url()
        );
        // Following may already be the default; only the text message must succeed.
        let _ = self
            .http
            .post(&url)
            .json(&json!({"type": "follow"}))
            .send()
            .await;
        let response = self
            .http
            .post(format!(
                "{}/sandbox/apps/{APP_ID}/users/{openid}/actions",
                self.base_url()
            ))
            .json(&json!({"type": "text", "content": "hi"}))
            .send()
            .await
            .expect("action");
        assert!(response.status().is_success(), "{}", response.status());
        openid
    }

    pub(crate) async fn inbox(&self, openid: &str) -> Value {
        self.http
            .get(format!(
                "{}/sandbox/apps/{APP_ID}/users/{openid}/inbox",
                self.base_url()
            ))
            .send()
            .await
            .expect("inbox")
            .json()
            .await
            .expect("inbox json")
    }
}

/// An id no other test (or earlier run on a shared Redis) uses.
pub(crate) fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{prefix}-{}-{}-{:08x}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst),
        rand::random::<u32>()
    )
}

pub(crate) fn memory_store() -> Arc<dyn Store> {
    Arc::new(wxgate_store::MemoryStore::new())
}

/// Polls `check` every 20 ms for up to 15 s (generous: on two busy cores a debug-build sandbox
/// call can take seconds; the condition, not the time, is what a test asserts).
pub(crate) async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..750 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}
