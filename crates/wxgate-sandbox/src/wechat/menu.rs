//! Custom menus: `menu/create`, `menu/get`, `menu/delete`, `menu/addconditional`,
//! `menu/delconditional`, `menu/trymatch`, `get_current_selfmenu_info` (the API-created default
//! menu in that API's shape, sub-buttons under `sub_button.list`; `is_menu_open` 0 without one).
//!
//! Bodies parse into typed structs (44002 when empty, 47001 when not JSON or a field has the
//! wrong JSON type); every button field is optional there so that each missing or oversized one
//! gets WeChat's own code. Validation: 1–3 top-level buttons (40016); a button with `sub_button` has 1–5 of them (40023)
//! and no type; names ≤ 16 bytes on top, ≤ 60 bytes below (40018/40025); `key` ≤ 128 bytes and
//! required for click/scan/pic/location types (40019/40026); `url` ≤ 1024 bytes and required for
//! view/miniprogram (40020/40027); unknown types 40017/40024; miniprogram needs `appid` and
//! `pagepath`, `media_id`/`view_limited` need `media_id`, `article_id`/`article_view_limited` need
//! `article_id` (47003). Conditional menus: a default menu must exist (65303), `matchrule` must
//! have `tag_id` or `client_platform_type` (65304), legacy fields answer 65320; `tag_id` is not
//! checked against existing tags (sandbox choice). Matching: newest conditional menu first, by the
//! user's last-applied tag and platform, then the default menu.
//!
//! See [WeChat Docs/创建接口](https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Creating_Custom-Defined_Menu.html)
//! and [WeChat Docs/个性化菜单接口](https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Personalized_menu_interface.html).

pub(super) mod addconditional;
pub(super) mod create;
pub(super) mod delconditional;
pub(super) mod delete;
pub(super) mod get;
pub(super) mod get_current_selfmenu_info;
pub(super) mod trymatch;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::api::{Api, Routes};
use super::{ok, params, reply, typed_body};
use crate::Sandbox;
use crate::error::WxError;
use crate::state::{App, Menu, User};

/// This group's APIs.
pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .api(create::API, create::handler)
        .api(get::API, get::handler)
        .api(delete::API, delete::handler)
        .api(addconditional::API, addconditional::handler)
        .api(delconditional::API, delconditional::handler)
        .api(trymatch::API, trymatch::handler)
        .api(
            get_current_selfmenu_info::API,
            get_current_selfmenu_info::handler,
        )
}

const TYPES: &[&str] = &[
    "click",
    "view",
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
    "media_id",
    "view_limited",
    "article_id",
    "article_view_limited",
    "miniprogram",
];
const KEYED: &[&str] = &[
    "click",
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
];

/// The body of `menu/create` (and the buttons of `menu/addconditional`).
#[derive(Deserialize)]
pub(crate) struct MenuBody {
    #[serde(default)]
    button: Option<Vec<ButtonBody>>,
}

/// One button as WeChat's JSON has it: every field optional, checked by `validate_buttons` so
/// each problem gets WeChat's own code (a wrong JSON type is 47001 at parse time).
#[derive(Clone, Deserialize, Serialize)]
struct ButtonBody {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(default)]
    name: Option<String>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sub_button: Option<Vec<ButtonBody>>,
}

impl ButtonBody {
    fn text(&self, field: &str) -> &str {
        let value = match field {
            "key" => &self.key,
            "url" => &self.url,
            "appid" => &self.appid,
            "pagepath" => &self.pagepath,
            "media_id" => &self.media_id,
            "article_id" => &self.article_id,
            _ => &None,
        };
        value.as_deref().unwrap_or_default()
    }
}

