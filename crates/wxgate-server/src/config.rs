//! The gateway's configuration file (`wxgate.toml`) and its checks.
//!
//! Loading goes: TOML text → typed [`Config`] (syntax and type errors carry their line) →
//! `WXGATE_*` environment overrides → [`Config::problems`], whose [`Problem`]s name the field
//! path and the line it is on. Secret values never appear in a problem's text.
//!
//! This file holds the configuration's types; reading is in `load` (with `parse` and
//! `locate`), the environment overrides in `env`, and the checks in `validate`.

mod api_key;
mod component;
mod env;
mod funnel;
mod load;
mod locate;
mod parse;
mod problem;
mod reply;
mod validate;
mod web;

use serde::{Deserialize, Serialize};
use wxgate_proto::callback::Mode;

pub use api_key::ApiKey;
pub use component::ComponentConfig;
pub use env::{apply_env, overrides};
pub use funnel::{Campaign, RegistryConfig, WebhookConfig, WebhookMode};
pub use problem::{ConfigError, Problem};
pub use reply::{NewsCard, ReplyContent, ReplyRule, Trigger};
pub use web::{JsSdkPages, OAuthConfig};

/// The whole configuration.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// `[server]`.
    #[serde(default)]
    pub server: ServerConfig,
    /// `[storage]`.
    #[serde(default)]
    pub storage: StorageConfig,
    /// `[registry]`: followers, scene figures and idempotency keys (SQL).
    #[serde(default)]
    pub registry: RegistryConfig,
    /// `[[accounts]]`.
    #[serde(default)]
    pub accounts: Vec<AccountConfig>,
    /// `[[components]]`: third-party platforms, whose authorizers are served as accounts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<ComponentConfig>,
}

/// `[server]`: where and how the gateway listens.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Listen address, `host:port`.
    pub listen: String,
    /// Bearer keys accepted by the `/v1` API: plain strings (full access) and scoped keys
    /// (tables limited to some accounts and proxied paths), mixed in one list.
    pub api_keys: Vec<ApiKey>,
    /// How long a handler may take before WeChat is answered `success` (ms, default 4500).
    pub callback_deadline_ms: u64,
    /// Largest accepted |now − timestamp| of a callback, in seconds (0 disables; default 300).
    pub timestamp_window_secs: u64,
    /// Largest accepted callback body (bytes, default 1 MiB).
    pub max_body_bytes: usize,
    /// How long a push is remembered to recognise WeChat's retries (s, default 300).
    pub dedup_ttl_secs: u64,
    /// How many pushes one process remembers at most (default 1,000,000); beyond it the oldest
    /// are forgotten before their TTL, which bounds memory under any load.
    pub dedup_max_entries: usize,
    /// Where retries are recognised: `local` (this process) or `shared` (through the store, for
    /// several instances behind one load balancer). Unset: `shared` with Redis, else `local`.
    pub dedup: Option<DedupScope>,
    /// How long a caller of the token API waits for a token or ticket being fetched before it
    /// gets 503 `upstream_unavailable` with `Retry-After` (ms, default 5000); the fetch itself
    /// goes on for later callers.
    pub token_wait_ms: u64,
    /// A stale report (`POST …/access-token/refresh`) of the current token younger than this
    /// is checked with WeChat (`getcallbackip`) and, if WeChat accepts the token, answered with
    /// it without a refresh (s, default 30; 0 turns the check off).
    pub min_stale_age_secs: u64,
    /// At most this many refreshes per account and instance in any minute from stale reports;
    /// beyond it `…/refresh` answers 429 `refresh_rate_limited` with `Retry-After`
    /// (default 6; 0 means no limit).
    pub refresh_limit_per_minute: u32,
    /// At most this many authorizer tokens of a third-party platform refreshed ahead of expiry
    /// in any one second, per component and instance (default 5), so thousands of authorizers
    /// never refresh in a burst; a request that finds no valid token is never held back. At 5
    /// per second one instance keeps about 20,000 authorizers fresh: raise it beyond that.
    pub authorizer_refresh_rate: u32,
    /// How many bytes of remembered pushes (their recorded replies included) one process keeps
    /// at most (default 256 MiB, about what `dedup_max_entries` pushes with short replies
    /// take); beyond it the oldest are forgotten before their TTL, so that large replies cannot
    /// grow the table past it.
    pub dedup_max_bytes: usize,
    /// How long one store call on the callback path may take (ms, default 400). Past it the
    /// callback goes on without the store: the de-dup falls back to this process's table, and a
    /// reply that cannot be queued is kept in memory and queued once the store answers. At
    /// most three such calls precede the handler (two for the replay check, one for the de-dup
    /// claim) and the budget is capped at a quarter of `callback_deadline_ms`, so the callback
    /// stays inside its deadline even when every store call hangs.
    pub store_call_budget_ms: u64,
    /// How long the delivery worker's claim on a deferred reply lasts (ms, default 15000). The
    /// worker renews it every third of that while it works on the reply, and sends nothing once
    /// the claim is lost; a reply whose worker died is claimed again by another (or the
    /// restarted) process at most this long after the death. Shorter re-delivers sooner after a
    /// crash but renews more often.
    pub deferred_claim_ms: u64,
    /// The gateway's public address (`https://wx.example.com`, no path), from which it builds
    /// its own absolute URLs (the authorization page's return URL, the OAuth callback) instead
    /// of trusting the request's `Host`, which a client may set as it likes behind some
    /// proxies. Unset: `Host` (and `X-Forwarded-Proto`).
    pub public_url: Option<String>,
}

