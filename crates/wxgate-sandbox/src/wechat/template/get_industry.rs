//! `GET /cgi-bin/template/get_industry`: the app's two industries.
//!
//! See [WeChat Docs/获取设置的行业信息](https://developers.weixin.qq.com/doc/service/api/notify/template/api_getindustry.html).

use super::*;

/// `GET /cgi-bin/template/get_industry`
pub(super) const API: Api = Api::get("cgi-bin/template/get_industry");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            sb.with_state_ro(|s| {
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                let class = |id: Option<u32>| {
                    let (first, second) = id.and_then(industry).unwrap_or_default();
                    json!({"first_class": first, "second_class": second})
                };
                Ok(json!({
                    "primary_industry": class(app.industry.map(|i| i.0)),
                    "secondary_industry": class(app.industry.map(|i| i.1)),
                }))
            })
        }
        .await,
    )
}
