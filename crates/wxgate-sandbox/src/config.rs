//! Sandbox-wide settings and the description of one simulated Official Account.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
pub use wxgate_proto::secret::Secret;

/// Settings of one sandbox instance.
///
/// Build it with struct-update syntax: `SandboxConfig { seed: Some(7), ..Default::default() }`.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Seed of the random generator. With a seed, tokens, tickets, OpenIDs, nonces and the 16 random
    /// bytes of every ciphertext are reproducible (deterministic mode).
    pub seed: Option<u64>,
    /// When set, the state is loaded from this JSON file at start and saved to it (atomically,
    /// debounced) after every change.
    pub state_file: Option<PathBuf>,
    /// How long one push delivery waits for the callback's answer (WeChat: 5 s).
    pub push_timeout: Duration,
    /// Deliveries per push in total, the first one included (WeChat: 3).
    pub push_attempts: u32,
    /// Unix seconds of the virtual clock at start; default: the wall clock.
    pub start_time: Option<u64>,
    /// When true the virtual clock moves only through `POST /sandbox/clock` (useful with a seed to
    /// get byte-identical pushes); by default it also follows the wall clock.
    pub freeze_clock: bool,
    /// Page size of `user/get` and `user/tag/get` (WeChat: 10 000). Lower it to test paging.
    pub user_page_size: usize,
    /// Permanent QR codes an account may create (WeChat: 100 000).
    pub permanent_qr_limit: usize,
    /// Articles allowed in a passive `news` reply to a user message (WeChat: 1; 8 for events).
    pub news_reply_limit: usize,
    /// Pages of the embedding application shown in the console beside the chat (the demo shows
    /// its follow funnel there). Only same-origin paths are shown.
    pub console_panels: Vec<ConsolePanel>,
}

/// A page the console shows in a panel: a title and a path on the sandbox's own origin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsolePanel {
    /// The panel's heading.
    pub title: String,
    /// The page, as a path on this origin (`/demo/funnel`); anything else is not shown.
    pub path: String,
}

impl ConsolePanel {
    /// A panel showing `path` under `title`.
    #[must_use]
    pub fn new(title: impl Into<String>, path: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            path: path.into(),
        }
    }

    /// Whether the path stays on the sandbox's origin.
    #[must_use]
    pub fn is_same_origin(&self) -> bool {
        self.path.starts_with('/') && !self.path.starts_with("//") && !self.path.contains('\\')
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            seed: None,
            state_file: None,
            push_timeout: Duration::from_secs(5),
            push_attempts: 3,
            start_time: None,
            freeze_clock: false,
            user_page_size: 10_000,
            permanent_qr_limit: 100_000,
            news_reply_limit: 1,
            console_panels: Vec::new(),
        }
    }
}

/// The message encryption mode of an account (see
/// [WeChat Docs/消息加解密说明](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html)):
/// the gateway's own type, so both sides of a push agree on its names.
pub use wxgate_proto::callback::Mode;

/// One simulated Official Account: the body of `POST /sandbox/apps`.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct AppSpec {
    /// The AppID, e.g. `wx0123456789abcdef`.
    pub app_id: String,
    /// The AppSecret checked by `cgi-bin/token` and friends.
    pub app_secret: Secret,
    /// The callback Token used for `signature` and `msg_signature` (redacted in `Debug`).
    pub token: Secret,
    /// 43 characters; required for the compatible and safe modes.
    #[serde(default)]
    pub encoding_aes_key: Option<Secret>,
    /// Encryption mode of pushes.
    #[serde(default)]
    pub mode: Mode,
    /// Where pushes are POSTed.
    #[serde(default)]
    pub callback_url: String,
    /// Lifetime of access tokens and tickets (default 7200).
    #[serde(default)]
    pub token_ttl_secs: Option<u64>,
    /// Daily `cgi-bin/token` quota (default 2000).
    #[serde(default)]
    pub daily_token_quota: Option<u64>,
    /// The account's original id (`gh_…`), used as `ToUserName`; derived from the AppID when absent.
    #[serde(default)]
    pub original_id: Option<String>,
    /// The JS safe domains (JS接口安全域名) whose pages may use the JS-SDK: `host` (any port) or
    /// `host:port`. Empty: pages of every origin may (a sandbox convenience; WeChat requires one).
    #[serde(default)]
    pub js_domains: Vec<String>,
    /// The OAuth domains (网页授权域名) a `redirect_uri` of `connect/oauth2/authorize` must be
    /// on: `host` (any port) or `host:port`. Empty: every `http`/`https` redirect_uri is accepted.
    #[serde(default)]
    pub oauth_domains: Vec<String>,
}

