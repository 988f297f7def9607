//! `cgi-bin/menu/*`: custom menus (自定义菜单) and conditional menus (个性化菜单).
//!
//! The button model here is WeChat's menu JSON, typed: a [`Button`] is a name plus what it does
//! ([`ButtonKind`]), or a name plus up to five sub-buttons. It serializes exactly as WeChat's
//! `button` / `sub_button` objects (`type`, `name`, `key`, `url`, `appid`, `pagepath`,
//! `media_id`, `article_id`), and reads them back, including the `"sub_button": []` that
//! `menu/get` puts on every leaf.
//!
//! [`Menu::check`] applies WeChat's structure limits locally (1–3 top buttons, 1–5 sub-buttons,
//! names ≤ 16 bytes on top and ≤ 60 bytes below, `key` ≤ 128 bytes, `url` ≤ 1024 bytes); the
//! `create` and `addconditional` requests run it before anything is sent. [`MenuSet`] is the
//! whole menu state of an account (the default menu and its conditional menus), the shape a menu
//! file and the gateway's configuration use; with the `credentials` feature it can be read from
//! and pushed to an account ([`MenuSet::fetch`], [`MenuSet::push`]).
//!
//! See [WeChat Docs/创建自定义菜单](https://developers.weixin.qq.com/doc/service/api/custommenu/api_createcustommenu.html)
//! and [WeChat Docs/个性化菜单接口](https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Personalized_menu_interface.html).

pub mod addconditional;
pub mod create;
pub mod delconditional;
pub mod delete;
pub mod get;
pub mod trymatch;

use std::fmt;

use serde::de::{self, Deserializer};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use crate::{AppId, ErrCode, MediaId};

/// Most top-level buttons of a menu.
pub const MAX_BUTTONS: usize = 3;
/// Most sub-buttons under one top-level button.
pub const MAX_SUB_BUTTONS: usize = 5;
/// Longest top-level button name, in UTF-8 bytes.
pub const MAX_NAME_BYTES: usize = 16;
/// Longest sub-button name, in UTF-8 bytes.
pub const MAX_SUB_NAME_BYTES: usize = 60;
/// Longest `key`, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 128;
/// Longest `url`, in UTF-8 bytes.
pub const MAX_URL_BYTES: usize = 1024;

/// One menu button: its `name` and what it does.
///
/// ```
/// use wxgate_api::endpoint::menu::Button;
/// let button = Button::sub_menu("菜单", vec![Button::view("搜索", "http://www.soso.com/")]);
/// assert_eq!(
///     serde_json::to_string(&button).unwrap(),
///     r#"{"name":"菜单","sub_button":[{"type":"view","name":"搜索","url":"http://www.soso.com/"}]}"#,
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawButton", into = "RawButton")]
#[non_exhaustive]
pub struct Button {
    /// The label shown in the chat (≤ 16 bytes on top, ≤ 60 bytes in a sub-menu).
    pub name: String,
    /// What tapping it does.
    pub kind: ButtonKind,
}

/// What a button does, by WeChat's `type` (a sub-menu has no `type`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ButtonKind {
    /// A sub-menu of 1–5 buttons (`sub_button`); tapping it opens them, no event.
    SubMenu(Vec<Button>),
    /// `click`: pushes a `CLICK` event with `key`.
    Click {
        /// The event key.
        key: String,
    },
    /// `view`: opens `url`.
    View {
        /// The page.
        url: String,
    },
    /// `miniprogram`: opens a mini program page (`url` for clients without mini programs).
    MiniProgram {
        /// The fallback page.
        url: String,
        /// The mini program (associated with the account).
        appid: AppId,
        /// The page path inside it.
        pagepath: String,
    },
    /// `scancode_push`: opens the scanner and shows the result.
    ScancodePush {
        /// The event key.
        key: String,
    },
    /// `scancode_waitmsg`: opens the scanner and waits for the account's reply.
    ScancodeWaitmsg {
        /// The event key.
        key: String,
    },
    /// `pic_sysphoto`: takes a photo.
    PicSysphoto {
        /// The event key.
        key: String,
    },
    /// `pic_photo_or_album`: takes a photo or picks one.
    PicPhotoOrAlbum {
        /// The event key.
        key: String,
    },
    /// `pic_weixin`: picks from the WeChat album.
    PicWeixin {
        /// The event key.
        key: String,
    },
    /// `location_select`: sends a location.
    LocationSelect {
        /// The event key.
        key: String,
    },
    /// `media_id`: sends a permanent material (no event).
    MediaId {
        /// The material.
        media_id: MediaId,
    },
    /// `view_limited`: opens a permanent news material (no event).
    ViewLimited {
        /// The material.
        media_id: MediaId,
    },
    /// `article_id`: sends a published article (no event).
    ArticleId {
        /// The published article.
        article_id: String,
    },
    /// `article_view_limited`: opens a published article (no event).
    ArticleViewLimited {
        /// The published article.
        article_id: String,
    },
}

