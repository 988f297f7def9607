//! `GET /sns/oauth2/access_token`: exchange a code for an OAuth access token.
//!
//! See [WeChat Docs/换取网页授权凭证](https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsaccesstoken.html).

use super::*;

/// `GET /sns/oauth2/access_token`
pub(super) const API: Api = Api::get("sns/oauth2/access_token");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    let result = async {
        let app_id = q.get("appid").cloned().unwrap_or_default();
        sb.enter_app(&API, &app_id).await?;
        crate::wechat::token::check_app(&sb, &app_id, q.get("secret").map(String::as_str))?;
        super::exchange_code(&sb, &app_id, &q)
    }
    .await;
    reply(result)
}
