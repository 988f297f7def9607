#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod clock;
mod config;
mod console;
mod control;
mod error;
mod jssdk;
mod persist;
mod push;
mod state;
mod wechat;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use tokio::sync::Notify;

pub use crate::config::{AppSpec, ConsolePanel, Mode, SandboxConfig, Secret};
pub use crate::error::SandboxError;

/// Every WeChat API the sandbox serves, as `(method, path)`: `("POST", "/cgi-bin/menu/create")`.
///
/// Pages (the OAuth consent page) and the control API are not in it. A client's test can check
/// that each of its endpoints has a route here, and the reverse.
pub fn wechat_apis() -> Vec<(&'static str, String)> {
    wechat::apis()
        .iter()
        .map(|api| (api.method.as_str(), format!("/{}", api.path)))
        .collect()
}

use crate::clock::VirtualClock;
use crate::state::{App, State};

/// A simulated WeChat platform. Cheap to clone: clones share one state.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

struct Inner {
    config: SandboxConfig,
    state: Mutex<State>,
    http: reqwest::Client,
    dirty: AtomicBool,
    saver_started: AtomicBool,
    scheduler_started: AtomicBool,
    save_notify: Arc<Notify>,
    /// Every request received on WeChat's paths, by route (not saved).
    received: wechat::received::Received,
}

