//! Access tokens: issuing `cgi-bin/token` and `cgi-bin/stable_token` tokens, and checking the
//! ones presented.

use serde::{Deserialize, Serialize};

use super::State;
use crate::clock;
use crate::error::WxError;

/// Tokens outlive their expiry in the index by this long, so they answer 42001 rather than 40001.
pub(super) const EXPIRED_TOKEN_RETENTION: u64 = 86_400;
/// A superseded `cgi-bin/token` token (and ticket) stays valid this long (WeChat: "the old token stays valid for 5 minutes").
pub(crate) const OVERLAP_SECS: u64 = 300;

impl State {
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
                component: None,
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
            match force_verdict(&app.stable_force_log, current.is_some(), now) {
                ForceVerdict::Keep => {
                    if let Some((token, rec)) = &current {
                        return Ok((token.clone(), rec.expires_at - now));
                    }
                }
                ForceVerdict::Quota => return Err(WxError::quota()),
                ForceVerdict::Renew => {}
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
                component: None,
            },
        );
        Ok((token, ttl))
    }

    /// Which app a presented access token belongs to, valid or not.
    pub(crate) fn token_owner(&self, token: &str) -> Result<String, WxError> {
        if let Some(rec) = self.tokens.get(token) {
            if rec.kind == TokenKind::Component {
                // A component token is not an account's access token.
                return Err(WxError::invalid_credential());
            }
            return Ok(rec.app_id.clone());
        }
        if is_malformed_token(token) {
            Err(WxError::new(40014, "invalid access_token"))
        } else {
            Err(WxError::invalid_credential())
        }
    }

    /// 40001 for revoked/superseded tokens, 42001 for expired ones, 61003 for authorizer tokens
    /// whose account withdrew its authorization.
    pub(crate) fn check_token(&self, token: &str) -> Result<(), WxError> {
        let now = self.now();
        let Some(rec) = self.tokens.get(token) else {
            return Err(WxError::invalid_credential());
        };
        self.check_authorizer_token(rec)?;
        rec.check(now)
    }

    /// The `invalidate_tokens` fault: every access token of the app answers 40001 from now on.
    pub(crate) fn invalidate_tokens(&mut self, app_id: &str) {
        let now = self.now();
        for rec in self.tokens.values_mut().filter(|r| r.app_id == app_id) {
            rec.revoked_at = Some(rec.revoked_at.map_or(now, |r| r.min(now)));
        }
    }

    pub(crate) fn prune_tokens(&mut self, now: u64) {
        self.tokens
            .retain(|_, rec| rec.expires_at + EXPIRED_TOKEN_RETENTION > now);
    }
}

/// What a forced `stable_token` refresh does, given today's earlier forced refreshes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ForceVerdict {
    /// Less than 30 s after the previous one, with a live token: nothing; the token stays.
    Keep,
    /// The 20 forced refreshes of the day are used up (45009).
    Quota,
    /// A new token, revoking the current one at once.
    Renew,
}

/// The verdict on a forced refresh at `now`, after `today` (this Beijing day's forced
/// refreshes, oldest first), with or without a `live` current token.
fn force_verdict(today: &[u64], live: bool, now: u64) -> ForceVerdict {
    if live && today.last().is_some_and(|last| now < last + 30) {
        ForceVerdict::Keep
    } else if today.len() >= 20 {
        ForceVerdict::Quota
    } else {
        ForceVerdict::Renew
    }
}

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
    /// A `component_access_token` (its `app_id` is the component AppID).
    Component,
    /// An `authorizer_access_token`: the account's token, issued to a component.
    Authorizer,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct TokenRec {
    pub(crate) app_id: String,
    pub(crate) kind: TokenKind,
    pub(crate) issued_at: u64,
    pub(crate) expires_at: u64,
    /// From this instant on the token answers 40001.
    pub(crate) revoked_at: Option<u64>,
    /// For authorizer tokens: the component they were issued to.
    #[serde(default)]
    pub(crate) component: Option<String>,
}

impl TokenRec {
    /// 40001 from the revocation on, 42001 from the expiry on.
    fn check(&self, now: u64) -> Result<(), WxError> {
        if self.revoked_at.is_some_and(|r| now >= r) {
            return Err(WxError::invalid_credential());
        }
        if now >= self.expires_at {
            return Err(WxError::new(42001, "access_token expired"));
        }
        Ok(())
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(expires_at: u64, revoked_at: Option<u64>) -> TokenRec {
        TokenRec {
            app_id: "wx1".to_owned(),
            kind: TokenKind::Basic,
            issued_at: 0,
            expires_at,
            revoked_at,
            component: None,
        }
    }

    #[test]
    fn a_token_is_valid_until_expiry_or_revocation() {
        let live = rec(7200, None);
        assert!(live.check(7199).is_ok() && live.usable(7199));
        assert_eq!(live.check(7200).unwrap_err().code, 42001);
        assert!(!live.usable(7200));
        let superseded = rec(7200, Some(300));
        assert!(superseded.check(299).is_ok() && superseded.usable(299));
        assert_eq!(superseded.check(300).unwrap_err().code, 40001);
        assert!(!superseded.usable(300));
        // Revoked and expired: the revocation wins.
        assert_eq!(rec(100, Some(50)).check(200).unwrap_err().code, 40001);
    }

    #[test]
    fn forced_refreshes_are_spaced_30_seconds_and_limited_to_20_a_day() {
        assert_eq!(force_verdict(&[], true, 100), ForceVerdict::Renew);
        assert_eq!(force_verdict(&[100], true, 129), ForceVerdict::Keep);
        assert_eq!(force_verdict(&[100], true, 130), ForceVerdict::Renew);
        // Without a live token there is nothing to keep.
        assert_eq!(force_verdict(&[100], false, 129), ForceVerdict::Renew);
        let day: Vec<u64> = (0..20).map(|i| i * 60).collect();
        assert_eq!(force_verdict(&day, true, 20 * 60), ForceVerdict::Quota);
        assert_eq!(
            force_verdict(&day[..19], true, 20 * 60),
            ForceVerdict::Renew
        );
    }

    #[test]
    fn only_impossible_tokens_are_malformed() {
        assert!(!is_malformed_token("79_AbC-def_123"));
        assert!(is_malformed_token("a token"));
        assert!(is_malformed_token("tok%en"));
        assert!(is_malformed_token(&"a".repeat(513)));
        assert!(!is_malformed_token(&"a".repeat(512)));
    }
}
