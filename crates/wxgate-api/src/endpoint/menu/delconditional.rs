//! `POST /cgi-bin/menu/delconditional`
//!
//! Deletes one conditional menu by id; 65301 when no such menu exists.
//!
//! See [WeChat Docs/删除个性化菜单](https://developers.weixin.qq.com/doc/service/api/custommenu/api_deleteconditionalmenu.html).

use serde::Serialize;

use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/menu/delconditional` (plus the access token): `{"menuid": "…"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The conditional menu's id, sent as a string like WeChat's docs.
    #[serde(serialize_with = "as_string")]
    pub menuid: u64,
}

fn as_string<S: serde::Serializer>(menuid: &u64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(menuid)
}

impl Request {
    /// A request deleting conditional menu `menuid`.
    pub fn new(menuid: u64) -> Self {
        Self { menuid }
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/menu/delconditional";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form() {
        assert_eq!(
            serde_json::to_string(&Request::new(208_379_533)).unwrap(),
            r#"{"menuid":"208379533"}"#
        );
    }
}
