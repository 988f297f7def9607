//! `GET /sns/userinfo`: the authorizing user's profile.
//!
//! See [WeChat Docs/获取用户信息（网页授权）](https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsuserinfo.html).

use super::*;

/// `GET /sns/userinfo`
pub(super) const API: Api = Api::get("sns/userinfo");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    let result = async {
        let grant = enter_oauth(&sb, &API, &q).await?;
        if grant.scope != "snsapi_userinfo" {
            return Err(WxError::unauthorized());
        }
        sb.with_state_ro(|s| {
            let user = s
                .app(&grant.app_id)
                .and_then(|a| a.user(&grant.openid))
                .ok_or_else(WxError::invalid_openid)?;
            let mut body = json!({
                "openid": user.openid,
                "nickname": user.nickname,
                "sex": 0,
                "province": "",
                "city": "",
                "country": "",
                "headimgurl": "",
                "privilege": [],
            });
            if let Some(unionid) = &user.unionid {
                body["unionid"] = json!(unionid);
            }
            Ok(body)
        })
    }
    .await;
    reply(result)
}
