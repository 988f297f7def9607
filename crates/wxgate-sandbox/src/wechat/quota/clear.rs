//! `POST /cgi-bin/openapi/quota/clear`: reset one API's daily quota.
//!
//! See [WeChat Docs/重置指定API调用次数](https://developers.weixin.qq.com/doc/service/api/apimanage/api_clearapiquota.html).

use super::*;

/// `POST /cgi-bin/openapi/quota/clear`
pub(super) const API: Api = Api::post("cgi-bin/openapi/quota/clear");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: CgiPath = typed_body(&body)?;
            let path = checked_path(&body.cgi_path)?.to_owned();
            sb.with_state(|s| {
                let now = s.now();
                let app = s.app_mut(&app_id)?;
                if app.daily_limit(&path).is_none() {
                    return Err(WxError::new(76021, "cgi_path not found, please check"));
                }
                let month = clock::beijing_month(now);
                app.quota_clears
                    .retain(|t| clock::beijing_month(*t) == month);
                if app.quota_clears.len() >= CLEARS_PER_MONTH {
                    return Err(WxError::new(
                        48006,
                        "forbid to clear quota because of reaching the limit",
                    ));
                }
                app.quota_clears.push(now);
                app.quota_used.remove(&path);
                Ok(ok())
            })
        }
        .await,
    )
}
