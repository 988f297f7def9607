//! The whole simulated platform as one serialisable value.
//!
//! Every map is a `BTreeMap` so iteration order, and therefore deterministic mode, never depends on
//! hashing.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::{self, VirtualClock};
use crate::config::AppSpec;
use crate::error::WxError;

/// Tokens outlive their expiry in the index by this long, so they answer 42001 rather than 40001.
const EXPIRED_TOKEN_RETENTION: u64 = 86_400;
/// A superseded `cgi-bin/token` token (and ticket) stays valid this long (WeChat: "the old token stays valid for 5 minutes").
pub(crate) const OVERLAP_SECS: u64 = 300;

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

    // ----- random values -------------------------------------------------------------------------

    /// `len` characters from `alphabet`.
    pub(crate) fn random_string(&mut self, alphabet: &[u8], len: usize) -> String {
        wxgate_proto::nonce::from_alphabet(&mut self.rng, alphabet, len)
    }

    pub(crate) fn random_token(&mut self) -> String {
        self.serial += 1;
        let body = self.random_string(URL_SAFE, 128);
        format!("{}_{body}", 70 + self.serial % 30)
    }

    /// A new OpenID, unique across every app.
    pub(crate) fn random_openid(&mut self) -> String {
        loop {
            let openid = format!("o{}", self.random_string(URL_SAFE, 27));
            if !self.apps.values().any(|a| a.users.contains_key(&openid)) {
                return openid;
            }
        }
    }

    pub(crate) fn random_nonce(&mut self) -> String {
        wxgate_proto::nonce::numeric(&mut self.rng)
    }

    pub(crate) fn random16(&mut self) -> [u8; 16] {
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(
            wxgate_proto::nonce::from_alphabet(&mut self.rng, ALNUM, 16).as_bytes(),
        );
        bytes
    }

    pub(crate) fn random_u63(&mut self) -> u64 {
        self.rng.random::<u64>() >> 1
    }

    // ----- access tokens -------------------------------------------------------------------------

    /// Issue a `cgi-bin/token` token; the previous one stays valid for [`OVERLAP_SECS`].
    pub(crate) fn issue_basic_token(&mut self, app_id: &str) -> Result<(String, u64), WxError> {
        let now = self.now();
        self.prune_tokens(now);
        let token = self.random_token();
        let app = self.app_mut(app_id)?;
        let ttl = app.spec.ttl();
        let previous = app.basic_token.replace(token.clone());
        if let Some(rec) = previous.and_then(|p| self.tokens.get_mut(&p)) {
            let limit = now + OVERLAP_SECS;
            rec.revoked_at = Some(rec.revoked_at.map_or(limit, |r| r.min(limit)));
        }
        self.tokens.insert(
            token.clone(),
            TokenRec {
                app_id: app_id.to_owned(),
                kind: TokenKind::Basic,
                issued_at: now,
                expires_at: now + ttl,
                revoked_at: None,
            },
        );
        Ok((token, ttl))
    }

    /// `cgi-bin/stable_token` (see [WeChat Docs/获取稳定版接口调用凭据](https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken.html)): the same token while it has more than 5 minutes left;
    /// renewal in the last 5 minutes keeps the old one valid until its own expiry; force refresh
    /// revokes the old one at once.
    pub(crate) fn stable_token(
        &mut self,
        app_id: &str,
        force: bool,
    ) -> Result<(String, u64), WxError> {
        let now = self.now();
        let app = self.app(app_id).ok_or_else(WxError::invalid_appid)?;
        let ttl = app.spec.ttl();
        let current = app
            .stable_token
            .as_ref()
            .and_then(|t| self.tokens.get(t).map(|rec| (t.clone(), rec.clone())))
            .filter(|(_, rec)| rec.usable(now));
        if force {
            let app = self.app_mut(app_id)?;
            let day = clock::beijing_day(now);
            app.stable_force_log
                .retain(|t| clock::beijing_day(*t) == day);
            if let (Some(last), Some((token, rec))) = (app.stable_force_log.last(), &current)
                && now < last + 30
            {
                // Consecutive force refreshes less than 30 s apart do nothing.
                return Ok((token.clone(), rec.expires_at - now));
            }
            if app.stable_force_log.len() >= 20 {
                return Err(WxError::quota());
            }
            app.stable_force_log.push(now);
            if let Some((token, _)) = &current
                && let Some(rec) = self.tokens.get_mut(token)
            {
                rec.revoked_at = Some(now);
            }
        } else if let Some((token, rec)) = &current
            && rec.expires_at - now > OVERLAP_SECS
        {
            return Ok((token.clone(), rec.expires_at - now));
        }
        self.prune_tokens(now);
        let token = self.random_token();
        self.app_mut(app_id)?.stable_token = Some(token.clone());
        self.tokens.insert(
            token.clone(),
            TokenRec {
                app_id: app_id.to_owned(),
                kind: TokenKind::Stable,
                issued_at: now,
                expires_at: now + ttl,
                revoked_at: None,
            },
        );
        Ok((token, ttl))
    }

    /// Which app a presented access token belongs to, valid or not.
    pub(crate) fn token_owner(&self, token: &str) -> Result<String, WxError> {
        if let Some(rec) = self.tokens.get(token) {
            return Ok(rec.app_id.clone());
        }
        if is_malformed_token(token) {
            Err(WxError::new(40014, "invalid access_token"))
        } else {
            Err(WxError::invalid_credential())
        }
    }

    /// 40001 for revoked/superseded tokens, 42001 for expired ones.
    pub(crate) fn check_token(&self, token: &str) -> Result<(), WxError> {
        let now = self.now();
        let Some(rec) = self.tokens.get(token) else {
            return Err(WxError::invalid_credential());
        };
        if rec.revoked_at.is_some_and(|r| now >= r) {
            return Err(WxError::invalid_credential());
        }
        if now >= rec.expires_at {
            return Err(WxError::new(42001, "access_token expired"));
        }
        Ok(())
    }

    /// The `invalidate_tokens` fault: every access token of the app answers 40001 from now on.
    pub(crate) fn invalidate_tokens(&mut self, app_id: &str) {
        let now = self.now();
        for rec in self.tokens.values_mut().filter(|r| r.app_id == app_id) {
            rec.revoked_at = Some(rec.revoked_at.map_or(now, |r| r.min(now)));
        }
    }

    fn prune_tokens(&mut self, now: u64) {
        self.tokens
            .retain(|_, rec| rec.expires_at + EXPIRED_TOKEN_RETENTION > now);
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

pub(crate) fn rng_for(seed: Option<u64>) -> StdRng {
    rng_for_load(seed, 0)
}

/// The generator of the `loads`-th start from a state file (0: a fresh state).
pub(crate) fn rng_for_load(seed: Option<u64>, loads: u64) -> StdRng {
    match seed {
        Some(seed) => StdRng::seed_from_u64(seed ^ loads.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        None => StdRng::from_os_rng(),
    }
}

pub(crate) const URL_SAFE: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
pub(crate) const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Temporary media live 3 days (see [WeChat Docs/新增临时素材](https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/New_temporary_materials.html)).
pub(crate) const MEDIA_TTL: u64 = 3 * 86_400;

/// A token that could never have been issued: characters outside `[A-Za-z0-9_-]` or absurd
/// length. Unknown but well-formed tokens answer 40001 instead (sandbox choice; WeChat documents
/// 40014 only as "invalid access_token").
fn is_malformed_token(token: &str) -> bool {
    token.len() > 512
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TokenKind {
    Basic,
    Stable,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct TokenRec {
    pub(crate) app_id: String,
    pub(crate) kind: TokenKind,
    pub(crate) issued_at: u64,
    pub(crate) expires_at: u64,
    /// From this instant on the token answers 40001.
    pub(crate) revoked_at: Option<u64>,
}

impl TokenRec {
    fn usable(&self, now: u64) -> bool {
        now < self.expires_at && self.revoked_at.is_none_or(|r| now < r)
    }
}

/// One ticket generation of `ticket/getticket`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Ticket {
    pub(crate) ticket: String,
    pub(crate) issued_at: u64,
    pub(crate) expires_at: u64,
    /// Set when superseded: valid until then (5-minute overlap, like `cgi-bin/token`).
    pub(crate) superseded_until: Option<u64>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct App {
    pub(crate) spec: AppSpec,
    pub(crate) created_at: u64,
    pub(crate) basic_token: Option<String>,
    pub(crate) stable_token: Option<String>,
    #[serde(default)]
    pub(crate) stable_force_log: Vec<u64>,
    /// Ticket generations by type (`jsapi`, `wx_card`); the last one is current.
    #[serde(default)]
    pub(crate) tickets: BTreeMap<String, Vec<Ticket>>,
    #[serde(default)]
    pub(crate) users: BTreeMap<String, User>,
    /// Incremented on every follow: orders `user/get`.
    #[serde(default)]
    pub(crate) follow_serial: u64,
    #[serde(default)]
    pub(crate) menu: Option<Menu>,
    #[serde(default)]
    pub(crate) conditional_menus: Vec<Menu>,
    #[serde(default)]
    pub(crate) menu_serial: u64,
    #[serde(default)]
    pub(crate) tags: BTreeMap<u32, Tag>,
    #[serde(default)]
    pub(crate) next_tag_id: u32,
    #[serde(default)]
    pub(crate) media: BTreeMap<String, Media>,
    /// `shorten/gen` keys: key → (long_data, created_at, expires_at).
    #[serde(default)]
    pub(crate) short_keys: BTreeMap<String, (String, u64, u64)>,
    /// Permanent material (never expires).
    #[serde(default)]
    pub(crate) materials: BTreeMap<String, Media>,
    /// Every API call attributed to this app, by path without the leading slash.
    #[serde(default)]
    pub(crate) calls: BTreeMap<String, u64>,
    /// Daily quota use by path; reset when the Beijing day changes.
    #[serde(default)]
    pub(crate) quota_used: BTreeMap<String, u64>,
    #[serde(default)]
    pub(crate) quota_day: u64,
    /// Times of `clear_quota` calls (10 per Beijing calendar month).
    #[serde(default)]
    pub(crate) quota_clears: Vec<u64>,
    #[serde(default)]
    pub(crate) faults: Vec<Fault>,
    #[serde(default)]
    pub(crate) deliveries: Vec<Value>,
    /// Mass-send jobs by `msg_id`.
    #[serde(default)]
    pub(crate) mass_jobs: BTreeMap<u64, MassJob>,
    /// `clientmsgid` → (msg_id, sent at), for 24-hour idempotency of mass sends.
    #[serde(default)]
    pub(crate) mass_client_ids: BTreeMap<String, (u64, u64)>,
    /// `openid/client_msg_id` → (msgid, sent at), for 10-minute idempotency.
    #[serde(default)]
    pub(crate) template_msgs: BTreeMap<String, (u64, u64)>,
}

impl App {
    pub(crate) fn new(spec: AppSpec, now: u64) -> Self {
        let mut tags = BTreeMap::new();
        tags.insert(
            2,
            Tag {
                name: "星标组".to_owned(),
            },
        );
        Self {
            spec,
            created_at: now,
            basic_token: None,
            stable_token: None,
            stable_force_log: Vec::new(),
            tickets: BTreeMap::new(),
            users: BTreeMap::new(),
            follow_serial: 0,
            menu: None,
            conditional_menus: Vec::new(),
            menu_serial: 0,
            tags,
            next_tag_id: 100,
            media: BTreeMap::new(),
            materials: BTreeMap::new(),
            short_keys: BTreeMap::new(),
            calls: BTreeMap::new(),
            quota_used: BTreeMap::new(),
            quota_day: clock::beijing_day(now),
            quota_clears: Vec::new(),
            faults: Vec::new(),
            deliveries: Vec::new(),
            template_msgs: BTreeMap::new(),
            mass_jobs: BTreeMap::new(),
            mass_client_ids: BTreeMap::new(),
        }
    }

    pub(crate) fn count_call(&mut self, path: &str) {
        *self.calls.entry(path.to_owned()).or_default() += 1;
    }

    /// Take one use of the first fault registered for `path`.
    pub(crate) fn take_fault(&mut self, path: &str) -> Option<Fault> {
        let index = self.faults.iter().position(|f| f.path == path)?;
        let fault = &mut self.faults[index];
        let taken = fault.clone();
        fault.times = fault.times.saturating_sub(1);
        if fault.times == 0 {
            self.faults.remove(index);
        }
        Some(taken)
    }

    /// Count one use of `path` against its daily quota (45009 when exhausted).
    pub(crate) fn consume_quota(&mut self, path: &str, now: u64) -> Result<(), WxError> {
        let Some(limit) = self.daily_limit(path) else {
            return Ok(());
        };
        self.roll_quota_day(now);
        let used = self.quota_used.entry(path.to_owned()).or_default();
        if *used >= limit {
            return Err(WxError::quota());
        }
        *used += 1;
        Ok(())
    }

    pub(crate) fn roll_quota_day(&mut self, now: u64) {
        let day = clock::beijing_day(now);
        if day != self.quota_day {
            self.quota_day = day;
            self.quota_used.clear();
        }
    }

    /// The daily limit of a path (WeChat's API call limits for formal accounts), `None` when unlimited or unknown.
    pub(crate) fn daily_limit(&self, path: &str) -> Option<u64> {
        if path == "cgi-bin/token" {
            return Some(self.spec.token_quota());
        }
        DAILY_LIMITS
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, limit)| *limit)
    }

    pub(crate) fn followers(&self) -> Vec<&User> {
        let mut users: Vec<&User> = self.users.values().filter(|u| u.subscribed).collect();
        users.sort_by_key(|u| u.follow_serial);
        users
    }

    pub(crate) fn user(&self, openid: &str) -> Option<&User> {
        self.users.get(openid)
    }

    pub(crate) fn user_mut(&mut self, openid: &str) -> Result<&mut User, WxError> {
        self.users
            .get_mut(openid)
            .ok_or_else(WxError::invalid_openid)
    }

    pub(crate) fn record_delivery(&mut self, delivery: Value) {
        self.deliveries.push(delivery);
        if self.deliveries.len() > 200 {
            let excess = self.deliveries.len() - 200;
            self.deliveries.drain(..excess);
        }
    }
}

/// Daily quotas of formal accounts, from [WeChat Docs/接口调用频次限制说明](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/API_Call_Limits.html); `cgi-bin/token` comes from the app's spec.
pub(crate) const DAILY_LIMITS: &[(&str, u64)] = &[
    ("cgi-bin/stable_token", 500_000),
    ("cgi-bin/menu/create", 1_000),
    ("cgi-bin/menu/get", 10_000),
    ("cgi-bin/menu/delete", 1_000),
    ("cgi-bin/menu/addconditional", 2_000),
    ("cgi-bin/menu/delconditional", 2_000),
    ("cgi-bin/menu/trymatch", 20_000),
    ("cgi-bin/tags/create", 1_000),
    ("cgi-bin/tags/get", 1_000),
    ("cgi-bin/tags/update", 1_000),
    ("cgi-bin/tags/members/batchtagging", 100_000),
    ("cgi-bin/tags/members/batchuntagging", 100_000),
    ("cgi-bin/media/upload", 100_000),
    ("cgi-bin/media/get", 200_000),
    ("cgi-bin/message/custom/send", 500_000),
    ("cgi-bin/message/template/send", 100_000),
    ("cgi-bin/message/mass/sendall", 100),
    ("cgi-bin/message/mass/send", 100),
    ("cgi-bin/qrcode/create", 100_000),
    ("cgi-bin/user/get", 500),
    ("cgi-bin/user/info", 5_000_000),
    ("cgi-bin/user/info/batchget", 5_000_000),
    ("cgi-bin/user/info/updateremark", 10_000),
];

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Fault {
    pub(crate) path: String,
    #[serde(default)]
    pub(crate) errcode: Option<i64>,
    #[serde(default)]
    pub(crate) errmsg: Option<String>,
    #[serde(default)]
    pub(crate) delay_ms: Option<u64>,
    pub(crate) times: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct User {
    pub(crate) openid: String,
    pub(crate) nickname: String,
    #[serde(default)]
    pub(crate) unionid: Option<String>,
    pub(crate) created_at: u64,
    pub(crate) subscribed: bool,
    #[serde(default)]
    pub(crate) subscribe_time: u64,
    #[serde(default)]
    pub(crate) follow_serial: u64,
    #[serde(default)]
    pub(crate) subscribe_scene: String,
    #[serde(default)]
    pub(crate) qr_scene: u64,
    #[serde(default)]
    pub(crate) qr_scene_str: String,
    #[serde(default)]
    pub(crate) remark: String,
    /// Tag ids in the order they were applied (the last one drives conditional menus).
    #[serde(default)]
    pub(crate) tags: Vec<u32>,
    /// 1 iOS, 2 Android, 3 others (conditional-menu matching).
    #[serde(default = "default_platform")]
    pub(crate) client_platform_type: u8,
    /// A snapshot-mode virtual user (WeChat's OAuth documentation, 快照页模式): OAuth token answers carry `is_snapshotuser: 1`.
    #[serde(default)]
    pub(crate) snapshot: bool,
    #[serde(default)]
    pub(crate) blacklisted: bool,
    #[serde(default)]
    pub(crate) blacklisted_at: u64,
    #[serde(default)]
    pub(crate) windows: Vec<CsWindow>,
    /// Until when the "typing" indicator shows (`message/custom/typing`).
    #[serde(default)]
    pub(crate) typing_until: u64,
    #[serde(default)]
    pub(crate) inbox: Vec<Value>,
    /// What the user did, in order: `{"seq", "at", "type", "summary", "after_inbox", "outcome",
    /// "attempts", "error"}`; `after_inbox` is the inbox's length when it was sent, which places
    /// it in the conversation.
    #[serde(default)]
    pub(crate) sent: Vec<Value>,
}

fn default_platform() -> u8 {
    2
}

impl User {
    pub(crate) fn new(openid: String, nickname: String, now: u64) -> Self {
        Self {
            openid,
            nickname,
            unionid: None,
            created_at: now,
            subscribed: false,
            subscribe_time: 0,
            follow_serial: 0,
            subscribe_scene: String::new(),
            qr_scene: 0,
            qr_scene_str: String::new(),
            remark: String::new(),
            tags: Vec::new(),
            client_platform_type: default_platform(),
            snapshot: false,
            blacklisted: false,
            blacklisted_at: 0,
            windows: Vec::new(),
            typing_until: 0,
            inbox: Vec::new(),
            sent: Vec::new(),
        }
    }

    /// Records an action the user takes (before its push is delivered); returns its `seq`.
    pub(crate) fn record_sent(&mut self, now: u64, kind: &str, summary: String) -> usize {
        let seq = self.sent.len() + 1;
        self.sent.push(serde_json::json!({
            "seq": seq,
            "at": now,
            "type": kind,
            "summary": summary,
            "after_inbox": self.inbox.len(),
            "outcome": null,
            "attempts": 0,
            "error": null,
        }));
        seq
    }

    /// The conversation as the user's phone shows it: sent actions and received messages,
    /// interleaved in the order they happened.
    pub(crate) fn conversation(&self) -> Vec<Value> {
        let mut out = Vec::with_capacity(self.inbox.len() + self.sent.len());
        let mut received = self.inbox.iter().peekable();
        let mut shown = 0usize;
        for sent in &self.sent {
            let before = sent["after_inbox"]
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(shown);
            while shown < before
                && let Some(item) = received.next()
            {
                out.push(received_item(item));
                shown += 1;
            }
            let mut item = sent.clone();
            if let Some(object) = item.as_object_mut() {
                object.remove("after_inbox");
                object.insert("direction".to_owned(), Value::from("sent"));
            }
            out.push(item);
        }
        out.extend(received.map(received_item));
        out
    }

    /// Open a customer-service window (the send windows of [WeChat Docs/客服消息](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html)).
    pub(crate) fn open_window(&mut self, kind: WindowKind, now: u64) {
        let (quota, secs) = match kind {
            WindowKind::Message => (5, 48 * 3600),
            WindowKind::Click | WindowKind::Subscribe | WindowKind::Scan => (3, 60),
        };
        if kind == WindowKind::Message {
            // A newer user message replaces the previous 48-hour window.
            self.windows.retain(|w| w.kind != WindowKind::Message);
        }
        self.windows.retain(|w| w.expires_at > now);
        self.windows.push(CsWindow {
            kind,
            opened_at: now,
            expires_at: now + secs,
            remaining: quota,
        });
    }

    /// Take one send from the open window that expires first: 45015 when none is open, 45047 when
    /// the open ones are used up.
    pub(crate) fn consume_window(&mut self, now: u64) -> Result<(), WxError> {
        let mut open: Vec<&mut CsWindow> = self
            .windows
            .iter_mut()
            .filter(|w| w.expires_at > now)
            .collect();
        if open.is_empty() {
            return Err(WxError::new(
                45015,
                "response out of time limit or subscription is canceled",
            ));
        }
        open.sort_by_key(|w| w.expires_at);
        match open.into_iter().find(|w| w.remaining > 0) {
            Some(window) => {
                window.remaining -= 1;
                Ok(())
            }
            None => Err(WxError::new(45047, "out of response count limit")),
        }
    }

    pub(crate) fn push_inbox(&mut self, now: u64, source: &str, message: Value) {
        let seq = self.inbox.len() + 1;
        self.inbox.push(serde_json::json!({
            "seq": seq,
            "at": now,
            "source": source,
            "message": message,
        }));
    }
}

fn received_item(item: &Value) -> Value {
    let mut item = item.clone();
    if let Some(object) = item.as_object_mut() {
        object.insert("direction".to_owned(), Value::from("received"));
    }
    item
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum WindowKind {
    Message,
    Click,
    Subscribe,
    Scan,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct CsWindow {
    pub(crate) kind: WindowKind,
    pub(crate) opened_at: u64,
    pub(crate) expires_at: u64,
    pub(crate) remaining: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Menu {
    pub(crate) menuid: u64,
    /// Normalised buttons (leaves carry `"sub_button": []`, like `menu/get`).
    pub(crate) button: Value,
    #[serde(default)]
    pub(crate) matchrule: Option<Value>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct MassJob {
    pub(crate) msgtype: String,
    pub(crate) sent_at: u64,
    /// `SEND_SUCCESS`, or `DELETE` after `mass/delete`.
    pub(crate) status: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Tag {
    pub(crate) name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Media {
    pub(crate) kind: String,
    pub(crate) filename: String,
    pub(crate) content_type: String,
    /// Base64 of the bytes (keeps the state file JSON-friendly).
    pub(crate) data: String,
    pub(crate) created_at: u64,
    /// Permanent videos: `description.title`.
    #[serde(default)]
    pub(crate) title: Option<String>,
    /// Permanent videos: `description.introduction`.
    #[serde(default)]
    pub(crate) introduction: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct QrCode {
    pub(crate) app_id: String,
    pub(crate) action_name: String,
    pub(crate) scene_id: Option<u64>,
    pub(crate) scene_str: Option<String>,
    pub(crate) url: String,
    pub(crate) created_at: u64,
    pub(crate) expires_at: Option<u64>,
}

impl QrCode {
    pub(crate) fn permanent(&self) -> bool {
        self.expires_at.is_none()
    }

    /// The scene as events carry it: `scene_id` in decimal, or `scene_str`.
    pub(crate) fn scene(&self) -> String {
        match (&self.scene_str, self.scene_id) {
            (Some(s), _) => s.clone(),
            (None, Some(id)) => id.to_string(),
            (None, None) => String::new(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct OAuthCode {
    pub(crate) app_id: String,
    pub(crate) openid: String,
    pub(crate) scope: String,
    pub(crate) expires_at: u64,
    pub(crate) used: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct OAuthToken {
    pub(crate) app_id: String,
    pub(crate) openid: String,
    pub(crate) scope: String,
    pub(crate) expires_at: u64,
}
