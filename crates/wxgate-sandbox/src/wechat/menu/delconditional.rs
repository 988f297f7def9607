//! `POST /cgi-bin/menu/delconditional`: delete a conditional menu.
//!
//! See [WeChat Docs/删除个性化菜单](https://developers.weixin.qq.com/doc/service/api/custommenu/api_deleteconditionalmenu.html).

use super::*;

/// `POST /cgi-bin/menu/delconditional`
pub(super) const API: Api = Api::post("cgi-bin/menu/delconditional").daily(2_000);

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            let menuid = match body.menuid {
                Some(MenuId::Str(s)) => s.parse::<u64>().ok(),
                Some(MenuId::Num(n)) => Some(n),
                None => None,
            };
            sb.with_state(|s| {
                let app = s.app_mut(&app_id)?;
                let before = app.conditional_menus.len();
                app.conditional_menus.retain(|m| Some(m.menuid) != menuid);
                if app.conditional_menus.len() == before {
                    return Err(WxError::new(65301, "menuid not exist"));
                }
                Ok(ok())
            })
        }
        .await,
    )
}

/// `{"menuid": "208379533"}` (a number works too).
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    menuid: Option<MenuId>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum MenuId {
    Str(String),
    Num(u64),
}