/// Error codes of one level: (type, name, key, url).
struct Codes {
    kind: (i64, &'static str),
    name: (i64, &'static str),
    key: (i64, &'static str),
    url: (i64, &'static str),
    name_max: usize,
}

const TOP: Codes = Codes {
    kind: (40017, "invalid button type"),
    name: (40018, "invalid button name size"),
    key: (40019, "invalid button key size"),
    url: (40020, "invalid button url size"),
    name_max: 16,
};
const SUB: Codes = Codes {
    kind: (40024, "invalid sub button type"),
    name: (40025, "invalid sub button name size"),
    key: (40026, "invalid sub button key size"),
    url: (40027, "invalid sub button url size"),
    name_max: 60,
};

/// Validate the `button` array and return it normalised the way `menu/get` shows it.
pub(crate) fn validate_buttons(body: &MenuBody) -> Result<Value, WxError> {
    let buttons = body
        .button
        .as_ref()
        .ok_or_else(|| WxError::new(40016, "invalid button size"))?;
    if buttons.is_empty() || buttons.len() > 3 {
        return Err(WxError::new(40016, "invalid button size"));
    }
    let mut out = Vec::new();
    for button in buttons {
        check_name(button, &TOP)?;
        match &button.sub_button {
            Some(subs) if !subs.is_empty() || button.kind.is_none() => {
                if subs.is_empty() || subs.len() > 5 {
                    return Err(WxError::new(40023, "invalid sub button size"));
                }
                let mut normalised = Vec::new();
                for sub in subs {
                    check_name(sub, &SUB)?;
                    normalised.push(leaf(sub, &SUB)?);
                }
                out.push(json!({"name": button.name, "sub_button": normalised}));
            }
            _ => out.push(leaf(button, &TOP)?),
        }
    }
    Ok(Value::Array(out))
}

fn check_name(button: &ButtonBody, codes: &Codes) -> Result<(), WxError> {
    let name = button.name.as_deref().unwrap_or_default();
    if name.is_empty() || name.len() > codes.name_max {
        return Err(WxError::new(codes.name.0, codes.name.1));
    }
    Ok(())
}

fn leaf(button: &ButtonBody, codes: &Codes) -> Result<Value, WxError> {
    let kind = button.kind.as_deref().unwrap_or_default();
    if !TYPES.contains(&kind) {
        return Err(WxError::new(codes.kind.0, codes.kind.1));
    }
    let key = button.text("key");
    if KEYED.contains(&kind) && (key.is_empty() || key.len() > 128) {
        return Err(WxError::new(codes.key.0, codes.key.1));
    }
    let url = button.text("url");
    if matches!(kind, "view" | "miniprogram") && (url.is_empty() || url.len() > 1024) {
        return Err(WxError::new(codes.url.0, codes.url.1));
    }
    let required: &[&str] = match kind {
        "miniprogram" => &["appid", "pagepath"],
        "media_id" | "view_limited" => &["media_id"],
        "article_id" | "article_view_limited" => &["article_id"],
        _ => &[],
    };
    if let Some(missing) = required.iter().find(|f| button.text(f).is_empty()) {
        return Err(WxError::argument_invalid(missing));
    }
    let mut normalised = button.clone();
    normalised.sub_button = Some(Vec::new());
    serde_json::to_value(normalised).map_err(|_| WxError::data_format())
}

/// The `menu/get` body, `None` without a default menu.
pub(crate) fn menu_json(app: &App) -> Option<Value> {
    let menu = app.menu.as_ref()?;
    let mut body = json!({"menu": {"button": menu.button, "menuid": menu.menuid}});
    if !app.conditional_menus.is_empty() {
        body["conditionalmenu"] = app
            .conditional_menus
            .iter()
            .map(|m| json!({"button": m.button, "matchrule": m.matchrule, "menuid": m.menuid}))
            .collect();
    }
    Some(body)
}

/// A rule field as text (WeChat accepts numbers and strings here).
fn rule_text(rule: &Value, field: &str) -> Option<String> {
    match rule.get(field)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The menu `user` sees: the newest matching conditional menu, else the default one.
pub(crate) fn effective_menu<'a>(app: &'a App, user: &User) -> Option<&'a Menu> {
    app.menu.as_ref()?;
    let last_tag = user.tags.last().map(u32::to_string);
    let platform = user.client_platform_type.to_string();
    app.conditional_menus
        .iter()
        .rev()
        .find(|menu| {
            let Some(rule) = &menu.matchrule else {
                return false;
            };
            let tag_ok = rule_text(rule, "tag_id").is_none_or(|t| Some(t) == last_tag);
            let platform_ok = rule_text(rule, "client_platform_type").is_none_or(|p| p == platform);
            tag_ok && platform_ok
        })
        .or(app.menu.as_ref())
}

/// Find the leaf button of `kind` whose `field` equals `value` in `menu`.
pub(crate) fn find_button<'a>(
    menu: &'a Menu,
    kinds: &[&str],
    field: &str,
    value: &str,
) -> Option<&'a Value> {
    let buttons = menu.button.as_array()?;
    buttons
        .iter()
        .flat_map(|b| {
            let subs = b.get("sub_button").and_then(Value::as_array);
            std::iter::once(b).chain(subs.into_iter().flatten())
        })
        .find(|b| {
            b.get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| kinds.contains(&t))
                && b.get(field).and_then(Value::as_str) == Some(value)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(body: Value) -> i64 {
        let Ok(body) = serde_json::from_value::<MenuBody>(body) else {
            return 47001;
        };
        validate_buttons(&body)
            .map(|_| 0)
            .unwrap_or_else(|e| e.code)
    }

    #[test]
    fn validation_codes() {
        let click = json!({"type": "click", "name": "a", "key": "k"});
        assert_eq!(code(json!({"button": []})), 40016);
        assert_eq!(code(json!({"button": [click, click, click, click]})), 40016);
        assert_eq!(
            code(json!({"button": [{"type": "bogus", "name": "a"}]})),
            40017
        );
        assert_eq!(
            code(json!({"button": [{"type": "click", "name": "12345678901234567", "key": "k"}]})),
            40018
        );
        assert_eq!(
            code(json!({"button": [{"type": "click", "name": "a"}]})),
            40019
        );
        assert_eq!(
            code(json!({"button": [{"type": "view", "name": "a", "url": "u".repeat(1025)}]})),
            40020
        );
        assert_eq!(
            code(json!({"button": [{"name": "a", "sub_button": []}]})),
            40023
        );
        assert_eq!(
            code(
                json!({"button": [{"name": "a", "sub_button": [click, click, click, click, click, click]}]})
            ),
            40023
        );
        assert_eq!(
            code(json!({"button": [{"name": "a", "sub_button": [{"type": "x", "name": "b"}]}]})),
            40024
        );
        assert_eq!(
            code(
                json!({"button": [{"name": "a", "sub_button": [{"type": "click", "name": "b".repeat(61), "key": "k"}]}]})
            ),
            40025
        );
        assert_eq!(
            code(
                json!({"button": [{"name": "a", "sub_button": [{"type": "click", "name": "b", "key": "k".repeat(129)}]}]})
            ),
            40026
        );
        assert_eq!(
            code(json!({"button": [{"name": "a", "sub_button": [{"type": "view", "name": "b"}]}]})),
            40027
        );
        assert_eq!(code(json!({"button": "x"})), 47001);
        assert_eq!(
            code(json!({"button": [{"type": "click", "name": 3}]})),
            47001
        );
        assert_eq!(code(json!({"button": [click]})), 0);
    }
}
