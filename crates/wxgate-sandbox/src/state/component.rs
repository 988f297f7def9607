//! Third-party platforms (开放平台第三方平台, "components"): their verify tickets, component
//! tokens, pre-auth and auth codes, and the accounts that authorized them.
//!
//! See [WeChat Docs/第三方平台](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/getting_started/how_to_read.html).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::State;
use super::token::{TokenKind, TokenRec};
use crate::clock;
use crate::config::Secret;
use crate::error::WxError;

/// A verify ticket is accepted this long after it was pushed.
pub(crate) const TICKET_TTL: u64 = 12 * 3600;
/// WeChat pushes a verify ticket this often.
pub(crate) const TICKET_INTERVAL: u64 = 600;
/// Component and authorizer access tokens live this long.
pub(crate) const TOKEN_TTL: u64 = 7200;
/// `api_create_preauthcode`'s `expires_in`.
pub(crate) const PRE_AUTH_TTL: u64 = 1800;
/// The auth code's `expires_in` on the redirect and in the `authorized` notice.
pub(crate) const AUTH_CODE_TTL: u64 = 600;
/// Permission sets granted when the administrator does not choose (message management, user
/// management, account services, web pages, …, open account management 24 and 25).
pub(crate) const DEFAULT_SCOPES: &[u32] = &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 24, 25];
/// Deliveries kept per component, newest last.
const DELIVERIES_KEPT: usize = 200;
/// Verify tickets remembered per component (older ones answer 61006).
const TICKETS_KEPT: usize = 100;
/// Seconds of per-second call counts kept per path (a day of virtual time with a call in
/// every second); the oldest go first.
pub(crate) const CALL_SECONDS_KEPT: usize = 86_400;

/// How a component is configured (`POST /sandbox/components`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ComponentSpec {
    pub(crate) component_appid: String,
    pub(crate) component_appsecret: Secret,
    pub(crate) token: Secret,
    pub(crate) encoding_aes_key: Secret,
    /// 授权事件接收 URL: verify tickets and authorization notices.
    pub(crate) events_url: String,
    /// 消息与事件接收 URL: authorizers' messages; `$APPID$` is replaced by the authorizer.
    #[serde(default)]
    pub(crate) message_url: String,
}

/// One component and everything WeChat keeps about it.
#[derive(Serialize, Deserialize)]
pub(crate) struct Component {
    pub(crate) spec: ComponentSpec,
    pub(crate) created_at: u64,
    /// Pushed verify tickets: ticket → push time, with the order of pushes in `ticket_order`.
    #[serde(default)]
    pub(crate) tickets: BTreeMap<String, u64>,
    #[serde(default)]
    pub(crate) ticket_order: Vec<String>,
    /// When the next scheduled verify ticket is due (virtual time).
    pub(crate) next_ticket_at: u64,
    /// The current `component_access_token`.
    #[serde(default)]
    pub(crate) token: Option<String>,
    /// Pre-auth codes → expiry; removed when used.
    #[serde(default)]
    pub(crate) pre_auth_codes: BTreeMap<String, u64>,
    /// Auth codes → (authorizer AppID, expiry).
    #[serde(default)]
    pub(crate) auth_codes: BTreeMap<String, (String, u64)>,
    /// Accounts that authorized the component, by AppID.
    #[serde(default)]
    pub(crate) authorizers: BTreeMap<String, Authorizer>,
    #[serde(default)]
    pub(crate) calls: BTreeMap<String, u64>,
    /// Calls by path and virtual second (`{path: {unix second: calls}}`), to see bursts; not
    /// saved with the state.
    #[serde(skip)]
    pub(crate) call_seconds: BTreeMap<String, BTreeMap<u64, u32>>,
    #[serde(default)]
    pub(crate) quota_used: BTreeMap<String, u64>,
    #[serde(default)]
    pub(crate) quota_day: u64,
    #[serde(default)]
    pub(crate) quota_clears: Vec<u64>,
    /// Pushes to `events_url` (tickets and notices), newest last.
    #[serde(default)]
    pub(crate) deliveries: Vec<Value>,
}

