//! `GET /cgi-bin/template/get_all_private_template`: the app's templates.
//!
//! See [WeChat Docs/获取模板列表](https://developers.weixin.qq.com/doc/service/api/notify/template/api_getallprivatetemplate.html).

use super::*;

/// `GET /cgi-bin/template/get_all_private_template`
pub(super) const API: Api = Api::get("cgi-bin/template/get_all_private_template");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                let list: Vec<Value> = app
                    .templates
                    .iter()
                    .map(|(id, t)| {
                        json!({
                            "template_id": id,
                            "title": t.title,
                            "primary_industry": t.primary_industry,
                            "deputy_industry": t.deputy_industry,
                            "content": t.content,
                            "example": t.example,
                        })
                    })
                    .collect();
                Ok(json!({"template_list": list}))
            })
        }
        .await,
    )
}
