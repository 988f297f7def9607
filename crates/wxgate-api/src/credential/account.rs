//! Which account, and how its credentials are managed.

use std::sync::Arc;
use std::time::Duration;

use crate::credential::{Clock, SystemClock};
use crate::{AppId, AppSecret};

/// How an account gets its access token; in configuration files `token` or `stable_token`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TokenPolicy {
    /// `GET /cgi-bin/token`: every fetch issues a new token (the old one lives 5 more minutes).
    #[default]
    Token,
    /// `POST /cgi-bin/stable_token`: fetches return the same token while it is valid; a
    /// forced refresh (20 a day) is used only when asked to refresh without a stale token, or
    /// when WeChat keeps handing back the token that just failed.
    StableToken,
}

/// One Official Account as the credential manager knows it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AccountCredentials {
    /// The account's id in wxgate's config (the `{account}` in URLs and store keys).
    pub id: String,
    /// The account's `appid`.
    pub app_id: AppId,
    /// The account's AppSecret.
    pub app_secret: AppSecret,
    /// `token` or `stable_token`.
    pub policy: TokenPolicy,
}

impl AccountCredentials {
    /// An account using the [`TokenPolicy::Token`] policy.
    pub fn new(id: impl Into<String>, app_id: impl Into<AppId>, app_secret: AppSecret) -> Self {
        Self {
            id: id.into(),
            app_id: app_id.into(),
            app_secret,
            policy: TokenPolicy::default(),
        }
    }

    /// Sets the token policy.
    #[must_use]
    pub fn policy(mut self, policy: TokenPolicy) -> Self {
        self.policy = policy;
        self
    }
}

/// Tuning of the credential manager; the defaults suit production.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CredentialOptions {
    /// Refresh this long before expiry (default 300 s), but never earlier than half-way
    /// through a value's lifetime.
    pub refresh_margin: Duration,
    /// How long a value read from the store is served from memory before the store is read
    /// again, so a value refreshed by another instance is picked up (default 5 s).
    pub local_cache_ttl: Duration,
    /// Lifetime of the refresh lease (default 10 s).
    pub lease_ttl: Duration,
    /// How often an instance waiting for another's refresh polls the store (default 50 ms).
    pub lease_poll: Duration,
    /// How long to wait for another instance's refresh before giving up (default 15 s).
    pub lease_wait: Duration,
    /// Wait after a failed refresh before the next one (default 2 s), doubling with each
    /// consecutive failure up to `failure_backoff_max` (default 60 s).
    pub failure_backoff: Duration,
    /// See `failure_backoff`.
    pub failure_backoff_max: Duration,
    /// A value younger than this is not replaced on a stale report or a forced refresh: the
    /// current value is returned instead, without asking WeChat. Default: zero (off). Prefer
    /// [`min_stale_age`](Self::min_stale_age), which asks WeChat whether the token really
    /// failed before keeping it; either keeps a client that reports the current token as stale
    /// again and again from burning WeChat's daily token quota (2000, or 20 forced
    /// stable_token refreshes). Proactive refreshes are not affected.
    pub min_refresh_interval: Duration,
    /// A stale report ([`Credentials::report_stale`](crate::Credentials::report_stale)) of the
    /// current access token issued less than this ago is checked with WeChat first (one
    /// `GET /cgi-bin/getcallbackip` with it): if WeChat accepts the token it is kept and
    /// returned, and only a rejection (40001, 40014, 42001) refreshes it. Default: zero (off).
    /// A gateway serving many clients sets 30 s.
    pub min_stale_age: Duration,
    /// At most this many refreshes asked for by stale reports or forced refreshes per account
    /// and instance in any 60 s; beyond it they fail with
    /// [`ErrorKind::RateLimited`](crate::ErrorKind::RateLimited). Zero (the default) means no
    /// limit. Fetches of a missing or expiring value are never limited.
    pub refresh_limit_per_minute: u32,
    /// While a failed refresh backs off, one probe (a normal refresh) is let through this long
    /// after the last attempt, so a recovered WeChat is noticed within about this time instead
    /// of after the whole back-off (default 1 s; zero: no probes).
    pub failure_probe: Duration,
    /// A third-party platform's authorizers refresh their tokens ahead of expiry by
    /// `refresh_margin` plus a share of this (default 50 min), fixed per authorizer from its
    /// AppID, so thousands of authorizers authorized together do not refresh together: 10,000
    /// tokens issued in the same second fall due over 50 minutes, about 3 a second but up to a
    /// dozen in some seconds, which [`authorizer_refresh_rate`](Self::authorizer_refresh_rate)
    /// then caps. Keep `refresh_margin` plus this under half a token's lifetime (1 h of 2 h):
    /// the margin is capped there.
    pub authorizer_refresh_spread: Duration,
    /// At most this many of a third-party platform's authorizer tokens are refreshed ahead of
    /// expiry in any one second of [`clock`](Self::clock), per instance (default 5): a
    /// refresh beyond it waits for a later second while the token stays valid, so the spread
    /// above holds whenever the tokens were issued (all in one second, or after a restart
    /// that finds many near expiry). A caller that finds no valid token still fetches one at
    /// once, and replacements of rejected tokens are not counted. The refresher visits each
    /// authorizer every second, so a platform needs about `authorizers / 3900` refreshes a
    /// second at most (2.6 for 10,000); raise it beyond about 20,000 authorizers per instance.
    /// Zero means no limit.
    pub authorizer_refresh_rate: u32,
    /// Store key prefix (default `wxgate`).
    pub key_prefix: String,
    /// This instance's lease owner id (default: random).
    pub instance_id: Option<String>,
    /// The clock expiries are measured against (default: the system clock).
    pub clock: Arc<dyn Clock>,
}