impl ButtonKind {
    /// WeChat's `type`, `None` for a sub-menu.
    pub fn type_name(&self) -> Option<&'static str> {
        Some(match self {
            Self::SubMenu(_) => return None,
            Self::Click { .. } => "click",
            Self::View { .. } => "view",
            Self::MiniProgram { .. } => "miniprogram",
            Self::ScancodePush { .. } => "scancode_push",
            Self::ScancodeWaitmsg { .. } => "scancode_waitmsg",
            Self::PicSysphoto { .. } => "pic_sysphoto",
            Self::PicPhotoOrAlbum { .. } => "pic_photo_or_album",
            Self::PicWeixin { .. } => "pic_weixin",
            Self::LocationSelect { .. } => "location_select",
            Self::MediaId { .. } => "media_id",
            Self::ViewLimited { .. } => "view_limited",
            Self::ArticleId { .. } => "article_id",
            Self::ArticleViewLimited { .. } => "article_view_limited",
        })
    }
}

impl Button {
    /// A button of any kind.
    pub fn new(name: impl Into<String>, kind: ButtonKind) -> Self {
        Self {
            name: name.into(),
            kind,
        }
    }

    /// A `click` button.
    pub fn click(name: impl Into<String>, key: impl Into<String>) -> Self {
        Self::new(name, ButtonKind::Click { key: key.into() })
    }

    /// A `view` button.
    pub fn view(name: impl Into<String>, url: impl Into<String>) -> Self {
        Self::new(name, ButtonKind::View { url: url.into() })
    }

    /// A `miniprogram` button.
    pub fn mini_program(
        name: impl Into<String>,
        url: impl Into<String>,
        appid: impl Into<AppId>,
        pagepath: impl Into<String>,
    ) -> Self {
        Self::new(
            name,
            ButtonKind::MiniProgram {
                url: url.into(),
                appid: appid.into(),
                pagepath: pagepath.into(),
            },
        )
    }

    /// A sub-menu.
    pub fn sub_menu(name: impl Into<String>, buttons: Vec<Button>) -> Self {
        Self::new(name, ButtonKind::SubMenu(buttons))
    }

    /// The sub-buttons, empty for a leaf.
    pub fn sub_buttons(&self) -> &[Button] {
        match &self.kind {
            ButtonKind::SubMenu(buttons) => buttons,
            _ => &[],
        }
    }
}

/// WeChat's flat button object, as on the wire.
#[derive(Clone, Default, Serialize, Deserialize)]
struct RawButton {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    appid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pagepath: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    media_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    article_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sub_button: Vec<RawButton>,
}

impl TryFrom<RawButton> for Button {
    type Error = String;

    fn try_from(raw: RawButton) -> Result<Self, String> {
        let name = raw.name;
        // A button with sub-buttons is a sub-menu whatever its `type` says (WeChat ignores it).
        if !raw.sub_button.is_empty() {
            let subs = raw
                .sub_button
                .into_iter()
                .map(Button::try_from)
                .collect::<Result<_, _>>()?;
            return Ok(Self::new(name, ButtonKind::SubMenu(subs)));
        }
        let Some(kind) = raw.kind.filter(|k| !k.is_empty()) else {
            return Err(format!(
                "button `{name}` has neither a `type` nor a `sub_button`"
            ));
        };
        let need = |field: Option<String>, field_name: &str| {
            field.ok_or_else(|| format!("`{kind}` button `{name}` needs `{field_name}`"))
        };
        let kind = match kind.as_str() {
            "click" => ButtonKind::Click {
                key: need(raw.key, "key")?,
            },
            "view" => ButtonKind::View {
                url: need(raw.url, "url")?,
            },
            "miniprogram" => ButtonKind::MiniProgram {
                url: need(raw.url, "url")?,
                appid: AppId::new(need(raw.appid, "appid")?),
                pagepath: need(raw.pagepath, "pagepath")?,
            },
            "scancode_push" => ButtonKind::ScancodePush {
                key: need(raw.key, "key")?,
            },
            "scancode_waitmsg" => ButtonKind::ScancodeWaitmsg {
                key: need(raw.key, "key")?,
            },
            "pic_sysphoto" => ButtonKind::PicSysphoto {
                key: need(raw.key, "key")?,
            },
            "pic_photo_or_album" => ButtonKind::PicPhotoOrAlbum {
                key: need(raw.key, "key")?,
            },
            "pic_weixin" => ButtonKind::PicWeixin {
                key: need(raw.key, "key")?,
            },
            "location_select" => ButtonKind::LocationSelect {
                key: need(raw.key, "key")?,
            },
            "media_id" => ButtonKind::MediaId {
                media_id: MediaId::new(need(raw.media_id, "media_id")?),
            },
            "view_limited" => ButtonKind::ViewLimited {
                media_id: MediaId::new(need(raw.media_id, "media_id")?),
            },
            "article_id" => ButtonKind::ArticleId {
                article_id: need(raw.article_id, "article_id")?,
            },
            "article_view_limited" => ButtonKind::ArticleViewLimited {
                article_id: need(raw.article_id, "article_id")?,
            },
            other => {
                return Err(format!(
                    "button `{name}` has unknown type `{other}` (expected one of click, view, \
                     miniprogram, scancode_push, scancode_waitmsg, pic_sysphoto, \
                     pic_photo_or_album, pic_weixin, location_select, media_id, view_limited, \
                     article_id, article_view_limited)"
                ));
            }
        };
        Ok(Self::new(name, kind))
    }
}

