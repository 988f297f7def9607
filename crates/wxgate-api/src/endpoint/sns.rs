//! Web authorization (网页授权): a user's OAuth 2.0 token for a page, and what it can read.
//!
//! These calls carry the user's web token (or the AppSecret), never the account's access
//! token: their requests hold the credential themselves and [`AuthKind`](super::AuthKind) is
//! `None`, so [`Credentials::call`](crate::Credentials::call) cannot put the wrong token in.
//! The authorize URL a page sends the user to is built by
//! [`wxgate_proto::oauth::authorize_url`].
//!
//! See [WeChat Docs/网页授权](https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html).

pub mod auth;
pub mod oauth2;
pub mod userinfo;
