//! `POST /cgi-bin/menu/addconditional`
//!
//! Adds a conditional menu (个性化菜单) shown to the users its `matchrule` selects. Needs a
//! default menu (65303); a rule needs `tag_id` or `client_platform_type` (65304) and may not use
//! the former privacy-based fields (65320); all conditional menus together may link to at most
//! three domains (65316). Each call adds a menu, so the request is never repeated by the client.
//!
//! See [WeChat Docs/创建个性化菜单](https://developers.weixin.qq.com/doc/service/api/custommenu/api_addconditionalmenu.html).

use serde::{Deserialize, Serialize};

use super::{ConditionalMenu, InvalidMenu};
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/menu/addconditional` (plus the access token):
/// `{"button": [...], "matchrule": {...}}`.
///
/// ```
/// use wxgate_api::endpoint::menu::{addconditional, Button, ConditionalMenu, MatchRule};
/// let menu = ConditionalMenu::new(MatchRule::tag(2), vec![Button::click("VIP", "VIP")]);
/// let request = addconditional::Request::new(menu).unwrap();
/// assert_eq!(
///     serde_json::to_string(&request).unwrap(),
///     r#"{"matchrule":{"tag_id":"2"},"button":[{"type":"click","name":"VIP","key":"VIP"}]}"#,
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
#[non_exhaustive]
pub struct Request {
    menu: ConditionalMenu,
}

impl Request {
    /// A request adding `menu`.
    ///
    /// # Errors
    ///
    /// [`InvalidMenu`] when its buttons or its rule break WeChat's limits.
    pub fn new(menu: ConditionalMenu) -> Result<Self, InvalidMenu> {
        menu.check()?;
        Ok(Self { menu })
    }

    /// The menu.
    pub fn menu(&self) -> &ConditionalMenu {
        &self.menu
    }
}

/// `{"menuid": "208379533"}`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The new menu's id (for `menu/delconditional`).
    #[serde(deserialize_with = "super::menu_id")]
    pub menuid: u64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/menu/addconditional";
    const AUTH: AuthKind = AuthKind::AccessToken;
    /// Each call adds one more menu.
    const IDEMPOTENT: bool = false;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn menuid_reads_as_string_or_number() {
        let text: Response = serde_json::from_str(r#"{"menuid":"208379533"}"#).unwrap();
        let number: Response = serde_json::from_str(r#"{"menuid":208379533}"#).unwrap();
        assert_eq!(text, number);
        assert_eq!(text.menuid, 208_379_533);
    }
}
