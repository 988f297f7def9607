//! `POST /cgi-bin/menu/trymatch`
//!
//! The menu a user sees: the newest conditional menu matching them, else the default menu.
//! `user_id` is an OpenID or a WeChat ID; 65302 when there is no such user, 46003 without menu.
//!
//! See [WeChat Docs/测试个性化菜单匹配结果](https://developers.weixin.qq.com/doc/service/api/custommenu/api_trymatchmenu.html).

use serde::{Deserialize, Serialize};

use super::Button;
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/menu/trymatch` (plus the access token): `{"user_id": "…"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The user's OpenID or WeChat ID.
    pub user_id: String,
}

impl Request {
    /// Which menu `user_id` (an OpenID or a WeChat ID) sees.
    pub fn new(user_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
        }
    }
}

/// `{"button": [...]}`: the buttons the user sees.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The top-level buttons.
    #[serde(default)]
    pub button: Vec<Button>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/menu/trymatch";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
