//! One "world" for the tests over loopback: a sandbox playing WeChat with one app, and a
//! gateway serving that app as account `main`, built with the options a test needs (mode,
//! store, message router, callback deadline, extra TOML, faults injected before it starts).

use std::sync::Arc;

use serde_json::Value;
use wxgate_sandbox::{AppSpec, Mode, RunningSandbox, SandboxConfig};
use wxgate_server::{Config, Gateway, MessageRouter};
use wxgate_store::Store;
use wxgate_store::registry::Registry;

/// How to build a [`World`]; see [`world`].
pub(crate) struct WorldBuilder {
    app_id: &'static str,
    secret: &'static str,
    token: &'static str,
    aes_key: Option<&'static str>,
    mode: Mode,
    api_keys: Option<String>,
    key: Option<String>,
    server: String,
    storage_url: String,
    store: Option<Arc<dyn Store>>,
    registry: Option<Arc<dyn Registry>>,
    messages: MessageRouter,
    accounts: String,
    faults: Vec<Value>,
    workers: bool,
}

/// A world whose app (and account `main`) has these credentials: plaintext mode, no API key,
/// `memory://` storage, no handlers, the gateway's background workers running.
pub(crate) fn world(
    app_id: &'static str,
    secret: &'static str,
    token: &'static str,
) -> WorldBuilder {
    WorldBuilder {
        app_id,
        secret,
        token,
        aes_key: None,
        mode: Mode::Plaintext,
        api_keys: None,
        key: None,
        server: String::new(),
        storage_url: "memory://".to_owned(),
        store: None,
        registry: None,
        messages: MessageRouter::new(),
        accounts: String::new(),
        faults: Vec::new(),
        workers: true,
    }
}

impl WorldBuilder {
    /// The app's mode, in the sandbox and in the account.
    pub(crate) fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// The app's EncodingAESKey, in the sandbox and in the account.
    pub(crate) fn aes_key(mut self, key: &'static str) -> Self {
        self.aes_key = Some(key);
        self
    }

    /// `server.api_keys = ["<key>"]`.
    pub(crate) fn api_key(self, key: &str) -> Self {
        self.api_keys(&format!("[\"{key}\"]"), key)
    }

    /// `server.api_keys` as TOML (for scoped keys), and the key of [`World`]'s token calls.
    pub(crate) fn api_keys(mut self, toml: &str, key: &str) -> Self {
        self.api_keys = Some(toml.to_owned());
        self.key = Some(key.to_owned());
        self
    }

    /// Lines added to `[server]`.
    pub(crate) fn server(mut self, toml: &str) -> Self {
        self.server.push_str(toml);
        self.server.push('\n');
        self
    }

    /// `server.callback_deadline_ms`.
    pub(crate) fn deadline_ms(self, ms: u64) -> Self {
        self.server(&format!("callback_deadline_ms = {ms}"))
    }

    /// `storage.url`.
    pub(crate) fn storage_url(mut self, url: &str) -> Self {
        url.clone_into(&mut self.storage_url);
        self
    }

    /// The store the gateway uses (rather than one opened from `storage.url`).
    pub(crate) fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// The follower registry the gateway uses (rather than one opened from the config).
    pub(crate) fn registry(mut self, registry: Arc<dyn Registry>) -> Self {
        self.registry = Some(registry);
        self
    }

    /// The gateway's message handlers.
    pub(crate) fn messages(mut self, messages: MessageRouter) -> Self {
        self.messages = messages;
        self
    }

    /// More `[[accounts]]` after `main`, as TOML.
    pub(crate) fn accounts(mut self, toml: &str) -> Self {
        self.accounts.push_str(toml);
        self
    }

    /// Faults injected into the sandbox before the gateway starts, so that its background
    /// refresher already meets them on its first call.
    pub(crate) fn faults(mut self, faults: &[Value]) -> Self {
        self.faults.extend_from_slice(faults);
        self
    }

    /// Serve the gateway's router only, without its background workers (token refresher,
    /// deferred deliveries).
    pub(crate) fn router_only(mut self) -> Self {
        self.workers = false;
        self
    }

