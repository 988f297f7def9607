//! `POST /cgi-bin/openapi/quota/get`
//!
//! Reports one API's daily quota and usage (and, on newer answers, its rate limits).
//! `cgi_path` starts with `/` and has no host (76003), unknown paths give 76021.
//!
//! See [WeChat Docs/查询openAPI调用quota](https://developers.weixin.qq.com/doc/offiaccount/openApi/get_api_quota.html).

use serde::{Deserialize, Serialize};

use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/openapi/quota/get` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The API path, e.g. `/cgi-bin/message/custom/send`.
    pub cgi_path: String,
}

impl Request {
    /// A query for `cgi_path`.
    pub fn new(cgi_path: impl Into<String>) -> Self {
        Self {
            cgi_path: cgi_path.into(),
        }
    }
}

/// The quota report.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// Daily quota and usage.
    pub quota: Quota,
    /// Per-period rate limit (newer answers only).
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// The rate limit when a third-party platform calls on the account's behalf (newer answers).
    #[serde(default)]
    pub component_rate_limit: Option<RateLimit>,
}

/// `{"daily_limit":..,"used":..,"remain":..}`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Quota {
    /// Calls allowed per day.
    pub daily_limit: i64,
    /// Calls made today.
    pub used: i64,
    /// Calls left today.
    pub remain: i64,
}

/// `{"call_count":..,"refresh_second":..}`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RateLimit {
    /// Calls allowed per period.
    pub call_count: i64,
    /// The period in seconds.
    pub refresh_second: i64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/openapi/quota/get";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_and_new_answers_decode() {
        let old: Response = serde_json::from_str(
            r#"{"errcode":0,"errmsg":"ok","quota":{"daily_limit":0,"used":0,"remain":0}}"#,
        )
        .unwrap();
        assert_eq!(old.rate_limit, None);
        let new: Response = serde_json::from_str(
            r#"{"errcode":0,"errmsg":"ok","quota":{"daily_limit":500000,"used":3,"remain":499997},"rate_limit":{"call_count":100,"refresh_second":60},"component_rate_limit":{"call_count":50,"refresh_second":60}}"#,
        )
        .unwrap();
        assert_eq!(new.quota.remain, 499_997);
        assert_eq!(new.rate_limit.map(|r| r.call_count), Some(100));
    }
}
