//! `GET /cgi-bin/menu/get`
//!
//! The menus created through the API: the default menu and the conditional menus with their
//! ids. 46003 when the account has no menu (menus set up in the platform's UI show only in
//! [`get_current_selfmenu_info`](crate::endpoint::get_current_selfmenu_info)).
//!
//! See [WeChat Docs/获取自定义菜单配置](https://developers.weixin.qq.com/doc/service/api/custommenu/api_getmenu.html).

use serde::{Deserialize, Serialize};

use super::{Button, MatchRule};
use crate::endpoint::{AuthKind, Endpoint, Method};

/// `GET /cgi-bin/menu/get` (only the access token).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {}

impl Request {
    /// The request.
    pub fn new() -> Self {
        Self {}
    }
}

/// `{"menu": {"button": [...], "menuid": N}, "conditionalmenu": [...]}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The default menu.
    pub menu: DefaultMenu,
    /// The conditional menus, oldest first.
    #[serde(default)]
    pub conditionalmenu: Vec<ConditionalMenu>,
}

/// The default menu as `menu/get` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct DefaultMenu {
    /// The top-level buttons.
    #[serde(default)]
    pub button: Vec<Button>,
    /// Its id (present once conditional menus exist).
    #[serde(default, deserialize_with = "opt_menu_id")]
    pub menuid: Option<u64>,
}

/// A conditional menu as `menu/get` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ConditionalMenu {
    /// The top-level buttons.
    #[serde(default)]
    pub button: Vec<Button>,
    /// Who sees it.
    #[serde(default)]
    pub matchrule: MatchRule,
    /// Its id (for `menu/delconditional`).
    #[serde(deserialize_with = "super::menu_id")]
    pub menuid: u64,
}

fn opt_menu_id<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    super::menu_id(deserializer).map(Some)
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/cgi-bin/menu/get";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_answer_decodes() {
        let response: Response = serde_json::from_str(
            r#"{"menu":{"button":[{"type":"click","name":"今日歌曲","key":"V1001_TODAY_MUSIC","sub_button":[]},
                {"name":"菜单","sub_button":[{"type":"view","name":"搜索","url":"http://www.soso.com/","sub_button":[]}]}],
                "menuid":208396938},
              "conditionalmenu":[{"button":[{"type":"click","name":"VIP","key":"VIP","sub_button":[]}],
                "matchrule":{"tag_id":"2","client_platform_type":"2"},"menuid":"208396993"}]}"#,
        )
        .unwrap();
        assert_eq!(response.menu.menuid, Some(208_396_938));
        assert_eq!(response.menu.button[1].sub_buttons().len(), 1);
        assert_eq!(response.conditionalmenu[0].menuid, 208_396_993);
        assert_eq!(response.conditionalmenu[0].matchrule.tag_id, Some(2));
    }
}