impl From<Button> for RawButton {
    fn from(button: Button) -> Self {
        let mut raw = RawButton {
            kind: button.kind.type_name().map(str::to_owned),
            name: button.name,
            ..RawButton::default()
        };
        match button.kind {
            ButtonKind::SubMenu(subs) => {
                raw.sub_button = subs.into_iter().map(Into::into).collect()
            }
            ButtonKind::Click { key }
            | ButtonKind::ScancodePush { key }
            | ButtonKind::ScancodeWaitmsg { key }
            | ButtonKind::PicSysphoto { key }
            | ButtonKind::PicPhotoOrAlbum { key }
            | ButtonKind::PicWeixin { key }
            | ButtonKind::LocationSelect { key } => raw.key = Some(key),
            ButtonKind::View { url } => raw.url = Some(url),
            ButtonKind::MiniProgram {
                url,
                appid,
                pagepath,
            } => {
                raw.url = Some(url);
                raw.appid = Some(appid.into_string());
                raw.pagepath = Some(pagepath);
            }
            ButtonKind::MediaId { media_id } | ButtonKind::ViewLimited { media_id } => {
                raw.media_id = Some(media_id.into_string());
            }
            ButtonKind::ArticleId { article_id }
            | ButtonKind::ArticleViewLimited { article_id } => {
                raw.article_id = Some(article_id);
            }
        }
        raw
    }
}

/// A menu: 1–3 top-level buttons (`{"button": [...]}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Menu {
    /// The top-level buttons.
    #[serde(default)]
    pub button: Vec<Button>,
}

impl Menu {
    /// A menu of these top-level buttons.
    pub fn new(button: Vec<Button>) -> Self {
        Self { button }
    }

    /// Checks WeChat's structure limits locally; the error names the first offending field
    /// (`button[1].sub_button[0].name`) and the `errcode` WeChat would answer.
    ///
    /// # Errors
    ///
    /// [`InvalidMenu`] for the first problem found ([`Menu::problems`] lists them all).
    pub fn check(&self) -> Result<(), InvalidMenu> {
        match self.problems().into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// Every violation of WeChat's structure limits, in order.
    pub fn problems(&self) -> Vec<InvalidMenu> {
        let mut problems = Vec::new();
        if self.button.is_empty() || self.button.len() > MAX_BUTTONS {
            problems.push(InvalidMenu::new(
                "button",
                ErrCode::InvalidButtonSize,
                format!(
                    "a menu has 1 to {MAX_BUTTONS} buttons, this one has {}",
                    self.button.len()
                ),
            ));
        }
        for (i, button) in self.button.iter().enumerate() {
            check_button(button, &format!("button[{i}]"), false, &mut problems);
        }
        problems
    }
}

fn check_button(button: &Button, path: &str, sub: bool, problems: &mut Vec<InvalidMenu>) {
    let (max_name, name_code) = if sub {
        (MAX_SUB_NAME_BYTES, ErrCode::InvalidSubButtonNameSize)
    } else {
        (MAX_NAME_BYTES, ErrCode::InvalidButtonNameSize)
    };
    let name_len = button.name.len();
    if name_len == 0 || name_len > max_name {
        problems.push(InvalidMenu::new(
            format!("{path}.name"),
            name_code,
            format!(
                "a name has 1 to {max_name} bytes, `{}` has {name_len}",
                button.name
            ),
        ));
    }
    let text = |field: &str, value: &str, max: usize, code: ErrCode| {
        (value.is_empty() || value.len() > max).then(|| {
            InvalidMenu::new(
                format!("{path}.{field}"),
                code,
                format!(
                    "`{field}` has 1 to {max} bytes, this one has {}",
                    value.len()
                ),
            )
        })
    };
    let (key_code, url_code) = if sub {
        (
            ErrCode::InvalidSubButtonKeySize,
            ErrCode::InvalidSubButtonUrlSize,
        )
    } else {
        (ErrCode::InvalidButtonKeySize, ErrCode::InvalidButtonUrlSize)
    };
    match &button.kind {
        ButtonKind::SubMenu(subs) => {
            if sub {
                problems.push(InvalidMenu::new(
                    format!("{path}.sub_button"),
                    ErrCode::InvalidSubButtonType,
                    "a sub-button cannot have sub-buttons of its own",
                ));
                return;
            }
            if subs.is_empty() || subs.len() > MAX_SUB_BUTTONS {
                problems.push(InvalidMenu::new(
                    format!("{path}.sub_button"),
                    ErrCode::InvalidSubButtonSize,
                    format!(
                        "a sub-menu has 1 to {MAX_SUB_BUTTONS} buttons, this one has {}",
                        subs.len()
                    ),
                ));
            }
            for (i, child) in subs.iter().enumerate() {
                check_button(child, &format!("{path}.sub_button[{i}]"), true, problems);
            }
        }
        ButtonKind::Click { key }
        | ButtonKind::ScancodePush { key }
        | ButtonKind::ScancodeWaitmsg { key }
        | ButtonKind::PicSysphoto { key }
        | ButtonKind::PicPhotoOrAlbum { key }
        | ButtonKind::PicWeixin { key }
        | ButtonKind::LocationSelect { key } => {
            problems.extend(text("key", key, MAX_KEY_BYTES, key_code));
        }
        ButtonKind::View { url } => problems.extend(text("url", url, MAX_URL_BYTES, url_code)),
        ButtonKind::MiniProgram {
            url,
            appid,
            pagepath,
        } => {
            problems.extend(text("url", url, MAX_URL_BYTES, url_code));
            for (field, value) in [("appid", appid.as_str()), ("pagepath", pagepath.as_str())] {
                if value.is_empty() {
                    problems.push(InvalidMenu::new(
                        format!("{path}.{field}"),
                        ErrCode::ArgumentInvalid,
                        format!("a miniprogram button needs a non-empty `{field}`"),
                    ));
                }
            }
        }
        ButtonKind::MediaId { media_id } | ButtonKind::ViewLimited { media_id } => {
            if media_id.as_str().is_empty() {
                problems.push(InvalidMenu::new(
                    format!("{path}.media_id"),
                    ErrCode::ArgumentInvalid,
                    "this button needs a non-empty `media_id`",
                ));
            }
        }
        ButtonKind::ArticleId { article_id } | ButtonKind::ArticleViewLimited { article_id } => {
            if article_id.is_empty() {
                problems.push(InvalidMenu::new(
                    format!("{path}.article_id"),
                    ErrCode::ArgumentInvalid,
                    "this button needs a non-empty `article_id`",
                ));
            }
        }
    }
}

/// The client platform of a [`MatchRule`] (`client_platform_type`: `"1"`, `"2"`, `"3"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Platform {
    /// `1`: iOS.
    Ios,
    /// `2`: Android.
    Android,
    /// `3`: others.
    Other,
}

