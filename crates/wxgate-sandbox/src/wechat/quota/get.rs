//! `POST /cgi-bin/openapi/quota/get`: one API's daily quota.
//!
//! See [WeChat Docs/查询API调用额度](https://developers.weixin.qq.com/doc/service/api/apimanage/api_getapiquota.html).

use super::*;

/// `POST /cgi-bin/openapi/quota/get`
pub(super) const API: Api = Api::post("cgi-bin/openapi/quota/get");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: CgiPath = typed_body(&body)?;
            let path = checked_path(&body.cgi_path)?;
            sb.with_state(|s| {
                let now = s.now();
                let app = s.app_mut(&app_id)?;
                app.roll_quota_day(now);
                let Some(limit) = app.daily_limit(path) else {
                    return Err(WxError::new(76021, "cgi_path not found, please check"));
                };
                let used = app.quota_used.get(path).copied().unwrap_or(0);
                Ok(json!({
                    "errcode": 0,
                    "errmsg": "ok",
                    "quota": {"daily_limit": limit, "used": used, "remain": limit.saturating_sub(used)},
                }))
            })
        }
        .await,
    )
}
