//! `GET /cgi-bin/menu/delete`
//!
//! Deletes the default menu and every conditional menu.
//!
//! See [WeChat Docs/删除自定义菜单](https://developers.weixin.qq.com/doc/service/api/custommenu/api_deletemenu.html).

use serde::Serialize;

use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// `GET /cgi-bin/menu/delete` (only the access token).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {}

impl Request {
    /// The request.
    pub fn new() -> Self {
        Self {}
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/cgi-bin/menu/delete";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
