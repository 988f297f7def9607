//! `POST /cgi-bin/tags/update`
//!
//! Renames a tag: 45058 for the system tags, 45159 for an unknown id, 45157/45158 for the name.
//!
//! See [WeChat Docs/用户标签管理 编辑标签](https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html).

use serde::{Serialize, Serializer};

use crate::endpoint::tags::serialize_tag;
use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/tags/update` (plus the access token): `{"tag":{"id":134,"name":".."}}`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    /// The tag.
    pub id: u32,
    /// Its new name.
    pub name: String,
}

impl Request {
    /// Renames tag `id` to `name`.
    pub fn new(id: u32, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
        }
    }
}

impl Serialize for Request {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_tag(Some(self.id), Some(&self.name), serializer)
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/tags/update";
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
            serde_json::to_string(&Request::new(134, "广东人")).unwrap(),
            r#"{"tag":{"id":134,"name":"广东人"}}"#
        );
    }
}
