//! The gateway's configuration file (`wxgate.toml`) and its checks.
//!
//! Loading goes: TOML text → typed [`Config`] (syntax and type errors carry their line) →
//! `WXGATE_*` environment overrides → validation, whose [`Problem`]s name the field
//! path and the line it is on. Secret values never appear in a problem's text.

mod env;
mod locate;
mod parse;

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;

use serde::{Deserialize, Serialize};
use wxgate_proto::callback::Mode;
use wxgate_proto::crypto::AesKey;

pub use env::apply_env;

/// The whole configuration.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[server]`.
    #[serde(default)]
    pub server: ServerConfig,
    /// `[storage]`.
    #[serde(default)]
    pub storage: StorageConfig,
    /// `[[accounts]]`.
    #[serde(default)]
    pub accounts: Vec<AccountConfig>,
}

/// `[server]`: where and how the gateway listens.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Listen address, `host:port`.
    pub listen: String,
    /// Bearer keys accepted by the `/v1` API.
    pub api_keys: Vec<Secret>,
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
            dedup_max_bytes: 256 << 20,
            store_call_budget_ms: 400,
            deferred_claim_ms: 15_000,
        }
    }
}

/// `[storage]`: the state backend.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// `sqlite://FILE` (default `sqlite://wxgate.db`), `memory://` or `redis://HOST:PORT/DB`.
    pub url: String,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://wxgate.db".to_owned(),
        }
    }
}

/// How an account obtains its access_token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenPolicy {
    /// `GET /cgi-bin/token`: each call issues a new token.
    #[default]
    Token,
    /// `POST /cgi-bin/stable_token`: the same token while valid.
    StableToken,
}

/// `[[accounts]]`: one Official Account.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
}

fn default_api_base() -> String {
    "https://api.weixin.qq.com".to_owned()
}

/// `[[accounts.replies]]`: one trigger and one reply.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyRule {
    /// Exact text of a user's message (surrounding whitespace ignored).
    #[serde(default)]
    pub keyword: Option<String>,
    /// A regular expression a user's text must match.
    #[serde(default)]
    pub regex: Option<String>,
    /// The `key` of a clicked menu button (CLICK event).
    #[serde(default)]
    pub click: Option<String>,
    /// A QR scene value (subscribe through the QR code, or SCAN).
    #[serde(default)]
    pub scene: Option<String>,
    /// The reply.
    #[serde(flatten)]
    pub content: ReplyContent,
}

/// A configured reply: text, or one news card.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyContent {
    /// A text reply.
    #[serde(default)]
    pub text: Option<String>,
    /// A news card.
    #[serde(default)]
    pub news: Option<NewsCard>,
}

/// `[accounts.replies.news]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewsCard {
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Link opened on tap.
    #[serde(default)]
    pub url: String,
    /// Picture URL.
    #[serde(default)]
    pub pic_url: String,
}

/// A secret string: prints as `[redacted]` in Debug and is never echoed in problems.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// One thing wrong with a configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The field, e.g. `accounts[0].encoding_aes_key`; empty for the file as a whole (it cannot
    /// be read, or is not valid TOML).
    pub path: String,
    /// 1-based line in the file, when it can be told.
    pub line: Option<usize>,
    /// What is wrong (never the secret value).
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// Why a configuration could not be used: every problem found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(.0))]
pub struct ConfigError(pub Vec<Problem>);

