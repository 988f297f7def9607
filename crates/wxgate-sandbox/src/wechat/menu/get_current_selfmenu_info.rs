//! `GET /cgi-bin/get_current_selfmenu_info`: the current menu in that API's shape.
//!
//! See [WeChat Docs/查询自定义菜单信息](https://developers.weixin.qq.com/doc/service/api/custommenu/api_getcurrentselfmenuinfo.html).

use super::*;

/// `GET /cgi-bin/get_current_selfmenu_info`
pub(super) const API: Api = Api::get("cgi-bin/get_current_selfmenu_info");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                let Some(menu) = &app.menu else {
                    return Ok(json!({"is_menu_open": 0}));
                };
                let buttons: Vec<Value> = menu
                    .button
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|b| {
                        let mut b = b.clone();
                        let subs = b.get("sub_button").cloned().unwrap_or(json!([]));
                        match subs.as_array() {
                            Some(list) if !list.is_empty() => {
                                let list: Vec<Value> = list.iter().map(without_subs).collect();
                                b["sub_button"] = json!({"list": list});
                                b
                            }
                            _ => without_subs(&b),
                        }
                    })
                    .collect();
                Ok(json!({"is_menu_open": 1, "selfmenu_info": {"button": buttons}}))
            })
        }
        .await,
    )
}

fn without_subs(button: &Value) -> Value {
    let mut button = button.clone();
    if let Some(object) = button.as_object_mut() {
        object.remove("sub_button");
    }
    button
}
