//! `POST /cgi-bin/menu/addconditional`: add a conditional menu.
//!
//! See [WeChat Docs/创建个性化菜单](https://developers.weixin.qq.com/doc/service/api/custommenu/api_addconditionalmenu.html).

use super::*;

/// `POST /cgi-bin/menu/addconditional`
pub(super) const API: Api = Api::post("cgi-bin/menu/addconditional").daily(2_000);

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            let button = validate_buttons(&body.menu)?;
            let rule = match_rule(body.matchrule.as_ref())?;
            sb.with_state(|s| {
                let app = s.app_mut(&app_id)?;
                if app.menu.is_none() {
                    return Err(WxError::new(
                        65303,
                        "there is no selfmenu, please create selfmenu first",
                    ));
                }
                app.menu_serial += 1;
                let menuid = 400_000_000 + app.menu_serial;
                app.conditional_menus.push(Menu {
                    menuid,
                    button,
                    matchrule: Some(rule),
                });
                Ok(json!({"menuid": menuid.to_string()}))
            })
        }
        .await,
    )
}

/// `{"button": [...], "matchrule": {...}}`
#[derive(Deserialize)]
struct Body {
    #[serde(flatten)]
    menu: MenuBody,
    #[serde(default)]
    matchrule: Option<MatchRule>,
}

/// A `matchrule`: the current fields and the former privacy-based ones (refused with 65320).
#[derive(Deserialize)]
struct MatchRule {
    #[serde(default)]
    tag_id: Option<Text>,
    #[serde(default)]
    client_platform_type: Option<Text>,
    #[serde(default)]
    sex: Option<Text>,
    #[serde(default)]
    country: Option<Text>,
    #[serde(default)]
    province: Option<Text>,
    #[serde(default)]
    city: Option<Text>,
    #[serde(default)]
    language: Option<Text>,
    #[serde(default)]
    group_id: Option<Text>,
}

/// A rule value: WeChat takes strings and numbers alike.
#[derive(Deserialize)]
#[serde(untagged)]
enum Text {
    Str(String),
    Num(serde_json::Number),
}

impl Text {
    /// The value as text, `None` when blank.
    fn value(&self) -> Option<String> {
        match self {
            Self::Str(s) if s.is_empty() => None,
            Self::Str(s) => Some(s.clone()),
            Self::Num(n) => Some(n.to_string()),
        }
    }
}

fn match_rule(rule: Option<&MatchRule>) -> Result<Value, WxError> {
    let rule = rule.ok_or_else(|| WxError::new(65304, "match rule empty"))?;
    let legacy = [
        &rule.sex,
        &rule.country,
        &rule.province,
        &rule.city,
        &rule.language,
        &rule.group_id,
    ];
    if legacy
        .iter()
        .any(|f| f.as_ref().and_then(Text::value).is_some())
    {
        return Err(WxError::new(
            65320,
            "matchrule with privacy info is not supported",
        ));
    }
    let mut out = serde_json::Map::new();
    for (field, value) in [
        ("tag_id", &rule.tag_id),
        ("client_platform_type", &rule.client_platform_type),
    ] {
        if let Some(text) = value.as_ref().and_then(Text::value) {
            out.insert(field.to_owned(), Value::String(text));
        }
    }
    if out.is_empty() {
        return Err(WxError::new(65304, "match rule empty"));
    }
    Ok(Value::Object(out))
}