impl Sandbox {
    /// Build a sandbox; with `state_file` set, load the state saved there (if the file exists).
    ///
    /// # Errors
    /// [`SandboxError::StateFile`] / [`SandboxError::StateFormat`] when the state file exists but
    /// cannot be read or parsed.
    ///
    /// # Examples
    /// ```
    /// let sandbox = wxgate_sandbox::Sandbox::new(wxgate_sandbox::SandboxConfig {
    ///     start_time: Some(1_700_000_000),
    ///     freeze_clock: true,
    ///     ..Default::default()
    /// })
    /// .unwrap();
    /// assert_eq!(sandbox.now(), 1_700_000_000);
    /// ```
    pub fn new(config: SandboxConfig) -> Result<Self, SandboxError> {
        let clock = VirtualClock::new(config.start_time, config.freeze_clock);
        let state = match &config.state_file {
            Some(path) => persist::load(path, clock.clone(), config.seed)?,
            None => None,
        }
        .unwrap_or_else(|| State::new(clock, config.seed));
        let http = reqwest::Client::builder()
            .timeout(config.push_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                state: Mutex::new(state),
                http,
                dirty: AtomicBool::new(false),
                saver_started: AtomicBool::new(false),
                scheduler_started: AtomicBool::new(false),
                save_notify: Arc::new(Notify::new()),
                received: wechat::received::Received::default(),
            }),
        })
    }

    /// The sandbox's HTTP surface: WeChat's paths at the root, the control API under `/sandbox/`
    /// and the console at `/sandbox/console`.
    ///
    /// It registers no fallback and none of the gateway's prefixes (`/wechat`, `/v1`, `/oauth`,
    /// `/healthz`, `/metrics`), so it can be merged into another `Router`.
    ///
    /// # Examples
    /// ```
    /// let sandbox = wxgate_sandbox::Sandbox::new(Default::default()).unwrap();
    /// let app: axum::Router = axum::Router::new()
    ///     .route("/healthz", axum::routing::get(|| async { "ok" }))
    ///     .merge(sandbox.router());
    /// # drop(app);
    /// ```
    pub fn router(&self) -> Router {
        if self.with_state_ro(|s| !s.components.is_empty()) {
            self.start_scheduler();
        }
        Router::new()
            .merge(wechat::routes(self))
            .merge(control::routes())
            .merge(console::routes())
            .merge(jssdk::routes())
            .with_state(self.clone())
    }

    /// Add an account, or update the configuration of an existing one (its state is kept).
    ///
    /// # Errors
    /// [`SandboxError::InvalidApp`] when a required field is empty, or the mode needs an
    /// `encoding_aes_key` that is missing or not 43 valid characters.
    ///
    /// # Examples
    /// ```
    /// use wxgate_sandbox::{AppSpec, Mode, Sandbox};
    /// let sandbox = Sandbox::new(Default::default()).unwrap();
    /// let app = AppSpec {
    ///     app_id: "wx0123456789abcdef".to_owned(),
    ///     app_secret: "secret".into(),
    ///     token: "token".into(),
    ///     mode: Mode::Safe,
    ///     callback_url: "http://127.0.0.1:8080/wechat/main".to_owned(),
    ///     ..AppSpec::default()
    /// };
    /// assert!(sandbox.add_app(app.clone()).is_err(), "safe mode needs an EncodingAESKey");
    /// let key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG".to_owned();
    /// sandbox.add_app(AppSpec { encoding_aes_key: Some(key.into()), ..app }).unwrap();
    /// ```
    pub fn add_app(&self, app: AppSpec) -> Result<(), SandboxError> {
        self.upsert_app(app).map(|_| ())
    }

    /// Virtual unix seconds: the clock every expiry in the sandbox follows.
    ///
    /// It starts at `start_time` (default: the wall clock), follows the wall clock unless
    /// `freeze_clock`, and moves with `POST /sandbox/clock` ([`Sandbox::advance_clock`],
    /// [`Sandbox::set_clock`]). The offset is part of the saved state.
    pub fn now(&self) -> u64 {
        self.with_state_ro(|s| s.now())
    }

    /// The virtual clock as a [`wxgate_proto::clock::Clock`], e.g. for a gateway that should
    /// share the sandbox's time.
    pub fn clock(&self) -> SandboxClock {
        SandboxClock(self.clone())
    }

    /// Moves the virtual clock forward by `secs`; returns the new time.
    ///
    /// # Examples
    /// ```
    /// let sandbox = wxgate_sandbox::Sandbox::new(wxgate_sandbox::SandboxConfig {
    ///     start_time: Some(1_700_000_000),
    ///     freeze_clock: true,
    ///     ..Default::default()
    /// })
    /// .unwrap();
    /// assert_eq!(sandbox.advance_clock(86_400), 1_700_086_400);
    /// ```
    pub fn advance_clock(&self, secs: u64) -> u64 {
        let now = self.with_state(|s| {
            s.advance(secs);
            s.now()
        });
        push::component::run_due(self);
        now
    }

    /// Sets the virtual clock to `unix` seconds, later or earlier than now; returns the new time.
    ///
    /// Setting it back does not undo anything: tokens, codes and QR codes issued "in the future"
    /// keep their expiry times.
    ///
    /// # Examples
    /// ```
    /// let sandbox = wxgate_sandbox::Sandbox::new(wxgate_sandbox::SandboxConfig {
    ///     start_time: Some(1_700_000_000),
    ///     freeze_clock: true,
    ///     ..Default::default()
    /// })
    /// .unwrap();
    /// sandbox.advance_clock(3600);
    /// assert_eq!(sandbox.set_clock(1_700_000_000), 1_700_000_000);
    /// ```
    pub fn set_clock(&self, unix: u64) -> u64 {
        let now = self.with_state(|s| {
            s.set_now(unix);
            s.now()
        });
        push::component::run_due(self);
        now
    }

    /// Write the state file now (no-op without `state_file`).
    ///
    /// # Errors
    /// [`SandboxError::StateFile`] when the file cannot be written.
    pub fn save(&self) -> Result<(), SandboxError> {
        let Some(path) = &self.inner.config.state_file else {
            return Ok(());
        };
        let snapshot = self.with_state_ro(persist::snapshot);
        persist::write_atomically(path, &snapshot)
    }

    /// Returns `true` when the app was created, `false` when it was updated.
    pub(crate) fn upsert_app(&self, app: AppSpec) -> Result<bool, SandboxError> {
        validate_app(&app)?;
        Ok(self.with_state(|s| {
            let now = s.now();
            match s.apps.get_mut(&app.app_id) {
                Some(existing) => {
                    existing.spec = app;
                    false
                }
                None => {
                    s.apps.insert(app.app_id.clone(), App::new(app, now));
                    true
                }
            }
        }))
    }

    /// Starts the background push of due verify tickets (once; needs a Tokio runtime).
    pub(crate) fn start_scheduler(&self) {
        if !self.inner.scheduler_started.load(Ordering::SeqCst)
            && let Ok(handle) = tokio::runtime::Handle::try_current()
            && !self.inner.scheduler_started.swap(true, Ordering::SeqCst)
        {
            handle.spawn(push::component::scheduler(Arc::downgrade(&self.inner)));
        }
    }

    pub(crate) fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// Every request received on WeChat's paths, by route.
    pub(crate) fn received(&self) -> &wechat::received::Received {
        &self.inner.received
    }

    /// Run `f` on the state and schedule a save.
    pub(crate) fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let result = {
            let mut state = self
                .inner
                .state
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&mut state)
        };
        self.mark_dirty();
        result
    }

    /// Run `f` on the state without scheduling a save.
    pub(crate) fn with_state_ro<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        let state = self
            .inner
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&state)
    }

    fn mark_dirty(&self) {
        if self.inner.config.state_file.is_none() {
            return;
        }
        self.inner.dirty.store(true, Ordering::SeqCst);
        if !self.inner.saver_started.load(Ordering::SeqCst)
            && let Ok(handle) = tokio::runtime::Handle::try_current()
            && !self.inner.saver_started.swap(true, Ordering::SeqCst)
        {
            handle.spawn(persist::saver(
                Arc::downgrade(&self.inner),
                Arc::clone(&self.inner.save_notify),
            ));
        }
        self.inner.save_notify.notify_one();
    }
}