impl Platform {
    /// The wire code (`1`, `2`, `3`).
    pub fn code(self) -> u8 {
        match self {
            Self::Ios => 1,
            Self::Android => 2,
            Self::Other => 3,
        }
    }
}

impl Serialize for Platform {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.code().to_string())
    }
}

impl<'de> Deserialize<'de> for Platform {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match StrOrNum::deserialize(deserializer)?
            .0
            .to_ascii_lowercase()
            .as_str()
        {
            "1" | "ios" => Ok(Self::Ios),
            "2" | "android" => Ok(Self::Android),
            "3" | "other" | "others" => Ok(Self::Other),
            other => Err(de::Error::custom(format!(
                "client_platform_type `{other}` is not 1 (iOS), 2 (Android) or 3 (others)"
            ))),
        }
    }
}

/// A string or a number on the wire (WeChat writes ids and codes either way), as text.
struct StrOrNum(String);

impl<'de> Deserialize<'de> for StrOrNum {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Str(String),
            Num(u64),
        }
        Ok(Self(match Either::deserialize(deserializer)? {
            Either::Str(s) => s,
            Either::Num(n) => n.to_string(),
        }))
    }
}

/// An optional id written as a string or a number; serialized as a string, like WeChat's docs.
mod opt_id {
    use super::*;

    pub(super) fn serialize<S: Serializer>(
        value: &Option<u64>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(id) => serializer.serialize_str(&id.to_string()),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<u64>, D::Error> {
        match Option::<StrOrNum>::deserialize(deserializer)? {
            None => Ok(None),
            Some(StrOrNum(text)) if text.is_empty() => Ok(None),
            Some(StrOrNum(text)) => text
                .parse()
                .map(Some)
                .map_err(|_| de::Error::custom(format!("`{text}` is not a numeric id"))),
        }
    }
}

/// A menu id, written by WeChat as a number (`menu/get`) or a string (`addconditional`).
pub(crate) fn menu_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let StrOrNum(text) = StrOrNum::deserialize(deserializer)?;
    text.parse()
        .map_err(|_| de::Error::custom(format!("menuid `{text}` is not numeric")))
}

