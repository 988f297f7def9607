//! `POST /cgi-bin/tags/delete`
//!
//! Deletes a tag and removes it from its followers: 45058 for the system tags, 45159 for an
//! unknown id, 45057 when more than 100 000 followers carry it.
//!
//! See [WeChat Docs/用户标签管理 删除标签](https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html).

use serde::{Serialize, Serializer};

use crate::endpoint::tags::serialize_tag;
use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/tags/delete` (plus the access token): `{"tag":{"id":134}}`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    /// The tag.
    pub id: u32,
}

impl Request {
    /// Deletes tag `id`.
    pub fn new(id: u32) -> Self {
        Self { id }
    }
}

impl Serialize for Request {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_tag(Some(self.id), None, serializer)
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/tags/delete";
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
            serde_json::to_string(&Request::new(134)).unwrap(),
            r#"{"tag":{"id":134}}"#
        );
    }
}
