//! `cgi-bin/tags/*`: user tags (标签) and the blacklist.
//!
//! An account has at most 100 tags (45056); a tag's name is 1–30 bytes (45158 longer, 45157
//! empty or taken); the system tags 0, 1 and 2 (星标组) cannot be changed or deleted (45058);
//! a user carries at most 20 tags (45059); unknown tags are 45159. The followers of a tag are
//! listed by [`crate::endpoint::user::tag::get`].
//!
//! See [WeChat Docs/用户标签管理](https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html)
//! and [WeChat Docs/黑名单管理](https://developers.weixin.qq.com/doc/offiaccount/User_Management/Manage_blacklist.html).

pub mod create;
pub mod delete;
pub mod get;
pub mod getidlist;
pub mod members;
pub mod update;

use serde::{Deserialize, Serialize};

/// The tag ids the system owns (0, 1, 2 星标组): they cannot be renamed or deleted.
pub const SYSTEM_TAG_IDS: [u32; 3] = [0, 1, 2];

/// `{"id":134,"name":"广东"}` as `tags/create` answers it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Tag {
    /// The tag's id.
    pub id: u32,
    /// The tag's name.
    #[serde(default)]
    pub name: String,
}

/// The `{"tag":{...}}` wrapper of the tag requests' bodies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
struct TagBody<'a> {
    tag: TagFields<'a>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
struct TagFields<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
}

/// Serializes `{"tag":{"id":..,"name":..}}` (each only when given).
fn serialize_tag<S: serde::Serializer>(
    id: Option<u32>,
    name: Option<&str>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    TagBody {
        tag: TagFields { id, name },
    }
    .serialize(serializer)
}