/// An account's authorization of a component.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Authorizer {
    pub(crate) func_scopes: Vec<u32>,
    pub(crate) auth_time: u64,
    /// The one valid `authorizer_refresh_token`; each refresh replaces it.
    pub(crate) refresh_token: String,
    /// The current `authorizer_access_token`.
    #[serde(default)]
    pub(crate) access_token: Option<String>,
    /// `api_set_authorizer_option` values by option name.
    #[serde(default)]
    pub(crate) options: BTreeMap<String, String>,
    /// API calls made with this authorizer's tokens, by path.
    #[serde(default)]
    pub(crate) calls: BTreeMap<String, u64>,
}

impl Component {
    pub(crate) fn new(spec: ComponentSpec, now: u64) -> Self {
        Self {
            spec,
            created_at: now,
            tickets: BTreeMap::new(),
            ticket_order: Vec::new(),
            next_ticket_at: now + TICKET_INTERVAL,
            token: None,
            pre_auth_codes: BTreeMap::new(),
            auth_codes: BTreeMap::new(),
            authorizers: BTreeMap::new(),
            calls: BTreeMap::new(),
            call_seconds: BTreeMap::new(),
            quota_used: BTreeMap::new(),
            quota_day: clock::beijing_day(now),
            quota_clears: Vec::new(),
            deliveries: Vec::new(),
        }
    }

    /// Remember a pushed ticket.
    pub(crate) fn add_ticket(&mut self, ticket: String, now: u64) {
        self.tickets.insert(ticket.clone(), now);
        self.ticket_order.push(ticket);
        while self.ticket_order.len() > TICKETS_KEPT {
            let old = self.ticket_order.remove(0);
            self.tickets.remove(&old);
        }
    }

    /// 61006 for a ticket never pushed to this component, 61005 for one older than 12 hours.
    pub(crate) fn check_ticket(&self, ticket: &str, now: u64) -> Result<(), WxError> {
        match self.tickets.get(ticket) {
            None => Err(WxError::new(61006, "component ticket is invalid")),
            Some(at) if now >= at + TICKET_TTL => {
                Err(WxError::new(61005, "component ticket is expired"))
            }
            Some(_) => Ok(()),
        }
    }

    /// Counts a call of `path` at virtual time `now`, in all and in its second.
    pub(crate) fn count_call(&mut self, path: &str, now: u64) {
        *self.calls.entry(path.to_owned()).or_default() += 1;
        let seconds = self.call_seconds.entry(path.to_owned()).or_default();
        *seconds.entry(now).or_default() += 1;
        while seconds.len() > CALL_SECONDS_KEPT {
            seconds.pop_first();
        }
    }

    /// One use of `path`'s daily quota (reset at 00:00 Beijing time); 45009 when used up.
    pub(crate) fn consume_quota(
        &mut self,
        path: &str,
        limit: Option<u64>,
        now: u64,
    ) -> Result<(), WxError> {
        let Some(limit) = limit else { return Ok(()) };
        let day = clock::beijing_day(now);
        if day != self.quota_day {
            self.quota_day = day;
            self.quota_used.clear();
        }
        let used = self.quota_used.entry(path.to_owned()).or_default();
        if *used >= limit {
            return Err(WxError::quota());
        }
        *used += 1;
        Ok(())
    }

    pub(crate) fn record_delivery(&mut self, delivery: Value) {
        self.deliveries.push(delivery);
        if self.deliveries.len() > DELIVERIES_KEPT {
            let extra = self.deliveries.len() - DELIVERIES_KEPT;
            self.deliveries.drain(..extra);
        }
    }

    /// 61003 when `app_id` has not authorized this component.
    pub(crate) fn authorizer(&self, app_id: &str) -> Result<&Authorizer, WxError> {
        self.authorizers.get(app_id).ok_or_else(not_authorized)
    }
}

