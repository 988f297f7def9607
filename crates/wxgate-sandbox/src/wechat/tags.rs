//! Tags: `tags/create|get|update|delete`, `tags/members/batchtagging|batchuntagging`,
//! `tags/getidlist`, `user/tag/get`.
//!
//! Tag 2 (星标组) exists from the start; ids 0–2 cannot be changed (45058); new tags get ids from
//! 100. Limits: 100 tags (45056), names 1–30 bytes (45158 too long, 45157 empty or duplicate),
//! 20 tags per user (45059), 1–50 OpenIDs per batch (40032), unknown tag 45159, unknown OpenID
//! 40003, OpenID of another app 49003.
//!
//! Blacklist: `tags/members/getblacklist` (paged like `user/get`, in the order users
//! were blocked), `batchblacklist` / `batchunblacklist` (1–20 OpenIDs, 40032). Blocked users
//! cannot receive customer-service or template messages (43019).
//!
//! See [WeChat Docs/用户标签管理](https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html)
//! and [WeChat Docs/黑名单管理](https://developers.weixin.qq.com/doc/offiaccount/User_Management/Manage_blacklist.html).

pub(super) mod batchblacklist;
pub(super) mod batchtagging;
pub(super) mod batchunblacklist;
pub(super) mod batchuntagging;
pub(super) mod create;
pub(super) mod delete;
pub(super) mod get;
pub(super) mod getblacklist;
pub(super) mod getidlist;
pub(super) mod update;
pub(super) mod user_tag_get;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::{Api, Routes};
use super::{ok, params, reply, typed_body};
use crate::Sandbox;
use crate::error::WxError;
use crate::state::{App, State as SbState, Tag};

/// This group's APIs.
pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .api(user_tag_get::API, user_tag_get::handler)
        .api(create::API, create::handler)
        .api(get::API, get::handler)
        .api(update::API, update::handler)
        .api(delete::API, delete::handler)
        .api(batchtagging::API, batchtagging::handler)
        .api(batchuntagging::API, batchuntagging::handler)
        .api(getidlist::API, getidlist::handler)
        .api(getblacklist::API, getblacklist::handler)
        .api(batchblacklist::API, batchblacklist::handler)
        .api(batchunblacklist::API, batchunblacklist::handler)
}

const MAX_TAGS: usize = 100;
const MAX_TAGS_PER_USER: usize = 20;

/// The body of `tags/create|update|delete`: `{"tag":{"id":..,"name":".."}}`.
#[derive(Deserialize)]
struct TagBody {
    #[serde(default)]
    tag: TagFields,
}

#[derive(Default, Deserialize)]
struct TagFields {
    #[serde(default)]
    id: Option<u64>,
    #[serde(default)]
    name: Option<String>,
}

/// The body of the batch APIs (`tagid` only for tagging).
#[derive(Deserialize)]
struct BatchBody {
    #[serde(default)]
    openid_list: Option<Vec<String>>,
    #[serde(default)]
    tagid: Option<u64>,
}

fn tag_name(tag: &TagFields) -> Result<String, WxError> {
    let name = tag.name.as_deref().unwrap_or_default();
    if name.is_empty() {
        return Err(WxError::new(45157, "invalid tag name"));
    }
    if name.len() > 30 {
        return Err(WxError::new(45158, "tag name too long"));
    }
    Ok(name.to_owned())
}

fn tag_id(id: Option<u64>) -> Result<u32, WxError> {
    id.and_then(|id| u32::try_from(id).ok())
        .ok_or_else(|| WxError::new(45159, "invalid tag id"))
}

fn duplicate(app: &App, name: &str, except: Option<u32>) -> bool {
    app.tags
        .iter()
        .any(|(id, tag)| tag.name == name && Some(*id) != except)
}

fn editable(app: &App, id: u32) -> Result<(), WxError> {
    if id <= 2 {
        return Err(WxError::new(45058, "can't modify sys tag"));
    }
    if !app.tags.contains_key(&id) {
        return Err(WxError::new(45159, "invalid tag id"));
    }
    Ok(())
}

/// The OpenIDs of a batch body, checked against the app: 40032 size, 40003 unknown, 49003 other app.
fn batch_openids(
    s: &SbState,
    app_id: &str,
    list: Option<&[String]>,
    max: usize,
) -> Result<Vec<String>, WxError> {
    let list = list.ok_or_else(|| WxError::new(40032, "invalid openid list size"))?;
    if list.is_empty() || list.len() > max {
        return Err(WxError::new(40032, "invalid openid list size"));
    }
    let app = s.app(app_id).ok_or_else(WxError::invalid_appid)?;
    list.iter()
        .map(|openid| {
            if app.user(openid).is_some() {
                Ok(openid.to_owned())
            } else if s.apps.values().any(|a| a.user(openid).is_some()) {
                Err(WxError::new(49003, "not match openid with appid"))
            } else {
                Err(WxError::invalid_openid())
            }
        })
        .collect()
}

async fn set_blacklisted(
    sb: &Sandbox,
    api: &Api,
    q: &super::Params,
    body: &[u8],
    blocked: bool,
) -> Result<Value, WxError> {
    let app_id = sb.enter(api, q).await?;
    let body: BatchBody = typed_body(body)?;
    sb.with_state(|s| {
        let openids = batch_openids(s, &app_id, body.openid_list.as_deref(), 20)?;
        let now = s.now();
        let app = s.app_mut(&app_id)?;
        for openid in &openids {
            let user = app.user_mut(openid)?;
            if user.blacklisted != blocked {
                user.blacklisted = blocked;
                user.blacklisted_at = now;
            }
        }
        Ok(ok())
    })
}
