//! `POST /cgi-bin/template/del_private_template`: delete one of the app's templates.
//!
//! See [WeChat Docs/删除模板](https://developers.weixin.qq.com/doc/service/api/notify/template/api_delprivatetemplate.html).

use super::*;

/// `POST /cgi-bin/template/del_private_template`
pub(super) const API: Api = Api::post("cgi-bin/template/del_private_template");

/// `{"template_id":"..."}`
#[derive(Deserialize)]
struct Body {
    template_id: String,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            sb.with_state(|s| {
                let app = s.app_mut(&app_id)?;
                app.templates
                    .remove(&body.template_id)
                    .ok_or_else(|| WxError::new(40037, "invalid template_id"))?;
                Ok(ok())
            })
        }
        .await,
    )
}