/// 61003: the account has not authorized the component (or withdrew the authorization).
pub(crate) fn not_authorized() -> WxError {
    WxError::new(61003, "component is not authorized by this account")
}

/// The component's `func_info`: `[{"funcscope_category":{"id":1}}, …]`.
pub(crate) fn func_info(scopes: &[u32]) -> Value {
    scopes
        .iter()
        .map(|id| serde_json::json!({"funcscope_category": {"id": id}}))
        .collect()
}

impl State {
    pub(crate) fn component(&self, component_appid: &str) -> Option<&Component> {
        self.components.get(component_appid)
    }

    /// 61011 for an unknown component.
    pub(crate) fn component_mut(
        &mut self,
        component_appid: &str,
    ) -> Result<&mut Component, WxError> {
        self.components
            .get_mut(component_appid)
            .ok_or_else(|| WxError::new(61011, "invalid component"))
    }

    /// A new verify ticket for the component, remembered; the next scheduled push moves to 10
    /// minutes from now.
    pub(crate) fn new_verify_ticket(&mut self, component_appid: &str) -> Option<String> {
        let now = self.now();
        let ticket = format!("ticket@@@{}", self.random_string(super::URL_SAFE, 86));
        let component = self.components.get_mut(component_appid)?;
        component.add_ticket(ticket.clone(), now);
        component.next_ticket_at = now + TICKET_INTERVAL;
        Some(ticket)
    }

    /// Moves the component's next scheduled push 10 minutes on (the push itself is under way).
    pub(crate) fn new_verify_ticket_slot(&mut self, component_appid: &str) -> Option<()> {
        let now = self.now();
        self.components.get_mut(component_appid)?.next_ticket_at = now + TICKET_INTERVAL;
        Some(())
    }