/// Who sees a conditional menu (`matchrule`): users with the tag and/or on the platform.
///
/// `sex`, `country`, `province`, `city` and `language` are WeChat's former privacy-based rules:
/// old menus may still carry them, but creating a menu with them fails (65320).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MatchRule {
    /// Users carrying this tag (`tag_id`).
    #[serde(default, with = "opt_id", skip_serializing_if = "Option::is_none")]
    pub tag_id: Option<u64>,
    /// Users on this platform (`client_platform_type`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_platform_type: Option<Platform>,
    /// Former rule (no longer accepted).
    #[serde(default, skip_serializing_if = "is_blank")]
    pub sex: Option<String>,
    /// Former rule (no longer accepted).
    #[serde(default, skip_serializing_if = "is_blank")]
    pub country: Option<String>,
    /// Former rule (no longer accepted).
    #[serde(default, skip_serializing_if = "is_blank")]
    pub province: Option<String>,
    /// Former rule (no longer accepted).
    #[serde(default, skip_serializing_if = "is_blank")]
    pub city: Option<String>,
    /// Former rule (no longer accepted).
    #[serde(default, skip_serializing_if = "is_blank")]
    pub language: Option<String>,
}

fn is_blank(value: &Option<String>) -> bool {
    value.as_deref().is_none_or(str::is_empty)
}

impl MatchRule {
    /// Users carrying tag `tag_id`.
    pub fn tag(tag_id: u64) -> Self {
        Self {
            tag_id: Some(tag_id),
            ..Self::default()
        }
    }

    /// Users on `platform`.
    pub fn platform(platform: Platform) -> Self {
        Self {
            client_platform_type: Some(platform),
            ..Self::default()
        }
    }

    /// Also requires the platform.
    pub fn and_platform(mut self, platform: Platform) -> Self {
        self.client_platform_type = Some(platform);
        self
    }

    /// Checks the rule locally: at least one field (65304), no former privacy-based field
    /// (65320).
    ///
    /// # Errors
    ///
    /// [`InvalidMenu`] naming the field (`matchrule.sex`).
    pub fn check(&self) -> Result<(), InvalidMenu> {
        let legacy = [
            ("sex", &self.sex),
            ("country", &self.country),
            ("province", &self.province),
            ("city", &self.city),
            ("language", &self.language),
        ];
        if let Some((field, _)) = legacy.iter().find(|(_, v)| !is_blank(v)) {
            return Err(InvalidMenu::new(
                format!("matchrule.{field}"),
                ErrCode::MatchRulePrivacy,
                format!("`{field}` is a former privacy-based rule WeChat no longer accepts"),
            ));
        }
        if self.tag_id.is_none() && self.client_platform_type.is_none() {
            return Err(InvalidMenu::new(
                "matchrule",
                ErrCode::MatchRuleEmpty,
                "a match rule needs `tag_id` or `client_platform_type`",
            ));
        }
        Ok(())
    }
}

/// A conditional menu: buttons and who sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConditionalMenu {
    /// Who sees it.
    pub matchrule: MatchRule,
    /// The top-level buttons.
    #[serde(default)]
    pub button: Vec<Button>,
}

impl ConditionalMenu {
    /// A conditional menu.
    pub fn new(matchrule: MatchRule, button: Vec<Button>) -> Self {
        Self { matchrule, button }
    }

    /// Checks the buttons ([`Menu::check`]) and the rule ([`MatchRule::check`]).
    ///
    /// # Errors
    ///
    /// [`InvalidMenu`] for the first problem.
    pub fn check(&self) -> Result<(), InvalidMenu> {
        Menu::new(self.button.clone()).check()?;
        self.matchrule.check()
    }
}

/// An account's whole menu: the default menu and its conditional menus, in creation order
/// (newest last, which WeChat matches first).
///
/// Its serde form is the shape of a menu file and of the gateway's `[accounts.menu]`:
/// `button = [...]`, `conditional = [{matchrule = {...}, button = [...]}]`. No buttons and no
/// conditional menus means "no menu".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MenuSet {
    /// The default menu's top-level buttons.
    #[serde(default)]
    pub button: Vec<Button>,
    /// The conditional menus.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditional: Vec<ConditionalMenu>,
}

impl MenuSet {
    /// A menu set.
    pub fn new(button: Vec<Button>, conditional: Vec<ConditionalMenu>) -> Self {
        Self {
            button,
            conditional,
        }
    }

    /// Whether it has no menu at all.
    pub fn is_empty(&self) -> bool {
        self.button.is_empty() && self.conditional.is_empty()
    }

    /// Every violation of WeChat's limits, with paths (`button[0].name`,
    /// `conditional[1].matchrule`); empty when a push can succeed as far as local checks go.
    pub fn problems(&self) -> Vec<InvalidMenu> {
        if self.button.is_empty() {
            return if self.conditional.is_empty() {
                Vec::new()
            } else {
                vec![InvalidMenu::new(
                    "button",
                    ErrCode::NoDefaultMenu,
                    "conditional menus need a default menu",
                )]
            };
        }
        let mut problems = Menu::new(self.button.clone()).problems();
        for (i, menu) in self.conditional.iter().enumerate() {
            let prefix = format!("conditional[{i}].");
            let mut own = Menu::new(menu.button.clone()).problems();
            own.extend(menu.matchrule.check().err());
            problems.extend(own.into_iter().map(|mut p| {
                p.path.insert_str(0, &prefix);
                p
            }));
        }
        problems
    }

