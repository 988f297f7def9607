//! Stale reports: checking a young token with WeChat, and the refresh rate limit.

use std::sync::{Arc, PoisonError};

use super::{AccessToken, CredentialSlot, Inner, Kind, StoredCredential, duration_ms};
use crate::endpoint::getcallbackip;
use crate::{Credentials, Error};

/// The answer to a stale report: the token to use and what the report did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StaleReport {
    /// The token to use now.
    pub token: AccessToken,
    /// What happened.
    pub outcome: StaleOutcome,
}

/// What a stale report did (see [`Credentials::report_stale`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StaleOutcome {
    /// The reported token is no longer the current one: it was refreshed now, or had already
    /// been replaced.
    Replaced,
    /// Refused: the reported token is the current one, younger than
    /// [`CredentialOptions::min_stale_age`](crate::CredentialOptions::min_stale_age), and
    /// WeChat still accepts it, so it was kept and nothing was fetched.
    Refused,
}

/// How long WeChat's acceptance of a reported token answers further reports of it: a client
/// looping on reports costs at most one check a second, and a real rejection is seen at most
/// this late.
const VERDICT_TTL_MS: i64 = 1_000;

/// The window of
/// [`CredentialOptions::refresh_limit_per_minute`](crate::CredentialOptions::refresh_limit_per_minute).
const RATE_WINDOW_MS: i64 = 60_000;

impl Credentials {
    /// Handles a report that `stale` failed (the central token API's `refresh`): like
    /// [`Credentials::refresh_access_token`] with `Some(stale)`, and with
    /// [`min_stale_age`](crate::CredentialOptions::min_stale_age) set, a report of the current
    /// token younger than that is first checked with WeChat (`GET /cgi-bin/getcallbackip`): if
    /// WeChat accepts the token it is returned as [`StaleOutcome::Refused`] without a refresh;
    /// a rejection (40001, 40014, 42001) refreshes it. Concurrent reports of one token share
    /// one check, and WeChat's acceptance answers further reports for a second.
    ///
    /// The flight that fetches a new token runs in its own task: dropping this future (a
    /// caller that stops waiting) does not cancel it.
    ///
    /// ```no_run
    /// # async fn demo(credentials: wxgate_api::Credentials) -> Result<(), wxgate_api::Error> {
    /// use wxgate_api::StaleOutcome;
    /// let report = credentials.report_stale("TOKEN THAT FAILED").await?;
    /// if report.outcome == StaleOutcome::Refused {
    ///     println!("WeChat still accepts that token");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Credentials::refresh_access_token`], and
    /// [`ErrorKind::RateLimited`](crate::ErrorKind::RateLimited) when the account's refreshes
    /// reached [`refresh_limit_per_minute`](crate::CredentialOptions::refresh_limit_per_minute).
    pub async fn report_stale(&self, stale: &str) -> Result<StaleReport, Error> {
        let (record, outcome) = self.inner.report_stale(stale).await?;
        Ok(StaleReport {
            token: AccessToken {
                token: record.token,
                expires_at: record.expires_at,
            },
            outcome,
        })
    }
}

impl Inner {
    pub(super) async fn report_stale(
        self: &Arc<Self>,
        stale: &str,
    ) -> Result<(StoredCredential, StaleOutcome), Error> {
        let min_age = duration_ms(self.options.min_stale_age);
        if min_age > 0 {
            let slot = self.slot(Kind::AccessToken);
            let now = self.now_ms();
            let current = match slot.cached() {
                Some(cached)
                    if cached.record.valid_at(now)
                        && now - cached.checked_at < duration_ms(self.options.local_cache_ttl) =>
                {
                    Some(cached.record)
                }
                _ => self.read_store(slot).await?.filter(|r| r.valid_at(now)),
            };
            if let Some(current) = current
                && current.token == stale
                && current
                    .issued_at
                    .is_some_and(|issued| now - issued.saturating_mul(1000) < min_age)
                && self.accepted_by_wechat(&current.token).await
            {
                tracing::info!(
                    account = %self.account.id,
                    "stale report refused: the token is young and WeChat accepts it"
                );
                return Ok((current, StaleOutcome::Refused));
            }
        }
        let record = self.replace(Kind::AccessToken, Some(stale)).await?;
        Ok((record, StaleOutcome::Replaced))
    }

    /// Whether WeChat still accepts `token` (one `getcallbackip` call, shared by concurrent
    /// reports). Only a token rejection (40001, 40014, 42001) counts as "no": when WeChat
    /// cannot be asked, the young token is kept, as a refresh would fail as well.
    pub(super) async fn accepted_by_wechat(&self, token: &str) -> bool {
        let mut verdict = self.verdict.lock().await;
        let now = self.now_ms();
        if let Some((accepted, at)) = verdict.as_ref()
            && accepted == token
            && (0..VERDICT_TTL_MS).contains(&(now - at))
        {
            return true;
        }
        let request = getcallbackip::Request::new();
        match self.client.call(&request).access_token(token).await {
            Ok(_) => {
                *verdict = Some((token.to_owned(), self.now_ms()));
                true
            }
            Err(error) if error.is_token_invalid() => {
                tracing::info!(
                    account = %self.account.id,
                    errcode = ?error.errcode().map(crate::ErrCode::code),
                    "reported token rejected by WeChat; refreshing"
                );
                false
            }
            Err(error) => {
                tracing::warn!(
                    account = %self.account.id,
                    %error,
                    "could not check a reported token with WeChat; keeping it"
                );
                true
            }
        }
    }
}

impl CredentialSlot {
    /// Counts a replacing refresh starting at `now`, or, past `limit` in the last minute,
    /// returns how many ms until one is allowed.
    pub(super) fn take_replacement(&self, now: i64, limit: u32) -> Option<i64> {
        if limit == 0 {
            return None;
        }
        let mut started = self
            .replacements
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while started
            .front()
            .is_some_and(|&at| now - at >= RATE_WINDOW_MS)
        {
            started.pop_front();
        }
        if started.len() >= limit as usize {
            let oldest = started.front().copied().unwrap_or(now);
            return Some((oldest + RATE_WINDOW_MS - now).max(1));
        }
        started.push_back(now);
        None
    }
}