    /// Components whose scheduled ticket push is due.
    pub(crate) fn due_tickets(&self) -> Vec<String> {
        let now = self.now();
        self.components
            .iter()
            .filter(|(_, c)| c.next_ticket_at <= now)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// A new `component_access_token`; the previous one stays valid 5 more minutes.
    pub(crate) fn issue_component_token(
        &mut self,
        component_appid: &str,
    ) -> Result<String, WxError> {
        let now = self.now();
        self.prune_tokens(now);
        let token = self.random_token();
        let component = self.component_mut(component_appid)?;
        let previous = component.token.replace(token.clone());
        self.supersede(previous, now);
        self.tokens.insert(
            token.clone(),
            TokenRec {
                app_id: component_appid.to_owned(),
                kind: TokenKind::Component,
                issued_at: now,
                expires_at: now + TOKEN_TTL,
                revoked_at: None,
                component: None,
            },
        );
        Ok(token)
    }

    /// A new `authorizer_access_token` of `app_id` for the component; the previous one stays
    /// valid 5 more minutes.
    pub(crate) fn issue_authorizer_token(
        &mut self,
        component_appid: &str,
        app_id: &str,
    ) -> Result<String, WxError> {
        let now = self.now();
        self.prune_tokens(now);
        let token = self.random_token();
        let component = self.component_mut(component_appid)?;
        let authorizer = component
            .authorizers
            .get_mut(app_id)
            .ok_or_else(not_authorized)?;
        let previous = authorizer.access_token.replace(token.clone());
        self.supersede(previous, now);
        self.tokens.insert(
            token.clone(),
            TokenRec {
                app_id: app_id.to_owned(),
                kind: TokenKind::Authorizer,
                issued_at: now,
                expires_at: now + TOKEN_TTL,
                revoked_at: None,
                component: Some(component_appid.to_owned()),
            },
        );
        Ok(token)
    }

    fn supersede(&mut self, previous: Option<String>, now: u64) {
        if let Some(rec) = previous.and_then(|p| self.tokens.get_mut(&p)) {
            let limit = now + super::OVERLAP_SECS;
            rec.revoked_at = Some(rec.revoked_at.map_or(limit, |r| r.min(limit)));
        }
    }

    /// The component a presented `component_access_token` belongs to: 41001 missing, 40001
    /// unknown or superseded, 42001 expired.
    pub(crate) fn component_token_owner(&self, token: &str) -> Result<String, WxError> {
        if token.is_empty() {
            return Err(WxError::new(41001, "component_access_token missing"));
        }
        let rec = self
            .tokens
            .get(token)
            .filter(|r| r.kind == TokenKind::Component)
            .ok_or_else(WxError::invalid_credential)?;
        self.check_token(token)?;
        Ok(rec.app_id.clone())
    }

    /// The account authorizes the component (or changes its grants): a new auth code, and the
    /// notice to push (`authorized`, `updateauthorized`, or none when nothing changed).
    pub(crate) fn authorize(
        &mut self,
        component_appid: &str,
        app_id: &str,
        scopes: Option<Vec<u32>>,
        pre_auth_code: Option<&str>,
    ) -> Result<Authorized, WxError> {
        let now = self.now();
        if self.app(app_id).is_none() {
            return Err(WxError::invalid_appid());
        }
        let code = format!(
            "queryauthcode@@@{}",
            self.random_string(super::URL_SAFE, 64)
        );
        let refresh = format!("refreshtoken@@@{}", self.random_string(super::URL_SAFE, 43));
        let component = self.component_mut(component_appid)?;
        let mut scopes = scopes.unwrap_or_else(|| DEFAULT_SCOPES.to_vec());
        scopes.sort_unstable();
        scopes.dedup();
        let info_type = match component.authorizers.get_mut(app_id) {
            Some(existing) if existing.func_scopes == scopes => None,
            Some(existing) => {
                existing.func_scopes = scopes;
                Some("updateauthorized")
            }
            None => {
                component.authorizers.insert(
                    app_id.to_owned(),
                    Authorizer {
                        func_scopes: scopes,
                        auth_time: now,
                        refresh_token: refresh,
                        access_token: None,
                        options: BTreeMap::new(),
                        calls: BTreeMap::new(),
                    },
                );
                Some("authorized")
            }
        };
        let expires_at = now + AUTH_CODE_TTL;
        component.auth_codes.retain(|_, (_, e)| *e > now);
        component
            .auth_codes
            .insert(code.clone(), (app_id.to_owned(), expires_at));
        Ok(Authorized {
            auth_code: code,
            expires_at,
            info_type,
            pre_auth_code: pre_auth_code.map(str::to_owned),
        })
    }

    /// The account withdraws its authorization: its authorizer tokens stop working at once.
    /// Returns whether it had authorized the component.
    pub(crate) fn unauthorize(
        &mut self,
        component_appid: &str,
        app_id: &str,
    ) -> Result<bool, WxError> {
        let now = self.now();
        let component = self.component_mut(component_appid)?;
        let removed = component.authorizers.remove(app_id).is_some();
        component.auth_codes.retain(|_, (a, _)| a != app_id);
        for rec in self.tokens.values_mut().filter(|r| {
            r.kind == TokenKind::Authorizer
                && r.app_id == app_id
                && r.component.as_deref() == Some(component_appid)
        }) {
            rec.revoked_at = Some(rec.revoked_at.map_or(now, |r| r.min(now)));
        }
        Ok(removed)
    }

    /// 61003 for an authorizer token whose account withdrew the authorization.
    pub(crate) fn check_authorizer_token(&self, rec: &TokenRec) -> Result<(), WxError> {
        if rec.kind != TokenKind::Authorizer {
            return Ok(());
        }
        let authorized = rec
            .component
            .as_deref()
            .and_then(|c| self.component(c))
            .is_some_and(|c| c.authorizers.contains_key(&rec.app_id));
        if authorized {
            Ok(())
        } else {
            Err(not_authorized())
        }
    }

    /// Counts a call made with an authorizer token on its authorizer.
    pub(crate) fn note_authorizer_call(&mut self, token: &str, path: &str) {
        let Some(rec) = self.tokens.get(token) else {
            return;
        };
        if rec.kind != TokenKind::Authorizer {
            return;
        }
        let (app_id, component) = (rec.app_id.clone(), rec.component.clone());
        if let Some(authorizer) = component
            .and_then(|c| self.components.get_mut(&c))
            .and_then(|c| c.authorizers.get_mut(&app_id))
        {
            *authorizer.calls.entry(path.to_owned()).or_default() += 1;
        }
    }

    /// Where `app_id`'s users' messages go when a component manages its messages: the first
    /// component (by AppID) it authorized with permission set 1 (消息管理) that has a message URL.
    pub(crate) fn message_component(&self, app_id: &str) -> Option<&Component> {
        self.components.values().find(|c| {
            !c.spec.message_url.is_empty()
                && c.authorizers
                    .get(app_id)
                    .is_some_and(|a| a.func_scopes.contains(&1))
        })
    }
}

/// An Open Platform account made with `cgi-bin/open/create`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct OpenAccount {
    /// The account whose token created it (only same-subject accounts may be bound: the
    /// sandbox treats accounts authorized to the same component as one subject).
    pub(crate) creator: String,
    /// Bound accounts, the creator first.
    pub(crate) apps: Vec<String>,
}

