//! `GET /cgi-bin/getcallbackip` and `GET /cgi-bin/get_api_domain_ip`: the sandbox
//! pushes from and serves on loopback, so both lists are `["127.0.0.1"]`.
//!
//! `POST /cgi-bin/callback/check` (`action` `dns`|`ping`|`all`, `check_operator`
//! `CHINANET`|`UNICOM`|`CAP`|`DEFAULT`, 47001 for other values): `dns` lists the address of the
//! app's callback host (an IP literal as is, `localhost` as 127.0.0.1; other names are not
//! resolved, so the list is empty), `ping` opens a TCP connection to the callback host and port
//! and reports `0%` loss and the time it took, or `100%` when it failed (2 s limit). `DEFAULT`
//! checks from each of the three carriers. 1 440 calls a day.
//!
//! See [WeChat Docs/获取微信服务器IP地址](https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Get_the_WeChat_server_IP_address.html).

pub(super) mod callback_check;
pub(super) mod get_api_domain_ip;
pub(super) mod getcallbackip;

use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde_json::json;

use super::api::{Api, Routes};
use super::{params, reply};
use crate::Sandbox;

/// This group's APIs.
pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .api(getcallbackip::API, getcallbackip::handler)
        .api(get_api_domain_ip::API, get_api_domain_ip::handler)
        .api(callback_check::API, callback_check::handler)
}
