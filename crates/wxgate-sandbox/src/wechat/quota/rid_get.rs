//! `POST /cgi-bin/openapi/rid/get`: what the app's call behind an error rid was.
//!
//! See [WeChat Docs/查询rid信息](https://developers.weixin.qq.com/doc/service/api/apimanage/api_getridinfo.html).

use super::*;
use crate::state::RID_TTL;
use crate::wechat::rids::well_formed;

/// `POST /cgi-bin/openapi/rid/get`
pub(super) const API: Api = Api::post("cgi-bin/openapi/rid/get");

/// `{"rid":"61725984-6126f6f9-040f19c4"}`
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    rid: String,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            let rid = body.rid.trim();
            if !well_formed(rid) {
                return Err(WxError::new(76002, "rid is error"));
            }
            sb.with_state_ro(|s| {
                let now = s.now();
                let app = s.app(&app_id).ok_or_else(WxError::invalid_appid)?;
                if let Some(record) = app.rids.get(rid).filter(|r| r.invoke_time + RID_TTL > now) {
                    return Ok(json!({
                        "errcode": 0,
                        "errmsg": "ok",
                        "request": {
                            "invoke_time": record.invoke_time,
                            "cost_in_ms": record.cost_in_ms,
                            "request_url": record.request_url,
                            "request_body": record.request_body,
                            "response_body": record.response_body,
                            "client_ip": record.client_ip,
                        },
                    }));
                }
                let elsewhere = s
                    .apps
                    .iter()
                    .any(|(id, other)| *id != app_id && other.rids.contains_key(rid));
                if elsewhere {
                    Err(WxError::new(
                        76003,
                        "could not query this rid,no permission",
                    ))
                } else {
                    Err(WxError::new(76001, "rid not found"))
                }
            })
        }
        .await,
    )
}
