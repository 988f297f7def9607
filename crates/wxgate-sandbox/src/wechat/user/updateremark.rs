//! `POST /cgi-bin/user/info/updateremark`: set a user's remark.
//!
//! See [WeChat Docs/设置用户备注名](https://developers.weixin.qq.com/doc/service/api/usermanage/userinfo/api_updateremark.html).

use super::*;

/// `POST /cgi-bin/user/info/updateremark`
pub(super) const API: Api = Api::post("cgi-bin/user/info/updateremark").daily(10_000);

/// The request body.
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    openid: String,
    #[serde(default)]
    remark: String,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let Body { openid, remark } = typed_body(&body)?;
            if remark.chars().count() > 30 {
                return Err(WxError::argument_invalid(
                    "remark longer than 30 characters",
                ));
            }
            sb.with_state(|s| {
                s.app_mut(&app_id)?.user_mut(&openid)?.remark = remark;
                Ok(ok())
            })
        }
        .await,
    )
}
