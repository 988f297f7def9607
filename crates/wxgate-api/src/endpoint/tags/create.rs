//! `POST /cgi-bin/tags/create`
//!
//! Creates a tag (at most 100 per account: 45056); the name is 1–30 bytes (45158 longer,
//! 45157 empty or already used). Creating is not idempotent: a repeat after a lost answer
//! fails with 45157 or creates nothing new, so the client never repeats it.
//!
//! See [WeChat Docs/用户标签管理 创建标签](https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html).

use serde::{Deserialize, Serialize, Serializer};

use crate::endpoint::tags::{Tag, serialize_tag};
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/tags/create` (plus the access token): `{"tag":{"name":"广东"}}`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    /// The new tag's name.
    pub name: String,
}

impl Request {
    /// A tag named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into() }
    }
}

impl Serialize for Request {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_tag(None, Some(&self.name), serializer)
    }
}

/// `{"tag":{"id":134,"name":"广东"}}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The new tag.
    pub tag: Tag,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/tags/create";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = false;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form() {
        assert_eq!(
            serde_json::to_string(&Request::new("广东")).unwrap(),
            r#"{"tag":{"name":"广东"}}"#
        );
    }
}
