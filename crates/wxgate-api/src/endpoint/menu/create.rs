//! `POST /cgi-bin/menu/create`
//!
//! Sets the account's default menu, replacing the previous one (its conditional menus stay).
//! The menu is checked locally first ([`Menu::check`]); WeChat answers 40016–40027 for what
//! slips through, 40054/40055/65317 for URLs on domains it does not accept.
//!
//! See [WeChat Docs/创建自定义菜单](https://developers.weixin.qq.com/doc/service/api/custommenu/api_createcustommenu.html).

use serde::Serialize;

use super::{InvalidMenu, Menu};
use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/menu/create` (plus the access token): `{"button": [...]}`.
///
/// ```
/// use wxgate_api::endpoint::menu::{Button, Menu, create};
/// let request = create::Request::new(Menu::new(vec![Button::click("今日歌曲", "V1001")])).unwrap();
/// assert_eq!(
///     serde_json::to_string(&request).unwrap(),
///     r#"{"button":[{"type":"click","name":"今日歌曲","key":"V1001"}]}"#,
/// );
/// assert!(create::Request::new(Menu::new(vec![])).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
#[non_exhaustive]
pub struct Request {
    menu: Menu,
}

impl Request {
    /// A request setting `menu`.
    ///
    /// # Errors
    ///
    /// [`InvalidMenu`] when the menu breaks WeChat's limits.
    pub fn new(menu: Menu) -> Result<Self, InvalidMenu> {
        menu.check()?;
        Ok(Self { menu })
    }

    /// The menu.
    pub fn menu(&self) -> &Menu {
        &self.menu
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/menu/create";
    const AUTH: AuthKind = AuthKind::AccessToken;
    /// Creating the same menu twice leaves the same menu.
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
