//! `POST /cgi-bin/freepublish/get`
//!
//! The status of a publish job: publishing, succeeded (with the `article_id` and the articles'
//! URLs) or failed (and why).
//!
//! See [WeChat Docs/发布状态轮询接口](https://developers.weixin.qq.com/doc/offiaccount/Publish/Get_status.html).

use serde::de::Deserializer;
use serde::{Deserialize, Serialize};

use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/freepublish/get` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The job, from `freepublish/submit`.
    pub publish_id: String,
}

impl Request {
    /// The status of job `publish_id`.
    pub fn new(publish_id: impl Into<String>) -> Self {
        Self {
            publish_id: publish_id.into(),
        }
    }
}

/// A publish job's status.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The job.
    pub publish_id: String,
    /// Where it stands.
    pub publish_status: PublishStatus,
    /// The publication, once it succeeded.
    #[serde(default)]
    pub article_id: Option<String>,
    /// The published articles' URLs, once it succeeded.
    #[serde(default)]
    pub article_detail: Option<ArticleDetail>,
    /// The articles (from 1) that failed, for statuses 2 and 4.
    #[serde(default)]
    pub fail_idx: Vec<u32>,
}

/// `{"count": 1, "item": [{"idx": 1, "article_url": "..."}]}`
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ArticleDetail {
    /// How many articles.
    #[serde(default)]
    pub count: u32,
    /// Their URLs.
    #[serde(default)]
    pub item: Vec<ArticleUrl>,
}

/// `{"idx": 1, "article_url": "..."}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ArticleUrl {
    /// The article's position, from 1.
    pub idx: u32,
    /// Its permanent link.
    pub article_url: String,
}

/// `publish_status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PublishStatus {
    /// `0`: published.
    Success,
    /// `1`: still publishing; ask again later.
    Publishing,
    /// `2`: failed the originality check.
    OriginalFailed,
    /// `3`: failed.
    Failed,
    /// `4`: refused by the platform's audit.
    AuditRefused,
    /// `5`: published, then every article was deleted.
    Deleted,
    /// `6`: published, then banned by the platform.
    Banned,
    /// A value this crate has no name for.
    Other(i64),
}

impl PublishStatus {
    /// The status for a wire value.
    pub fn from_code(code: i64) -> Self {
        match code {
            0 => Self::Success,
            1 => Self::Publishing,
            2 => Self::OriginalFailed,
            3 => Self::Failed,
            4 => Self::AuditRefused,
            5 => Self::Deleted,
            6 => Self::Banned,
            other => Self::Other(other),
        }
    }

    /// The wire value.
    pub fn code(self) -> i64 {
        match self {
            Self::Success => 0,
            Self::Publishing => 1,
            Self::OriginalFailed => 2,
            Self::Failed => 3,
            Self::AuditRefused => 4,
            Self::Deleted => 5,
            Self::Banned => 6,
            Self::Other(code) => code,
        }
    }

    /// Whether the job is over (anything but [`PublishStatus::Publishing`]).
    pub fn is_final(self) -> bool {
        self != Self::Publishing
    }
}

impl<'de> Deserialize<'de> for PublishStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        i64::deserialize(deserializer).map(Self::from_code)
    }
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/freepublish/get";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_and_failure_answers() {
        let ok: Response = serde_json::from_str(
            r#"{"publish_id":"100000001","publish_status":0,"article_id":"A1",
               "article_detail":{"count":1,"item":[{"idx":1,"article_url":"http://a"}]},"fail_idx":[]}"#,
        )
        .unwrap();
        assert_eq!(ok.publish_status, PublishStatus::Success);
        assert_eq!(ok.article_detail.unwrap().item[0].article_url, "http://a");
        let failed: Response = serde_json::from_str(
            r#"{"publish_id":"100000002","publish_status":2,"fail_idx":[1,2]}"#,
        )
        .unwrap();
        assert_eq!(failed.publish_status, PublishStatus::OriginalFailed);
        assert_eq!(failed.fail_idx, [1, 2]);
        assert_eq!(PublishStatus::from_code(9).code(), 9);
        assert!(!PublishStatus::Publishing.is_final());
    }
}
