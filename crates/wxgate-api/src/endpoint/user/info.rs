//! `GET /cgi-bin/user/info`
//!
//! One user's profile ([`UserInfo`]) by OpenID; 40003 for an OpenID the account does not know.
//! Many at once: [`batchget`]; the operator's remark: [`updateremark`].
//!
//! See [WeChat Docs/获取用户基本信息](https://developers.weixin.qq.com/doc/offiaccount/User_Management/Get_users_basic_information_UnionID.html).

pub mod batchget;
pub mod updateremark;

use serde::Serialize;

use crate::OpenId;
use crate::endpoint::user::{Lang, UserInfo};
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Query of `GET /cgi-bin/user/info` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The user.
    pub openid: OpenId,
    /// The language of the answer's texts (WeChat's default: `zh_CN`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
}

impl Request {
    /// The profile of `openid`.
    pub fn new(openid: impl Into<OpenId>) -> Self {
        Self {
            openid: openid.into(),
            lang: None,
        }
    }

    /// Asks for texts in `lang`.
    pub fn lang(mut self, lang: Lang) -> Self {
        self.lang = Some(lang);
        self
    }
}

/// The profile.
pub type Response = UserInfo;

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/cgi-bin/user/info";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_form() {
        assert_eq!(
            serde_urlencoded::to_string(Request::new("o1").lang(Lang::En)).unwrap(),
            "openid=o1&lang=en"
        );
        assert_eq!(
            serde_urlencoded::to_string(Request::new("o1")).unwrap(),
            "openid=o1"
        );
    }
}