/// Where WeChat's retries are recognised.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DedupScope {
    /// In this process only: fastest; right when one process receives an account's pushes.
    #[default]
    Local,
    /// Also through the shared store, so a retry reaching another instance is recognised.
    Shared,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".to_owned(),
            api_keys: Vec::new(),
            callback_deadline_ms: 4500,
            timestamp_window_secs: 300,
            max_body_bytes: 1 << 20,
            dedup_ttl_secs: 300,
            dedup_max_entries: 1_000_000,
            dedup: None,
            token_wait_ms: 5000,
            min_stale_age_secs: 30,
            refresh_limit_per_minute: 6,
            authorizer_refresh_rate: 5,
            dedup_max_bytes: 256 << 20,
            store_call_budget_ms: 400,
            deferred_claim_ms: 15_000,
            public_url: None,
        }
    }
}

/// `[storage]`: the state backend.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct StorageConfig {
    /// `sqlite://FILE` (default `sqlite://wxgate.db`), `memory://` or `redis://HOST:PORT/DB`.
    pub url: String,
}

impl StorageConfig {
    /// Storage at `url` (`sqlite://FILE`, `memory://` or `redis://HOST:PORT/DB`).
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into() }
    }
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://wxgate.db".to_owned(),
        }
    }
}

/// An account's menus: the client's own menu model.
pub use wxgate_api::endpoint::menu::MenuSet;

/// How an account obtains its access_token: the credential manager's own type.
pub use wxgate_api::TokenPolicy;

