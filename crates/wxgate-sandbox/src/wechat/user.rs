//! User management: `GET /cgi-bin/user/get`, `GET /cgi-bin/user/info`,
//! `POST /cgi-bin/user/info/batchget`, `POST /cgi-bin/user/info/updateremark`.
//!
//! `user/get` pages followers in follow order, `user_page_size` per page (default 10 000);
//! `next_openid` is the last OpenID of the page; the terminal page is `{"total","count":0,
//! "next_openid":""}` without `data`; an unknown `next_openid` answers 40003. `batchget` takes
//! 1–100 users (47003 otherwise). Remarks are at most 30 characters (47003, sandbox choice: the
//! platform's code is undocumented).
//!
//! See [WeChat Docs/获取用户列表](https://developers.weixin.qq.com/doc/offiaccount/User_Management/Getting_a_User_List.html)
//! and [WeChat Docs/获取用户基本信息](https://developers.weixin.qq.com/doc/offiaccount/User_Management/Get_users_basic_information_UnionID.html).

pub(super) mod batchget;
pub(super) mod get;
pub(super) mod info;
pub(super) mod updateremark;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::{Api, Routes};
use super::{ok, params, reply, typed_body};
use crate::Sandbox;
use crate::error::WxError;
use crate::state::User;

/// This group's APIs.
pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .api(get::API, get::handler)
        .api(info::API, info::handler)
        .api(batchget::API, batchget::handler)
        .api(updateremark::API, updateremark::handler)
}

/// One page of `openids` after `next` (shared with `user/tag/get`).
pub(crate) fn page(
    openids: &[String],
    next: &str,
    page_size: usize,
    total: Option<usize>,
) -> Result<Value, WxError> {
    let start = if next.is_empty() {
        0
    } else {
        openids
            .iter()
            .position(|o| o == next)
            .ok_or_else(WxError::invalid_openid)?
            + 1
    };
    let slice: Vec<&String> = openids.iter().skip(start).take(page_size).collect();
    let mut body = json!({"count": slice.len()});
    if let Some(total) = total {
        body["total"] = json!(total);
    }
    match slice.last() {
        Some(last) => {
            body["data"] = json!({"openid": slice});
            body["next_openid"] = json!(last);
        }
        None => body["next_openid"] = json!(""),
    }
    Ok(body)
}

/// The `user/info` object (the current field set of WeChat's 获取用户基本信息 page).
pub(crate) fn user_info(user: &User) -> Value {
    if !user.subscribed {
        let mut body = json!({"subscribe": 0, "openid": user.openid, "tagid_list": user.tags});
        if let Some(unionid) = &user.unionid {
            body["unionid"] = json!(unionid);
        }
        return body;
    }
    let mut body = json!({
        "subscribe": 1,
        "openid": user.openid,
        "language": "zh_CN",
        "subscribe_time": user.subscribe_time,
        "remark": user.remark,
        "groupid": 0,
        "tagid_list": user.tags,
        "subscribe_scene": user.subscribe_scene,
        "qr_scene": user.qr_scene,
        "qr_scene_str": user.qr_scene_str,
    });
    if let Some(unionid) = &user.unionid {
        body["unionid"] = json!(unionid);
    }
    body
}
