//! One simulated Official Account: its spec, tokens, users, menus, media, quotas and faults.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    Device, Draft, JsSession, MassJob, Media, Menu, PublishJob, RidRecord, Tag, Template, Ticket,
    User, preset_templates,
};
use crate::clock;
use crate::config::AppSpec;
use crate::error::WxError;

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
    /// Drafts by `media_id`.
    #[serde(default)]
    pub(crate) drafts: BTreeMap<String, Draft>,
    /// Publish jobs by `publish_id`.
    #[serde(default)]
    pub(crate) publish_jobs: BTreeMap<String, PublishJob>,
    /// The last `publish_id` issued.
    #[serde(default)]
    pub(crate) publish_serial: u64,
    /// Template-message templates by `template_id` (state files without them get the presets).
    #[serde(default = "preset_templates")]
    pub(crate) templates: BTreeMap<String, Template>,
    /// `api_set_industry`: (primary, secondary) industry ids.
    #[serde(default)]
    pub(crate) industry: Option<(u32, u32)>,
    /// `message/mass/speed/set` level, 0–4.
    #[serde(default)]
    pub(crate) mass_speed: u8,
    /// Error answers by rid, for `openapi/rid/get`.
    #[serde(default)]
    pub(crate) rids: BTreeMap<String, RidRecord>,
    /// What the simulated phone answers the JS-SDK with.
    #[serde(default)]
    pub(crate) device: Device,
    /// Share cards set by pages (`updateAppMessageShareData` and friends), oldest first.
    #[serde(default)]
    pub(crate) shares: Vec<Value>,
    /// `wx.config` sessions that passed, by session id.
    #[serde(default)]
    pub(crate) js_sessions: BTreeMap<String, JsSession>,
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
            drafts: BTreeMap::new(),
            publish_jobs: BTreeMap::new(),
            publish_serial: 0,
            templates: preset_templates(),
            industry: None,
            mass_speed: 0,
            rids: BTreeMap::new(),
            device: Device::default(),
            shares: Vec::new(),
            js_sessions: BTreeMap::new(),
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
        crate::wechat::daily_limit(path)
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

    /// Remembers an error answer for `openapi/rid/get`: 7 days, at most `RID_KEEP`.
    pub(crate) fn record_rid(&mut self, rid: String, record: RidRecord) {
        let now = record.invoke_time;
        self.rids
            .retain(|_, r| r.invoke_time + super::RID_TTL > now);
        while self.rids.len() >= super::RID_KEEP {
            let oldest = self
                .rids
                .iter()
                .min_by_key(|(_, r)| r.invoke_time)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(key) => self.rids.remove(&key),
                None => break,
            };
        }
        self.rids.insert(rid, record);
    }

    pub(crate) fn record_delivery(&mut self, delivery: Value) {
        self.deliveries.push(delivery);
        if self.deliveries.len() > 200 {
            let excess = self.deliveries.len() - 200;
            self.deliveries.drain(..excess);
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn app(daily_token_quota: u64) -> App {
        let spec = AppSpec {
            app_id: "wx1".to_owned(),
            daily_token_quota: Some(daily_token_quota),
            ..AppSpec::default()
        };
        App::new(spec, 0)
    }

    fn fault(path: &str, times: u32) -> Fault {
        Fault {
            path: path.to_owned(),
            errcode: Some(45009),
            errmsg: None,
            delay_ms: None,
            times,
        }
    }

    #[test]
    fn a_fault_is_used_up_after_its_times() {
        let mut app = app(2000);
        app.faults.push(fault("cgi-bin/menu/get", 2));
        assert!(app.take_fault("cgi-bin/menu/create").is_none());
        assert!(app.take_fault("cgi-bin/menu/get").is_some());
        assert!(app.take_fault("cgi-bin/menu/get").is_some());
        assert!(app.take_fault("cgi-bin/menu/get").is_none());
    }

    #[test]
    fn quotas_run_out_and_reset_on_the_next_beijing_day() {
        let mut app = app(2);
        assert!(app.consume_quota("cgi-bin/token", 10).is_ok());
        assert!(app.consume_quota("cgi-bin/token", 10).is_ok());
        assert_eq!(
            app.consume_quota("cgi-bin/token", 10).unwrap_err().code,
            45009
        );
        assert!(app.consume_quota("cgi-bin/token", 10 + 86_400).is_ok());
        // Paths without a documented limit are not counted.
        assert_eq!(app.daily_limit("cgi-bin/unknown"), None);
        assert!(app.consume_quota("cgi-bin/unknown", 10).is_ok());
        assert_eq!(app.daily_limit("cgi-bin/user/get"), Some(500));
    }
}