/// `[[accounts]]`: one Official Account.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AccountConfig {
    /// The `{account}` in URLs.
    pub id: String,
    /// AppID (`wx…`).
    pub app_id: String,
    /// AppSecret.
    #[serde(default)]
    pub app_secret: Secret,
    /// The callback Token (3–32 letters or digits).
    pub token: Secret,
    /// EncodingAESKey (43 characters); required in compatible and safe modes.
    #[serde(default)]
    pub encoding_aes_key: Option<Secret>,
    /// The EncodingAESKey before the last rotation, still accepted (WeChat advises keeping the previous key after a change).
    #[serde(default)]
    pub previous_encoding_aes_key: Option<Secret>,
    /// `plaintext`, `compatible` or `safe`.
    #[serde(default)]
    pub mode: Mode,
    /// Base URL of WeChat's API (the sandbox's address in tests and the demo).
    #[serde(default = "default_api_base")]
    pub api_base: String,
    /// `token` or `stable_token`.
    #[serde(default)]
    pub token_policy: TokenPolicy,
    /// Replies configured without code, tried in order.
    #[serde(default)]
    pub replies: Vec<ReplyRule>,
    /// The greeting sent to new followers.
    #[serde(default)]
    pub subscribe_reply: Option<ReplyContent>,
    /// `[accounts.menu]`: the account's custom menu (`[[accounts.menu.button]]`, with
    /// `[[accounts.menu.button.sub_button]]`) and conditional menus
    /// (`[[accounts.menu.conditional]]`, each with `matchrule` and its `button`s). Never pushed
    /// at start: `wxgate menu push ACCOUNT` sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub menu: Option<MenuSet>,
    /// `[[accounts.campaigns]]`: replies to scans of parametric QR codes, by scene.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub campaigns: Vec<Campaign>,
    /// `[[accounts.webhooks]]`: business services that receive pushes as signed JSON.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webhooks: Vec<WebhookConfig>,
    /// `[accounts.oauth]`: WeChat login for H5 pages (`/oauth/{account}/login`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth: Option<OAuthConfig>,
    /// `[accounts.jssdk]`: JS-SDK configs for pages without a backend (`/jssdk/{account}/config`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jssdk: Option<JsSdkPages>,
}

impl AccountConfig {
    /// An account in plaintext mode, with WeChat's API, no AppSecret and no replies; set the
    /// other fields on the value returned.
    #[must_use]
    pub fn new(id: impl Into<String>, app_id: impl Into<String>, token: Secret) -> Self {
        Self {
            id: id.into(),
            app_id: app_id.into(),
            app_secret: Secret::default(),
            token,
            encoding_aes_key: None,
            previous_encoding_aes_key: None,
            mode: Mode::default(),
            api_base: default_api_base(),
            token_policy: TokenPolicy::default(),
            replies: Vec::new(),
            subscribe_reply: None,
            menu: None,
            campaigns: Vec::new(),
            webhooks: Vec::new(),
            oauth: None,
            jssdk: None,
        }
    }
}

fn default_api_base() -> String {
    "https://api.weixin.qq.com".to_owned()
}

/// A secret string: prints as `[redacted]` in Debug and is never echoed in problems (the
/// workspace's one redacting type, re-exported here where the configuration names it).
pub use wxgate_proto::secret::Secret;

impl Config {
    /// Where retries are recognised: `server.dedup`, or `shared` with Redis and `local` otherwise.
    #[must_use]
    pub fn dedup_scope(&self) -> DedupScope {
        self.server
            .dedup
            .unwrap_or(if self.storage.url.starts_with("redis") {
                DedupScope::Shared
            } else {
                DedupScope::Local
            })
    }

    /// How long one store call on the callback path may take: `server.store_call_budget_ms`,
    /// capped at a quarter of `server.callback_deadline_ms`.
    #[must_use]
    pub fn store_call_budget(&self) -> std::time::Duration {
        std::time::Duration::from_millis(
            self.server
                .store_call_budget_ms
                .min(self.server.callback_deadline_ms / 4)
                .max(1),
        )
    }

    /// The registry's URL: `registry.url`, else the store's own SQLite file, else (a `memory://`
    /// store) a private in-memory database. `None` with a Redis store and no `registry.url`:
    /// every instance must share one registry, so it has to be named.
    #[must_use]
    pub fn registry_url(&self) -> Option<String> {
        if let Some(url) = &self.registry.url {
            return Some(url.clone());
        }
        let store = self.storage.url.trim();
        if store.starts_with("sqlite:") {
            Some(store.to_owned())
        } else if store.starts_with("memory:") {
            Some("sqlite::memory:".to_owned())
        } else {
            None
        }
    }

    /// The component with this id.
    #[must_use]
    pub fn component(&self, id: &str) -> Option<&ComponentConfig> {
        self.components.iter().find(|c| c.id == id)
    }

    /// The account with this id.
    #[must_use]
    pub fn account(&self, id: &str) -> Option<&AccountConfig> {
        self.accounts.iter().find(|a| a.id == id)
    }
}

#[cfg(test)]
mod tests;