impl fmt::Debug for AppSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppSpec")
            .field("app_id", &self.app_id)
            .field("app_secret", &self.app_secret)
            .field("token", &"[redacted]")
            .field("encoding_aes_key", &self.encoding_aes_key)
            .field("mode", &self.mode)
            .field("callback_url", &self.callback_url)
            .field("token_ttl_secs", &self.token_ttl_secs)
            .field("daily_token_quota", &self.daily_token_quota)
            .field("original_id", &self.original_id)
            .field("js_domains", &self.js_domains)
            .field("oauth_domains", &self.oauth_domains)
            .finish()
    }
}

impl AppSpec {
    /// Lifetime of access tokens and tickets in seconds.
    pub fn ttl(&self) -> u64 {
        self.token_ttl_secs.unwrap_or(7200).max(1)
    }

    /// Daily `cgi-bin/token` quota.
    pub fn token_quota(&self) -> u64 {
        self.daily_token_quota.unwrap_or(2000)
    }

    /// The `gh_…` original id.
    pub fn original_id(&self) -> String {
        if let Some(id) = &self.original_id {
            return id.clone();
        }
        // FNV-1a: a stable, dependency-free derivation.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in self.app_id.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("gh_{:012x}", hash & 0xffff_ffff_ffff)
    }
}

/// Checks one `js_domains` / `oauth_domains` entry: a host name or IP address, with an optional
/// `:port`, and nothing else (no scheme, path or user).
pub(crate) fn check_domain_entry(entry: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(&format!("http://{entry}/"))
        .map_err(|_| format!("{entry:?} is not a host or host:port"))?;
    let host = parsed.host_str().unwrap_or_default();
    let rebuilt = match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    // A default port (`host:80`) is dropped by the parser: accept it written out too.
    let written_default = entry
        .to_ascii_lowercase()
        .strip_suffix(":80")
        .is_some_and(|h| h == host);
    if parsed.path() != "/" || !parsed.username().is_empty() || host.is_empty() {
        return Err(format!("{entry:?} is not a host or host:port"));
    }
    if rebuilt != entry.to_ascii_lowercase() && !written_default {
        return Err(format!("{entry:?} is not a host or host:port"));
    }
    Ok(())
}

/// Whether `url`'s host (and port) is one of `entries`: an entry without a port matches every
/// port, one with a port only that port. Hosts compare case-insensitively.
pub(crate) fn domain_allowed(entries: &[String], url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let port = url.port_or_known_default();
    entries.iter().any(|entry| {
        let entry = entry.to_ascii_lowercase();
        let (entry_host, entry_port) = split_port(&entry);
        entry_host == host && entry_port.is_none_or(|p| Some(p) == port)
    })
}

fn split_port(entry: &str) -> (&str, Option<u16>) {
    match entry.rsplit_once(':') {
        // `[::1]` has colons of its own: a port follows only the closing bracket.
        Some((host, port)) if !host.contains(':') || host.ends_with(']') => match port.parse() {
            Ok(port) => (host, Some(port)),
            Err(_) => (entry, None),
        },
        _ => (entry, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(entries: &[&str], url: &str) -> bool {
        let entries: Vec<String> = entries.iter().map(|e| (*e).to_owned()).collect();
        domain_allowed(&entries, &reqwest::Url::parse(url).expect("url"))
    }

    #[test]
    fn an_entry_without_a_port_matches_any_port() {
        assert!(allowed(&["example.com"], "https://example.com/a?b#c"));
        assert!(allowed(&["example.com"], "http://EXAMPLE.com:8080/"));
        assert!(allowed(&["127.0.0.1:8080"], "http://127.0.0.1:8080/x"));
        assert!(!allowed(&["127.0.0.1:8080"], "http://127.0.0.1:8081/x"));
        assert!(allowed(&["example.com:443"], "https://example.com/"));
        assert!(allowed(&["[::1]:9000"], "http://[::1]:9000/"));
        assert!(allowed(&["[::1]"], "http://[::1]:9000/"));
    }

    #[test]
    fn subdomains_and_lookalikes_do_not_match() {
        assert!(!allowed(&["example.com"], "https://www.example.com/"));
        assert!(!allowed(&["example.com"], "https://example.com.evil.test/"));
        assert!(!allowed(&["example.com"], "https://evil.test/?example.com"));
        assert!(!allowed(&[], "https://example.com/"));
    }

    #[test]
    fn entries_are_hosts_with_an_optional_port() {
        for good in [
            "example.com",
            "Example.com:8080",
            "127.0.0.1",
            "[::1]:80",
            "a.b:80",
        ] {
            assert_eq!(check_domain_entry(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "https://example.com",
            "example.com/path",
            "u@example.com",
            "example.com:x",
            "a b",
        ] {
            assert!(check_domain_entry(bad).is_err(), "{bad}");
        }
    }
}