pub(crate) fn validate_app(app: &AppSpec) -> Result<(), SandboxError> {
    if app.app_id.is_empty() {
        return Err(SandboxError::InvalidApp("app_id is empty".to_owned()));
    }
    if app.app_secret.is_empty() {
        return Err(SandboxError::InvalidApp("app_secret is empty".to_owned()));
    }
    if app.token.is_empty() {
        return Err(SandboxError::InvalidApp("token is empty".to_owned()));
    }
    for (field, entries) in [
        ("js_domains", &app.js_domains),
        ("oauth_domains", &app.oauth_domains),
    ] {
        for entry in entries {
            crate::config::check_domain_entry(entry)
                .map_err(|e| SandboxError::InvalidApp(format!("{field}: {e}")))?;
        }
    }
    if app.mode != Mode::Plaintext {
        let Some(key) = &app.encoding_aes_key else {
            return Err(SandboxError::InvalidApp(
                "encoding_aes_key is required in compatible and safe modes".to_owned(),
            ));
        };
        if wxgate_proto::crypto::AesKey::parse(key.expose()).is_err() {
            return Err(SandboxError::InvalidApp(
                "encoding_aes_key must be 43 characters of [A-Za-z0-9]".to_owned(),
            ));
        }
    }
    Ok(())
}

/// A sandbox serving on a loopback port, started by [`spawn`].
pub struct RunningSandbox {
    /// The bound address (`127.0.0.1:PORT`).
    pub addr: SocketAddr,
    /// The sandbox, for direct (library) control.
    pub sandbox: Sandbox,
    task: tokio::task::JoinHandle<()>,
}

/// The sandbox's virtual clock as the workspace's [`Clock`](wxgate_proto::clock::Clock), from
/// [`Sandbox::clock`].
#[derive(Clone)]
pub struct SandboxClock(Sandbox);

impl std::fmt::Debug for SandboxClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No `now()` here: it locks the sandbox's state.
        f.write_str("SandboxClock")
    }
}

impl wxgate_proto::clock::Clock for SandboxClock {
    fn now(&self) -> std::time::SystemTime {
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(self.0.now())
    }
}

impl RunningSandbox {
    /// `http://127.0.0.1:PORT`: the API base URL to give a WeChat client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Build a sandbox, bind `127.0.0.1:0` and serve it in a background task (stopped when the
/// returned value is dropped: keep it alive for as long as clients talk to it).
///
/// # Errors
/// When the port cannot be bound or the state file cannot be loaded.
///
/// # Examples
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let running = wxgate_sandbox::spawn(Default::default()).await?;
/// let clock: serde_json::Value = reqwest::get(format!("{}/sandbox/clock", running.base_url()))
///     .await
///     .and_then(|r| r.error_for_status())
///     .map_err(std::io::Error::other)?
///     .json()
///     .await
///     .map_err(std::io::Error::other)?;
/// assert_eq!(clock["now"], running.sandbox.now());
/// # Ok(())
/// # }
/// ```
pub async fn spawn(config: SandboxConfig) -> std::io::Result<RunningSandbox> {
    let sandbox = Sandbox::new(config).map_err(std::io::Error::other)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn({
        let sandbox = sandbox.clone();
        async move {
            if let Err(error) = serve(sandbox, listener).await {
                tracing::error!(%error, "sandbox server stopped");
            }
        }
    });
    Ok(RunningSandbox {
        addr,
        sandbox,
        task,
    })
}

/// Serve the sandbox's [`Sandbox::router`] on `listener` until the task is dropped.
///
/// # Errors
/// When accepting connections fails.
///
/// # Examples
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let sandbox = wxgate_sandbox::Sandbox::new(Default::default()).map_err(std::io::Error::other)?;
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8081").await?;
/// wxgate_sandbox::serve(sandbox, listener).await
/// # }
/// ```
pub async fn serve(sandbox: Sandbox, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, sandbox.router()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    static_assertions::assert_impl_all!(Sandbox: Send, Sync, Clone);
    static_assertions::assert_impl_all!(SandboxConfig: Send, Sync);
    static_assertions::assert_impl_all!(AppSpec: Send, Sync);
    static_assertions::assert_impl_all!(SandboxError: Send, Sync);

    #[test]
    fn app_spec_debug_redacts_secrets() {
        let spec = AppSpec {
            app_id: "wx1".to_owned(),
            app_secret: "topsecret".into(),
            token: "tok".into(),
            encoding_aes_key: Some("k".repeat(43).into()),
            ..AppSpec::default()
        };
        let debug = format!("{spec:?}");
        assert!(!debug.contains("topsecret"));
        assert!(!debug.contains("kkkk"));
        assert!(debug.contains("[redacted]"));
    }

    #[test]
    fn safe_mode_requires_a_key() {
        let sandbox = Sandbox::new(SandboxConfig::default()).expect("sandbox");
        let spec = AppSpec {
            app_id: "wx1".to_owned(),
            app_secret: "s".into(),
            token: "t".into(),
            mode: Mode::Safe,
            ..AppSpec::default()
        };
        assert!(matches!(
            sandbox.add_app(spec),
            Err(SandboxError::InvalidApp(_))
        ));
    }
}
