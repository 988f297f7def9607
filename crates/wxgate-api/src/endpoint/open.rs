//! Open Platform accounts (开放平台帐号) managed for an authorizer: create one, bind the
//! authorizer to one, unbind it, and find which one it is bound to. Accounts bound to one Open
//! Platform account share users' `unionid`. These take the authorizer's access token and
//! need permission sets 24–25; errors 89000–89004, 89036.
//!
//! See [WeChat Docs/开放平台帐号管理](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/account/create.html).

use serde::Deserialize;

use crate::AppId;

pub mod bind;
pub mod create;
pub mod get;
pub mod unbind;

/// `{"open_appid": "...", "errcode": 0, "errmsg": "ok"}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct OpenAppId {
    /// The Open Platform account's AppID.
    #[serde(rename = "open_appid")]
    pub open_app_id: AppId,
}