    /// The menu state `menu/get` reports.
    pub fn from_get(response: get::Response) -> Self {
        Self {
            button: response.menu.button,
            conditional: response
                .conditionalmenu
                .into_iter()
                .map(|m| ConditionalMenu::new(m.matchrule, m.button))
                .collect(),
        }
    }

    /// Parses WeChat's own menu JSON, as the docs print it and `menu/get` answers it: the
    /// `menu/create` body (`{"button": [...]}`) or the `menu/get` answer (`{"menu": {...},
    /// "conditionalmenu": [...]}`).
    ///
    /// # Errors
    ///
    /// The JSON error, with its line and column.
    pub fn from_wechat_json(json: &str) -> Result<Self, serde_json::Error> {
        /// Either shape; ids (`menuid`) are ignored.
        #[derive(Deserialize)]
        struct Shape {
            menu: Option<Menu>,
            button: Option<Vec<Button>>,
            #[serde(default)]
            conditionalmenu: Vec<ConditionalMenu>,
        }
        let shape: Shape = serde_json::from_str(json)?;
        let button = match (shape.menu, shape.button) {
            (Some(menu), None) => menu.button,
            (None, Some(button)) => button,
            (Some(_), Some(_)) => {
                return Err(serde::de::Error::custom(
                    "a menu has either `menu` (the menu/get answer) or `button` (the menu/create body), not both",
                ));
            }
            (None, None) => {
                return Err(serde::de::Error::custom(
                    "a menu needs `button` (the menu/create body) or `menu` (the menu/get answer)",
                ));
            }
        };
        Ok(Self::new(button, shape.conditionalmenu))
    }

    /// WeChat's `menu/get` JSON form of this set, pretty-printed in WeChat's field order (what
    /// [`MenuSet::from_wechat_json`] reads back).
    pub fn to_wechat_json(&self) -> String {
        #[derive(Serialize)]
        struct Shape<'a> {
            menu: &'a MenuSetDefault<'a>,
            #[serde(skip_serializing_if = "<[_]>::is_empty")]
            conditionalmenu: &'a [ConditionalShape<'a>],
        }
        #[derive(Serialize)]
        struct MenuSetDefault<'a> {
            button: &'a [Button],
        }
        #[derive(Serialize)]
        struct ConditionalShape<'a> {
            button: &'a [Button],
            matchrule: &'a MatchRule,
        }
        let conditional: Vec<ConditionalShape<'_>> = self
            .conditional
            .iter()
            .map(|m| ConditionalShape {
                button: &m.button,
                matchrule: &m.matchrule,
            })
            .collect();
        let shape = Shape {
            menu: &MenuSetDefault {
                button: &self.button,
            },
            conditionalmenu: &conditional,
        };
        // Plain data with string keys: serializing it cannot fail.
        serde_json::to_string_pretty(&shape).unwrap_or_default()
    }
}

#[cfg(feature = "credentials")]
impl MenuSet {
    /// The account's current menus (`menu/get`); an empty set when it has none (46003).
    ///
    /// # Errors
    ///
    /// Any other error of `menu/get`.
    pub async fn fetch(credentials: &crate::Credentials) -> Result<Self, crate::Error> {
        match credentials.call(&get::Request::new()).await {
            Ok(response) => Ok(Self::from_get(response)),
            Err(error) if error.errcode() == Some(ErrCode::MenuNotExist) => Ok(Self::default()),
            Err(error) => Err(error),
        }
    }

    /// Makes this set the account's menus: deletes the existing conditional menus, creates the
    /// default menu, then adds each conditional menu in order. An empty set deletes every menu
    /// (`menu/delete`). Returns the new conditional menus' ids.
    ///
    /// The set is checked locally first; nothing is sent when a check fails.
    ///
    /// # Errors
    ///
    /// [`PushError::Invalid`] when a local check fails, [`PushError::Api`] when a call fails
    /// (the menus may then be partly replaced).
    pub async fn push(&self, credentials: &crate::Credentials) -> Result<Vec<u64>, PushError> {
        if let Some(problem) = self.problems().into_iter().next() {
            return Err(PushError::Invalid(problem));
        }
        if self.is_empty() {
            credentials.call(&delete::Request::new()).await?;
            return Ok(Vec::new());
        }
        let create = create::Request::new(Menu::new(self.button.clone()))?;
        let current = Self::fetch_ids(credentials).await?;
        for menuid in current {
            credentials
                .call(&delconditional::Request::new(menuid))
                .await?;
        }
        credentials.call(&create).await?;
        let mut ids = Vec::new();
        for menu in &self.conditional {
            let request = addconditional::Request::new(menu.clone())?;
            ids.push(credentials.call(&request).await?.menuid);
        }
        Ok(ids)
    }

