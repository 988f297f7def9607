//! `GET /cgi-bin/getcallbackip` and `GET /cgi-bin/get_api_domain_ip`: the sandbox
//! pushes from and serves on loopback, so both lists are `["127.0.0.1"]`.
//!
//! See [WeChat Docs/获取微信服务器IP地址](https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Get_the_WeChat_server_IP_address.html).

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
}