impl Default for CredentialOptions {
    fn default() -> Self {
        Self {
            refresh_margin: Duration::from_secs(300),
            local_cache_ttl: Duration::from_secs(5),
            lease_ttl: Duration::from_secs(10),
            lease_poll: Duration::from_millis(50),
            lease_wait: Duration::from_secs(15),
            failure_backoff: Duration::from_secs(2),
            failure_backoff_max: Duration::from_secs(60),
            min_refresh_interval: Duration::ZERO,
            min_stale_age: Duration::ZERO,
            refresh_limit_per_minute: 0,
            failure_probe: Duration::from_secs(1),
            authorizer_refresh_spread: Duration::from_secs(3000),
            authorizer_refresh_rate: 5,
            key_prefix: "wxgate".to_owned(),
            instance_id: None,
            clock: Arc::new(SystemClock),
        }
    }
}

impl CredentialOptions {
    /// Sets [`refresh_margin`](Self::refresh_margin).
    #[must_use]
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Sets [`local_cache_ttl`](Self::local_cache_ttl).
    #[must_use]
    pub fn local_cache_ttl(mut self, ttl: Duration) -> Self {
        self.local_cache_ttl = ttl;
        self
    }

    /// Sets the lease's TTL, poll interval and maximum wait.
    #[must_use]
    pub fn lease(mut self, ttl: Duration, poll: Duration, wait: Duration) -> Self {
        self.lease_ttl = ttl;
        self.lease_poll = poll;
        self.lease_wait = wait;
        self
    }

    /// Sets the back-off after failed refreshes (first wait, maximum wait).
    #[must_use]
    pub fn failure_backoff(mut self, first: Duration, max: Duration) -> Self {
        self.failure_backoff = first;
        self.failure_backoff_max = max;
        self
    }

    /// Sets [`min_refresh_interval`](Self::min_refresh_interval).
    #[must_use]
    pub fn min_refresh_interval(mut self, interval: Duration) -> Self {
        self.min_refresh_interval = interval;
        self
    }

    /// Sets [`min_stale_age`](Self::min_stale_age).
    #[must_use]
    pub fn min_stale_age(mut self, age: Duration) -> Self {
        self.min_stale_age = age;
        self
    }

    /// Sets [`refresh_limit_per_minute`](Self::refresh_limit_per_minute).
    #[must_use]
    pub fn refresh_limit_per_minute(mut self, limit: u32) -> Self {
        self.refresh_limit_per_minute = limit;
        self
    }

    /// Sets [`failure_probe`](Self::failure_probe).
    #[must_use]
    pub fn failure_probe(mut self, after: Duration) -> Self {
        self.failure_probe = after;
        self
    }

    /// Sets [`authorizer_refresh_spread`](Self::authorizer_refresh_spread).
    #[must_use]
    pub fn authorizer_refresh_spread(mut self, spread: Duration) -> Self {
        self.authorizer_refresh_spread = spread;
        self
    }

    /// Sets [`authorizer_refresh_rate`](Self::authorizer_refresh_rate).
    #[must_use]
    pub fn authorizer_refresh_rate(mut self, per_second: u32) -> Self {
        self.authorizer_refresh_rate = per_second;
        self
    }

    /// Sets [`key_prefix`](Self::key_prefix).
    #[must_use]
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// Sets [`instance_id`](Self::instance_id).
    #[must_use]
    pub fn instance_id(mut self, id: impl Into<String>) -> Self {
        self.instance_id = Some(id.into());
        self
    }

    /// Sets [`clock`](Self::clock).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}