/// The outcome of an authorization.
pub(crate) struct Authorized {
    pub(crate) auth_code: String,
    pub(crate) expires_at: u64,
    /// The notice to push, if any.
    pub(crate) info_type: Option<&'static str>,
    pub(crate) pre_auth_code: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component() -> Component {
        Component::new(
            ComponentSpec {
                component_appid: "wxc".to_owned(),
                component_appsecret: "s".into(),
                token: "t".into(),
                encoding_aes_key: "A".repeat(43).into(),
                events_url: "http://127.0.0.1:9/".to_owned(),
                message_url: "http://127.0.0.1:9/$APPID$/m".to_owned(),
            },
            1000,
        )
    }

    #[test]
    fn tickets_expire_after_twelve_hours_and_unknown_ones_are_invalid() {
        let mut c = component();
        c.add_ticket("ticket@@@a".to_owned(), 1000);
        assert!(c.check_ticket("ticket@@@a", 1000 + TICKET_TTL - 1).is_ok());
        assert_eq!(
            c.check_ticket("ticket@@@a", 1000 + TICKET_TTL)
                .unwrap_err()
                .code,
            61005
        );
        assert_eq!(c.check_ticket("ticket@@@b", 1000).unwrap_err().code, 61006);
    }

    #[test]
    fn calls_are_counted_per_virtual_second_and_old_seconds_dropped() {
        let mut c = component();
        c.count_call("p", 10);
        c.count_call("p", 10);
        c.count_call("p", 11);
        assert_eq!(c.calls["p"], 3);
        assert_eq!(
            c.call_seconds["p"].iter().collect::<Vec<_>>(),
            [(&10, &2), (&11, &1)]
        );
        for second in 0..CALL_SECONDS_KEPT as u64 {
            c.count_call("p", 100 + second);
        }
        assert_eq!(c.call_seconds["p"].len(), CALL_SECONDS_KEPT);
        assert!(!c.call_seconds["p"].contains_key(&11));
    }

    #[test]
    fn only_the_newest_tickets_are_remembered() {
        let mut c = component();
        for i in 0..=TICKETS_KEPT {
            c.add_ticket(format!("t{i}"), 1000);
        }
        assert_eq!(c.tickets.len(), TICKETS_KEPT);
        assert_eq!(c.check_ticket("t0", 1000).unwrap_err().code, 61006);
        assert!(c.check_ticket(&format!("t{TICKETS_KEPT}"), 1000).is_ok());
    }
}
