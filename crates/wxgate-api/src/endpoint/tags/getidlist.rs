//! `POST /cgi-bin/tags/getidlist`
//!
//! The tags a user carries, in the order they were applied; 40003 for an unknown OpenID.
//!
//! See [WeChat Docs/用户标签管理 获取用户身上的标签列表](https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html).

use serde::{Deserialize, Serialize};

use crate::OpenId;
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/tags/getidlist` (plus the access token): `{"openid":".."}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The user.
    pub openid: OpenId,
}

impl Request {
    /// The tags of `openid`.
    pub fn new(openid: impl Into<OpenId>) -> Self {
        Self {
            openid: openid.into(),
        }
    }
}

/// `{"tagid_list":[134,2]}`
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The tag ids.
    #[serde(default)]
    pub tagid_list: Vec<u32>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/tags/getidlist";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
