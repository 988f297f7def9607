//! The whole simulated platform as one serialisable value.
//!
//! Every map is a `BTreeMap` so iteration order, and therefore deterministic mode, never depends on
//! hashing.

mod app;
mod browser;
mod component;
mod messaging;
mod publish;
mod random;
mod records;
mod token;
mod user;

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::clock::VirtualClock;
use crate::error::WxError;

pub(crate) use app::{App, Fault};
pub(crate) use browser::{Device, JsSession, NETWORK_TYPES, SESSIONS_KEPT, SHARES_KEPT};
pub(crate) use component::{
    AUTH_CODE_TTL, Component, ComponentSpec, OpenAccount, PRE_AUTH_TTL,
    TOKEN_TTL as COMPONENT_TOKEN_TTL, func_info, not_authorized,
};
pub(crate) use messaging::{
    RID_KEEP, RID_TTL, RidRecord, TEMPLATE_LIMIT, Template, industry, preset_templates,
};
pub(crate) use publish::{Article, Draft, PublishJob};
pub(crate) use random::{ALNUM, URL_SAFE, rng_for, rng_for_load};
pub(crate) use records::{MEDIA_TTL, MassJob, Media, Menu, OAuthCode, OAuthToken, QrCode, Tag};
pub(crate) use token::{OVERLAP_SECS, Ticket, TokenRec};
pub(crate) use user::{User, WindowKind};

use token::EXPIRED_TOKEN_RETENTION;

#[derive(Serialize, Deserialize)]
pub(crate) struct State {
    /// Seconds the virtual clock was moved through the control API (negative: set back).
    #[serde(default)]
    pub(crate) advanced: i64,
    #[serde(default)]
    pub(crate) apps: BTreeMap<String, App>,
    /// Every issued basic/stable access token, by value.
    #[serde(default)]
    pub(crate) tokens: BTreeMap<String, TokenRec>,
    /// Parametric QR codes by ticket (tickets are global: `showqrcode` takes no token).
    #[serde(default)]
    pub(crate) qrcodes: BTreeMap<String, QrCode>,
    #[serde(default)]
    pub(crate) oauth_codes: BTreeMap<String, OAuthCode>,
    #[serde(default)]
    pub(crate) oauth_tokens: BTreeMap<String, OAuthToken>,
    #[serde(default)]
    pub(crate) refresh_tokens: BTreeMap<String, OAuthToken>,
    /// Third-party platforms by component AppID.
    #[serde(default)]
    pub(crate) components: BTreeMap<String, Component>,
    /// Open Platform accounts (`cgi-bin/open/*`) by `open_appid`.
    #[serde(default)]
    pub(crate) open_accounts: BTreeMap<String, OpenAccount>,
    /// A serial that prefixes access tokens, like WeChat's `79_…`.
    #[serde(default)]
    pub(crate) serial: u64,
    /// How many times this state was loaded from a file: mixed into the seed so a restarted
    /// deterministic sandbox does not replay the values it already issued.
    #[serde(default)]
    pub(crate) loads: u64,
    #[serde(skip)]
    pub(crate) clock: VirtualClock,
    #[serde(skip, default = "entropy_rng")]
    pub(crate) rng: StdRng,
}

fn entropy_rng() -> StdRng {
    StdRng::from_os_rng()
}

impl State {
    pub(crate) fn new(clock: VirtualClock, seed: Option<u64>) -> Self {
        Self {
            advanced: 0,
            apps: BTreeMap::new(),
            tokens: BTreeMap::new(),
            qrcodes: BTreeMap::new(),
            oauth_codes: BTreeMap::new(),
            oauth_tokens: BTreeMap::new(),
            refresh_tokens: BTreeMap::new(),
            components: BTreeMap::new(),
            open_accounts: BTreeMap::new(),
            serial: 0,
            loads: 0,
            clock,
            rng: rng_for(seed),
        }
    }

    pub(crate) fn now(&self) -> u64 {
        self.clock.now(self.advanced)
    }

    /// Moves the virtual clock forward by `secs`.
    pub(crate) fn advance(&mut self, secs: u64) {
        let secs = i64::try_from(secs).unwrap_or(i64::MAX);
        self.advanced = self.advanced.saturating_add(secs);
        self.prune();
    }

    /// Sets the virtual clock to `unix` seconds, forward or back.
    pub(crate) fn set_now(&mut self, unix: u64) {
        self.advanced = self.clock.offset_for(unix);
        self.prune();
    }

    pub(crate) fn app(&self, app_id: &str) -> Option<&App> {
        self.apps.get(app_id)
    }

    pub(crate) fn app_mut(&mut self, app_id: &str) -> Result<&mut App, WxError> {
        self.apps.get_mut(app_id).ok_or_else(WxError::invalid_appid)
    }

    /// Drop expired one-shot values (codes, QR codes, OAuth tokens).
    pub(crate) fn prune(&mut self) {
        let now = self.now();
        self.oauth_codes.retain(|_, c| c.expires_at + 3600 > now);
        self.oauth_tokens
            .retain(|_, t| t.expires_at + EXPIRED_TOKEN_RETENTION > now);
        self.refresh_tokens
            .retain(|_, t| t.expires_at + EXPIRED_TOKEN_RETENTION > now);
        self.qrcodes.retain(|_, q| {
            q.expires_at
                .is_none_or(|e| e + EXPIRED_TOKEN_RETENTION > now)
        });
        for app in self.apps.values_mut() {
            app.media
                .retain(|_, m| m.created_at + MEDIA_TTL + EXPIRED_TOKEN_RETENTION > now);
        }
    }
}
