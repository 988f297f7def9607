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
            let body = json_body(&body)?;
            let button = validate_buttons(&body)?;
            let rule = match_rule(&body)?;
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

fn match_rule(body: &Value) -> Result<Value, WxError> {
    let rule = body
        .get("matchrule")
        .and_then(Value::as_object)
        .ok_or_else(|| WxError::new(65304, "match rule empty"))?;
    const LEGACY: &[&str] = &["sex", "country", "province", "city", "language", "group_id"];
    if LEGACY
        .iter()
        .any(|f| rule.get(*f).is_some_and(|v| !is_empty(v)))
    {
        return Err(WxError::new(
            65320,
            "matchrule with privacy info is not supported",
        ));
    }
    let mut out = Map::new();
    for field in ["tag_id", "client_platform_type"] {
        if let Some(value) = rule.get(field).filter(|v| !is_empty(v)) {
            out.insert(field.to_owned(), value.clone());
        }
    }
    if out.is_empty() {
        return Err(WxError::new(65304, "match rule empty"));
    }
    Ok(Value::Object(out))
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}