    async fn fetch_ids(credentials: &crate::Credentials) -> Result<Vec<u64>, crate::Error> {
        match credentials.call(&get::Request::new()).await {
            Ok(response) => Ok(response.conditionalmenu.iter().map(|m| m.menuid).collect()),
            Err(error) if error.errcode() == Some(ErrCode::MenuNotExist) => Ok(Vec::new()),
            Err(error) => Err(error),
        }
    }
}

/// Why [`MenuSet::push`] failed.
#[cfg(feature = "credentials")]
#[derive(Debug)]
#[non_exhaustive]
pub enum PushError {
    /// A local check failed; nothing was sent.
    Invalid(InvalidMenu),
    /// A call failed.
    Api(crate::Error),
}

#[cfg(feature = "credentials")]
impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(invalid) => write!(f, "the menu is invalid: {invalid}"),
            Self::Api(error) => write!(f, "pushing the menu failed: {error}"),
        }
    }
}

#[cfg(feature = "credentials")]
impl std::error::Error for PushError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Invalid(invalid) => Some(invalid),
            Self::Api(error) => Some(error),
        }
    }
}

#[cfg(feature = "credentials")]
impl From<InvalidMenu> for PushError {
    fn from(invalid: InvalidMenu) -> Self {
        Self::Invalid(invalid)
    }
}

#[cfg(feature = "credentials")]
impl From<crate::Error> for PushError {
    fn from(error: crate::Error) -> Self {
        Self::Api(error)
    }
}

/// A menu that breaks one of WeChat's limits, found before sending it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidMenu {
    path: String,
    errcode: ErrCode,
    message: String,
}

impl InvalidMenu {
    fn new(path: impl Into<String>, errcode: ErrCode, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            errcode,
            message: message.into(),
        }
    }

    /// The offending field, e.g. `button[1].sub_button[0].name`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The `errcode` WeChat answers for this problem (40018 for a long name, …).
    pub fn errcode(&self) -> ErrCode {
        self.errcode
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for InvalidMenu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (wechat would answer errcode {})",
            self.path, self.message, self.errcode
        )
    }
}