    /// Starts the sandbox, adds the app, injects the faults, and serves the gateway.
    pub(crate) async fn start(self) -> World {
        let sandbox = wxgate_sandbox::spawn(SandboxConfig::default())
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gateway_url = format!("http://{}", listener.local_addr().unwrap());
        sandbox
            .sandbox
            .add_app(AppSpec {
                app_id: self.app_id.to_owned(),
                app_secret: self.secret.into(),
                token: self.token.into(),
                encoding_aes_key: self.aes_key.map(Into::into),
                mode: self.mode,
                callback_url: format!("{gateway_url}/wechat/main"),
                ..AppSpec::default()
            })
            .unwrap();
        let mut world = World {
            sandbox,
            gateway_url,
            http: reqwest::Client::new(),
            app_id: self.app_id,
            key: self.key.clone().unwrap_or_default(),
            server: None,
        };
        for fault in &self.faults {
            world.fault(fault.clone()).await;
        }
        world.server = Some(self.serve(listener, &world.sandbox.base_url()).await);
        world
    }

    /// Serves another gateway so built against `world`'s sandbox (whose app stays as it is),
    /// as a restarted instance would: it stops when the returned task is aborted or dropped
    /// with the runtime.
    pub(crate) async fn serve_against(self, world: &World) -> tokio::task::JoinHandle<()> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        self.serve(listener, &world.sandbox.base_url()).await
    }

    async fn serve(
        self,
        listener: tokio::net::TcpListener,
        api_base: &str,
    ) -> tokio::task::JoinHandle<()> {
        let mode = match self.mode {
            Mode::Plaintext => "plaintext",
            Mode::Compatible => "compatible",
            Mode::Safe => "safe",
        };
        let api_keys = self
            .api_keys
            .map(|keys| format!("api_keys = {keys}"))
            .unwrap_or_default();
        let aes_key = self
            .aes_key
            .map(|key| format!("encoding_aes_key = \"{key}\""))
            .unwrap_or_default();
        // A Redis store needs a registry named: each of these worlds has one gateway, so a
        // private SQLite one in memory does.
        let registry = if self.storage_url.starts_with("redis") {
            "[registry]\nurl = \"sqlite::memory:\""
        } else {
            ""
        };
        let toml = format!(
            r#"
[server]
{api_keys}
{server}
[storage]
url = "{storage_url}"
{registry}
[[accounts]]
id = "main"
app_id = "{app_id}"
app_secret = "{secret}"
token = "{token}"
{aes_key}
mode = "{mode}"
api_base = "{api_base}"
{accounts}
"#,
            server = self.server,
            storage_url = self.storage_url,
            app_id = self.app_id,
            secret = self.secret,
            token = self.token,
            accounts = self.accounts,
        );
        let config = Config::from_toml(&toml, Vec::new()).unwrap();
        let mut builder = Gateway::builder(config).messages(self.messages);
        if let Some(store) = self.store {
            builder = builder.store(store);
        }
        if let Some(registry) = self.registry {
            builder = builder.registry(registry);
        }
        let gateway = builder.build().await.unwrap();
        if self.workers {
            tokio::spawn(async move {
                let _ = wxgate_server::serve(&gateway, listener).await;
            })
        } else {
            tokio::spawn(async move {
                let _ = axum::serve(listener, gateway.router()).await;
            })
        }
    }
}

/// A sandbox and a gateway serving over loopback; the gateway stops when the world is dropped.
pub(crate) struct World {
    pub(crate) sandbox: RunningSandbox,
    pub(crate) gateway_url: String,
    pub(crate) http: reqwest::Client,
    app_id: &'static str,
    /// The API key of the token calls.
    key: String,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for World {
    fn drop(&mut self) {
        self.stop_gateway();
    }
}

/// An answer of the gateway: status, `Retry-After` and the body (JSON, or text as a string).
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) retry_after: Option<String>,
    pub(crate) body: Value,
}

impl World {
    /// Stops the gateway (as if it crashed); the sandbox stays.
    pub(crate) fn stop_gateway(&self) {
        if let Some(server) = &self.server {
            server.abort();
        }
    }

