//! `POST /cgi-bin/template/del_private_template`
//!
//! Deletes one of the account's templates (40037 when it has no such template).
//!
//! See [WeChat Docs/删除模板](https://developers.weixin.qq.com/doc/service/api/notify/template/api_delprivatetemplate.html).

use serde::Serialize;

use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/template/del_private_template` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The template to delete.
    pub template_id: String,
}

impl Request {
    /// Deletes `template_id`.
    pub fn new(template_id: impl Into<String>) -> Self {
        Self {
            template_id: template_id.into(),
        }
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/template/del_private_template";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