impl std::error::Error for InvalidMenu {}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn docs_menu() -> serde_json::Value {
        json!({"button":[
            {"type":"click","name":"今日歌曲","key":"V1001_TODAY_MUSIC"},
            {"name":"菜单","sub_button":[
                {"type":"view","name":"搜索","url":"http://www.soso.com/"},
                {"type":"miniprogram","name":"wxa","url":"http://mp.weixin.qq.com","appid":"wx286b93c14bbf93aa","pagepath":"pages/lunar/index"},
                {"type":"click","name":"赞一下我们","key":"V1001_GOOD"}]}]})
    }

    #[test]
    fn wechat_json_round_trips() {
        let menu: Menu = serde_json::from_value(docs_menu()).unwrap();
        assert_eq!(menu.button[1].sub_buttons().len(), 3);
        assert_eq!(
            menu.button[1].sub_buttons()[1].kind,
            ButtonKind::MiniProgram {
                url: "http://mp.weixin.qq.com".to_owned(),
                appid: AppId::new("wx286b93c14bbf93aa"),
                pagepath: "pages/lunar/index".to_owned(),
            }
        );
        assert_eq!(serde_json::to_value(&menu).unwrap(), docs_menu());
        menu.check().unwrap();
    }

    #[test]
    fn every_type_round_trips() {
        let kinds = [
            json!({"type":"scancode_push","name":"a","key":"k"}),
            json!({"type":"scancode_waitmsg","name":"a","key":"k"}),
            json!({"type":"pic_sysphoto","name":"a","key":"k"}),
            json!({"type":"pic_photo_or_album","name":"a","key":"k"}),
            json!({"type":"pic_weixin","name":"a","key":"k"}),
            json!({"type":"location_select","name":"a","key":"k"}),
            json!({"type":"media_id","name":"a","media_id":"M"}),
            json!({"type":"view_limited","name":"a","media_id":"M"}),
            json!({"type":"article_id","name":"a","article_id":"A"}),
            json!({"type":"article_view_limited","name":"a","article_id":"A"}),
        ];
        for value in kinds {
            let button: Button = serde_json::from_value(value.clone()).unwrap();
            assert_eq!(button.kind.type_name(), value["type"].as_str(), "{value}");
            assert_eq!(serde_json::to_value(&button).unwrap(), value);
        }
    }

    #[test]
    fn sub_buttons_win_over_a_type() {
        let button: Button = serde_json::from_value(
            json!({"type":"click","name":"a","key":"k","sub_button":[{"type":"click","name":"b","key":"k"}]}),
        )
        .unwrap();
        assert_eq!(button, Button::sub_menu("a", vec![Button::click("b", "k")]));
    }

    #[test]
    fn menu_get_leaves_with_empty_sub_button_read() {
        let button: Button =
            serde_json::from_value(json!({"type":"click","name":"a","key":"k","sub_button":[]}))
                .unwrap();
        assert_eq!(button, Button::click("a", "k"));
    }

    #[test]
    fn missing_fields_and_unknown_types_are_clear() {
        let error = serde_json::from_value::<Button>(json!({"type":"click","name":"a"}))
            .unwrap_err()
            .to_string();
        assert!(error.contains("`click` button `a` needs `key`"), "{error}");
        let error = serde_json::from_value::<Button>(json!({"type":"bogus","name":"a"}))
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown type `bogus`"), "{error}");
        let error = serde_json::from_value::<Button>(json!({"name":"a"}))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("neither a `type` nor a `sub_button`"),
            "{error}"
        );
    }

    #[test]
    fn local_checks_name_the_field_and_the_code() {
        let long = Menu::new(vec![Button::click("这是一个很长的名字", "k")]);
        let error = long.check().unwrap_err();
        assert_eq!(error.path(), "button[0].name");
        assert_eq!(error.errcode(), ErrCode::InvalidButtonNameSize);
        let cases = [
            (Menu::new(vec![]), "button", 40016),
            (Menu::new(vec![Button::click("a", "k"); 4]), "button", 40016),
            (
                Menu::new(vec![Button::click("a", "")]),
                "button[0].key",
                40019,
            ),
            (
                Menu::new(vec![Button::view("a", "u".repeat(1025))]),
                "button[0].url",
                40020,
            ),
            (
                Menu::new(vec![Button::sub_menu("a", vec![])]),
                "button[0].sub_button",
                40023,
            ),
            (
                Menu::new(vec![Button::sub_menu(
                    "a",
                    vec![Button::click("b", "k"); 6],
                )]),
                "button[0].sub_button",
                40023,
            ),
            (
                Menu::new(vec![Button::sub_menu(
                    "a",
                    vec![Button::click("b".repeat(61), "k")],
                )]),
                "button[0].sub_button[0].name",
                40025,
            ),
            (
                Menu::new(vec![Button::sub_menu(
                    "a",
                    vec![Button::click("b", "k".repeat(129))],
                )]),
                "button[0].sub_button[0].key",
                40026,
            ),
            (
                Menu::new(vec![Button::sub_menu("a", vec![Button::view("b", "")])]),
                "button[0].sub_button[0].url",
                40027,
            ),
            (
                Menu::new(vec![Button::sub_menu(
                    "a",
                    vec![Button::sub_menu("b", vec![Button::click("c", "k")])],
                )]),
                "button[0].sub_button[0].sub_button",
                40024,
            ),
            (
                Menu::new(vec![Button::mini_program("a", "http://x", "", "p")]),
                "button[0].appid",
                47003,
            ),
        ];
        for (menu, path, code) in cases {
            let error = menu.check().unwrap_err();
            assert_eq!(
                (error.path(), error.errcode().code()),
                (path, code),
                "{menu:?}"
            );
        }
        // 16 bytes on top, 60 below: exactly at the limit passes.
        Menu::new(vec![Button::sub_menu(
            "一二三四五", // 15 bytes
            vec![Button::click("b".repeat(60), "k".repeat(128))],
        )])
        .check()
        .unwrap();
    }

    #[test]
    fn match_rules_read_strings_and_numbers() {
        let rule: MatchRule =
            serde_json::from_value(json!({"tag_id": "2", "client_platform_type": 1})).unwrap();
        assert_eq!(rule, MatchRule::tag(2).and_platform(Platform::Ios));
        assert_eq!(
            serde_json::to_value(&rule).unwrap(),
            json!({"tag_id": "2", "client_platform_type": "1"})
        );
        assert_eq!(
            MatchRule::default().check().unwrap_err().errcode(),
            ErrCode::MatchRuleEmpty
        );
        let legacy: MatchRule = serde_json::from_value(json!({"sex": "1"})).unwrap();
        assert_eq!(
            legacy.check().unwrap_err().errcode(),
            ErrCode::MatchRulePrivacy
        );
    }

    #[test]
    fn menu_sets_read_both_wechat_shapes() {
        let from_create = MenuSet::from_wechat_json(&docs_menu().to_string()).unwrap();
        assert_eq!(from_create.button.len(), 2);
        let get = json!({"menu": {"button": docs_menu()["button"], "menuid": 7},
            "conditionalmenu": [{"button": [{"type":"click","name":"VIP","key":"VIP","sub_button":[]}],
                "matchrule": {"tag_id": "2"}, "menuid": 8}]});
        let from_get = MenuSet::from_wechat_json(&get.to_string()).unwrap();
        assert_eq!(from_get.button, from_create.button);
        assert_eq!(from_get.conditional[0].matchrule, MatchRule::tag(2));
        let again = MenuSet::from_wechat_json(&from_get.to_wechat_json()).unwrap();
        assert_eq!(again, from_get);
        assert!(MenuSet::from_wechat_json(r#"{"button": [{"name": 3}]}"#).is_err());
        let orphan = MenuSet::new(vec![], from_get.conditional.clone());
        assert_eq!(orphan.problems()[0].errcode(), ErrCode::NoDefaultMenu);
    }
}