fn render(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl Config {
    /// Reads, overrides from the environment, and validates a configuration file.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] listing every problem with its field and line. The problems do not repeat
    /// the file's name: print it once in front of them.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError(vec![Problem {
                path: String::new(),
                line: None,
                message: format!("cannot read: {e}"),
            }])
        })?;
        Self::from_toml(&text, std::env::vars())
    }

    /// Parses TOML text, applies `WXGATE_*` overrides from `env`, and validates.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] listing every problem with its field and line.
    pub fn from_toml(
        text: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let parsed = parse::parse(text);
        let mut problems = parsed.problems.clone();
        if let Some(mut config) = parsed.config.clone() {
            problems.extend(apply_env(&mut config, env));
            problems.extend(
                config
                    .problems()
                    .into_iter()
                    .filter(|p| !parsed.follows_from_blanking(p)),
            );
            if problems.is_empty() {
                return Ok(config);
            }
        }
        locate::fill_lines(text, &mut problems);
        Err(ConfigError(problems))
    }

    /// Checks every field; returns the problems found (empty when valid). Lines are not filled.
    #[must_use]
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut problem = |path: String, message: &str| {
            out.push(Problem {
                path,
                line: None,
                message: message.to_owned(),
            });
        };
        if self.server.listen.parse::<SocketAddr>().is_err() {
            problem(
                "server.listen".into(),
                "must be host:port with an IP address, e.g. 127.0.0.1:8080",
            );
        }
        for (i, key) in self.server.api_keys.iter().enumerate() {
            if key.expose().trim().len() < 8 {
                problem(
                    format!("server.api_keys[{i}]"),
                    "must be at least 8 characters",
                );
            }
        }
        if self.server.callback_deadline_ms == 0 || self.server.callback_deadline_ms >= 5000 {
            problem(
                "server.callback_deadline_ms".into(),
                "must be between 1 and 4999: WeChat gives up after 5 s",
            );
        }
        if self.server.max_body_bytes < 1024 {
            problem("server.max_body_bytes".into(), "must be at least 1024");
        }
        if self.server.dedup_max_entries < 1000 {
            problem(
                "server.dedup_max_entries".into(),
                "must be at least 1000: fewer would forget pushes WeChat still retries",
            );
        }
        if !(100..=600_000).contains(&self.server.token_wait_ms) {
            problem(
                "server.token_wait_ms".into(),
                "must be between 100 and 600000 (ms)",
            );
        }
        if self.server.min_stale_age_secs > 7200 {
            problem(
                "server.min_stale_age_secs".into(),
                "must be at most 7200: a token lives 2 hours",
            );
        }
        if self.server.dedup_max_bytes < 1 << 20 {
            problem(
                "server.dedup_max_bytes".into(),
                "must be at least 1048576 (1 MiB)",
            );
        }
        if !(1..=1000).contains(&self.server.store_call_budget_ms) {
            problem(
                "server.store_call_budget_ms".into(),
                "must be between 1 and 1000",
            );
        }
        if !(1000..=600_000).contains(&self.server.deferred_claim_ms) {
            problem(
                "server.deferred_claim_ms".into(),
                "must be between 1000 and 600000 (ms)",
            );
        }
        let url = &self.storage.url;
        if !(url.starts_with("sqlite:")
            || url.starts_with("memory://")
            || url.starts_with("redis://")
            || url.starts_with("rediss://"))
        {
            problem(
                "storage.url".into(),
                "must start with sqlite://, memory:// or redis://",
            );
        }
        if self.accounts.is_empty() {
            problem("accounts".into(), "at least one [[accounts]] is needed");
        }
        for (i, account) in self.accounts.iter().enumerate() {
            let at = |field: &str| format!("accounts[{i}].{field}");
            if account.id.is_empty()
                || !account
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                problem(at("id"), "must be letters, digits, '-' or '_'");
            } else if self.accounts[..i]
                .iter()
                .any(|other| other.id == account.id)
            {
                problem(at("id"), "is used by another account");
            }
            if account.app_id.is_empty()
                || !account.app_id.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                problem(at("app_id"), "must be letters and digits (wx…)");
            }
            let token = account.token.expose();
            if !(3..=32).contains(&token.len()) || !token.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                problem(
                    at("token"),
                    "must be 3-32 letters or digits (as on the WeChat platform)",
                );
            }
            match (&account.encoding_aes_key, account.mode) {
                (None, Mode::Compatible | Mode::Safe) => {
                    problem(
                        at("encoding_aes_key"),
                        &format!("is required in {} mode", account.mode.as_str()),
                    );
                }
                (Some(key), _) if AesKey::parse(key.expose()).is_err() => {
                    problem(
                        at("encoding_aes_key"),
                        "must be 43 characters of [A-Za-z0-9]",
                    );
                }
                _ => {}
            }
            if let Some(key) = &account.previous_encoding_aes_key
                && AesKey::parse(key.expose()).is_err()
            {
                problem(
                    at("previous_encoding_aes_key"),
                    "must be 43 characters of [A-Za-z0-9]",
                );
            }
            if !(account.api_base.starts_with("http://")
                || account.api_base.starts_with("https://"))
            {
                problem(at("api_base"), "must be an http:// or https:// URL");
            }
            for (j, rule) in account.replies.iter().enumerate() {
                let rat = |field: &str| format!("accounts[{i}].replies[{j}]{field}");
                let triggers = [&rule.keyword, &rule.regex, &rule.click, &rule.scene]
                    .iter()
                    .filter(|t| t.is_some())
                    .count();
                if triggers != 1 {
                    problem(
                        rat(""),
                        "needs exactly one of keyword, regex, click or scene",
                    );
                }
                if let Some(pattern) = &rule.regex
                    && let Err(e) = regex::Regex::new(pattern)
                {
                    problem(
                        rat(".regex"),
                        &format!(
                            "is not a valid regular expression: {}",
                            regex_detail(pattern, &e)
                        ),
                    );
                }
                if let Some(message) = content_problem(&rule.content) {
                    problem(rat(""), message);
                }
            }
            if let Some(greeting) = &account.subscribe_reply
                && let Some(message) = content_problem(greeting)
            {
                problem(at("subscribe_reply"), message);
            }
        }
        out
    }

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

    /// The account with this id.
    #[must_use]
    pub fn account(&self, id: &str) -> Option<&AccountConfig> {
        self.accounts.iter().find(|a| a.id == id)
    }
}

fn content_problem(content: &ReplyContent) -> Option<&'static str> {
    match (&content.text, &content.news) {
        (Some(_), Some(_)) | (None, None) => Some("needs exactly one of text or news"),
        (None, Some(news)) if news.title.trim().is_empty() => Some("news needs a title"),
        _ => None,
    }
}

/// What is wrong with a pattern, on one line. regex's own message spreads over several lines
/// (a header, the pattern, a caret, then the error), so its first line says nothing; the
/// pattern is parsed again with regex-syntax (the parser regex uses) for the error's kind and
/// where in the pattern it is.
fn regex_detail(pattern: &str, error: &regex::Error) -> String {
    let at = |kind: &dyn fmt::Display, span: &regex_syntax::ast::Span| {
        format!("{kind} (at character {} of the pattern)", span.start.column)
    };
    match regex_syntax::Parser::new().parse(pattern) {
        Err(regex_syntax::Error::Parse(e)) => at(e.kind(), e.span()),
        Err(regex_syntax::Error::Translate(e)) => at(e.kind(), e.span()),
        // Not a syntax error (e.g. the compiled pattern is too big): regex says it in a line.
        _ => error
            .to_string()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().trim().to_owned()
}

#[cfg(test)]
mod tests;