    /// Sends `request` and reads the answer.
    pub(crate) async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer {
            status,
            retry_after,
            body,
        }
    }

    /// `GET /v1/accounts/main/access-token`.
    pub(crate) async fn access_token(&self) -> Answer {
        let request = self
            .http
            .get(format!(
                "{}/v1/accounts/main/access-token",
                self.gateway_url
            ))
            .bearer_auth(&self.key);
        self.send(request).await
    }

    /// `POST /v1/accounts/main/access-token/refresh` reporting `stale`.
    pub(crate) async fn refresh(&self, stale: &str) -> Answer {
        let request = self
            .http
            .post(format!(
                "{}/v1/accounts/main/access-token/refresh",
                self.gateway_url
            ))
            .bearer_auth(&self.key)
            .json(&serde_json::json!({ "stale": stale }));
        self.send(request).await
    }

    /// A token the gateway serves (polling through transient failures for up to 20 s).
    pub(crate) async fn token(&self) -> String {
        for _ in 0..200 {
            let answer = self.access_token().await;
            if answer.status == 200 {
                return answer.body["access_token"].as_str().unwrap().to_owned();
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the gateway never served a token");
    }

    /// `GET /healthz`.
    pub(crate) async fn healthz(&self) -> Answer {
        self.send(self.http.get(format!("{}/healthz", self.gateway_url)))
            .await
    }

    /// A call to the gateway's `path`, with `key` as bearer and `body` as JSON: the status and
    /// the JSON body (`null` when it is not JSON).
    pub(crate) async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.gateway_url));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A control call to the sandbox's `path`, with `body` as JSON: its JSON answer.
    pub(crate) async fn sandbox(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.sandbox.base_url()));
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    /// A new user of the app (`user` as the sandbox takes it) who follows it: the openid and
    /// the sandbox's answer to the follow.
    pub(crate) async fn new_follower(&self, user: Value) -> (String, Value) {
        let user = self
            .sandbox(
                reqwest::Method::POST,
                &format!("/sandbox/apps/{}/users", self.app_id),
                Some(user),
            )
            .await;
        let openid = user["openid"].as_str().unwrap().to_owned();
        let follow = self
            .act(&openid, serde_json::json!({"type": "follow"}))
            .await;
        (openid, follow)
    }

    /// The user `openid` does `action` (a text, a click …): the sandbox's answer, with WeChat's
    /// outcome of the push.
    pub(crate) async fn act(&self, openid: &str, action: Value) -> Value {
        self.sandbox(
            reqwest::Method::POST,
            &format!("/sandbox/apps/{}/users/{openid}/actions", self.app_id),
            Some(action),
        )
        .await
    }

    /// How many times the gateway called WeChat's `path` for the app.
    pub(crate) async fn calls(&self, path: &str) -> u64 {
        let calls = self
            .sandbox(
                reqwest::Method::GET,
                &format!("/sandbox/apps/{}/calls", self.app_id),
                None,
            )
            .await;
        calls[path].as_u64().unwrap_or(0)
    }

    fn faults_url(&self) -> String {
        format!(
            "{}/sandbox/apps/{}/faults",
            self.sandbox.base_url(),
            self.app_id
        )
    }

    /// Injects a fault into the sandbox's answers to the app.
    pub(crate) async fn fault(&self, fault: Value) {
        let request = self.http.post(self.faults_url()).json(&fault);
        let response = request.send().await.unwrap();
        assert!(response.status().is_success(), "fault {fault} refused");
    }

    /// Removes every fault of the app.
    pub(crate) async fn clear_faults(&self) {
        let response = self.http.delete(self.faults_url()).send().await.unwrap();
        assert!(response.status().is_success());
    }

    /// The gateway's `/metrics` text.
    pub(crate) async fn metrics(&self) -> String {
        let response = self.http.get(format!("{}/metrics", self.gateway_url));
        response.send().await.unwrap().text().await.unwrap()
    }

    /// The gateway's JSON answer to `GET path` (no key).
    pub(crate) async fn get_json(&self, path: &str) -> Value {
        let response = self.http.get(format!("{}{path}", self.gateway_url));
        response.send().await.unwrap().json().await.unwrap()
    }
}
