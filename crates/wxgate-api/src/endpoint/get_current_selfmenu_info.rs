//! `GET /cgi-bin/get_current_selfmenu_info`
//!
//! The menu users currently see, whether created through the API or in the platform's UI. Its
//! shape differs from `menu/get`: sub-buttons sit under `sub_button.list`, and UI-configured
//! buttons have types the API cannot create (`text`, `img`, `photo`, `video`, `voice`, `news`
//! with `news_info.list`) carrying their content in `value`.
//!
//! See [WeChat Docs/查询自定义菜单信息](https://developers.weixin.qq.com/doc/service/api/custommenu/api_getcurrentselfmenuinfo.html).

use serde::{Deserialize, Serialize};

use crate::endpoint::{AuthKind, Endpoint, Method};

/// `GET /cgi-bin/get_current_selfmenu_info` (only the access token).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {}

impl Request {
    /// The request.
    pub fn new() -> Self {
        Self {}
    }
}

/// `{"is_menu_open": 1, "selfmenu_info": {"button": [...]}}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// `1` when the menu is switched on, `0` otherwise.
    pub is_menu_open: u8,
    /// The menu (absent when there is none).
    #[serde(default)]
    pub selfmenu_info: SelfMenuInfo,
}

impl Response {
    /// Whether the menu is switched on.
    pub fn is_open(&self) -> bool {
        self.is_menu_open == 1
    }
}

/// `{"button": [...]}`
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SelfMenuInfo {
    /// The top-level buttons.
    #[serde(default)]
    pub button: Vec<SelfMenuButton>,
}

/// One button in this API's shape; which fields are set depends on `type`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SelfMenuButton {
    /// `click`, `view`, `miniprogram`, … or a UI type (`text`, `img`, `photo`, `video`,
    /// `voice`, `news`); empty for a sub-menu.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The label.
    #[serde(default)]
    pub name: String,
    /// The event key (API-created keyed types).
    #[serde(default)]
    pub key: Option<String>,
    /// The page (`view`, `miniprogram`).
    #[serde(default)]
    pub url: Option<String>,
    /// The content of UI types: text, a media id, a video URL.
    #[serde(default)]
    pub value: Option<String>,
    /// The mini program (`miniprogram`).
    #[serde(default)]
    pub appid: Option<String>,
    /// The mini program page (`miniprogram`).
    #[serde(default)]
    pub pagepath: Option<String>,
    /// The material (`media_id`, `view_limited`).
    #[serde(default)]
    pub media_id: Option<String>,
    /// The published article (`article_id`, `article_view_limited`).
    #[serde(default)]
    pub article_id: Option<String>,
    /// The articles of a `news` button.
    #[serde(default)]
    pub news_info: Option<NewsInfo>,
    /// The sub-buttons of a sub-menu.
    #[serde(default)]
    pub sub_button: Option<SubButtons>,
}

impl SelfMenuButton {
    /// The sub-buttons, empty for a leaf.
    pub fn sub_buttons(&self) -> &[SelfMenuButton] {
        self.sub_button.as_ref().map_or(&[], |s| &s.list)
    }
}

/// `{"list": [...]}` of sub-buttons.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SubButtons {
    /// The sub-buttons.
    #[serde(default)]
    pub list: Vec<SelfMenuButton>,
}

/// `{"list": [...]}` of a `news` button's articles.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NewsInfo {
    /// The articles.
    #[serde(default)]
    pub list: Vec<NewsArticle>,
}

/// One article of a `news` button.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NewsArticle {
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Author.
    #[serde(default)]
    pub author: String,
    /// Summary.
    #[serde(default)]
    pub digest: String,
    /// `1` when the cover shows in the article.
    #[serde(default)]
    pub show_cover: u8,
    /// Cover image URL.
    #[serde(default)]
    pub cover_url: String,
    /// The article's URL.
    #[serde(default)]
    pub content_url: String,
    /// "Read more" URL.
    #[serde(default)]
    pub source_url: String,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/cgi-bin/get_current_selfmenu_info";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_configured_menu_decodes() {
        let response: Response = serde_json::from_str(
            r#"{"is_menu_open":1,"selfmenu_info":{"button":[
                {"type":"click","name":"今日歌曲","key":"V1001_TODAY_MUSIC"},
                {"name":"菜单","sub_button":{"list":[
                    {"type":"view","name":"搜索","url":"http://www.soso.com/"},
                    {"type":"news","name":"图文","value":"KQb_w_Tiz","news_info":{"list":[
                        {"title":"MULTI_NEWS","author":"JIMZHENG","digest":"text","show_cover":0,
                         "cover_url":"http://mmbiz.qpic.cn/x","content_url":"http://mp.weixin.qq.com/s?x","source_url":""}]}},
                    {"type":"video","name":"视频","value":"http://61.161.0.1/vweixinp.tc.qq.com/x"}]}}]}}"#,
        )
        .unwrap();
        assert!(response.is_open());
        let subs = response.selfmenu_info.button[1].sub_buttons();
        assert_eq!(subs.len(), 3);
        assert_eq!(subs[1].kind, "news");
        assert_eq!(
            subs[1].news_info.as_ref().unwrap().list[0].author,
            "JIMZHENG"
        );
        let closed: Response = serde_json::from_str(r#"{"is_menu_open":0}"#).unwrap();
        assert!(!closed.is_open());
    }
}
